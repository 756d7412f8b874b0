package dev.portcullis.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
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
    // 127.0.0.9 plays a TLS-terminating balancer in front of the gateway.
    GatewayConfig cfg =
        GatewayConfig.defaults(tmp.resolve("data"))
            .withPorts(0, 0)
            .withLimits(limits)
            .withTrustedProxies(List.of("127.0.0.9/32", "192.0.2.0/24"));
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

  /** git's first request for alice/r from {@code source}, with an {@code X-Forwarded-For}. */
  private SourcedHttp.Response forwarded(String source, String forwardedFor, String password) {
    return SourcedHttp.send(
        source,
        port,
        "GET",
        "/alice/r.git/info/refs?service=git-upload-pack",
        "127.0.0.1",
        List.of("X-Forwarded-For: " + forwardedFor, SourcedHttp.basic("alice", password)),
        null);
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

  @Test
  void behindATrustedProxyEachClientIsLimitedOnItsOwn() throws Exception {
    // Through the balancer at 127.0.0.9: five failures of 203.0.113.5, then its sixth is refused.
    for (int i = 0; i < 5; i++) {
      assertEquals(401, forwarded("127.0.0.9", "203.0.113.5", BAD).status());
    }
    assertBlocked(forwarded("127.0.0.9", "203.0.113.5", BAD), "203.0.113.5");
    // Another client behind the same balancer is not, nor is the balancer's own address.
    assertEquals(401, forwarded("127.0.0.9", "203.0.113.6", BAD).status());
    assertEquals(401, git("127.0.0.9", BAD).status());
    // The right-most address that is not a trusted proxy is the client: whatever the client put
    // before it (a forged address) does not matter, trusted hops after it are skipped.
    assertBlocked(forwarded("127.0.0.9", "198.51.100.1, 203.0.113.5", BAD), "203.0.113.5");
    assertBlocked(forwarded("127.0.0.9", "203.0.113.5, 192.0.2.44", BAD), "203.0.113.5");
    assertBlocked(forwarded("127.0.0.9", "[2001:db8::1]:4711, 203.0.113.5:80", BAD), "203.0.113.5");
    // The API limits by the same client address.
    assertBlocked(
        SourcedHttp.send(
            "127.0.0.9",
            port,
            "GET",
            "/api/v3/user",
            "127.0.0.1",
            List.of("X-Forwarded-For: 203.0.113.5", SourcedHttp.token(BAD)),
            null),
        "203.0.113.5");
    // From a peer that is not a trusted proxy the header is ignored: the peer is the client.
    SourcedHttp.Response direct = forwarded("127.0.0.8", "203.0.113.5", BAD);
    assertEquals(401, direct.status(), direct::toString);
    for (int i = 0; i < 4; i++) {
      forwarded("127.0.0.8", "203.0.113.5", BAD);
    }
    assertBlocked(forwarded("127.0.0.8", "203.0.113.77", BAD), "127.0.0.8");
    // A valid read through the balancer is audited with the client's address.
    assertEquals(200, forwarded("127.0.0.9", "203.0.113.5", goodToken).status());
    TestApi admin = new TestApi(gateway.httpUrl(), adminToken);
    List<String> allowed = new ArrayList<>();
    List<String> refused = new ArrayList<>();
    // The audit log is written behind the requests: read it (every page) until the rows are in.
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    do {
      assertTrue(gateway.audit().flush(Duration.ofSeconds(10)));
      allowed.clear();
      refused.clear();
      for (int page = 1; ; page++) {
        JsonNode events =
            admin.expect(
                200, "GET", "/admin/audit-log?kind=decision&per_page=100&page=" + page, null);
        for (JsonNode e : events) {
          (e.get("outcome").asText().equals("allow") ? allowed : refused)
              .add(e.get("client_address").asText());
        }
        if (events.size() < 100) {
          break;
        }
      }
    } while (!(allowed.contains("203.0.113.5")
            && refused.containsAll(List.of("203.0.113.5", "203.0.113.6", "127.0.0.9", "127.0.0.8")))
        && System.nanoTime() < deadline);
    assertTrue(allowed.contains("203.0.113.5"), allowed::toString);
    assertTrue(
        refused.containsAll(List.of("203.0.113.5", "203.0.113.6", "127.0.0.9", "127.0.0.8")),
        refused::toString);
    assertFalse(refused.contains("203.0.113.77") || allowed.contains("203.0.113.77"));
  }
}
