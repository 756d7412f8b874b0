package dev.portcullis.gateway.hardening;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.portcullis.gateway.Gateway;
import dev.portcullis.gateway.GatewayConfig;
import dev.portcullis.policy.audit.AuditEvent;
import dev.portcullis.policy.audit.AuditQuery;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A running gateway (embedded store, plain HTTP on loopback) for the git hardening tests, with
 * alice, the owner of the private {@code alice/r} and the public {@code alice/pub} (one commit on
 * main each), and bob, who may only read {@code alice/r}. It listens to the log, so a test can
 * check that a refused request got its one {@code portcullis.git} line, its audit row, and no
 * warning or stack trace.
 */
final class GitFixture implements AutoCloseable {
  final Gateway gateway;
  final int port;
  final String aliceToken;
  final String bobToken;
  final Hardening.Git git;
  private final Path tmp;
  private final ListAppender<ILoggingEvent> gitLines = new ListAppender<>();
  private final ListAppender<ILoggingEvent> everything = new ListAppender<>();
  private final ch.qos.logback.classic.Logger gitLog =
      (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("portcullis.git");
  private final ch.qos.logback.classic.Logger root =
      (ch.qos.logback.classic.Logger)
          org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);

  GitFixture(Path tmp) throws Exception {
    this.tmp = tmp;
    gitLines.start();
    everything.start();
    gitLog.addAppender(gitLines);
    root.addAppender(everything);
    gateway = Gateway.start(GatewayConfig.defaults(tmp.resolve("data")).withPorts(0, 0));
    port = URI.create(gateway.httpUrl()).getPort();
    Hardening.Api api =
        new Hardening.Api(gateway.httpUrl(), Hardening.adminToken(tmp.resolve("data")));
    for (String u : List.of("alice", "bob")) {
      api.expect(201, "POST", "/admin/users", Map.of("login", u));
    }
    for (String[] r : new String[][] {{"r", "private"}, {"pub", "public"}}) {
      api.expect(201, "POST", "/admin/users/alice/repos", Map.of("name", r[0], "visibility", r[1]));
      gateway
          .storage()
          .seedReadme(gateway.admin().directory().repository("alice", r[0]), "# " + r[0] + "\n");
    }
    api.expect(201, "PUT", "/repos/alice/r/collaborators/bob", Map.of("permission", "pull"));
    aliceToken = token(api, "alice");
    bobToken = token(api, "bob");
    git = new Hardening.Git(tmp.resolve("home"));
  }

  private static String token(Hardening.Api api, String login) {
    return api.expect(
            201,
            "POST",
            "/admin/users/" + login + "/personal-access-tokens",
            Map.of("type", "classic", "name", "t", "scopes", List.of("repo"), "expires_in", 30))
        .get("token")
        .asText();
  }

  /** The clone URL of {@code owner/name} with {@code login}'s credentials in it. */
  String url(String login, String token, String repo) {
    return gateway.httpUrl().replace("http://", "http://" + login + ":" + token + "@")
        + "/"
        + repo
        + ".git";
  }

  /** A fresh working directory under the test's temporary directory. */
  Path workDir(String prefix) throws java.io.IOException {
    return java.nio.file.Files.createTempDirectory(tmp, prefix);
  }

  /** The commit {@code refs/heads/main} of {@code owner/name} points to. */
  String tip(String owner, String name) throws java.io.IOException {
    try (org.eclipse.jgit.lib.Repository db =
        gateway.storage().open(gateway.admin().directory().repository(owner, name))) {
      return db.exactRef("refs/heads/main").getObjectId().name();
    }
  }

  /** The id {@code ref} of {@code owner/name} points to, or null. */
  String ref(String owner, String name, String ref) throws java.io.IOException {
    try (org.eclipse.jgit.lib.Repository db =
        gateway.storage().open(gateway.admin().directory().repository(owner, name))) {
      org.eclipse.jgit.lib.Ref r = db.exactRef(ref);
      return r == null ? null : r.getObjectId().name();
    }
  }

  /** Sends one request as is (see {@link RawHttp}). */
  RawHttp.Response send(String method, String target, List<String> headers, byte[] body) {
    return RawHttp.exchange(port, RawHttp.head(method, target, port, headers, body), body, 30_000);
  }

  static String pkt(String payload) {
    return BadInputCorpus.pkt(payload);
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  // ------------------------------------------------------------------ what the gateway recorded

  /** Where the logs and the audit log stood before a request. */
  record Mark(int gitLines, int events, Map<Integer, Long> audit) {}

  /**
   * What has been recorded so far. The filter logs a request after its answer is sent, so the line
   * of the request before may still be on its way: the count is taken once it stays put.
   */
  Mark mark(String repo) throws InterruptedException {
    int lines = gitLines(repo, -1).size();
    for (int i = 0; i < 50; i++) {
      Thread.sleep(100);
      int now = gitLines(repo, -1).size();
      if (now == lines) {
        break;
      }
      lines = now;
    }
    return new Mark(lines, events().size(), auditByStatus(repo));
  }

  private List<String> gitLines(String repo, int status) {
    List<String> out = new ArrayList<>();
    synchronized (gitLines) {
      for (ILoggingEvent e : List.copyOf(gitLines.list)) {
        String m = e.getFormattedMessage();
        if (m.contains(" repo=" + repo + " ")
            && (status < 0 || m.contains(" status=" + status + " "))) {
          out.add(m);
        }
      }
    }
    return out;
  }

  /** The appender appends under its own lock: copy under it. */
  private List<ILoggingEvent> events() {
    synchronized (everything) {
      return List.copyOf(everything.list);
    }
  }

  private Map<Integer, Long> auditByStatus(String repo) throws InterruptedException {
    assertTrue(gateway.audit().flush(Duration.ofSeconds(10)), "the audit log drains");
    Map<Integer, Long> out = new java.util.TreeMap<>();
    for (int page = 1; ; page++) {
      List<AuditEvent> rows =
          gateway
              .audit()
              .query(new AuditQuery("decision", null, null, repo, null, null, null, page, 100))
              .items();
      for (AuditEvent e : rows) {
        out.merge(e.status() == null ? -1 : e.status(), (long) e.occurrences(), Long::sum);
      }
      if (rows.size() < 100) {
        return out;
      }
    }
  }

  /**
   * Since {@code before}: exactly one more {@code portcullis.git} line for {@code repo}, with
   * {@code status}; one more audit occurrence for {@code repo} with that status; and no warning,
   * error or stack trace from any logger.
   */
  void assertRecordedOnce(Mark before, String repo, int status, String what) throws Exception {
    long deadline = System.nanoTime() + 5_000_000_000L;
    List<String> lines = gitLines(repo, -1);
    while (lines.size() <= before.gitLines() && System.nanoTime() < deadline) {
      Thread.sleep(20);
      lines = gitLines(repo, -1);
    }
    Thread.sleep(50); // a second line, if there were one, would come right after
    lines = gitLines(repo, -1);
    List<String> added = lines.subList(before.gitLines(), lines.size());
    assertEquals(1, added.size(), what + ": one portcullis.git line, not " + added);
    assertTrue(
        added.get(0).contains(" status=" + status + " "),
        what + ": the line says status " + status + ": " + added.get(0));
    Map<Integer, Long> audit = auditByStatus(repo);
    long rows = audit.getOrDefault(status, 0L) - before.audit().getOrDefault(status, 0L);
    assertEquals(1, rows, what + ": one audit occurrence with status " + status + ": " + audit);
    List<String> noisy = noisySince(before.events());
    assertTrue(noisy.isEmpty(), what + ": no warning or stack trace in the log: " + noisy);
  }

  /** How many log events there have been so far, for {@link #noisySince}. */
  int logEvents() {
    return events().size();
  }

  /** The warnings, errors and stack traces logged after the first {@code from} events. */
  List<String> noisySince(int from) {
    List<String> noisy = new ArrayList<>();
    List<ILoggingEvent> events = events();
    for (ILoggingEvent e : events.subList(from, events.size())) {
      if (e.getLevel().isGreaterOrEqual(Level.WARN) || e.getThrowableProxy() != null) {
        noisy.add(
            e.getLevel()
                + " "
                + e.getLoggerName()
                + " "
                + e.getFormattedMessage()
                + (e.getThrowableProxy() == null
                    ? ""
                    : " — " + e.getThrowableProxy().getClassName()));
      }
    }
    return noisy;
  }

  /** The body must hold no stack trace or class name. */
  static void assertNoTrace(RawHttp.Response r, String what) {
    String text = new String(r.body(), StandardCharsets.ISO_8859_1);
    for (String leak : List.of("Exception", "\tat ", "java.", "org.eclipse.", "Caused by")) {
      assertTrue(!text.contains(leak), what + ": the answer leaks '" + leak + "': " + r.describe());
    }
  }

  @Override
  public void close() {
    gateway.close();
    gitLog.detachAppender(gitLines);
    root.detachAppender(everything);
  }
}
