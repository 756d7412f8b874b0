package dev.portcullis.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code DELETE /admin/users/{username}}, {@code DELETE /orgs/{org}} and {@code DELETE
 * /repos/{owner}/{repo}} against the real server: who may call them (an outsider gets the missing
 * object's 404, a member 403), and that the very next git request sees the deletion — a deleted
 * user's token 401, a deleted repository's clone 404 — with the bare repositories gone from disk.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DeleteApiTest {
  @TempDir static Path tmp;
  private Gateway gateway;
  private TestApi admin;
  private ApiFixtures fx;
  private final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  void start() throws Exception {
    gateway = Gateway.start(GatewayConfig.defaults(tmp.resolve("data")).withPorts(0, 0));
    admin =
        new TestApi(gateway.httpUrl(), Files.readString(tmp.resolve("data/admin-token")).strip());
    fx = new ApiFixtures(gateway, admin);
  }

  @AfterAll
  void stop() {
    gateway.close();
  }

  /** An organization with a private repository holding one commit, an owner and a member. */
  private record World(String org, String repo, String owner, String member) {}

  private World world() {
    String owner = fx.user("owner");
    String member = fx.user("member");
    String org = fx.org("org", owner);
    fx.member(org, member);
    return new World(org, fx.repo(org, "app", "private"), owner, member);
  }

  private String token(String login, String... scopes) {
    return ApiFixtures.plaintext(fx.classic(login, List.of(scopes)));
  }

  /** git's first request of a clone: the ref advertisement of {@code owner/name}. */
  private HttpResponse<String> advertisement(String repo, String token) throws Exception {
    String basic =
        Base64.getEncoder().encodeToString(("git:" + token).getBytes(StandardCharsets.UTF_8));
    HttpRequest req =
        HttpRequest.newBuilder(
                URI.create(
                    gateway.httpUrl() + "/" + repo + ".git/info/refs?service=git-upload-pack"))
            .header("Authorization", "Basic " + basic)
            .build();
    return http.send(req, HttpResponse.BodyHandlers.ofString());
  }

  private Path onDisk(String repo) {
    return gateway.storage().root().resolve(repo.toLowerCase(java.util.Locale.ROOT) + ".git");
  }

  /** The audit log's admin event of {@code action} on {@code target}, once the log has drained. */
  private JsonNode audited(String action, String target) throws InterruptedException {
    assertTrue(gateway.audit().flush(java.time.Duration.ofSeconds(10)), "the audit log drains");
    for (JsonNode e : admin.expect(200, "GET", "/admin/audit-log?kind=admin&per_page=100", null)) {
      if (e.get("action").asText().equals(action) && e.get("target").asText().equals(target)) {
        return e;
      }
    }
    throw new AssertionError("no " + action + " of " + target + " in the audit log");
  }

  @Test
  void aDeletedUsersTokenGets401OnTheVeryNextGitRequest() throws Exception {
    World w = world();
    String leaver = fx.user("leaver");
    fx.member(w.org(), leaver);
    String token = token(leaver, "repo");
    JsonNode own =
        admin.expect(
            201,
            "POST",
            "/admin/users/" + leaver + "/repos",
            Map.of("name", "mine", "visibility", "private"));
    assertEquals(200, advertisement(w.repo(), token).statusCode());

    // Only a site administrator: another user gets the missing user's 404, the user themself 403.
    TestApi asMember = admin.as(token(w.member(), "repo", "admin:org"));
    TestApi asLeaver = admin.as(token);
    assertEquals(404, asMember.call("DELETE", "/admin/users/" + leaver, null).status());
    assertEquals(404, asMember.call("DELETE", "/admin/users/nosuchuser", null).status());
    assertEquals(403, asLeaver.call("DELETE", "/admin/users/" + leaver, null).status());
    assertEquals(200, advertisement(w.repo(), token).statusCode(), "refusals changed nothing");

    admin.expect(204, "DELETE", "/admin/users/" + leaver, null);

    HttpResponse<String> next = advertisement(w.repo(), token);
    assertEquals(401, next.statusCode(), next::body);
    assertTrue(next.headers().firstValue("WWW-Authenticate").isPresent());
    assertEquals(401, asLeaver.call("GET", "/user", null).status());
    assertEquals(404, admin.call("GET", "/users/" + leaver, null).status());
    assertEquals(
        404,
        admin.call("GET", "/admin/users/" + leaver + "/personal-access-tokens", null).status());
    assertEquals(404, admin.call("DELETE", "/admin/users/" + leaver, null).status());
    assertFalse(Files.exists(onDisk(own.get("full_name").asText())), "their repository is gone");
    JsonNode event = audited("user.delete", "user:" + leaver);
    assertEquals("admin", event.get("actor").asText());
    assertTrue(event.get("before").asText().contains("\"tokens\":1"), event::toString);
    // The login can be used again, by a new account with nothing of the old one's.
    admin.expect(201, "POST", "/admin/users", Map.of("login", leaver));
    assertEquals(
        0,
        admin
            .expect(200, "GET", "/admin/users/" + leaver + "/personal-access-tokens", null)
            .size());
  }

  @Test
  void aDeletedRepositorysCloneIs404() throws Exception {
    World w = world();
    String ownerToken = token(w.owner(), "repo", "admin:org");
    TestApi asOwner = admin.as(ownerToken);
    TestApi asMember = admin.as(token(w.member(), "repo", "admin:org"));
    TestApi asOutsider = admin.as(token(fx.user("outsider"), "repo", "admin:org"));
    assertEquals(200, advertisement(w.repo(), ownerToken).statusCode());

    TestApi.Response outsider = asOutsider.call("DELETE", "/repos/" + w.repo(), null);
    assertEquals(404, outsider.status());
    assertEquals(
        asOutsider.call("DELETE", "/repos/" + w.org() + "/nosuch", null).raw().body(),
        outsider.raw().body(),
        "a hidden repository is refused as a missing one");
    assertEquals(403, asMember.call("DELETE", "/repos/" + w.repo(), null).status());
    assertTrue(Files.isDirectory(onDisk(w.repo())));

    assertEquals(204, asOwner.call("DELETE", "/repos/" + w.repo(), null).status());

    HttpResponse<String> next = advertisement(w.repo(), ownerToken);
    assertEquals(404, next.statusCode());
    assertTrue(next.body().contains("Repository not found."), next::body);
    assertEquals(404, admin.call("GET", "/repos/" + w.repo(), null).status());
    assertFalse(Files.exists(onDisk(w.repo())), "the bare repository is removed");
    assertEquals(w.owner(), audited("repo.delete", "repo:" + w.repo()).get("actor").asText());
    // The name is free: a repository created under it starts empty.
    admin.expect(201, "POST", "/orgs/" + w.org() + "/repos", Map.of("name", "app"));
    assertEquals(200, advertisement(w.repo(), ownerToken).statusCode());
  }

  @Test
  void aDeletedOrganizationTakesItsRepositoriesRequestsAndTokensAlong() throws Exception {
    World w = world();
    fx.repo(w.org(), "docs", "public");
    String ownerToken = token(w.owner(), "repo", "admin:org");
    TestApi asOwner = admin.as(ownerToken);
    String memberClassic = token(w.member(), "repo");
    TestApi asMember = admin.as(token(w.member(), "repo", "admin:org"));
    TestApi asOutsider = admin.as(token(fx.user("outsider"), "repo", "admin:org"));
    String pending = ApiFixtures.plaintext(fx.readAll(w.member(), w.org()));
    assertEquals(
        1,
        admin
            .expect(200, "GET", "/orgs/" + w.org() + "/personal-access-token-requests", null)
            .size());

    assertEquals(404, asOutsider.call("DELETE", "/orgs/" + w.org(), null).status());
    assertEquals(404, asOutsider.call("DELETE", "/orgs/nosuchorg", null).status());
    assertEquals(403, asMember.call("DELETE", "/orgs/" + w.org(), null).status());
    assertEquals(200, advertisement(w.repo(), memberClassic).statusCode());

    assertEquals(202, asOwner.call("DELETE", "/orgs/" + w.org(), null).status());

    assertEquals(404, advertisement(w.repo(), memberClassic).statusCode());
    assertEquals(404, advertisement(w.org() + "/docs", memberClassic).statusCode());
    assertEquals(
        401, advertisement(w.org() + "/docs", pending).statusCode(), "the org's token is gone");
    assertEquals(404, admin.call("GET", "/orgs/" + w.org(), null).status());
    assertFalse(Files.exists(onDisk(w.repo())));
    assertFalse(Files.exists(onDisk(w.org() + "/docs")));
    assertEquals(w.owner(), audited("org.delete", "org:" + w.org()).get("actor").asText());
    // The people stay; the memberships and the request do not.
    assertEquals(200, admin.call("GET", "/users/" + w.member(), null).status());
    admin.expect(201, "POST", "/admin/organizations", Map.of("login", w.org(), "admin", w.owner()));
    assertEquals(
        0,
        admin
            .expect(200, "GET", "/orgs/" + w.org() + "/personal-access-token-requests", null)
            .size());
    assertEquals(
        1,
        admin.expect(200, "GET", "/orgs/" + w.org() + "/members", null).size(),
        "the owner only");
  }
}
