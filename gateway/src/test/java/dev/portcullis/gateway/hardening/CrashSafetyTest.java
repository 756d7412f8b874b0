package dev.portcullis.gateway.hardening;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.gateway.Gateway;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILL in the middle of work. The gateway runs as its own process on the embedded H2 store; five
 * real {@code git push} loops (two on their own branches, two racing on a shared branch, one on a
 * user repository) and a stream of admin calls (token creations and deletions, fine-grained grants
 * and revocations, org policy restrictions, user suspensions) run against it, and after a random
 * 1–2 s the process is killed with SIGKILL ({@code Process.destroyForcibly()}). It is then
 * restarted on the same data directory and checked: {@code git fsck --strict} is clean on every
 * bare repository and no lock file is left behind; every push git reported as done is still there;
 * every acknowledged (2xx) token creation still authenticates and every acknowledged deletion,
 * revocation, restriction and suspension is still in force; clones and pushes work again. Three
 * kills in a row.
 *
 * <p>The admin-call durability checks fail today (BUG: the embedded H2 store acknowledges commits
 * it has not written yet, see {@link #acknowledgedAdminChangesSurviveSigkill}); the enabled test
 * checks everything else and prints what was lost.
 */
class CrashSafetyTest {
  private static final int KILLS = 3;

  @TempDir Path tmp;
  private Path data;
  private Process process;
  private String url;
  private String admin;
  private int starts;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
  private Hardening.Git git;

  @AfterEach
  void stop() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
  }

  // ------------------------------------------------------------------ the process

  private void launch() throws Exception {
    Path endpoint = data.resolve(Gateway.ENDPOINT_FILE);
    Files.deleteIfExists(endpoint);
    Path log = tmp.resolve("gateway-" + (++starts) + ".log");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb =
        new ProcessBuilder(
                java,
                "-Xmx256m",
                "-XX:TieredStopAtLevel=1",
                "-cp",
                System.getProperty("java.class.path"),
                "dev.portcullis.gateway.cli.Main",
                "serve",
                "--port",
                "0",
                "--http-port",
                "0",
                "--data",
                data.toString(),
                "--max-auth-failures",
                "0")
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    pb.environment().put("PORTCULLIS_GIT_LOG_LEVEL", "WARN");
    process = pb.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (!Files.exists(endpoint)) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        process.destroyForcibly();
        fail("the gateway did not start (start " + starts + "):\n" + Files.readString(log));
      }
      Thread.sleep(50);
    }
    Properties props = new Properties();
    try (var in = Files.newInputStream(endpoint)) {
      props.load(in);
    }
    url = props.getProperty("http_url");
    while (status(url + "/readyz") != 200) {
      if (System.nanoTime() > deadline) {
        fail("the gateway never became ready:\n" + Files.readString(log));
      }
      Thread.sleep(50);
    }
  }

  private int status(String u) {
    try {
      return http.send(
              HttpRequest.newBuilder(URI.create(u)).timeout(Duration.ofSeconds(5)).build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /**
   * The status of git's first request (ls-remote) for {@code repo} with {@code token} as the Basic
   * password.
   */
  private int infoRefs(String repo, String token) {
    try {
      HttpRequest req =
          HttpRequest.newBuilder(
                  URI.create(url + "/" + repo + ".git/info/refs?service=git-upload-pack"))
              .header("Authorization", Hardening.basic("x", token))
              .timeout(Duration.ofSeconds(10))
              .build();
      return http.send(req, HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private String gitUrl(String login, String token, String repo) {
    return url.replace("http://", "http://" + login + ":" + token + "@") + "/" + repo + ".git";
  }

  // ------------------------------------------------------------------ the world

  private String bossToken;
  private String pownerToken;
  private final List<String> suspendable = new ArrayList<>();
  private final Map<String, String> suspendTokens = new LinkedHashMap<>();

  private Hardening.Api api() {
    return new Hardening.Api(url, admin, Duration.ofSeconds(5));
  }

  private JsonNode classic(Hardening.Api api, String login, String name) {
    return api.expect(
        201,
        "POST",
        "/admin/users/" + login + "/personal-access-tokens",
        Map.of("type", "classic", "name", name, "scopes", List.of("repo"), "expires_in", 30));
  }

  private void fixtures() throws Exception {
    Hardening.Api api = api();
    for (String u : List.of("boss", "victim", "mem", "powner")) {
      api.expect(201, "POST", "/admin/users", Map.of("login", u));
    }
    api.expect(201, "POST", "/admin/organizations", Map.of("login", "corp", "admin", "boss"));
    api.expect(
        200,
        "PUT",
        "/orgs/corp/personal-access-token-policy",
        Map.of("fine_grained_approval", "not_required"));
    api.expect(200, "PUT", "/orgs/corp/memberships/mem", Map.of("role", "member"));
    api.expect(201, "POST", "/orgs/corp/repos", Map.of("name", "shared", "visibility", "private"));
    api.expect(
        201, "POST", "/admin/users/boss/repos", Map.of("name", "own", "visibility", "private"));
    api.expect(
        201, "POST", "/admin/users/boss/repos", Map.of("name", "pub", "visibility", "public"));
    api.expect(
        201, "POST", "/admin/users/victim/repos", Map.of("name", "vault", "visibility", "private"));
    bossToken = classic(api, "boss", "pusher").get("token").asText();
    pownerToken = classic(api, "powner", "policy-probe").get("token").asText();
    for (int i = 1; i <= 40; i++) {
      api.expect(201, "POST", "/admin/organizations", Map.of("login", "p" + i, "admin", "powner"));
      api.expect(
          201, "POST", "/orgs/p" + i + "/repos", Map.of("name", "r", "visibility", "private"));
      api.expect(201, "POST", "/admin/users", Map.of("login", "s" + i));
      suspendable.add("s" + i);
      suspendTokens.put("s" + i, classic(api, "s" + i, "t").get("token").asText());
    }
    // First commits, pushed through the gateway.
    Path seed = Files.createDirectories(tmp.resolve("seed"));
    gitOk(seed, "init", "-q", "-b", "main");
    Files.writeString(seed.resolve("README.md"), "seed\n");
    gitOk(seed, "add", ".");
    gitOk(seed, "commit", "-qm", "seed");
    gitOk(seed, "push", "-q", gitUrl("boss", bossToken, "corp/shared"), "HEAD:refs/heads/main");
    gitOk(seed, "push", "-q", gitUrl("boss", bossToken, "boss/own"), "HEAD:refs/heads/main");
    gitOk(seed, "push", "-q", gitUrl("boss", bossToken, "boss/pub"), "HEAD:refs/heads/main");
  }

  private Hardening.GitResult gitOk(Path dir, String... args) {
    Hardening.GitResult r = git.run(dir, 60, args);
    assertTrue(
        r.ok(),
        () -> "git " + String.join(" ", args).replaceAll("pc[cf]_[A-Za-z0-9]+", "pc…") + ": " + r);
    return r;
  }

  // ------------------------------------------------------------------ pushers

  /** One git push loop: commits a new file and pushes it, again and again, until told to stop. */
  private final class Pusher implements Runnable {
    final String name;
    final String repo;
    final String branch;
    final boolean shared;
    final Path work;
    final List<String> acked = new CopyOnWriteArrayList<>();
    volatile boolean stop;
    volatile boolean pushing;
    int attempts;
    int failures;
    int seq;
    String lastFailure;

    Pusher(String name, String repo, String branch, boolean shared) throws IOException {
      this.name = name;
      this.repo = repo;
      this.branch = branch;
      this.shared = shared;
      this.work = tmp.resolve("work-" + name);
      gitOk(tmp, "clone", "-q", gitUrl("boss", bossToken, repo), work.toString());
      if (!shared && !branch.equals("main")) {
        gitOk(work, "checkout", "-q", "-b", branch);
      }
    }

    String target() {
      return gitUrl("boss", bossToken, repo);
    }

    /** Commits a new file and pushes; true if git reported the push done. */
    boolean pushOnce() throws IOException {
      Files.writeString(
          work.resolve(name + "-" + (++seq) + ".txt"),
          name + " " + seq + "\n",
          StandardCharsets.UTF_8);
      if (!git.run(work, 30, "add", ".").ok()
          || !git.run(work, 30, "commit", "-qm", name + " " + seq).ok()) {
        return false;
      }
      String sha = git.run(work, 30, "rev-parse", "HEAD").output().strip();
      for (int attempt = 0; attempt < 4 && !stop; attempt++) {
        attempts++;
        pushing = true;
        Hardening.GitResult r =
            git.run(work, 30, "push", "-q", target(), "HEAD:refs/heads/" + branch);
        pushing = false;
        if (r.ok()) {
          acked.add(sha);
          return true;
        }
        failures++;
        lastFailure = r.output();
        if (!(r.output().contains("fetch first")
            || r.output().contains("non-fast-forward")
            || r.output().contains("rejected"))) {
          return false; // the server is gone, or worse: not a race
        }
        // Lost a race on the shared branch: integrate and try again.
        Hardening.GitResult p = git.run(work, 30, "pull", "-q", "--rebase", target(), branch);
        if (!p.ok()) {
          git.run(work, 30, "rebase", "--abort");
          return false;
        }
        sha = git.run(work, 30, "rev-parse", "HEAD").output().strip();
      }
      return false;
    }

    @Override
    public void run() {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      try {
        while (!stop && System.nanoTime() < deadline) {
          pushOnce();
        }
      } catch (IOException | RuntimeException | AssertionError e) {
        lastFailure = e.toString();
      }
    }
  }

  // ------------------------------------------------------------------ the admin call ledger

  enum State {
    LIVE,
    DELETED,
    GRANTED,
    REVOKED
  }

  /**
   * A token whose fate the gateway acknowledged (or that is ambiguous: its call was in flight at
   * the kill).
   */
  static final class Tok {
    final long id;
    final String plaintext;
    final boolean fine;
    State state;
    boolean ambiguous;
    long ackedAt;

    Tok(long id, String plaintext, boolean fine, State state) {
      this.id = id;
      this.plaintext = plaintext;
      this.fine = fine;
      this.state = state;
      this.ackedAt = System.nanoTime();
    }
  }

  private final List<Tok> tokens = new ArrayList<>();
  private final List<String> restricted = new ArrayList<>();
  private final List<String> suspended = new ArrayList<>();
  private final List<String> ambiguousOrgs = new ArrayList<>();
  private final List<String> ambiguousUsers = new ArrayList<>();
  private final Map<String, Long> ackedAt = new java.util.concurrent.ConcurrentHashMap<>();
  private long killedAt;
  private int nextOrg = 1;
  private final AtomicInteger names = new AtomicInteger();
  private final Map<String, Integer> ackedOps = new LinkedHashMap<>();

  /** Issues admin calls one after another until {@code stop}; records what was acknowledged. */
  private final class Admin implements Runnable {
    final Random random;
    volatile boolean stop;
    String inFlight = "none";

    Admin(long seed) {
      this.random = new Random(seed);
    }

    private void ack(String op) {
      synchronized (ackedOps) {
        ackedOps.merge(op, 1, Integer::sum);
      }
    }

    @Override
    public void run() {
      Hardening.Api api = api();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (!stop && System.nanoTime() < deadline) {
        int pick = random.nextInt(11);
        try {
          if (pick < 3) {
            inFlight = "create classic token";
            Hardening.Api.Reply r =
                api.call(
                    "POST",
                    "/admin/users/victim/personal-access-tokens",
                    Map.of(
                        "type",
                        "classic",
                        "name",
                        "c" + names.incrementAndGet(),
                        "scopes",
                        List.of("repo"),
                        "expires_in",
                        30));
            if (r.status() == 201) {
              synchronized (tokens) {
                tokens.add(
                    new Tok(
                        r.json().get("id").asLong(),
                        r.json().get("token").asText(),
                        false,
                        State.LIVE));
              }
              ack("token created");
            }
          } else if (pick < 5) {
            Tok t = pickToken(false, State.LIVE);
            if (t == null) {
              continue;
            }
            inFlight = "delete token " + t.id;
            t.ambiguous = true;
            Hardening.Api.Reply r =
                api.call("DELETE", "/admin/personal-access-tokens/" + t.id, null);
            if (r.status() == 204) {
              t.state = State.DELETED;
              t.ambiguous = false;
              t.ackedAt = System.nanoTime();
              ack("token deleted");
            }
          } else if (pick < 7) {
            inFlight = "create fine-grained token";
            Hardening.Api.Reply r =
                api.call(
                    "POST",
                    "/admin/users/mem/personal-access-tokens",
                    Map.of(
                        "type",
                        "fine_grained",
                        "name",
                        "g" + names.incrementAndGet(),
                        "resource_owner",
                        "corp",
                        "repository_selection",
                        "all",
                        "permissions",
                        Map.of("contents", "read"),
                        "expires_in",
                        30));
            if (r.status() == 201
                && "approved".equals(r.json().path("request").path("status").asText())) {
              synchronized (tokens) {
                tokens.add(
                    new Tok(
                        r.json().get("id").asLong(),
                        r.json().get("token").asText(),
                        true,
                        State.GRANTED));
              }
              ack("grant approved");
            }
          } else if (pick < 9) {
            Tok t = pickToken(true, State.GRANTED);
            if (t == null) {
              continue;
            }
            inFlight = "revoke grant " + t.id;
            t.ambiguous = true;
            Hardening.Api.Reply r =
                api.call(
                    "POST",
                    "/orgs/corp/personal-access-tokens/" + t.id,
                    Map.of("action", "revoke"));
            if (r.status() == 204) {
              t.state = State.REVOKED;
              t.ambiguous = false;
              t.ackedAt = System.nanoTime();
              ack("grant revoked");
            }
          } else if (pick < 10) {
            if (nextOrg > 40) {
              continue;
            }
            String org = "p" + nextOrg++;
            inFlight = "restrict classic tokens in " + org;
            ambiguousOrgs.add(org);
            Hardening.Api.Reply r =
                api.call(
                    "PUT",
                    "/orgs/" + org + "/personal-access-token-policy",
                    Map.of("classic_access", "restricted"));
            if (r.status() == 200) {
              ambiguousOrgs.remove(org);
              ackedAt.put(org, System.nanoTime());
              restricted.add(org);
              ack("policy restricted");
            }
          } else {
            if (suspendable.isEmpty()) {
              continue;
            }
            String u = suspendable.remove(0);
            inFlight = "suspend " + u;
            ambiguousUsers.add(u);
            Hardening.Api.Reply r = api.call("PUT", "/users/" + u + "/suspended", null);
            if (r.status() == 204) {
              ambiguousUsers.remove(u);
              ackedAt.put(u, System.nanoTime());
              suspended.add(u);
              ack("user suspended");
            }
          }
          inFlight = "none";
        } catch (IOException e) {
          return; // the gateway is gone: whatever was in flight stays ambiguous
        }
      }
    }

    private Tok pickToken(boolean fine, State state) {
      synchronized (tokens) {
        List<Tok> c =
            tokens.stream()
                .filter(t -> t.fine == fine && t.state == state && !t.ambiguous)
                .toList();
        return c.isEmpty() ? null : c.get(random.nextInt(c.size()));
      }
    }
  }

  // ------------------------------------------------------------------ the test

  @Test
  void killedMidPushRestartsWithIntactRepositoriesAndServesAgain() throws Exception {
    Outcome o = killThreeTimes();
    assertTrue(
        o.repositoryProblems().isEmpty(),
        "after SIGKILL and restart:\n" + String.join("\n", o.repositoryProblems()));
    if (!o.adminProblems().isEmpty()) {
      System.out.println(
          "KNOWN BUG (see acknowledgedAdminChangesSurviveSigkill): "
              + o.adminProblems().size()
              + " acknowledged admin changes were lost by the kills");
    }
  }

  @Test
  void acknowledgedAdminChangesSurviveSigkill() throws Exception {
    Outcome o = killThreeTimes();
    List<String> all = new ArrayList<>(o.repositoryProblems());
    all.addAll(o.adminProblems());
    assertTrue(all.isEmpty(), "after SIGKILL and restart:\n" + String.join("\n", all));
  }

  record Outcome(List<String> repositoryProblems, List<String> adminProblems) {}

  private Outcome killThreeTimes() throws Exception {
    data = tmp.resolve("data");
    Files.createDirectories(data);
    git = new Hardening.Git(tmp.resolve("home"));
    launch();
    admin = Hardening.adminToken(data);
    fixtures();
    List<Pusher> pushers =
        List.of(
            new Pusher("w0", "corp/shared", "w0", false),
            new Pusher("w1", "corp/shared", "w1", false),
            new Pusher("w2", "corp/shared", "main", true),
            new Pusher("w3", "corp/shared", "main", true),
            new Pusher("w4", "boss/own", "main", true));
    long seed = System.nanoTime();
    Random random = new Random(seed);
    System.out.println("crash safety: random seed " + seed);
    List<String> repoProblems = new ArrayList<>();
    List<String> adminProblems = new ArrayList<>();
    for (int kill = 1; kill <= KILLS; kill++) {
      for (Pusher p : pushers) {
        p.stop = false;
      }
      List<Thread> threads = new ArrayList<>();
      for (Pusher p : pushers) {
        Thread t = new Thread(p, "pusher-" + p.name);
        t.start();
        threads.add(t);
      }
      Admin adminCalls = new Admin(random.nextLong());
      Thread at = new Thread(adminCalls, "admin-calls");
      at.start();
      long delay = 1000 + random.nextInt(1001);
      Thread.sleep(delay);
      long midPush = pushers.stream().filter(p -> p.pushing).count();
      String inFlight = adminCalls.inFlight;
      killedAt = System.nanoTime();
      process.destroyForcibly(); // SIGKILL on Linux
      assertTrue(process.waitFor(15, TimeUnit.SECONDS), "the killed gateway exited");
      assertEquals(137, process.exitValue(), "the gateway died of SIGKILL");
      adminCalls.stop = true;
      for (Pusher p : pushers) {
        p.stop = true;
      }
      at.join(TimeUnit.SECONDS.toMillis(30));
      for (Thread t : threads) {
        t.join(TimeUnit.SECONDS.toMillis(60));
      }
      System.out.printf(
          "kill %d: after %d ms, %d of %d pushers mid-push, admin call in flight: %s; acknowledged so far: %s%n",
          kill, delay, midPush, pushers.size(), inFlight, ackedOps);

      long restartStart = System.nanoTime();
      launch();
      System.out.printf(
          "kill %d: restarted in %d ms%n", kill, (System.nanoTime() - restartStart) / 1_000_000);
      List<String> lost = new ArrayList<>();
      List<String> found = verify(kill, pushers, lost);
      for (String f : found) {
        System.out.println("  PROBLEM after kill " + kill + ": " + f);
      }
      for (String f : lost) {
        System.out.println("  LOST after kill " + kill + ": " + f);
      }
      repoProblems.addAll(found);
      adminProblems.addAll(lost);
    }
    int pushed = pushers.stream().mapToInt(p -> p.acked.size()).sum();
    int attempts = pushers.stream().mapToInt(p -> p.attempts).sum();
    System.out.printf(
        "crash safety: %d kills, %d push attempts, %d pushes acknowledged (all present after the restarts: %s);"
            + " admin calls acknowledged: %s; repository/serving problems: %d; acknowledged admin changes lost: %d%n",
        KILLS,
        attempts,
        pushed,
        repoProblems.stream().noneMatch(x -> x.startsWith("push ")) ? "yes" : "NO",
        ackedOps,
        repoProblems.size(),
        adminProblems.size());
    assertTrue(pushed > 0, "some pushes went through before the kills");
    return new Outcome(repoProblems, adminProblems);
  }

  private String beforeKill(long at) {
    return String.format("acknowledged %d ms before the kill", (killedAt - at) / 1_000_000);
  }

  /** Everything that must hold after a restart. */
  private List<String> verify(int kill, List<Pusher> pushers, List<String> lost) throws Exception {
    List<String> problems = new ArrayList<>();
    Path repos = data.resolve("repositories");
    List<Path> bare;
    try (Stream<Path> s = Files.walk(repos, 2)) {
      bare =
          s.filter(
                  p ->
                      p.getFileName().toString().endsWith(".git")
                          && Files.isDirectory(p.resolve("objects")))
              .sorted()
              .toList();
    }
    assertTrue(bare.size() >= 40, "the repositories are still there: " + bare.size());
    int fsckClean = 0;
    for (Path b : bare) {
      Hardening.GitResult fsck =
          git.run(b, 60, "fsck", "--strict", "--no-dangling", "--no-progress");
      if (fsck.ok()) {
        fsckClean++;
      } else {
        problems.add(
            "git fsck --strict failed on " + repos.relativize(b) + ": " + fsck.output().strip());
      }
      try (Stream<Path> s = Files.walk(b)) {
        List<String> locks =
            s.filter(
                    p ->
                        p.getFileName().toString().endsWith(".lock")
                            && !p.getFileName().toString().equals("gc.log.lock"))
                .map(p -> b.relativize(p).toString())
                .toList();
        if (!locks.isEmpty()) {
          problems.add(
              "stale lock files in "
                  + repos.relativize(b)
                  + " (they block later updates): "
                  + locks);
        }
      }
    }
    // Every push git reported as done is still reachable from its branch.
    int checked = 0;
    for (Pusher p : pushers) {
      if (p.acked.isEmpty()) {
        continue;
      }
      String last = p.acked.get(p.acked.size() - 1);
      Path b = repos.resolve(p.repo + ".git");
      Hardening.GitResult r =
          git.run(b, 30, "merge-base", "--is-ancestor", last, "refs/heads/" + p.branch);
      checked++;
      if (!r.ok()) {
        problems.add(
            "push "
                + last
                + " by "
                + p.name
                + " to "
                + p.repo
                + " "
                + p.branch
                + " was acknowledged but is not on the branch"
                + " after the restart: "
                + r.output().strip());
      }
    }
    // Every acknowledged admin call is still in force.
    int tokenChecks = 0;
    List<Tok> snapshot;
    synchronized (tokens) {
      snapshot = new ArrayList<>(tokens);
    }
    for (Tok t : snapshot) {
      if (t.ambiguous) {
        continue;
      }
      tokenChecks++;
      String repo = t.fine ? "corp/shared" : "victim/vault";
      int expected =
          switch (t.state) {
            case LIVE, GRANTED -> 200;
            case DELETED -> 401;
            case REVOKED -> 403;
          };
      int got = infoRefs(repo, t.plaintext);
      if (got != expected) {
        lost.add(
            "token "
                + t.id
                + " ("
                + (t.fine ? "fine-grained" : "classic")
                + ", "
                + t.state
                + " "
                + beforeKill(t.ackedAt)
                + ") got "
                + got
                + " instead of "
                + expected
                + " on "
                + repo);
        t.ambiguous = true; // reported once
      }
    }
    for (String org : List.copyOf(restricted)) {
      int got = infoRefs(org + "/r", pownerToken);
      if (got != 403) {
        lost.add(
            "org "
                + org
                + " classic_access=restricted ("
                + beforeKill(ackedAt.get(org))
                + "), but a classic token got "
                + got
                + " instead of 403");
        restricted.remove(org);
        ambiguousOrgs.add(org);
      }
    }
    for (int i = 1; i < nextOrg; i++) {
      String org = "p" + i;
      if (!restricted.contains(org) && !ambiguousOrgs.contains(org)) {
        problems.add("org " + org + " was never restricted but is unaccounted for");
      }
    }
    for (String u : List.copyOf(suspended)) {
      int got = infoRefs("boss/pub", suspendTokens.get(u));
      if (got != 403) {
        lost.add(
            "user "
                + u
                + " suspended ("
                + beforeKill(ackedAt.get(u))
                + "), but their token got "
                + got
                + " instead of 403");
        suspended.remove(u);
        ambiguousUsers.add(u);
      }
    }
    // Untouched users and orgs still work (no collateral damage).
    for (String u : suspendable) {
      if (!ambiguousUsers.contains(u)) {
        int got = infoRefs("boss/pub", suspendTokens.get(u));
        if (got != 200) {
          problems.add("user " + u + " was never suspended, but their token got " + got);
        }
        break;
      }
    }
    // Serving again: a clone, and a push to every branch the loops use.
    Path clone = tmp.resolve("clone-after-kill-" + kill);
    Hardening.GitResult c =
        git.run(tmp, 60, "clone", "-q", gitUrl("boss", bossToken, "corp/shared"), clone.toString());
    if (!c.ok()) {
      problems.add("clone after restart failed: " + c);
    }
    for (Pusher p : pushers) {
      p.stop = false;
      boolean ok = p.pushOnce();
      if (!ok) {
        problems.add(
            "push by "
                + p.name
                + " to "
                + p.repo
                + " "
                + p.branch
                + " after the restart failed: "
                + p.lastFailure);
      }
    }
    System.out.printf(
        "kill %d: fsck clean on %d/%d repositories, %d acknowledged push tips present (of %d checked); %d tokens checked,"
            + " %d restricted orgs and %d suspended users still in force, %d acknowledged admin changes lost; clone and %d pushes after"
            + " restart%n",
        kill,
        fsckClean,
        bare.size(),
        checked - (int) problems.stream().filter(x -> x.startsWith("push ")).count(),
        checked,
        tokenChecks,
        restricted.size(),
        suspended.size(),
        lost.size(),
        pushers.size());
    return problems;
  }
}
