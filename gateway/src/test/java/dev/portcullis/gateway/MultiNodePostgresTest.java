package dev.portcullis.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two real gateway processes sharing one PostgreSQL database (created for this run and dropped
 * after) and one repositories directory. Skipped with a message when PostgreSQL is not reachable,
 * unless {@code PORTCULLIS_REQUIRE_POSTGRES=1} (set by .ci/run) makes it required.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MultiNodePostgresTest {
  static final String SERVER = "jdbc:postgresql://127.0.0.1:5432/";
  @TempDir static Path tmp;

  private String database;
  private Node a;
  private Node b;
  private TestApi api;
  private TestGit git;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final AtomicInteger seq = new AtomicInteger();

  /** A gateway process. */
  record Node(Process process, String httpUrl, Path log) {}

  static Connection admin(String db) throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", "postgres");
    p.setProperty("connectTimeout", "5");
    return DriverManager.getConnection(SERVER + db, p);
  }

  @BeforeAll
  void start() throws Exception {
    try (Connection c = admin("test")) {
      database =
          "portcullis_test_" + HexFormat.of().formatHex(java.security.SecureRandom.getSeed(6));
      try (Statement s = c.createStatement()) {
        s.execute("CREATE DATABASE " + database);
      }
    } catch (SQLException e) {
      String msg = "PostgreSQL is not reachable at 127.0.0.1:5432 (" + e.getMessage() + ")";
      if ("1".equals(System.getenv("PORTCULLIS_REQUIRE_POSTGRES"))) {
        fail(msg + " and PORTCULLIS_REQUIRE_POSTGRES=1 makes these tests required");
      }
      System.err.println("SKIPPING multi-node PostgreSQL tests: " + msg);
      Assumptions.abort(msg);
    }
    Path repos = Files.createDirectories(tmp.resolve("shared-repositories"));
    a = launch("a", repos);
    b = launch("b", repos);
    String admin = Files.readString(tmp.resolve("a").resolve(Gateway.ADMIN_TOKEN_FILE)).strip();
    api = new TestApi(a.httpUrl(), admin);
    git = new TestGit(tmp.resolve("home"), Map.of());
  }

  private Node launch(String name, Path repos) throws Exception {
    Path data = tmp.resolve(name);
    Files.createDirectories(data);
    Path log = tmp.resolve(name + ".log");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb =
        new ProcessBuilder(
                java,
                "-Xmx256m",
                "-cp",
                System.getProperty("java.class.path"),
                "dev.portcullis.gateway.cli.Main",
                "serve",
                "--db",
                SERVER + database,
                "--db-user",
                "postgres",
                "--port",
                "0",
                "--http-port",
                "0",
                "--data",
                data.toString(),
                "--repositories",
                repos.toString())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    pb.environment().put("PORTCULLIS_GIT_LOG_LEVEL", "WARN");
    Process p = pb.start();
    Path endpoint = data.resolve(Gateway.ENDPOINT_FILE);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (!Files.exists(endpoint)) {
      if (!p.isAlive() || System.nanoTime() > deadline) {
        p.destroyForcibly();
        fail("node " + name + " did not start:\n" + Files.readString(log));
      }
      Thread.sleep(100);
    }
    Properties props = new Properties();
    try (var in = Files.newInputStream(endpoint)) {
      props.load(in);
    }
    // Ready means: store reachable and change listener connected.
    String url = props.getProperty("http_url");
    while (status(url + "/readyz") != 200) {
      if (System.nanoTime() > deadline) {
        fail("node " + name + " never became ready:\n" + Files.readString(log));
      }
      Thread.sleep(100);
    }
    return new Node(p, url, log);
  }

  @AfterAll
  void stop() throws Exception {
    for (Node n : new Node[] {a, b}) {
      if (n != null) {
        n.process().destroy();
        if (!n.process().waitFor(10, TimeUnit.SECONDS)) {
          n.process().destroyForcibly();
        }
      }
    }
    if (database != null) {
      try (Connection c = admin("test");
          Statement s = c.createStatement()) {
        s.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
      }
    }
  }

  private int status(String url) {
    try {
      return http.send(
              HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  /** The status of a git ls-remote's first request on {@code node}, with Basic credentials. */
  private int infoRefs(Node node, String repo, String token) {
    return infoRefs(node, repo, token, "git-upload-pack").statusCode();
  }

  /**
   * The first request of a fetch ({@code git-upload-pack}) or a push ({@code git-receive-pack}).
   */
  private HttpResponse<String> infoRefs(Node node, String repo, String token, String service) {
    try {
      String basic =
          Base64.getEncoder().encodeToString(("x:" + token).getBytes(StandardCharsets.UTF_8));
      HttpRequest req =
          HttpRequest.newBuilder(
                  URI.create(node.httpUrl() + "/" + repo + ".git/info/refs?service=" + service))
              .header("Authorization", "Basic " + basic)
              .timeout(Duration.ofSeconds(5))
              .build();
      return http.send(req, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new AssertionError(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** {@code GET /api/v3/user} on {@code node} with {@code token}. */
  private TestApi.Response user(Node node, String token) {
    return new TestApi(node.httpUrl(), token).call("GET", "/user", null);
  }

  /**
   * Polls {@code node} with the first request of {@code service} until it is refused, within the
   * bound of {@link #millisUntilDenied}; returns the refusal.
   */
  private HttpResponse<String> untilRefused(Node node, String repo, String token, String service) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (System.nanoTime() < deadline) {
      HttpResponse<String> r = infoRefs(node, repo, token, service);
      if (r.statusCode() != 200) {
        return r;
      }
    }
    throw new AssertionError("node never refused the token within 5 s");
  }

  /** Polls {@code node} until the request is refused; returns the milliseconds it took. */
  private double millisUntilDenied(Node node, String repo, String token, long sinceNanos) {
    long deadline = sinceNanos + TimeUnit.SECONDS.toNanos(5);
    while (System.nanoTime() < deadline) {
      int s = infoRefs(node, repo, token);
      if (s != 200) {
        return (System.nanoTime() - sinceNanos) / 1e6;
      }
    }
    throw new AssertionError("node never refused the revoked token within 5 s");
  }

  private String fixtureRepo(String owner) {
    api.expect(201, "POST", "/admin/users", Map.of("login", owner));
    api.expect(
        201,
        "POST",
        "/admin/users/" + owner + "/repos",
        Map.of("name", "r", "visibility", "private"));
    return owner + "/r";
  }

  private JsonNode classic(String owner) {
    return api.expect(
        201,
        "POST",
        "/admin/users/" + owner + "/personal-access-tokens",
        Map.of(
            "type",
            "classic",
            "name",
            "t" + seq.incrementAndGet(),
            "scopes",
            List.of("repo"),
            "expires_in",
            30));
  }

  @Test
  void revocationOnOneNodeIsEnforcedByTheOther() {
    String owner = "prop" + seq.incrementAndGet();
    String repo = fixtureRepo(owner);
    int rounds = Integer.getInteger("portcullis.propagation.rounds", 200);
    List<Double> millis = new ArrayList<>();
    for (int i = 0; i < rounds; i++) {
      JsonNode t = classic(owner);
      String token = t.get("token").asText();
      assertEquals(200, infoRefs(b, repo, token), "node B serves the new token");
      assertEquals(200, infoRefs(b, repo, token), "…from its cache the second time");
      api.expect(204, "DELETE", "/admin/personal-access-tokens/" + t.get("id").asLong(), null);
      long returned = System.nanoTime();
      millis.add(millisUntilDenied(b, repo, token, returned));
    }
    millis.sort(Double::compare);
    double p50 = millis.get(millis.size() / 2);
    double p99 = millis.get((int) Math.ceil(millis.size() * 0.99) - 1);
    double max = millis.get(millis.size() - 1);
    System.out.printf(
        "revocation on A → denial on B over %d revocations: p50 %.1f ms, p99 %.1f ms, max %.1f ms%n",
        millis.size(), p50, p99, max);
  }

  @Test
  void aRotationOnOneNodeHoldsOnTheOther() {
    String owner = "rot" + seq.incrementAndGet();
    String repo = fixtureRepo(owner);

    // Without overlap: node B refuses the old secret (it had it cached) and takes the new one.
    JsonNode t = classic(owner);
    String old = t.get("token").asText();
    assertEquals(200, infoRefs(b, repo, old));
    assertEquals(200, infoRefs(b, repo, old));
    JsonNode rotated =
        api.expect(
            200,
            "POST",
            "/admin/personal-access-tokens/" + t.get("id").asLong() + "/rotate",
            Map.of("overlap_seconds", 0));
    millisUntilDenied(b, repo, old, System.nanoTime());
    String next = rotated.get("token").asText();
    assertEquals(200, infoRefs(b, repo, next));

    // With an overlap both work on B; the old one, presented on B to rotate again, revokes the
    // token, and node A refuses both.
    JsonNode u = classic(owner);
    String first = u.get("token").asText();
    assertEquals(200, infoRefs(b, repo, first));
    TestApi.Response selfRotated =
        new TestApi(a.httpUrl(), first)
            .call(
                "POST",
                "/user/personal-access-tokens/self/rotate",
                Map.of("overlap_seconds", 3600));
    assertEquals(200, selfRotated.status(), selfRotated::toString);
    String second = selfRotated.json().get("token").asText();
    assertEquals(200, infoRefs(b, repo, first), "inside its overlap");
    assertEquals(200, infoRefs(b, repo, second));
    assertEquals(200, infoRefs(a, repo, first));
    TestApi.Response reuse =
        new TestApi(b.httpUrl(), first)
            .call(
                "POST", "/user/personal-access-tokens/self/rotate", Map.of("overlap_seconds", 60));
    assertEquals(401, reuse.status(), reuse::toString);
    millisUntilDenied(a, repo, first, System.nanoTime());
    millisUntilDenied(a, repo, second, System.nanoTime());
  }

  @Test
  void aConsoleSessionOpenedOnOneNodeWorksOnTheOtherUntilSuspensionEndsIt() {
    String login = "web" + seq.incrementAndGet();
    api.expect(
        201, "POST", "/admin/users", Map.of("login", login, "password", "a shared passphrase"));
    ConsoleHttp onA = new ConsoleHttp(a.httpUrl(), a.httpUrl());
    assertEquals(303, onA.signIn(login, "a shared passphrase").statusCode());
    ConsoleHttp onB = new ConsoleHttp(b.httpUrl(), b.httpUrl());
    onB.session = onA.session;
    assertEquals(200, onB.get("/settings/profile").statusCode());
    api.expect(204, "PUT", "/users/" + login + "/suspended", null);
    HttpResponse<String> after = onB.get("/settings/profile");
    assertEquals(303, after.statusCode(), "the very next page on the other node");
    assertEquals("/login", after.headers().firstValue("Location").orElse(null));
  }

  @Test
  void otherNarrowingChangesCrossNodesToo() throws Exception {
    String owner = "narrow" + seq.incrementAndGet();
    String org = "norg" + seq.incrementAndGet();
    api.expect(201, "POST", "/admin/users", Map.of("login", owner));
    api.expect(201, "POST", "/admin/organizations", Map.of("login", org, "admin", owner));
    api.expect(
        201, "POST", "/orgs/" + org + "/repos", Map.of("name", "app", "visibility", "private"));
    String repo = org + "/app";
    String classicToken = classic(owner).get("token").asText();
    assertEquals(200, infoRefs(b, repo, classicToken));
    api.expect(
        200,
        "PUT",
        "/orgs/" + org + "/personal-access-token-policy",
        Map.of("classic_access", "restricted"));
    millisUntilDenied(b, repo, classicToken, System.nanoTime());

    String member = "mem" + seq.incrementAndGet();
    api.expect(201, "POST", "/admin/users", Map.of("login", member));
    api.expect(200, "PUT", "/orgs/" + org + "/memberships/" + member, Map.of("role", "member"));
    api.expect(
        200,
        "PUT",
        "/orgs/" + org + "/personal-access-token-policy",
        Map.of("fine_grained_approval", "not_required"));
    JsonNode fine =
        api.expect(
            201,
            "POST",
            "/admin/users/" + member + "/personal-access-tokens",
            Map.of(
                "type",
                "fine_grained",
                "name",
                "f",
                "resource_owner",
                org,
                "repository_selection",
                "all",
                "permissions",
                Map.of("contents", "read"),
                "expires_in",
                30));
    String fineToken = fine.get("token").asText();
    assertEquals(200, infoRefs(b, repo, fineToken));
    api.expect(
        204,
        "POST",
        "/orgs/" + org + "/personal-access-tokens/" + fine.get("id").asLong(),
        Map.of("action", "revoke"));
    millisUntilDenied(b, repo, fineToken, System.nanoTime());
  }

  /** Sets {@code field} of {@code org}'s token policy through node A (the API client's node). */
  private void orgPolicy(String org, String field, Object value) {
    Map<String, Object> body = new java.util.HashMap<>();
    body.put(field, value);
    api.expect(200, "PUT", "/orgs/" + org + "/personal-access-token-policy", body);
  }

  /** A fine-grained token of {@code login} on all of {@code org}'s repositories. */
  private JsonNode fineGrained(
      String login, String org, String contents, String key, List<String> values) {
    Map<String, Object> body = new java.util.HashMap<>();
    body.put("type", "fine_grained");
    body.put("name", "f" + seq.incrementAndGet());
    body.put("resource_owner", org);
    body.put("repository_selection", "all");
    body.put("permissions", Map.of("contents", contents));
    body.put("expires_in", 30);
    if (key != null) {
      body.put(key, values);
    }
    return api.expect(201, "POST", "/admin/users/" + login + "/personal-access-tokens", body);
  }

  @Test
  void anOrganizationsNetworkSettingsChangedOnOneNodeHoldOnTheOther() {
    String owner = "nets" + seq.incrementAndGet();
    String org = "norg" + seq.incrementAndGet();
    api.expect(201, "POST", "/admin/users", Map.of("login", owner));
    api.expect(201, "POST", "/admin/organizations", Map.of("login", org, "admin", owner));
    api.expect(
        201, "POST", "/orgs/" + org + "/repos", Map.of("name", "app", "visibility", "private"));
    String repo = org + "/app";
    orgPolicy(org, "token_networks", List.of("127.0.0.0/8"));

    // The token's own list (the client's 127.0.0.1) is inside the organization's: B serves it,
    // then keeps it cached.
    String inside =
        fineGrained(owner, org, "read", "allowed_networks", List.of("127.0.0.1/32"))
            .get("token")
            .asText();
    assertEquals(200, infoRefs(b, repo, inside));
    assertEquals(200, infoRefs(b, repo, inside), "from B's cache");
    assertEquals(200, user(b, inside).status());

    // Narrowed through A to a list the token's is outside of: B refuses git and the API alike.
    orgPolicy(org, "token_networks", List.of("127.0.0.2/32"));
    String within =
        "The '"
            + org
            + "' organization requires fine-grained personal access tokens to be limited to"
            + " networks within 127.0.0.2/32";
    HttpResponse<String> git = untilRefused(b, repo, inside, "git-upload-pack");
    assertEquals(403, git.statusCode(), git::body);
    assertTrue(git.body().contains(within), git::body);
    TestApi.Response rest = user(b, inside);
    assertEquals(403, rest.status(), rest::toString);
    assertTrue(rest.raw().body().contains(within), rest::toString);

    // Turning on require_token_networks through A refuses, on B, a token without a list of its
    // own: the API first this time, then git.
    orgPolicy(org, "token_networks", null);
    String anywhere = fineGrained(owner, org, "read", null, null).get("token").asText();
    assertEquals(200, infoRefs(b, repo, anywhere));
    assertEquals(200, user(b, anywhere).status());
    orgPolicy(org, "require_token_networks", true);
    String required =
        "The '"
            + org
            + "' organization requires fine-grained personal access tokens to be limited to"
            + " networks; this token's allowed networks do not meet that.";
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    TestApi.Response refused = user(b, anywhere);
    while (refused.status() == 200 && System.nanoTime() < deadline) {
      refused = user(b, anywhere);
    }
    assertEquals(403, refused.status(), refused::toString);
    assertTrue(refused.raw().body().contains(required), refused::toString);
    HttpResponse<String> fetch = infoRefs(b, repo, anywhere, "git-upload-pack");
    assertEquals(403, fetch.statusCode(), fetch::body);
    assertTrue(fetch.body().contains(required), fetch::body);
  }

  /** A git push of the work tree's HEAD to {@code ref} through {@code node}. */
  private TestGit.Result push(Node node, Path work, String token, String repo, String ref) {
    String url = node.httpUrl().replace("http://", "http://x:" + token + "@") + "/" + repo + ".git";
    return git.run(work, "push", url, "HEAD:" + ref);
  }

  /** Whether the shared repository {@code repo} has {@code ref}, read from disk. */
  private boolean hasRef(String repo, String ref) {
    Path bare = tmp.resolve("shared-repositories").resolve(repo + ".git");
    return git.run(bare, "show-ref", "--verify", "--quiet", ref).ok();
  }

  @Test
  void refPatternsChangedOnOneNodeHoldOnTheOthersNextPush() throws Exception {
    String owner = "refs" + seq.incrementAndGet();
    String dev = "dev" + seq.incrementAndGet();
    String org = "rorg" + seq.incrementAndGet();
    api.expect(201, "POST", "/admin/users", Map.of("login", owner));
    api.expect(201, "POST", "/admin/users", Map.of("login", dev));
    api.expect(201, "POST", "/admin/organizations", Map.of("login", org, "admin", owner));
    api.expect(200, "PUT", "/orgs/" + org + "/memberships/" + dev, Map.of("role", "member"));
    api.expect(200, "PUT", "/orgs/" + org + "/base-permission", Map.of("permission", "write"));
    api.expect(
        201, "POST", "/orgs/" + org + "/repos", Map.of("name", "app", "visibility", "private"));
    String repo = org + "/app";
    JsonNode t =
        fineGrained(
            dev,
            org,
            "write",
            "ref_patterns",
            List.of("refs/heads/release/*", "refs/heads/hotfix/*"));
    api.expect(
        204,
        "POST",
        "/orgs/" + org + "/personal-access-token-requests/" + ApiFixtures.requestId(t),
        Map.of("action", "approve"));
    String token = t.get("token").asText();
    String tokenPath = "/admin/personal-access-tokens/" + t.get("id").asLong();

    Path dir = Files.createTempDirectory(tmp, "refs");
    String cloneUrl =
        b.httpUrl().replace("http://", "http://x:" + token + "@") + "/" + repo + ".git";
    TestGit.Result cloned = git.run(dir, "clone", "-q", cloneUrl, "w");
    assertTrue(cloned.ok(), cloned::toString);
    Path work = dir.resolve("w");
    Files.writeString(work.resolve("CHANGELOG"), "1\n");
    assertTrue(git.run(work, "add", ".").ok());
    assertTrue(git.run(work, "commit", "-qm", "release").ok());
    TestGit.Result first = push(b, work, token, repo, "refs/heads/release/1");
    assertTrue(first.ok(), first::toString);
    assertTrue(hasRef(repo, "refs/heads/release/1"));

    // Narrowed through A (the approval stands): B refuses a push its old patterns allowed. Each
    // try names a new ref, so that one landing while the change travels is told apart.
    api.expect(200, "PATCH", tokenPath, Map.of("ref_patterns", List.of("refs/heads/hotfix/*")));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    TestGit.Result narrowed = null;
    String tried = null;
    for (int i = 2; narrowed == null || narrowed.ok(); i++) {
      assertTrue(System.nanoTime() < deadline, "node B never applied the narrowed patterns");
      tried = "refs/heads/release/" + i;
      narrowed = push(b, work, token, repo, tried);
    }
    assertTrue(
        narrowed
            .output()
            .contains(
                "refusing to allow a Personal Access Token to update "
                    + tried
                    + ": its ref_patterns allow only refs/heads/hotfix/*"),
        narrowed::toString);
    assertFalse(hasRef(repo, tried), tried + " did not land");

    // Widened through A: the organization's request opens again, and B refuses the next push,
    // to a ref only the new pattern matches, as pending approval.
    JsonNode widened =
        api.expect(
            200,
            "PATCH",
            tokenPath,
            Map.of("ref_patterns", List.of("refs/heads/hotfix/*", "refs/heads/feature/*")));
    assertEquals("pending", widened.get("request").get("status").asText());
    HttpResponse<String> pending = untilRefused(b, repo, token, "git-receive-pack");
    assertEquals(403, pending.statusCode(), pending::body);
    assertTrue(pending.body().contains("pending approval"), pending::body);
    TestGit.Result refused = push(b, work, token, repo, "refs/heads/feature/1");
    assertFalse(refused.ok(), refused::toString);
    assertTrue(refused.output().contains("pending approval"), refused::toString);
    assertFalse(hasRef(repo, "refs/heads/feature/1"));
  }

  @Test
  void deletionsOnOneNodeHoldOnTheOther() {
    // A deleted user: their token, cached on B, is unknown there too.
    String owner = "gone" + seq.incrementAndGet();
    String repo = fixtureRepo(owner);
    String token = classic(owner).get("token").asText();
    assertEquals(200, infoRefs(b, repo, token));
    assertEquals(200, infoRefs(b, repo, token), "from B's cache");
    api.expect(204, "DELETE", "/admin/users/" + owner, null);
    millisUntilDenied(b, repo, token, System.nanoTime());
    assertEquals(401, infoRefs(b, repo, token));

    // A deleted repository, and a deleted organization's repository: 404 on B.
    String keeper = "keep" + seq.incrementAndGet();
    String own = fixtureRepo(keeper);
    String keeperToken = classic(keeper).get("token").asText();
    assertEquals(200, infoRefs(b, own, keeperToken));
    api.expect(204, "DELETE", "/repos/" + own, null);
    millisUntilDenied(b, own, keeperToken, System.nanoTime());
    assertEquals(404, infoRefs(b, own, keeperToken));
    String org = "dorg" + seq.incrementAndGet();
    api.expect(201, "POST", "/admin/organizations", Map.of("login", org, "admin", keeper));
    api.expect(
        201, "POST", "/orgs/" + org + "/repos", Map.of("name", "app", "visibility", "private"));
    assertEquals(200, infoRefs(b, org + "/app", keeperToken));
    api.expect(202, "DELETE", "/orgs/" + org, null);
    millisUntilDenied(b, org + "/app", keeperToken, System.nanoTime());
    assertEquals(404, infoRefs(b, org + "/app", keeperToken));
  }

  @Test
  void aDroppedListenerNeverLeavesAStaleDecision() throws Exception {
    String owner = "drop" + seq.incrementAndGet();
    String repo = fixtureRepo(owner);
    for (int round = 0; round < 5; round++) {
      JsonNode t = classic(owner);
      String token = t.get("token").asText();
      assertEquals(200, infoRefs(b, repo, token));
      // Cut every listener connection of this database; the nodes flush and read the store until
      // they listen again.
      try (Connection c = admin("test");
          Statement s = c.createStatement()) {
        s.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '"
                + database
                + "' AND application_name = 'portcullis-listener'");
      }
      api.expect(204, "DELETE", "/admin/personal-access-tokens/" + t.get("id").asLong(), null);
      millisUntilDenied(b, repo, token, System.nanoTime());
    }
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (status(b.httpUrl() + "/readyz") != 200) {
      assertTrue(System.nanoTime() < deadline, "node B reconnects its listener");
      Thread.sleep(100);
    }
  }

  @Test
  void concurrentPushesThroughBothNodesNeverCorruptTheRepository() throws Exception {
    String owner = "push" + seq.incrementAndGet();
    String repo = fixtureRepo(owner);
    String token = classic(owner).get("token").asText();
    String urlA =
        a.httpUrl().replace("http://", "http://" + owner + ":" + token + "@") + "/" + repo + ".git";
    String urlB =
        b.httpUrl().replace("http://", "http://" + owner + ":" + token + "@") + "/" + repo + ".git";
    Path seed = Files.createTempDirectory(tmp, "seed");
    assertTrue(git.run(seed, "clone", "-q", urlA, "w").ok());
    Files.writeString(seed.resolve("w/README"), "start\n");
    assertTrue(git.run(seed.resolve("w"), "add", ".").ok());
    assertTrue(git.run(seed.resolve("w"), "commit", "-qm", "start").ok());
    TestGit.Result first = git.run(seed.resolve("w"), "push", "-q", "origin", "HEAD:main");
    assertTrue(first.ok(), first::toString);

    int rounds = 6;
    int rejections = 0;
    for (int round = 0; round < rounds; round++) {
      Path one = Files.createTempDirectory(tmp, "one");
      Path two = Files.createTempDirectory(tmp, "two");
      assertTrue(git.run(one, "clone", "-q", urlA, "w").ok());
      assertTrue(git.run(two, "clone", "-q", urlB, "w").ok());
      for (Path p : List.of(one, two)) {
        Files.writeString(p.resolve("w/change-" + round + "-" + p.getFileName()), "x\n");
        assertTrue(git.run(p.resolve("w"), "add", ".").ok());
        assertTrue(git.run(p.resolve("w"), "commit", "-qm", "change").ok());
      }
      CompletableFuture<TestGit.Result> pushA =
          CompletableFuture.supplyAsync(
              () -> git.run(one.resolve("w"), "push", "origin", "HEAD:main"));
      CompletableFuture<TestGit.Result> pushB =
          CompletableFuture.supplyAsync(
              () -> git.run(two.resolve("w"), "push", "origin", "HEAD:main"));
      TestGit.Result ra = pushA.get(120, TimeUnit.SECONDS);
      TestGit.Result rb = pushB.get(120, TimeUnit.SECONDS);
      assertTrue(
          ra.ok() ^ rb.ok(),
          () -> "exactly one of two racing pushes wins:\nA: " + ra + "\nB: " + rb);
      TestGit.Result loser = ra.ok() ? rb : ra;
      assertTrue(
          loser.output().contains("fetch first"),
          () -> "the loser is told to fetch first: " + loser);
      rejections++;
      // …and after fetching and rebasing, its push goes through.
      Path lw = (ra.ok() ? two : one).resolve("w");
      TestGit.Result rebase = git.run(lw, "pull", "-q", "--rebase", "origin", "main");
      assertTrue(rebase.ok(), rebase::toString);
      TestGit.Result again = git.run(lw, "push", "-q", "origin", "HEAD:main");
      assertTrue(again.ok(), again::toString);
    }
    Path bare = tmp.resolve("shared-repositories").resolve(owner).resolve("r.git");
    TestGit.Result fsck = git.run(bare, "fsck", "--strict", "--no-dangling");
    assertTrue(fsck.ok(), fsck::toString);
    System.out.printf(
        "concurrent pushes: %d rounds, %d losers told to fetch first, repository fsck clean%n",
        rounds, rejections);
  }
}
