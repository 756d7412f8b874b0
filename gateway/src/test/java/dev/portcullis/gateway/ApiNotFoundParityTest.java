package dev.portcullis.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.gateway.api.ApiServlet;
import dev.portcullis.policy.model.PolicyException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every route of the REST API, called by an anonymous caller and by an outsider (a valid token of a
 * user who belongs to nothing), once naming objects that exist and once naming objects that do not:
 * the answers (status and body) must be the same, so the API never tells a caller what exists
 * beyond what it may see. Anonymous callers get 401 before anything is looked up.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ApiNotFoundParityTest {
  @TempDir static Path tmp;
  private Gateway gateway;
  private TestApi admin;
  private ApiFixtures fx;
  private String outsiderToken;
  private long requestId;
  private long grantTokenId;
  private long bobTokenId;
  private String bobToken;
  private long hookId;
  private long attemptId;

  /** One call: path parameters (in template order), a query string and a JSON body. */
  private record Variant(List<Object> params, String query, Object body) {}

  @BeforeAll
  void start() throws Exception {
    gateway =
        Gateway.start(
            GatewayConfig.defaults(tmp.resolve("data"))
                .withPorts(0, 0)
                .withWebhooks(
                    dev.portcullis.gateway.notify.WebhookSettings.DEFAULT
                        .withAllowPrivate(true)
                        .withDeliver(false)));
    admin =
        new TestApi(gateway.httpUrl(), Files.readString(tmp.resolve("data/admin-token")).strip());
    fx = new ApiFixtures(gateway, admin);
    for (String login : List.of("alice", "bob", "eve")) {
      admin.expect(201, "POST", "/admin/users", Map.of("login", login));
    }
    admin.expect(201, "POST", "/admin/enterprises", Map.of("slug", "globex"));
    admin.expect(
        201,
        "POST",
        "/admin/organizations",
        Map.of("login", "acme", "admin", "alice", "enterprise", "globex"));
    fx.member("acme", "bob");
    admin.expect(
        201, "POST", "/orgs/acme/repos", Map.of("name", "secret", "visibility", "private"));
    admin.expect(
        201, "POST", "/admin/users/alice/repos", Map.of("name", "own", "visibility", "private"));
    // A pending request and an approved grant of bob's on acme.
    JsonNode pending = fx.readAll("bob", "acme");
    requestId = ApiFixtures.requestId(pending);
    JsonNode approved = fx.readAll("bob", "acme");
    admin.expect(
        204,
        "POST",
        "/orgs/acme/personal-access-token-requests/" + ApiFixtures.requestId(approved),
        Map.of("action", "approve"));
    grantTokenId = ApiFixtures.tokenId(approved);
    JsonNode bobs = fx.classic("bob", List.of("repo"));
    bobTokenId = ApiFixtures.tokenId(bobs);
    bobToken = ApiFixtures.plaintext(bobs);
    // A hook of acme with one attempt in its log (its ping, refused: nothing listens there).
    hookId =
        admin
            .expect(
                201,
                "POST",
                "/orgs/acme/hooks",
                Map.of("name", "web", "config", Map.of("url", "http://127.0.0.1:1/hook")))
            .get("id")
            .asLong();
    gateway
        .newWebhookSender(
            java.time.Clock.systemUTC(), dev.portcullis.gateway.notify.WebhookSender.RETRIES)
        .deliverDue();
    attemptId =
        admin
            .expect(200, "GET", "/orgs/acme/hooks/" + hookId + "/deliveries", null)
            .get(0)
            .get("id")
            .asLong();
    // The outsider's token has every scope a non-admin can have: no refusal is about scopes.
    outsiderToken = ApiFixtures.plaintext(fx.classic("eve", List.of("repo", "admin:org")));
  }

  @AfterAll
  void stop() {
    gateway.close();
  }

  /**
   * For each route template: the call naming existing objects first, then calls each naming a
   * missing one. {@code revocable} is a real token that {@code /credentials/revoke} may revoke.
   */
  private Map<String, List<Variant>> cases(String revocable) {
    Map<String, List<Variant>> c = new LinkedHashMap<>();
    Map<String, Object> policy = Map.of("classic_access", "restricted");
    Map<String, Object> repo = Map.of("name", "fresh", "visibility", "private");
    c.put("GET /user", List.of(v(List.of()), v(List.of())));
    // The caller's own address: it names no other object.
    c.put(
        "PATCH /user",
        List.of(
            body(Map.of("email", "me@example.test")), body(Map.of("email", "me@example.test"))));
    // Listings that name no object have one call each.
    c.put("GET /users", List.of(new Variant(List.of(), "per_page=1", null)));
    c.put("GET /admin/users", List.of(new Variant(List.of(), "per_page=1", null)));
    c.put("GET /organizations", List.of(new Variant(List.of(), "per_page=1", null)));
    c.put(
        "GET /users/{}", List.of(v(List.of("bob")), v(List.of("nosuchuser")), v(List.of("acme"))));
    c.put(
        "GET /enterprises/{}/personal-access-token-policy",
        List.of(v(List.of("globex")), v(List.of("nosuchent"))));
    c.put(
        "GET /enterprises/{}/organizations",
        List.of(v(List.of("globex")), v(List.of("nosuchent"))));
    for (String read :
        List.of(
            "GET /orgs/{}", "GET /orgs/{}/personal-access-token-policy", "GET /orgs/{}/repos")) {
      c.put(read, List.of(v(List.of("acme")), v(List.of("nosuchorg")), v(List.of("alice"))));
    }
    c.put(
        "GET /orgs/{}/members",
        List.of(
            new Variant(List.of("acme"), "role=admin", null),
            new Variant(List.of("nosuchorg"), "role=admin", null),
            new Variant(List.of("alice"), "role=admin", null)));
    for (String read : List.of("GET /repos/{}/{}", "GET /repos/{}/{}/collaborators")) {
      c.put(
          read,
          List.of(
              v(List.of("acme", "secret")),
              v(List.of("acme", "nosuch")),
              v(List.of("nosuchorg", "secret")),
              v(List.of("alice", "secret"))));
    }
    c.put(
        "POST /admin/users",
        List.of(body(Map.of("login", "bob")), body(Map.of("login", "nosuchuser"))));
    c.put(
        "POST /admin/users/{}/password-setup-links",
        List.of(v(List.of("bob")), v(List.of("nosuchuser"))));
    c.put(
        "DELETE /admin/users/{}",
        List.of(v(List.of("bob")), v(List.of("nosuchuser")), v(List.of("acme"))));
    c.put(
        "DELETE /orgs/{}",
        List.of(v(List.of("acme")), v(List.of("nosuchorg")), v(List.of("alice"))));
    c.put(
        "DELETE /repos/{}/{}",
        List.of(
            v(List.of("acme", "secret")),
            v(List.of("acme", "nosuch")),
            v(List.of("nosuchorg", "secret")),
            v(List.of("alice", "secret"))));
    c.put("PUT /users/{}/suspended", List.of(v(List.of("bob")), v(List.of("nosuchuser"))));
    c.put("DELETE /users/{}/suspended", List.of(v(List.of("bob")), v(List.of("nosuchuser"))));
    c.put(
        "POST /admin/enterprises",
        List.of(body(Map.of("slug", "globex")), body(Map.of("slug", "nosuchent"))));
    c.put(
        "PUT /enterprises/{}/personal-access-token-policy",
        List.of(
            new Variant(List.of("globex"), null, policy),
            new Variant(List.of("nosuchent"), null, policy)));
    for (String m : List.of("PUT", "DELETE")) {
      c.put(
          m + " /enterprises/{}/owners/{}",
          List.of(
              v(List.of("globex", "bob")),
              v(List.of("globex", "nosuchuser")),
              v(List.of("nosuchent", "bob"))));
    }
    c.put(
        "POST /admin/organizations",
        List.of(
            body(Map.of("login", "neworg", "admin", "alice", "enterprise", "globex")),
            body(Map.of("login", "neworg", "admin", "nosuchuser", "enterprise", "nosuchent")),
            body(Map.of("login", "acme", "admin", "alice"))));
    c.put(
        "PUT /orgs/{}/personal-access-token-policy",
        List.of(
            new Variant(List.of("acme"), null, policy),
            new Variant(List.of("nosuchorg"), null, policy),
            new Variant(List.of("alice"), null, policy)));
    for (String m : List.of("PUT", "DELETE")) {
      c.put(
          m + " /orgs/{}/memberships/{}",
          List.of(
              new Variant(List.of("acme", "bob"), null, Map.of("role", "admin")),
              new Variant(List.of("acme", "nosuchuser"), null, Map.of("role", "admin")),
              new Variant(List.of("nosuchorg", "bob"), null, Map.of("role", "admin"))));
    }
    c.put(
        "PUT /orgs/{}/base-permission",
        List.of(
            new Variant(List.of("acme"), null, Map.of("permission", "admin")),
            new Variant(List.of("nosuchorg"), null, Map.of("permission", "admin"))));
    c.put(
        "POST /orgs/{}/repos",
        List.of(
            new Variant(List.of("acme"), null, repo),
            new Variant(List.of("nosuchorg"), null, repo),
            new Variant(List.of("alice"), null, repo)));
    c.put(
        "POST /admin/users/{}/repos",
        List.of(
            new Variant(List.of("alice"), null, repo),
            new Variant(List.of("nosuchuser"), null, repo),
            new Variant(List.of("acme"), null, repo)));
    for (String m : List.of("PUT", "DELETE")) {
      c.put(
          m + " /repos/{}/{}/collaborators/{}",
          List.of(
              new Variant(List.of("acme", "secret", "bob"), null, Map.of("permission", "admin")),
              new Variant(List.of("acme", "nosuch", "bob"), null, Map.of("permission", "admin")),
              new Variant(
                  List.of("nosuchorg", "secret", "bob"), null, Map.of("permission", "admin")),
              new Variant(
                  List.of("acme", "secret", "nosuchuser"), null, Map.of("permission", "admin")),
              new Variant(List.of("alice", "own", "bob"), null, Map.of("permission", "admin"))));
    }
    Map<String, Object> token =
        Map.of("type", "classic", "name", "x", "scopes", List.of("repo"), "expires_in", 30);
    c.put(
        "POST /admin/users/{}/personal-access-tokens",
        List.of(
            new Variant(List.of("bob"), null, token),
            new Variant(List.of("nosuchuser"), null, token)));
    c.put(
        "GET /admin/users/{}/personal-access-tokens",
        List.of(v(List.of("bob")), v(List.of("nosuchuser"))));
    c.put(
        "DELETE /admin/personal-access-tokens/{}",
        List.of(v(List.of(bobTokenId)), v(List.of(999_999))));
    Map<String, Object> patterns = Map.of("ref_patterns", List.of("refs/heads/main"));
    c.put(
        "PATCH /admin/personal-access-tokens/{}",
        List.of(
            new Variant(List.of(bobTokenId), null, patterns),
            new Variant(List.of(999_999), null, patterns)));
    c.put(
        "POST /admin/personal-access-tokens/{}/rotate",
        List.of(
            new Variant(List.of(bobTokenId), null, Map.of("overlap_seconds", 60)),
            new Variant(List.of(999_999), null, Map.of("overlap_seconds", 60))));
    // The caller's own token, named by no path: an overlap out of range keeps the walk's tokens
    // (a valid rotation would answer a new secret each time and end the caller's).
    c.put(
        "POST /user/personal-access-tokens/self/rotate",
        List.of(body(Map.of("overlap_seconds", 86_401)), body(Map.of("overlap_seconds", 86_401))));
    c.put(
        "GET /orgs/{}/personal-access-token-requests",
        List.of(
            new Variant(List.of("acme"), "per_page=1", null),
            new Variant(List.of("nosuchorg"), "per_page=1", null)));
    c.put(
        "GET /orgs/{}/personal-access-tokens",
        List.of(
            new Variant(List.of("acme"), "per_page=1", null),
            new Variant(List.of("nosuchorg"), "per_page=1", null)));
    c.put(
        "GET /orgs/{}/personal-access-token-requests/{}/repositories",
        List.of(
            v(List.of("acme", requestId)),
            v(List.of("acme", 999_999)),
            v(List.of("nosuchorg", requestId))));
    c.put(
        "GET /orgs/{}/personal-access-tokens/{}/repositories",
        List.of(
            v(List.of("acme", grantTokenId)),
            v(List.of("acme", 999_999)),
            v(List.of("nosuchorg", grantTokenId))));
    c.put(
        "POST /orgs/{}/personal-access-token-requests/{}",
        List.of(
            new Variant(List.of("acme", requestId), null, Map.of("action", "deny")),
            new Variant(List.of("acme", 999_999), null, Map.of("action", "deny")),
            new Variant(List.of("nosuchorg", requestId), null, Map.of("action", "deny"))));
    c.put(
        "POST /orgs/{}/personal-access-token-requests",
        List.of(
            new Variant(
                List.of("acme"),
                null,
                Map.of("action", "deny", "pat_request_ids", List.of(requestId))),
            new Variant(
                List.of("acme"),
                null,
                Map.of("action", "deny", "pat_request_ids", List.of(999_999))),
            new Variant(
                List.of("nosuchorg"),
                null,
                Map.of("action", "deny", "pat_request_ids", List.of(requestId)))));
    c.put(
        "POST /orgs/{}/personal-access-tokens/{}",
        List.of(
            new Variant(List.of("acme", grantTokenId), null, Map.of("action", "revoke")),
            new Variant(List.of("acme", 999_999), null, Map.of("action", "revoke")),
            new Variant(List.of("nosuchorg", grantTokenId), null, Map.of("action", "revoke"))));
    c.put(
        "POST /orgs/{}/personal-access-tokens",
        List.of(
            new Variant(
                List.of("acme"),
                null,
                Map.of("action", "revoke", "pat_ids", List.of(grantTokenId))),
            new Variant(
                List.of("acme"), null, Map.of("action", "revoke", "pat_ids", List.of(999_999))),
            new Variant(
                List.of("nosuchorg"),
                null,
                Map.of("action", "revoke", "pat_ids", List.of(grantTokenId)))));
    Map<String, Object> hook =
        Map.of("name", "web", "config", Map.of("url", "http://127.0.0.1:1/h"));
    c.put(
        "GET /orgs/{}/hooks",
        List.of(v(List.of("acme")), v(List.of("nosuchorg")), v(List.of("alice"))));
    c.put(
        "POST /orgs/{}/hooks",
        List.of(
            new Variant(List.of("acme"), null, hook),
            new Variant(List.of("nosuchorg"), null, hook)));
    for (String route :
        List.of(
            "GET /orgs/{}/hooks/{}",
            "DELETE /orgs/{}/hooks/{}",
            "GET /orgs/{}/hooks/{}/config",
            "POST /orgs/{}/hooks/{}/pings",
            "GET /orgs/{}/hooks/{}/deliveries")) {
      c.put(
          route,
          List.of(
              v(List.of("acme", hookId)),
              v(List.of("acme", 999_999)),
              v(List.of("nosuchorg", hookId))));
    }
    for (String route : List.of("PATCH /orgs/{}/hooks/{}", "PATCH /orgs/{}/hooks/{}/config")) {
      Map<String, Object> patch = Map.of("active", false);
      if (route.endsWith("/config")) {
        patch = Map.of("content_type", "json");
      }
      c.put(
          route,
          List.of(
              new Variant(List.of("acme", hookId), null, patch),
              new Variant(List.of("acme", 999_999), null, patch),
              new Variant(List.of("nosuchorg", hookId), null, patch)));
    }
    for (String route :
        List.of(
            "GET /orgs/{}/hooks/{}/deliveries/{}",
            "POST /orgs/{}/hooks/{}/deliveries/{}/attempts")) {
      c.put(
          route,
          List.of(
              v(List.of("acme", hookId, attemptId)),
              v(List.of("acme", hookId, 999_999)),
              v(List.of("acme", 999_999, attemptId)),
              v(List.of("nosuchorg", hookId, attemptId))));
    }
    c.put(
        "POST /credentials/revoke",
        List.of(
            body(Map.of("credentials", List.of(revocable))),
            body(Map.of("credentials", List.of("pcc_" + "Q".repeat(38))))));
    c.put(
        "GET /admin/audit-log",
        List.of(
            new Variant(List.of(), "user=bob&per_page=1", null),
            new Variant(List.of(), "user=nosuchuser&per_page=1", null)));
    // A listing that names no object: the two variants differ only in their filter.
    c.put(
        "GET /admin/notifications",
        List.of(
            new Variant(List.of(), "status=failed&per_page=1", null),
            new Variant(List.of(), "status=sent&per_page=1", null)));
    c.put("POST /admin/notifications/digest", List.of(body(Map.of())));
    return c;
  }

  private static Variant v(List<Object> params) {
    return new Variant(params, null, null);
  }

  private static Variant body(Object body) {
    return new Variant(List.of(), null, body);
  }

  private static String path(String template, Variant v) {
    StringBuilder out = new StringBuilder();
    int p = 0;
    for (int i = 0; i < template.length(); i++) {
      if (template.startsWith("{}", i)) {
        out.append(v.params().get(p++));
        i++;
      } else {
        out.append(template.charAt(i));
      }
    }
    assertEquals(v.params().size(), p, template);
    return out + (v.query() == null ? "" : "?" + v.query());
  }

  /** Calls every variant of every route as {@code caller}; returns the routes' answers. */
  private Map<String, List<String>> walk(TestApi caller, String revocable) {
    Map<String, List<Variant>> cases = cases(revocable);
    assertEquals(
        new TreeSet<>(ApiServlet.routeTable()),
        new TreeSet<>(cases.keySet()),
        "every route of the table has its cases here");
    Map<String, List<String>> answers = new LinkedHashMap<>();
    for (Map.Entry<String, List<Variant>> e : cases.entrySet()) {
      String method = e.getKey().substring(0, e.getKey().indexOf(' '));
      String template = e.getKey().substring(e.getKey().indexOf(' ') + 1);
      List<String> got = new ArrayList<>();
      for (Variant v : e.getValue()) {
        TestApi.Response r = caller.call(method, path(template, v), v.body());
        got.add(r.status() + " " + r.raw().body());
      }
      answers.put(e.getKey(), got);
    }
    return answers;
  }

  /** Routes whose answers differ between the existing and a missing object. */
  private static List<String> differences(Map<String, List<String>> answers) {
    List<String> out = new ArrayList<>();
    answers.forEach(
        (route, got) -> {
          for (int i = 1; i < got.size(); i++) {
            if (!got.get(i).equals(got.get(0))) {
              out.add(
                  route + " [existing] " + got.get(0) + " ≠ [missing #" + i + "] " + got.get(i));
            }
          }
        });
    return out;
  }

  private String throwawayToken() {
    return ApiFixtures.plaintext(fx.classic("bob", List.of("repo")));
  }

  @Test
  void anonymousCallersGet401BeforeAnyLookup() {
    Map<String, List<String>> answers = walk(admin.as(null), throwawayToken());
    assertEquals(List.of(), differences(answers));
    answers.forEach(
        (route, got) -> {
          if (route.equals("POST /credentials/revoke")) {
            assertTrue(got.get(0).startsWith("202 "), route + ": " + got.get(0));
          } else {
            assertTrue(got.get(0).startsWith("401 "), route + ": " + got.get(0));
            assertTrue(got.get(0).contains("\"Requires authentication\""), got.get(0));
          }
        });
    assertNothingChanged();
  }

  @Test
  void anOutsiderCannotTellExistingObjectsFromMissingOnes() {
    Map<String, List<String>> answers = walk(admin.as(outsiderToken), throwawayToken());
    assertEquals(List.of(), differences(answers));
    // What anyone may call: their own account, the organizations they belong to (none), and the
    // revocation of a leaked token.
    Set<String> allowed =
        Set.of("GET /user", "PATCH /user", "GET /organizations", "POST /credentials/revoke");
    answers.forEach(
        (route, got) -> {
          int status = Integer.parseInt(got.get(0).substring(0, 3));
          if (allowed.contains(route)) {
            assertTrue(status < 300, route + ": " + got.get(0));
          } else if (route.equals("POST /user/personal-access-tokens/self/rotate")) {
            // Anyone may rotate their own token; this walk's overlap is out of range.
            assertEquals(422, status, route + ": " + got.get(0));
          } else {
            assertTrue(status == 403 || status == 404, route + ": " + got.get(0));
          }
          if (status == 404) {
            assertTrue(got.get(0).contains("\"message\" : \"Not Found\""), route + ": " + got);
          }
        });
    assertNothingChanged();
  }

  @Test
  void theSiteAdminSeesTheExistingObjects() {
    // The fixtures are what the walk says: each existing GET answers 200, each missing one 404.
    for (Map.Entry<String, List<Variant>> e : cases(throwawayToken()).entrySet()) {
      if (!e.getKey().startsWith("GET ")
          || e.getKey().equals("GET /admin/audit-log")
          || e.getKey().equals("GET /admin/notifications")) {
        continue;
      }
      String template = e.getKey().substring(4);
      List<Variant> variants = e.getValue();
      for (int i = 0; i < variants.size(); i++) {
        TestApi.Response r = admin.call("GET", path(template, variants.get(i)), null);
        int want = i == 0 || template.equals("/user") ? 200 : 404;
        assertEquals(want, r.status(), () -> e.getKey() + ": " + r);
      }
    }
  }

  @Test
  void aRefusalBeforeTheBodyArrivesLeavesTheConnectionUsable() throws Exception {
    // The 401 is decided from the headers; the body comes later. The answer must not leave a
    // keep-alive connection that the server then closes (a client reusing it for a POST fails).
    int port = URI.create(gateway.httpUrl()).getPort();
    String body = "{\"action\":\"revoke\"}";
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(
          ("POST /api/v3/orgs/acme/personal-access-tokens/1 HTTP/1.1\r\nHost: a\r\n"
                  + "Content-Type: application/json\r\nContent-Length: "
                  + body.length()
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      Thread.sleep(300);
      out.write(body.getBytes(StandardCharsets.US_ASCII));
      out.write(
          ("GET /api/v3/user HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String both = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      assertTrue(both.startsWith("HTTP/1.1 401 "), both);
      assertEquals(2, both.split("HTTP/1.1 401 ", -1).length - 1, both);
    }
  }

  /** None of the refused calls changed anything. */
  private void assertNothingChanged() {
    assertEquals(200, admin.as(bobToken).call("GET", "/user", null).status(), "bob is active");
    JsonNode requests = admin.expect(200, "GET", "/orgs/acme/personal-access-token-requests", null);
    assertEquals(1, requests.size(), requests::toString);
    assertEquals(requestId, requests.get(0).get("id").asLong());
    JsonNode grants = admin.expect(200, "GET", "/orgs/acme/personal-access-tokens", null);
    assertTrue(grants.toString().contains("\"id\":" + grantTokenId), grants::toString);
    JsonNode bobs = admin.expect(200, "GET", "/admin/users/bob/personal-access-tokens", null);
    assertTrue(bobs.toString().contains("\"id\":" + bobTokenId), bobs::toString);
    var directory = gateway.admin().directory();
    assertTrue(directory.findUser("nosuchuser").isEmpty());
    assertEquals(
        dev.portcullis.policy.model.OrgPolicy.Access.ALLOWED,
        directory.organization("acme").policy().classicAccess());
    assertEquals(
        dev.portcullis.policy.model.BasePermission.READ,
        directory.organization("acme").basePermission());
    assertTrue(directory.findUser("bob").isPresent());
    directory.repository("acme", "secret");
    assertThrows(PolicyException.class, () -> directory.owner("neworg"));
    assertThrows(PolicyException.class, () -> directory.repository("acme", "fresh"));
    assertThrows(PolicyException.class, () -> directory.repository("alice", "fresh"));
    JsonNode hooks = admin.expect(200, "GET", "/orgs/acme/hooks", null);
    assertEquals(1, hooks.size(), hooks::toString);
    assertTrue(hooks.get(0).get("active").asBoolean(), "the hook is unchanged");
    assertEquals("form", hooks.get(0).get("config").get("content_type").asText());
  }
}
