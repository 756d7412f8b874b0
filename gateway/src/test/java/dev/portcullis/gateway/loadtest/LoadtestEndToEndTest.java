package dev.portcullis.gateway.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.gateway.Gateway;
import dev.portcullis.gateway.GatewayConfig;
import dev.portcullis.policy.model.PolicyException;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * {@code gateway loadtest} against a real gateway started in-process on loopback (ports 0): small
 * numbers, a few seconds, every operation, revocations and bad tokens; then the reports, the pushed
 * branches in the bare repository, and the verdict are checked.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class LoadtestEndToEndTest {
  private static final Pattern PLAINTEXT = Pattern.compile("pc[cf]_[0-9A-Za-z]{38}");
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir static Path tmp;
  private Gateway gateway;
  private Path data;
  private ch.qos.logback.classic.Level gitLogLevel;

  @BeforeAll
  void start() throws Exception {
    // One log line per git request is the gateway's job, not this test's output.
    ch.qos.logback.classic.Logger git =
        (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("portcullis.git");
    gitLogLevel = git.getLevel();
    git.setLevel(ch.qos.logback.classic.Level.WARN);
    data = tmp.resolve("data");
    gateway = Gateway.start(GatewayConfig.defaults(data).withPorts(0, 0));
  }

  @AfterAll
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
    ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("portcullis.git"))
        .setLevel(gitLogLevel);
  }

  /** Exit code and everything printed. */
  private record Run(int exit, String output) {}

  private Run loadtest(String... args) {
    StringWriter text = new StringWriter();
    PrintWriter w = new PrintWriter(text, true);
    int exit = new CommandLine(new LoadtestCommand()).setOut(w).setErr(w).execute(args);
    w.flush();
    System.out.println(
        "$ gateway loadtest " + String.join(" ", args) + "\n" + text + "(exit " + exit + ")");
    return new Run(exit, text.toString());
  }

  private static JsonNode onlyReport(Path dir) throws IOException {
    try (Stream<Path> files = Files.list(dir)) {
      List<Path> json = files.filter(p -> p.toString().endsWith(".json")).toList();
      assertEquals(1, json.size(), () -> "one JSON report in " + dir + ": " + json);
      return JSON.readTree(json.get(0).toFile());
    }
  }

  @Test
  void loadWithRevocationsAndBadTokensOverHttp() throws Exception {
    Path reports = tmp.resolve("reports-http");
    Run run =
        loadtest(
            "--data",
            data.toString(),
            "--http",
            "--org",
            "lt-http",
            "--no-cleanup",
            "--tokens",
            "50",
            "--clients",
            "8",
            "--duration",
            "3s",
            "--mix",
            "ls-remote=50,clone=25,push=25",
            "--revoke-rate",
            "5",
            "--bad-token-rate",
            "0.2",
            "--seed-commits",
            "6",
            "--seed-kb",
            "48",
            "--report-dir",
            reports.toString());
    assertEquals(0, run.exit(), run::output);
    String out = run.output();
    assertTrue(out.contains("REVOCATION VIOLATIONS (2xx after the revocation returned): 0"), out);
    assertTrue(out.contains("setup: 50 tokens in"), out);
    assertTrue(
        out.matches(
            "(?s).*\\[\\d+ s\\] HTTP \\d+ req/s \\| ls-remote \\d+ ops/s p50 [\\d.]+ ms p99 [\\d.]+ ms \\| .*"),
        () -> "a progress line per second:\n" + out);
    assertFalse(PLAINTEXT.matcher(out).find(), "no token plaintext is printed");

    JsonNode r = onlyReport(reports);
    for (String op : List.of("ls-remote", "clone", "push")) {
      assertTrue(
          r.path("operations").path(op).path("count").asLong() > 0,
          () -> op + " succeeded: " + r.path("operations"));
      assertTrue(
          r.path("operations").path(op).path("latency_ms").has("p99"), op + " has percentiles");
    }
    assertTrue(
        r.path("operations").path("clone").path("bytes").asLong() > 16 * 1024,
        "clones read real packs");
    // The one failure tolerated is the server's: once the push repository holds more than
    // gc.autoPackLimit (50)
    // packs, JGit's receive-pack runs auto-GC, whose pack-refs step briefly locks every loose ref,
    // and a push
    // racing it is refused with "fetch first". Anything else is the load tester's or the gateway's
    // bug.
    r.path("run")
        .path("errors")
        .fieldNames()
        .forEachRemaining(
            k ->
                assertTrue(
                    k.startsWith(
                        "push: protocol: push rejected: fetch first: another push is updating it"),
                    () -> "unexpected error: " + k));

    JsonNode bad = r.path("bad_tokens");
    assertTrue(bad.path("statuses").path("401").asLong() > 0, () -> "bad tokens got 401: " + bad);
    assertEquals(0, bad.path("accepted").asLong());

    JsonNode rev = r.path("revocation");
    assertTrue(rev.path("succeeded").asLong() > 0, () -> "tokens were revoked: " + rev);
    assertEquals(
        0,
        rev.path("failed").asLong(),
        () -> "revocation failures: " + rev.path("failure_samples"));
    assertTrue(
        rev.path("requests_after_revocation").asLong() > 0,
        () -> "revoked tokens kept being used: " + rev);
    assertEquals(
        0, rev.path("violations").asLong(), () -> "violations: " + rev.path("violation_samples"));
    assertEquals(rev.path("succeeded").asLong(), rev.path("revoked_token_ids").size());
    assertTrue(r.path("verdict").path("held").asBoolean());

    // Every push the load tester counted is a commit on its client's branch in the bare repository.
    long commits = 0;
    int branches = 0;
    dev.portcullis.policy.model.Repository pushes =
        gateway.admin().directory().repository("lt-http", Setup.PUSH_REPO);
    try (Repository db = gateway.storage().open(pushes);
        RevWalk walk = new RevWalk(db)) {
      for (Ref ref : db.getRefDatabase().getRefsByPrefix("refs/heads/loadtest/")) {
        branches++;
        walk.reset();
        walk.markStart(walk.parseCommit(ref.getObjectId()));
        for (RevCommit c : walk) {
          assertTrue(c.getFullMessage().startsWith("load test push"), c::getFullMessage);
          commits++;
        }
      }
    }
    assertTrue(branches > 0, "pushes created client branches");
    assertEquals(
        r.path("operations").path("push").path("count").asLong(),
        commits,
        "each successful push landed one commit");

    // The HTML report is self-contained and carries the chart data.
    try (Stream<Path> files = Files.list(reports)) {
      Path html = files.filter(p -> p.toString().endsWith(".html")).findFirst().orElseThrow();
      String page = Files.readString(html, StandardCharsets.UTF_8);
      assertTrue(
          page.contains("\"timeline\"")
              && page.contains("\"p99_ms\"")
              && page.contains("\"ls-remote\""),
          "chart data embedded");
      assertTrue(page.contains("<svg") && page.contains("polyline"), "the chart is drawn inline");
      // Without its script the page still says what it is, with readable dates and tables.
      String text = page.substring(0, page.indexOf("<script"));
      assertTrue(text.contains("The report of a <code>gateway loadtest</code> run against"), text);
      assertTrue(
          text.matches("(?s).*started \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2} UTC.*"), text);
      assertTrue(text.contains("<th>p99 (ms)</th>") && text.contains("<td>ls-remote</td>"), text);
      assertFalse(text.contains("{\"") || text.contains("\":"), "no raw JSON outside the data");
      assertFalse(
          page.contains("<script src")
              || page.contains("http://cdn")
              || page.contains("https://cdn"),
          "no external script");
      assertFalse(PLAINTEXT.matcher(page).find());
    }
    try (Stream<Path> files = Files.list(reports)) {
      for (Path p : files.toList()) {
        assertFalse(
            PLAINTEXT.matcher(Files.readString(p)).find(), () -> p + " holds no token plaintext");
      }
    }
  }

  @Test
  void httpsByDefaultAndReuseOfAnEarlierRunsOrganization() throws Exception {
    List<String> base =
        new ArrayList<>(
            List.of(
                "--data",
                data.toString(),
                "--org",
                "lt-tls",
                "--tokens",
                "12",
                "--clients",
                "3",
                "--seed-commits",
                "2",
                "--seed-kb",
                "8",
                "--no-progress"));
    List<String> first = new ArrayList<>(base);
    first.addAll(
        List.of(
            "--duration",
            "1s",
            "--no-cleanup",
            "--report-dir",
            tmp.resolve("reports-tls-1").toString()));
    Run created = loadtest(first.toArray(String[]::new));
    assertEquals(0, created.exit(), created::output);
    assertTrue(created.output().contains("against https://"), created::output);
    assertTrue(created.output().contains("setup: seeded 2 repositories"), created::output);
    JsonNode r = onlyReport(tmp.resolve("reports-tls-1"));
    assertTrue(
        r.path("operations").path("ls-remote").path("count").asLong() > 0,
        () -> r.path("operations").toString());
    assertEquals(
        0, r.path("run").path("unexpected_errors").asLong(), () -> r.path("run").toString());

    List<String> again = new ArrayList<>(base);
    again.addAll(List.of("--report-dir", tmp.resolve("reports-tls-2").toString()));
    Run refused = loadtest(again.toArray(String[]::new));
    assertEquals(1, refused.exit(), refused::output);
    assertTrue(refused.output().contains("exists already: pass --reuse"), refused::output);
    // The refused run cleaned up only what it made, which is nothing: the organization stays.
    assertFalse(refused.output().contains("cleanup: deleted"), refused::output);

    again.addAll(List.of("--reuse", "--max-requests", "40", "--duration", "20s"));
    Run reused = loadtest(again.toArray(String[]::new));
    assertEquals(0, reused.exit(), reused::output);
    assertFalse(reused.output().contains("setup: seeded"), "content is not pushed again");
    JsonNode r2 = onlyReport(tmp.resolve("reports-tls-2"));
    long operations = 0;
    for (JsonNode op : r2.path("operations")) {
      operations += op.path("count").asLong();
    }
    assertEquals(
        40, operations, () -> "--max-requests caps the operations: " + r2.path("operations"));
    assertTrue(r2.path("run").path("seconds").asDouble() < 20, "and ends the run early");
    assertEquals(
        0, r2.path("run").path("unexpected_errors").asLong(), () -> r2.path("run").toString());
    // Reused, then cleaned up (the default).
    assertTrue(
        reused.output().contains("cleanup: deleted the organization lt-tls"), reused::output);
    assertThrows(PolicyException.class, () -> gateway.admin().directory().organization("lt-tls"));
  }

  /** Rows of every table that a run writes to, by table. */
  private Map<String, Long> rows() throws SQLException {
    String url =
        "jdbc:h2:file:"
            + data.resolve("db").toAbsolutePath().resolve("portcullis")
            + ";DB_CLOSE_ON_EXIT=FALSE;WRITE_DELAY=0;PAGE_SIZE=4096";
    Map<String, Long> rows = new TreeMap<>();
    try (Connection c = DriverManager.getConnection(url, "sa", "");
        Statement st = c.createStatement()) {
      for (String table :
          List.of(
              "accounts",
              "memberships",
              "repositories",
              "collaborators",
              "tokens",
              "token_repositories",
              "token_grants",
              "token_last_used")) {
        try (ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM " + table)) {
          rs.next();
          rows.put(table, rs.getLong(1));
        }
      }
    }
    return rows;
  }

  @Test
  void theLoadTesterLeavesNoRowsBehind() throws Exception {
    gateway.flushLastUsed();
    Map<String, Long> before = rows();
    Path reports = tmp.resolve("reports-cleanup");
    Run run =
        loadtest(
            "--data",
            data.toString(),
            "--http",
            "--tokens",
            "30",
            "--clients",
            "4",
            "--duration",
            "2s",
            "--revoke-rate",
            "5",
            "--seed-commits",
            "2",
            "--seed-kb",
            "8",
            "--no-progress",
            "--report-dir",
            reports.toString());
    assertEquals(0, run.exit(), run::output);
    Matcher org =
        Pattern.compile(
                "cleanup: deleted the organization (loadtest-\\d{8}-\\d{6}) with its repositories and 1 of 1 users")
            .matcher(run.output());
    assertTrue(org.find(), run::output);
    JsonNode r = onlyReport(reports);
    assertEquals(
        org.group(1), r.path("config").path("org").asText(), "a new organization of its own");
    assertTrue(r.path("revocation").path("succeeded").asLong() > 0, "some tokens were deleted");
    assertTrue(
        r.path("setup").path("tokens").path("fine_grained_pending").asLong() > 0,
        () -> r.path("setup").toString());

    // Uses noted before the deletion are written now: they must not bring a row back.
    gateway.flushLastUsed();
    assertEquals(
        before,
        rows(),
        "no user, token, request, grant, repository or organization of the run remains");
    assertFalse(
        Files.exists(gateway.storage().root().resolve(org.group(1))),
        "nor its repositories on disk");
  }

  @Test
  void anInterruptedRunDeletesWhatItMadeBeforeTheProcessEnds() throws Exception {
    // The command line in a process of its own, stopped by SIGTERM while the load runs.
    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                "dev.portcullis.gateway.cli.Main",
                "loadtest",
                "--data",
                data.toString(),
                "--http",
                "--org",
                "lt-term",
                "--tokens",
                "6",
                "--clients",
                "2",
                "--duration",
                "60s",
                "--seed-commits",
                "1",
                "--seed-kb",
                "4",
                "--report-dir",
                tmp.resolve("reports-term").toString())
            .redirectErrorStream(true)
            .start();
    StringBuilder out = new StringBuilder();
    try (var lines =
        new java.io.BufferedReader(
            new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = lines.readLine()) != null) {
        out.append(line).append('\n');
        if (line.startsWith("[1 s] ")) {
          // SIGTERM, keeping the output readable (Process.destroy would close it).
          p.toHandle().destroy();
        }
      }
    }
    assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), out::toString);
    assertTrue(out.toString().contains("cleanup: deleted the organization lt-term"), out::toString);
    var directory = gateway.admin().directory();
    assertThrows(PolicyException.class, () -> directory.organization("lt-term"));
    assertTrue(directory.findUser("lt-term-u1").isEmpty(), out::toString);
  }

  @Test
  void aRunWhoseSetupFailsStillDeletesWhatItMadeAndOnlyThat() throws Exception {
    // A login the run wants for its second user is an organization's already: adding it fails.
    gateway
        .admin()
        .accounts()
        .createOrganization(dev.portcullis.policy.model.Actor.SYSTEM, "lt-fail-u2", "admin", null);
    Run run =
        loadtest(
            "--data",
            data.toString(),
            "--http",
            "--org",
            "lt-fail",
            "--users",
            "3",
            "--tokens",
            "3",
            "--no-progress",
            "--report-dir",
            tmp.resolve("reports-fail").toString());
    assertEquals(1, run.exit(), run::output);
    assertTrue(run.output().contains("error: cannot add member"), run::output);
    assertTrue(
        run.output()
            .contains(
                "cleanup: deleted the organization lt-fail with its repositories and 2 of 2 users"),
        run::output);
    var directory = gateway.admin().directory();
    assertThrows(PolicyException.class, () -> directory.organization("lt-fail"));
    assertTrue(directory.findUser("lt-fail-u1").isEmpty());
    assertTrue(directory.findUser("lt-fail-u3").isEmpty());
    assertEquals("lt-fail-u2", directory.organization("lt-fail-u2").login(), "not the run's own");
  }

  @Test
  void usageErrorsNameTheOption() {
    Run run = loadtest("--data", data.toString(), "--mix", "fetch=1", "--bad-token-rate", "2");
    assertEquals(2, run.exit(), run::output);
    assertTrue(run.output().contains("fetch=1"), run::output);
  }
}
