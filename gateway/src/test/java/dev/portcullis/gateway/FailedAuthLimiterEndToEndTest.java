package dev.portcullis.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.policy.access.FailedAuthLimiter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/** The failed-authentication limiter over real HTTP, with clients on two loopback addresses. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FailedAuthLimiterEndToEndTest {
  @TempDir static Path tmp;
  private Gateway gateway;
  private TestApi api;
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
    api = new TestApi(gateway.httpUrl(), Files.readString(tmp.resolve("data/admin-token")).strip());
    api.expect(201, "POST", "/admin/users", Map.of("login", "alice"));
    api.expect(
        201, "POST", "/admin/users/alice/repos", Map.of("name", "r", "visibility", "private"));
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

  /**
   * A raw HTTP/1.1 request from {@code source} (a loopback address); returns status line + headers
   * + body.
   */
  private String request(String source, String password) throws IOException {
    try (Socket s = new Socket()) {
      s.bind(new InetSocketAddress(InetAddress.getByName(source), 0));
      s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      s.setSoTimeout(10_000);
      StringBuilder req =
          new StringBuilder(
              "GET /alice/r.git/info/refs?service=git-upload-pack HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n");
      if (password != null) {
        req.append("Authorization: Basic ")
            .append(
                Base64.getEncoder()
                    .encodeToString(("alice:" + password).getBytes(StandardCharsets.UTF_8)))
            .append("\r\n");
      }
      req.append("\r\n");
      OutputStream out = s.getOutputStream();
      out.write(req.toString().getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  private static int status(String response) {
    return Integer.parseInt(response.substring(9, 12));
  }

  @Test
  void anAddressIsBlockedAfterTooManyFailuresAndOthersAreNot() throws IOException {
    String bad = "pcc_" + "A".repeat(38);
    // git's first, credential-less request is never counted.
    for (int i = 0; i < 10; i++) {
      assertEquals(401, status(request("127.0.0.3", null)));
    }
    assertEquals(
        200,
        status(request("127.0.0.3", goodToken)),
        "credential-less requests did not block the address");

    for (int i = 0; i < 5; i++) {
      assertEquals(401, status(request("127.0.0.2", bad)));
    }
    String blocked = request("127.0.0.2", goodToken);
    assertEquals(429, status(blocked), blocked);
    assertTrue(blocked.contains("Retry-After: 60"), blocked);
    assertTrue(
        blocked.contains(
            "Too many failed authentication attempts from 127.0.0.2: this address is temporarily blocked"),
        blocked);
    // Another address is not affected.
    assertEquals(200, status(request("127.0.0.1", goodToken)));
  }

  @Test
  void aSuccessResetsTheCount() throws IOException {
    String bad = "garbage-password";
    for (int round = 0; round < 3; round++) {
      for (int i = 0; i < 4; i++) {
        assertEquals(401, status(request("127.0.0.4", bad)));
      }
      assertEquals(200, status(request("127.0.0.4", goodToken)));
    }
  }
}
