package dev.portcullis.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.policy.access.FailedAuthLimiter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The failed-authentication limiter over real HTTP, with clients on several loopback addresses (a
 * limit of 5 failures in 60 seconds; each test uses addresses of its own).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FailedAuthLimiterEndToEndTest {
  private static final String BAD = "pcc_" + "A".repeat(38);
  @TempDir static Path tmp;
  private Gateway gateway;
  private String adminToken;
  private String goodToken;
  private int port;

  @BeforeAll
  void start() throws Exception {
    Limits limits =
        new Limits(
            0,
            0,
            new FailedAuthLimiter.Settings(5, Duration.ofSeconds(60), 1000),
            0,
            Duration.ofSeconds(30));
    GatewayConfig cfg =
        GatewayConfig.defaults(tmp.resolve("data")).withPorts(0, 0).withLimits(limits);
    gateway = Gateway.start(cfg);
    port = URI.create(gateway.httpUrl()).getPort();
    adminToken = Files.readString(tmp.resolve("data/admin-token")).strip();
    TestApi api = new TestApi(gateway.httpUrl(), adminToken);
    api.expect(201, "POST", "/admin/users", Map.of("login", "alice"));
    api.expect(
        201, "POST", "/admin/users/alice/repos", Map.of("name", "r", "visibility", "private"));
    api.expect(
        201, "POST", "/admin/users/alice/repos", Map.of("name", "pub", "visibility", "public"));
    goodToken =
        api.expect(
                201,
                "POST",
                "/admin/users/alice/personal-access-tokens",
                Map.of("type", "classic", "name", "t", "scopes", List.of("repo"), "expires_in", 30))
            .get("token")
            .asText();
  }

  @AfterAll
  void stop() {
    gateway.close();
  }

  /** git's first request for {@code repo} from {@code source}, with alice's password or none. */
  private SourcedHttp.Response git(String source, String repo, String password) {
    return SourcedHttp.send(
        source,
        port,
        "GET",
        "/alice/" + repo + ".git/info/refs?service=git-upload-pack",
        "127.0.0.1",
        password == null ? List.of() : List.of(SourcedHttp.basic("alice", password)),
        null);
  }

  private SourcedHttp.Response git(String source, String password) {
    return git(source, "r", password);
  }

  /** {@code GET /api/v3/user} from {@code source} with a token. */
  private SourcedHttp.Response apiUser(String source, String token) {
    return SourcedHttp.send(
        source, port, "GET", "/api/v3/user", "127.0.0.1", List.of(SourcedHttp.token(token)), null);
  }

  private static void assertBlocked(SourcedHttp.Response r, String address) {
    assertEquals(429, r.status(), r::toString);
    assertEquals("60", r.header("Retry-After"), r::toString);
    assertTrue(
        r.body()
            .contains(
                "Too many failed authentication attempts from "
                    + address
                    + ": this address is temporarily blocked. Try again in 60 seconds."),
        r::toString);
  }

  @Test
  void aBlockedAddressIsRefusedOnlyForBadCredentials() {
    // git's first, credential-less request is never counted.
    for (int i = 0; i < 10; i++) {
      assertEquals(401, git("127.0.0.3", null).status());
    }
    assertEquals(
        200, git("127.0.0.3", goodToken).status(), "credential-less requests did not count");

    for (int i = 0; i < 5; i++) {
      assertEquals(401, git("127.0.0.2", BAD).status());
    }
    assertBlocked(git("127.0.0.2", BAD), "127.0.0.2");
    assertBlocked(git("127.0.0.2", "garbage-password"), "127.0.0.2");
    assertBlocked(apiUser("127.0.0.2", BAD), "127.0.0.2");

    // What the blocked address asks with valid credentials, or none, goes through.
    SourcedHttp.Response read = git("127.0.0.2", goodToken);
    assertEquals(200, read.status(), read::toString);
    SourcedHttp.Response admin = apiUser("127.0.0.2", adminToken);
    assertEquals(200, admin.status(), admin::toString);
    SourcedHttp.Response anonymousPublic = git("127.0.0.2", "pub", null);
    assertEquals(200, anonymousPublic.status(), anonymousPublic::toString);
    SourcedHttp.Response anonymousPrivate = git("127.0.0.2", null);
    assertEquals(401, anonymousPrivate.status(), "git still learns to send credentials");
    // ...and none of that lifted the block on bad credentials.
    assertBlocked(git("127.0.0.2", BAD), "127.0.0.2");
    // Another address is not affected.
    assertEquals(401, git("127.0.0.1", BAD).status());
    assertEquals(200, git("127.0.0.1", goodToken).status());
  }

  @Test
  void aSuccessDoesNotEraseEarlierFailures() {
    // Rounds of (limit - 1) failures, each followed by a success: the failures add up.
    List<Integer> statuses = new ArrayList<>();
    for (int round = 0; round < 3; round++) {
      for (int i = 0; i < 4; i++) {
        statuses.add(git("127.0.0.4", BAD).status());
      }
      assertEquals(200, git("127.0.0.4", goodToken).status());
    }
    assertEquals(List.of(401, 401, 401, 401, 401, 429, 429, 429, 429, 429, 429, 429), statuses);
  }
}
