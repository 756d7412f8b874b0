package dev.portcullis.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Token rotation with overlap over real HTTP with the real git CLI: a deployment rotates its own
 * token with a 5 s overlap, both secrets clone inside it and the old one gets 401 after it; a
 * rotated secret presented to rotate again revokes the token; bad overlaps are 422; the admin route
 * is a 404 to anyone else.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TokenRotationEndToEndTest {
  private static final String SELF = "/user/personal-access-tokens/self/rotate";

  @TempDir static Path tmp;
  private Gateway gateway;
  private TestApi api;
  private TestGit git;
  private int port;
  private final AtomicInteger seq = new AtomicInteger();

  @BeforeAll
  void start() throws Exception {
    gateway = Gateway.start(GatewayConfig.defaults(tmp.resolve("data")).withPorts(0, 0));
    port = URI.create(gateway.httpUrl()).getPort();
    String admin = Files.readString(tmp.resolve("data").resolve(Gateway.ADMIN_TOKEN_FILE)).strip();
    api = new TestApi(gateway.httpUrl(), admin);
    git = new TestGit(tmp.resolve("home"), Map.of());
    api.expect(201, "POST", "/admin/users", Map.of("login", "alice"));
    api.expect(201, "POST", "/admin/organizations", Map.of("login", "acme", "admin", "alice"));
    api.expect(201, "POST", "/orgs/acme/repos", Map.of("name", "app", "visibility", "private"));
  }

  @AfterAll
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
  }

  /** A new classic token of alice's: its JSON, plaintext included. */
  private JsonNode token() {
    return api.expect(
        201,
        "POST",
        "/admin/users/alice/personal-access-tokens",
        Map.of("type", "classic", "name", "deploy", "scopes", List.of("repo")));
  }

  private TestGit.Result clone(String token) {
    String url = "http://git:" + token + "@127.0.0.1:" + port + "/acme/app.git";
    return git.run(tmp, "clone", "-q", url, "c" + seq.incrementAndGet());
  }

  private static void assertUnauthorized(TestGit.Result r) {
    assertFalse(r.ok(), () -> "expected a refusal, got " + r);
    assertTrue(
        r.output().contains("Authentication failed"), () -> "expected git's 401 failure: " + r);
  }

  /**
   * The old secret's clone right after the rotation, and the new one's. A machine slower than the 5
   * s overlap (the clone starting after its end) makes the attempt inconclusive, not failed: the
   * scenario starts again with a new token, at most three times.
   */
  @Test
  void bothSecretsCloneDuringTheOverlapAndTheOldOneGets401After() throws Exception {
    for (int attempt = 1; attempt <= 3; attempt++) {
      JsonNode created = token();
      String old = created.get("token").asText();
      TestApi.Response r = api.as(old).call("POST", SELF, Map.of("overlap_seconds", 5));
      assertEquals(200, r.status(), r::toString);
      String next = r.json().get("token").asText();
      assertNotEquals(old, next);
      assertEquals(created.get("id").asLong(), r.json().get("id").asLong(), "same token");
      JsonNode previous = r.json().get("portcullis_secrets").get(1);
      Instant validUntil = Instant.parse(previous.get("valid_until").asText());
      assertFalse(r.raw().body().contains(old), "the old plaintext is never shown again");

      TestGit.Result oldClone = clone(old);
      if (!oldClone.ok() && !Instant.now().isBefore(validUntil)) {
        continue; // slower than the overlap: inconclusive
      }
      assertTrue(oldClone.ok(), oldClone::toString);
      TestGit.Result newClone = clone(next);
      assertTrue(newClone.ok(), newClone::toString);

      // Bounded polling: the old secret is refused once the overlap is over.
      TestGit.Result after = null;
      for (int i = 0; i < 120; i++) {
        after = clone(old);
        if (!after.ok()) {
          break;
        }
        Thread.sleep(250);
      }
      assertUnauthorized(after);
      assertTrue(clone(next).ok(), "the new secret goes on working");
      return;
    }
    fail("three attempts all started after their overlap ended");
  }

  @Test
  void rotatingAgainWithARotatedSecretRevokesBoth() {
    String old = token().get("token").asText();
    TestApi.Response r = api.as(old).call("POST", SELF, Map.of("overlap_seconds", 3600));
    assertEquals(200, r.status(), r::toString);
    String next = r.json().get("token").asText();
    assertTrue(clone(old).ok(), "inside its overlap");

    TestApi.Response reuse = api.as(old).call("POST", SELF, Map.of("overlap_seconds", 3600));
    assertEquals(401, reuse.status(), reuse::toString);
    assertFalse(reuse.raw().body().contains("\"token\""), reuse::toString);
    assertUnauthorized(clone(old));
    assertUnauthorized(clone(next));
    assertEquals(401, api.as(next).call("GET", "/user", null).status());

    JsonNode audit = api.expect(200, "GET", "/admin/audit-log?per_page=100", null);
    assertTrue(audit.toString().contains("token.revoke_reused"), audit::toString);
    assertTrue(audit.toString().contains("token.rotate"), audit::toString);
    assertFalse(audit.toString().contains(old), "no secret in the audit log");
    assertFalse(audit.toString().contains(next), "no secret in the audit log");
  }

  @Test
  void aBadOverlapIs422AndChangesNothing() {
    JsonNode created = token();
    String plaintext = created.get("token").asText();
    long id = created.get("id").asLong();
    for (Object overlap : List.of(-1, 86_401, 1.5, "60", true)) {
      for (String path : List.of(SELF, "/admin/personal-access-tokens/" + id + "/rotate")) {
        TestApi caller = path.equals(SELF) ? api.as(plaintext) : api;
        TestApi.Response r = caller.call("POST", path, Map.of("overlap_seconds", overlap));
        assertEquals(422, r.status(), () -> path + " " + overlap + ": " + r);
        assertEquals(
            "overlap_seconds", r.json().path("errors").path(0).path("field").asText(), r::toString);
      }
    }
    TestApi.Response unknown = api.as(plaintext).call("POST", SELF, Map.of("overlap", 60));
    assertEquals(422, unknown.status(), unknown::toString);
    assertTrue(clone(plaintext).ok(), "nothing changed");
  }

  @Test
  void theAdminRouteIsMissingToANonAdminEvenForTheirOwnToken() {
    JsonNode created = token();
    String plaintext = created.get("token").asText();
    long id = created.get("id").asLong();
    TestApi.Response own =
        api.as(plaintext).call("POST", "/admin/personal-access-tokens/" + id + "/rotate", Map.of());
    TestApi.Response missing =
        api.as(plaintext).call("POST", "/admin/personal-access-tokens/999999/rotate", Map.of());
    assertEquals(404, own.status(), own::toString);
    assertEquals(missing.raw().body(), own.raw().body());
    assertTrue(clone(plaintext).ok(), "nothing changed");

    TestApi.Response byAdmin =
        api.call("POST", "/admin/personal-access-tokens/" + id + "/rotate", null);
    assertEquals(200, byAdmin.status(), byAdmin::toString);
    assertUnauthorized(clone(plaintext));
    assertTrue(clone(byAdmin.json().get("token").asText()).ok());
  }
}
