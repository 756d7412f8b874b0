package dev.portcullis.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit log (store and JSON-lines file), its API, and /metrics — and that no token plaintext
 * reaches any of them, nor any error body.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AuditAndMetricsTest {
  @TempDir static Path tmp;
  private Gateway gateway;
  private TestApi api;
  private TestGit git;
  private String admin;
  private final List<String> secrets = new ArrayList<>();
  private final List<String> bodies = new ArrayList<>();
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  void start() throws Exception {
    gateway =
        Gateway.start(
            GatewayConfig.defaults(tmp.resolve("data"))
                .withPorts(0, 0)
                .withAuditFile(tmp.resolve("audit.jsonl")));
    admin = Files.readString(tmp.resolve("data/admin-token")).strip();
    secrets.add(admin);
    api = new TestApi(gateway.httpUrl(), admin);
    git = new TestGit(tmp.resolve("home"), Map.of());
  }

  @AfterAll
  void stop() {
    gateway.close();
  }

  private JsonNode expect(int status, String method, String path, Object body) {
    TestApi.Response r = api.call(method, path, body);
    if (r.status() >= 400) {
      // Error bodies must never echo a secret (the creation response is the one place a plaintext
      // appears).
      bodies.add(r.raw().body());
    }
    assertEquals(status, r.status(), () -> method + " " + path + " → " + r);
    return r.json();
  }

  private String get(String url) throws Exception {
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), url);
    return r.body();
  }

  @Test
  void decisionsAndAdminChangesAreAuditedWithoutSecrets() throws Exception {
    Instant before = Instant.now().minusSeconds(1);
    expect(201, "POST", "/admin/users", Map.of("login", "alice"));
    expect(201, "POST", "/admin/users", Map.of("login", "bob"));
    expect(201, "POST", "/admin/organizations", Map.of("login", "acme", "admin", "alice"));
    expect(201, "POST", "/orgs/acme/repos", Map.of("name", "app", "visibility", "private"));
    JsonNode t =
        expect(
            201,
            "POST",
            "/admin/users/alice/personal-access-tokens",
            Map.of(
                "type", "classic", "name", "laptop", "scopes", List.of("repo"), "expires_in", 30));
    String token = t.get("token").asText();
    long tokenId = t.get("id").asLong();
    secrets.add(token);
    JsonNode bobs =
        expect(
            201,
            "POST",
            "/admin/users/bob/personal-access-tokens",
            Map.of("type", "classic", "name", "b", "scopes", List.of("repo"), "expires_in", 30));
    secrets.add(bobs.get("token").asText());

    String base = gateway.httpUrl().replace("http://", "http://alice:" + token + "@");
    Path dir = Files.createTempDirectory(tmp, "c");
    TestGit.Result ok = git.run(dir, "clone", "-q", base + "/acme/app.git", "w");
    assertTrue(ok.ok(), ok::toString);
    String bobUrl =
        gateway.httpUrl().replace("http://", "http://bob:" + bobs.get("token").asText() + "@");
    assertFalse(git.run(dir, "clone", "-q", bobUrl + "/acme/app.git", "w2").ok());
    expect(
        200,
        "PUT",
        "/orgs/acme/personal-access-token-policy",
        Map.of("classic_access", "restricted"));
    assertFalse(git.run(dir, "clone", "-q", base + "/acme/app.git", "w3").ok());
    expect(204, "DELETE", "/admin/personal-access-tokens/" + tokenId, null);
    // Error bodies of every kind, for the no-secret check.
    TestApi.Response anonymous = api.as(null).call("GET", "/user", null);
    bodies.add(anonymous.raw().body());
    assertEquals(401, anonymous.status());
    TestApi.Response bad = api.as(token).call("GET", "/user", null);
    bodies.add(bad.raw().body());
    assertEquals(401, bad.status());
    expect(
        422,
        "POST",
        "/admin/users/alice/personal-access-tokens",
        "{\"type\":\"classic\",\"name\":\"" + token + "\",\"scopes\":[\"nope\"]}");
    expect(400, "POST", "/admin/users", "{not json " + token);

    assertTrue(gateway.audit().flush(Duration.ofSeconds(10)), "the audit log drains");

    JsonNode decisions =
        expect(200, "GET", "/admin/audit-log?kind=decision&repository=acme/app", null);
    assertTrue(decisions.size() >= 3, decisions::toString);
    JsonNode allowed =
        expect(200, "GET", "/admin/audit-log?kind=decision&user=alice&outcome=allow", null);
    assertTrue(allowed.size() >= 1);
    JsonNode a = allowed.get(0);
    assertEquals("read", a.get("operation").asText());
    assertEquals("allow", a.get("outcome").asText());
    assertEquals(tokenId, a.get("token_id").asLong());
    assertEquals(
        44, a.get("hashed_token").asText().length(), "base64 SHA-256, as GitHub's hashed_token");
    assertEquals("127.0.0.1", a.get("client_address").asText());
    JsonNode denied =
        expect(200, "GET", "/admin/audit-log?kind=decision&outcome=deny&user=alice", null);
    assertTrue(denied.findValuesAsText("reason").contains("classic_restricted"), denied::toString);
    JsonNode byToken = expect(200, "GET", "/admin/audit-log?token_id=" + tokenId, null);
    assertTrue(byToken.size() >= 2);

    JsonNode adminChanges = expect(200, "GET", "/admin/audit-log?kind=admin&after=" + before, null);
    List<String> actions = adminChanges.findValuesAsText("action");
    assertTrue(
        actions.containsAll(
            List.of(
                "user.create",
                "org.create",
                "repo.create",
                "token.create",
                "org.policy.update",
                "token.delete")),
        actions::toString);
    JsonNode policyChange = null;
    for (JsonNode e : adminChanges) {
      if (e.get("action").asText().equals("org.policy.update")) {
        policyChange = e;
      }
    }
    assertNotNull(policyChange);
    assertEquals("admin", policyChange.get("actor").asText());
    assertTrue(policyChange.get("before").asText().contains("\"classic_access\":\"allowed\""));
    assertTrue(policyChange.get("after").asText().contains("\"classic_access\":\"restricted\""));

    JsonNode none =
        expect(200, "GET", "/admin/audit-log?before=" + before.minusSeconds(3600), null);
    assertEquals(0, none.size());
    JsonNode boot = expect(200, "GET", "/admin/audit-log?before=" + before, null);
    for (JsonNode e : boot) {
      assertTrue(Instant.parse(e.get("created_at").asText()).isBefore(before), e::toString);
    }
    // Allowed reads are counted per token, repository, client and minute.
    JsonNode reads =
        expect(
            200, "GET", "/admin/audit-log?kind=decision&outcome=allow&token_id=" + tokenId, null);
    assertTrue(reads.size() >= 1 && reads.get(0).get("count").asInt() >= 1, reads::toString);
    TestApi.Response paged = api.call("GET", "/admin/audit-log?per_page=2", null);
    assertEquals(2, paged.json().size());
    assertTrue(paged.raw().headers().firstValue("Link").orElse("").contains("rel=\"next\""));
    expect(422, "GET", "/admin/audit-log?outcome=maybe", null);
    expect(422, "GET", "/admin/audit-log?after=yesterday", null);
    TestApi.Response forbidden =
        api.as(bobs.get("token").asText()).call("GET", "/admin/audit-log", null);
    assertEquals(403, forbidden.status());

    // The JSON-lines file has the same events.
    String file = Files.readString(tmp.resolve("audit.jsonl"));
    assertTrue(
        file.lines().count() >= decisions.size() + actions.size(),
        "every event also reaches the file");
    assertTrue(file.contains("\"action\":\"org.policy.update\""));

    String metrics = get(gateway.httpUrl() + "/metrics");
    assertTrue(
        metrics.contains("portcullis_decisions_total{outcome=\"allow\",reason=\"authorized\"}"),
        metrics);
    assertTrue(
        metrics.contains(
            "portcullis_decisions_total{outcome=\"deny\",reason=\"classic_restricted\"}"));
    assertTrue(metrics.contains("portcullis_decision_seconds_bucket"));
    assertTrue(metrics.contains("portcullis_cache_hit_ratio{cache=\"tokens\"}"));
    assertTrue(metrics.contains("portcullis_store_pool_connections"));
    assertTrue(
        metrics.contains(
            "portcullis_git_bytes_total{direction=\"out\",service=\"git-upload-pack\"}"),
        metrics);
    assertEquals("ok\n", get(gateway.httpUrl() + "/healthz"));
    // Ready without mail: it is information, not a reason to take the node out of a balancer.
    assertEquals("ready\nmail is off (no --smtp-url)\n", get(gateway.httpUrl() + "/readyz"));

    // No plaintext anywhere: audit rows (through the API), the file, metrics, error bodies.
    String everything =
        expect(200, "GET", "/admin/audit-log?per_page=100", null).toString()
            + file
            + metrics
            + String.join("\n", bodies);
    for (String s : secrets) {
      assertFalse(everything.contains(s), "a token plaintext leaked");
      assertFalse(everything.contains(s.substring(4, 36)), "a token's random part leaked");
    }
  }

  /**
   * An {@code info/refs} request with the given {@code Authorization} value (none when null); its
   * status.
   */
  private int infoRefs(String url, String authorization) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(url + "/info/refs?service=git-upload-pack"));
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  private static String basic(String password) {
    return "Basic "
        + java.util.Base64.getEncoder()
            .encodeToString(
                ("carol:" + password).getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  @Test
  void refusalsWithoutAValidCredentialAreCountedNotRowsEach() throws Exception {
    expect(201, "POST", "/admin/users", Map.of("login", "carol"));
    expect(201, "POST", "/admin/users/carol/repos", Map.of("name", "bad", "visibility", "private"));
    JsonNode t =
        expect(
            201,
            "POST",
            "/admin/users/carol/personal-access-tokens",
            Map.of("type", "classic", "name", "t", "scopes", List.of("repo"), "expires_in", 30));
    String token = t.get("token").asText();
    secrets.add(token);
    String url = gateway.httpUrl() + "/carol/bad.git";
    char[] typo = token.toCharArray();
    typo[10] = typo[10] == 'a' ? 'b' : 'a';
    String unknown =
        dev.portcullis.policy.token.TokenFormat.generate(
            dev.portcullis.policy.token.TokenKind.CLASSIC, new java.security.SecureRandom());
    // Fewer than the failed-authentication limit (50 by default), so every one is a 401.
    int each = 10;
    for (int i = 0; i < each; i++) {
      assertEquals(401, infoRefs(url, null));
      assertEquals(401, infoRefs(url, basic(new String(typo))));
      assertEquals(401, infoRefs(url, basic(unknown)));
      assertEquals(401, infoRefs(url, basic("not a token " + i)));
      assertEquals(200, infoRefs(url, basic(token)));
    }
    // A valid token refused by a policy still gets a row of its own.
    expect(204, "PUT", "/users/carol/suspended", null);
    assertEquals(403, infoRefs(url, basic(token)));
    expect(204, "DELETE", "/users/carol/suspended", null);
    assertTrue(gateway.audit().flush(Duration.ofSeconds(10)));

    JsonNode rows =
        expect(
            200,
            "GET",
            "/admin/audit-log?kind=decision&outcome=deny&repository=carol/bad&per_page=100",
            null);
    long noCredentials = 0;
    long invalid = 0;
    int invalidRows = 0;
    int suspendedRows = 0;
    for (JsonNode r : rows) {
      // The suspended user's valid token is refused 403; every credential problem is a 401.
      assertEquals(
          r.get("reason").asText().equals("user_suspended") ? 403 : 401,
          r.get("status").asInt(),
          r::toString);
      assertEquals("read", r.get("operation").asText(), r::toString);
      assertEquals("127.0.0.1", r.get("client_address").asText(), r::toString);
      switch (r.get("reason").asText()) {
        case "no_credentials" -> noCredentials += r.get("count").asInt();
        case "invalid_credentials" -> {
          assertTrue(
              r.path("token_id").isMissingNode() || r.path("token_id").isNull(), r::toString);
          assertTrue(r.path("actor").isMissingNode() || r.path("actor").isNull(), r::toString);
          invalid += r.get("count").asInt();
          invalidRows++;
        }
        case "user_suspended" -> {
          assertEquals(1, r.get("count").asInt(), r::toString);
          assertEquals(t.get("id").asLong(), r.get("token_id").asLong(), r::toString);
          suspendedRows++;
        }
        default -> throw new AssertionError("unexpected refusal " + r);
      }
    }
    assertEquals(each, noCredentials, rows::toString);
    assertEquals(3L * each, invalid, rows::toString);
    // One counted row per minute (two when the loop crossed a minute), not one per request.
    assertTrue(invalidRows >= 1 && invalidRows <= 2, rows::toString);
    assertEquals(1, suspendedRows, rows::toString);
  }

  @Test
  void everyAllowedReadCanBeItsOwnRow() throws Exception {
    Limits each =
        new Limits(
            0,
            0,
            dev.portcullis.policy.access.FailedAuthLimiter.Settings.DEFAULT,
            0,
            Duration.ofSeconds(30),
            Duration.ofHours(1),
            true);
    try (Gateway g =
        Gateway.start(
            GatewayConfig.defaults(tmp.resolve("each")).withPorts(0, 0).withLimits(each))) {
      TestApi a =
          new TestApi(g.httpUrl(), Files.readString(tmp.resolve("each/admin-token")).strip());
      a.expect(201, "POST", "/admin/users", Map.of("login", "dora"));
      a.expect(
          201, "POST", "/admin/users/dora/repos", Map.of("name", "r", "visibility", "private"));
      JsonNode t =
          a.expect(
              201,
              "POST",
              "/admin/users/dora/personal-access-tokens",
              Map.of("type", "classic", "name", "t", "scopes", List.of("repo"), "expires_in", 30));
      String url =
          g.httpUrl().replace("http://", "http://dora:" + t.get("token").asText() + "@")
              + "/dora/r.git";
      Path dir = Files.createTempDirectory(tmp, "each");
      for (int i = 0; i < 3; i++) {
        assertTrue(git.run(dir, "ls-remote", url).ok());
      }
      // An allowed request is recorded once JGit has answered, and JGit may have sent the last
      // byte (and git exited) just before that: wait, bounded, for the asynchronous rows.
      // Protocol v2: each ls-remote is two allowed requests (info/refs and the ls-refs command).
      String query =
          "/admin/audit-log?kind=decision&outcome=allow&token_id=" + t.get("id").asLong();
      JsonNode rows = null;
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      do {
        assertTrue(g.audit().flush(Duration.ofSeconds(10)));
        rows = a.expect(200, "GET", query, null);
      } while (rows.size() < 6 && System.nanoTime() < deadline && sleep(20));
      assertEquals(6, rows.size(), rows::toString);
      for (JsonNode r : rows) {
        assertEquals(1, r.get("count").asInt());
      }
      // So is every refusal: git's credential-less first request of each ls-remote.
      JsonNode refusals =
          a.expect(
              200, "GET", "/admin/audit-log?kind=decision&outcome=deny&repository=dora/r", null);
      assertEquals(3, refusals.size(), refusals::toString);
      for (JsonNode r : refusals) {
        assertEquals("no_credentials", r.get("reason").asText());
        assertEquals(1, r.get("count").asInt());
      }
    }
  }

  private static boolean sleep(long millis) throws InterruptedException {
    Thread.sleep(millis);
    return true;
  }
}
