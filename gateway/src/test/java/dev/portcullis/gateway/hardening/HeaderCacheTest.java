package dev.portcullis.gateway.hardening;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.gateway.Gateway;
import dev.portcullis.gateway.GatewayConfig;
import dev.portcullis.gateway.Limits;
import dev.portcullis.policy.access.FailedAuthLimiter;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every request is decided on the {@code Authorization} header it carries, byte for byte. Jetty's
 * HTTP parser keeps a per-connection cache of header fields it has seen (Authorization among them)
 * and by default matches a new header against it ignoring letter case: a header that differed from
 * an earlier one on the same connection only in case was handed to the gateway as the earlier one.
 * The bad-token round of {@code bin/bench http} found it: 0.4 % of the typo tokens, sent on the
 * connection that had just sent the real token, were let in.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HeaderCacheTest {
  @TempDir static Path tmp;
  private Gateway gateway;
  private int port;
  private String adminToken;
  private String gitToken;

  @BeforeAll
  void start() throws Exception {
    // The failed-authentication limiter is off: each test sends dozens of refused tokens from one
    // address, and a success in between no longer erases the failures before it.
    Limits noLimiter =
        new Limits(
            Limits.DEFAULT.maxPackBytes(),
            Limits.DEFAULT.maxObjectBytes(),
            new FailedAuthLimiter.Settings(0, Duration.ofMinutes(5), 1000),
            0,
            Limits.DEFAULT.idleTimeout());
    gateway =
        Gateway.start(
            GatewayConfig.defaults(tmp.resolve("data"))
                .withPorts(0, 0)
                .withAnonymousRead(false)
                .withLimits(noLimiter));
    port = URI.create(gateway.httpUrl()).getPort();
    adminToken = Files.readString(tmp.resolve("data/admin-token")).strip();
    try (RawHttp.KeepAlive c = new RawHttp.KeepAlive(port)) {
      assertEquals(201, c.exchange(post("/api/v3/admin/users", "{\"login\":\"alice\"}")).status());
      assertEquals(
          201,
          c.exchange(
                  post(
                      "/api/v3/admin/users/alice/repos",
                      "{\"name\":\"r\",\"visibility\":\"private\"}"))
              .status());
      RawHttp.Response t =
          c.exchange(
              post(
                  "/api/v3/admin/users/alice/personal-access-tokens",
                  "{\"type\":\"classic\",\"name\":\"t\",\"scopes\":[\"repo\"],\"expires_in\":30}"));
      assertEquals(201, t.status(), t.describe());
      gitToken = t.text().replaceAll("(?s).*\"token\"\\s*:\\s*\"([^\"]+)\".*", "$1");
    }
    assertTrue(gitToken.startsWith("pcc_"), gitToken);
  }

  @AfterAll
  void stop() {
    gateway.close();
  }

  private String post(String path, String json) {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    return "POST "
        + path
        + " HTTP/1.1\r\nHost: 127.0.0.1:"
        + port
        + "\r\nAuthorization: token "
        + adminToken
        + "\r\nContent-Type: application/json\r\nContent-Length: "
        + body.length
        + "\r\n\r\n"
        + json;
  }

  private String get(String path, String authorization) {
    return "GET "
        + path
        + " HTTP/1.1\r\nHost: 127.0.0.1:"
        + port
        + "\r\nAuthorization: "
        + authorization
        + "\r\n\r\n";
  }

  /** The header value with the letter case of its character at {@code i} swapped. */
  private static String swapCase(String value, int i) {
    char c = value.charAt(i);
    char s = Character.isUpperCase(c) ? Character.toLowerCase(c) : Character.toUpperCase(c);
    return value.substring(0, i) + s + value.substring(i + 1);
  }

  /** Positions of the letters of {@code value} from {@code from}: each is a case swap to try. */
  private static List<Integer> letters(String value, int from) {
    return java.util.stream.IntStream.range(from, value.length())
        .filter(i -> Character.isLetter(value.charAt(i)))
        .boxed()
        .toList();
  }

  @Test
  void aGitCredentialDifferingOnlyInCaseFromTheLastOneIsRefused() throws IOException {
    String path = "/alice/r.git/info/refs?service=git-upload-pack";
    String base64 =
        Base64.getEncoder()
            .encodeToString(("alice:" + gitToken).getBytes(StandardCharsets.US_ASCII));
    String good = "Basic " + base64;
    try (RawHttp.KeepAlive c = new RawHttp.KeepAlive(port)) {
      // "alice:" is 6 bytes, the first 8 base64 characters: every letter after them encodes the
      // token
      // (a swap before them changes only the username, which is not checked).
      for (int i : letters(good, "Basic ".length() + 8)) {
        assertEquals(200, c.exchange(get(path, good)).status(), "the real credential");
        RawHttp.Response r = c.exchange(get(path, swapCase(good, i)));
        assertEquals(
            401,
            r.status(),
            "case of character " + i + " of the Basic credentials swapped: " + r.describe());
      }
    }
  }

  @Test
  void anApiTokenDifferingOnlyInCaseFromTheLastOneIsRefused() throws IOException {
    String good = "token " + adminToken;
    try (RawHttp.KeepAlive c = new RawHttp.KeepAlive(port)) {
      for (int i : letters(good, "token pcc_".length())) {
        assertEquals(200, c.exchange(get("/api/v3/user", good)).status(), "the real token");
        RawHttp.Response r = c.exchange(get("/api/v3/user", swapCase(good, i)));
        assertEquals(
            401, r.status(), "case of character " + i + " of the token swapped: " + r.describe());
      }
    }
  }
}
