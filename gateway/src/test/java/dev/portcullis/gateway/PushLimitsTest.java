package dev.portcullis.gateway;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.policy.access.FailedAuthLimiter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Push size limits with git's own output, and the longest-request watchdog against a trickling
 * client.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PushLimitsTest {
  @TempDir static Path tmp;
  private Gateway gateway;
  private TestGit git;
  private String token;

  @BeforeAll
  void start() throws Exception {
    Limits limits =
        new Limits(
            200_000,
            50_000,
            FailedAuthLimiter.Settings.DEFAULT,
            0,
            Duration.ofSeconds(30),
            Duration.ofSeconds(2));
    gateway =
        Gateway.start(
            GatewayConfig.defaults(tmp.resolve("data")).withPorts(0, 0).withLimits(limits));
    TestApi api =
        new TestApi(gateway.httpUrl(), Files.readString(tmp.resolve("data/admin-token")).strip());
    api.expect(201, "POST", "/admin/users", Map.of("login", "alice"));
    api.expect(
        201, "POST", "/admin/users/alice/repos", Map.of("name", "r", "visibility", "private"));
    token =
        api.expect(
                201,
                "POST",
                "/admin/users/alice/personal-access-tokens",
                Map.of("type", "classic", "name", "t", "scopes", List.of("repo"), "expires_in", 30))
            .get("token")
            .asText();
    git = new TestGit(tmp.resolve("home"), Map.of());
  }

  @AfterAll
  void stop() {
    gateway.close();
  }

  private TestGit.Result push(byte[] content) throws IOException {
    String url =
        gateway.httpUrl().replace("http://", "http://alice:" + token + "@") + "/alice/r.git";
    Path dir = Files.createTempDirectory(tmp, "w");
    assertTrue(git.run(dir, "clone", "-q", url, "w").ok());
    Files.write(dir.resolve("w/blob.bin"), content);
    assertTrue(git.run(dir.resolve("w"), "add", ".").ok());
    assertTrue(git.run(dir.resolve("w"), "commit", "-qm", "blob").ok());
    return git.run(dir.resolve("w"), "push", "origin", "HEAD:main");
  }

  @Test
  void anObjectOverTheLimitIsRejectedWithAClearMessage() throws IOException {
    byte[] big = new byte[120_000];
    new SecureRandom().nextBytes(big); // incompressible
    TestGit.Result r = push(big);
    assertFalse(r.ok(), r::toString);
    assertTrue(
        r.output().contains("exceeds")
            || r.output().contains("too large")
            || r.output().contains("limit"),
        r::toString);
    TestGit.Result small = push("small\n".getBytes(StandardCharsets.UTF_8));
    assertTrue(small.ok(), small::toString);
  }

  @Test
  void aPackOverTheLimitIsRejected() throws IOException {
    byte[] big = new byte[400_000];
    new SecureRandom().nextBytes(big);
    TestGit.Result r = push(big);
    assertFalse(r.ok(), r::toString);
    assertTrue(r.output().contains("exceeds") || r.output().contains("limit"), r::toString);
  }

  @Test
  void aClientTricklingABodyIsCutOffAtTheLongestRequestDuration() throws Exception {
    int port = URI.create(gateway.httpUrl()).getPort();
    String auth =
        Base64.getEncoder().encodeToString(("alice:" + token).getBytes(StandardCharsets.UTF_8));
    long start = System.nanoTime();
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      s.setSoTimeout(20_000);
      OutputStream out = s.getOutputStream();
      out.write(
          ("POST /alice/r.git/git-upload-pack HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Basic "
                  + auth
                  + "\r\nContent-Type: application/x-git-upload-pack-request\r\nContent-Length: 100000\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      boolean closed = false;
      // One byte every 250 ms stays under the 30 s idle timeout; the 2 s request limit must end it.
      for (int i = 0; i < 60 && !closed; i++) {
        try {
          out.write('0');
          out.flush();
          Thread.sleep(250);
          if (in.available() > 0 && in.read() < 0) {
            closed = true;
          }
        } catch (SocketException e) {
          closed = true;
        }
      }
      double seconds = (System.nanoTime() - start) / 1e9;
      assertTrue(closed, "the server closed the trickling connection");
      assertTrue(seconds < 14, "closed after " + seconds + " s, well before the client gave up");
    }
  }
}
