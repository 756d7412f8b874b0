package dev.portcullis.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.icegreen.greenmail.util.GreenMail;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A gateway process killed with SIGKILL right after it acknowledged an approval still mails it: the
 * outbox row was committed with the approval. The first process runs without mail (so nothing can
 * go out before the kill); the restarted one, with {@code --smtp-url} and the SMTP credentials in
 * its environment, sends the mail, exactly once, and never writes the password to its log.
 */
class NotificationCrashTest {
  @TempDir Path tmp;
  private Process process;
  private GreenMail smtp;
  private int starts;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

  @AfterEach
  void stop() throws InterruptedException {
    if (process != null && process.isAlive()) {
      process.destroy();
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    }
    if (smtp != null) {
      smtp.stop();
    }
  }

  /** Starts {@code gateway serve} on {@code data} with {@code extra} options; returns its URL. */
  private String launch(Path data, Path log, List<String> extra) throws Exception {
    Path endpoint = data.resolve(Gateway.ENDPOINT_FILE);
    Files.deleteIfExists(endpoint);
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd =
        new ArrayList<>(
            List.of(
                java,
                "-Xmx256m",
                "-XX:TieredStopAtLevel=1",
                "-cp",
                System.getProperty("java.class.path"),
                "dev.portcullis.gateway.cli.Main",
                "serve",
                "--port",
                "0",
                "--http-port",
                "0",
                "--data",
                data.toString(),
                "--public-url",
                "https://git.example.test"));
    cmd.addAll(extra);
    ProcessBuilder pb =
        new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("PORTCULLIS_SMTP_USER", TestMail.USER);
    pb.environment().put("PORTCULLIS_SMTP_PASSWORD", TestMail.PASSWORD);
    starts++;
    process = pb.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (!Files.exists(endpoint)) {
      if (!process.isAlive() || System.nanoTime() > deadline) {
        process.destroyForcibly();
        fail("the gateway did not start (start " + starts + "):\n" + Files.readString(log));
      }
      Thread.sleep(50);
    }
    Properties props = new Properties();
    try (var in = Files.newInputStream(endpoint)) {
      props.load(in);
    }
    String url = props.getProperty("http_url");
    while (status(url + "/readyz") != 200) {
      if (System.nanoTime() > deadline) {
        fail("the gateway never became ready:\n" + Files.readString(log));
      }
      Thread.sleep(50);
    }
    return url;
  }

  private int status(String u) {
    try {
      return http.send(
              HttpRequest.newBuilder(URI.create(u)).timeout(Duration.ofSeconds(5)).build(),
              HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  @Test
  void anApprovalAcknowledgedBeforeSigkillIsMailedAfterRestartExactlyOnce() throws Exception {
    Path data = tmp.resolve("data");
    Files.createDirectories(data);
    String url = launch(data, tmp.resolve("gateway-1.log"), List.of());
    TestApi admin = new TestApi(url, Files.readString(data.resolve("admin-token")).strip());
    ApiFixtures fx = new ApiFixtures(null, admin);
    for (String login : List.of("olive", "bob")) {
      admin.expect(
          201, "POST", "/admin/users", Map.of("login", login, "email", login + "@example.test"));
    }
    String org = fx.org("acme", "olive");
    fx.member(org, "bob");
    JsonNode token = fx.readAll("bob", org);
    admin.expect(
        204,
        "POST",
        "/orgs/" + org + "/personal-access-token-requests/" + ApiFixtures.requestId(token),
        Map.of("action", "approve"));
    process.destroyForcibly(); // SIGKILL on Linux, right after the acknowledgement
    assertTrue(process.waitFor(30, TimeUnit.SECONDS));
    assertEquals(137, process.exitValue(), "the gateway died of SIGKILL");

    int port = TestMail.freePort();
    smtp = TestMail.start(port);
    Path log = tmp.resolve("gateway-2.log");
    launch(
        data, log, List.of("--smtp-url", "smtp://127.0.0.1:" + port, "--mail-from", TestMail.FROM));
    assertTrue(smtp.waitForIncomingEmail(30_000, 1), "the approval is mailed after restart");
    TestMail.Mail m = TestMail.received(smtp).get(0);
    assertEquals("bob@example.test", m.to());
    assertEquals(
        "[Portcullis] " + org + " approved your personal access token request", m.subject());
    assertTrue(
        m.text()
            .contains(
                "https://git.example.test/settings/personal-access-tokens/"
                    + ApiFixtures.tokenId(token)),
        m.text());
    assertFalse(m.raw().contains(ApiFixtures.plaintext(token)));
    // Several more polls of the outbox (every 2 s) send nothing more.
    Thread.sleep(5_000);
    assertEquals(1, smtp.getReceivedMessages().length, "exactly once");
    String logged = Files.readString(log);
    assertTrue(logged.contains("mailed to bob"), logged);
    assertFalse(logged.contains(TestMail.PASSWORD), "the SMTP password is never logged");
    String first = Files.readString(tmp.resolve("gateway-1.log"));
    assertFalse(first.contains(TestMail.PASSWORD), "nor by the node without mail");
    assertEquals(
        1, first.split("mail is off \\(no --smtp-url\\)", -1).length - 1, "said once: " + first);
    assertFalse(logged.contains("mail is off"), logged);
  }

  @Test
  void webhookEventsAcknowledgedBeforeSigkillAreDeliveredAfterRestartExactlyOnce()
      throws Exception {
    Path data = tmp.resolve("data");
    Files.createDirectories(data);
    String secret = "crash-secret";
    try (WebhookReceiver receiver = new WebhookReceiver()) {
      // The first node delivers nothing, so only the committed rows can carry the events over.
      String url =
          launch(
              data,
              tmp.resolve("gateway-1.log"),
              List.of("--allow-private-webhooks", "--webhook-delivery", "off"));
      TestApi admin = new TestApi(url, Files.readString(data.resolve("admin-token")).strip());
      ApiFixtures fx = new ApiFixtures(null, admin);
      for (String login : List.of("olive", "bob")) {
        admin.expect(201, "POST", "/admin/users", Map.of("login", login));
      }
      String org = fx.org("acme", "olive");
      fx.member(org, "bob");
      admin.expect(
          201,
          "POST",
          "/orgs/" + org + "/hooks",
          Map.of(
              "name",
              "web",
              "config",
              Map.of("url", receiver.url(), "content_type", "json", "secret", secret)));
      JsonNode token = fx.readAll("bob", org);
      admin.expect(
          204,
          "POST",
          "/orgs/" + org + "/personal-access-token-requests/" + ApiFixtures.requestId(token),
          Map.of("action", "approve"));
      process.destroyForcibly(); // SIGKILL on Linux, right after the acknowledgement
      assertTrue(process.waitFor(30, TimeUnit.SECONDS));
      assertEquals(137, process.exitValue(), "the gateway died of SIGKILL");
      assertEquals(List.of(), receiver.received(), "nothing was sent before the kill");

      Path log = tmp.resolve("gateway-2.log");
      launch(data, log, List.of("--allow-private-webhooks"));
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (receiver.received().size() < 3 && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      // Several more polls of the outbox (every second) send nothing more.
      Thread.sleep(3_000);
      List<WebhookReceiver.Received> got = receiver.received();
      List<String> events = new ArrayList<>();
      java.util.Set<String> guids = new java.util.HashSet<>();
      for (WebhookReceiver.Received r : got) {
        JsonNode p = r.json();
        events.add(
            r.header("X-GitHub-Event") + (p.has("action") ? ":" + p.get("action").asText() : ""));
        guids.add(r.header("X-GitHub-Delivery"));
        assertEquals(
            "sha256=" + dev.portcullis.gateway.notify.WebhookSender.hmac(secret, r.body()),
            r.header("X-Hub-Signature-256"));
      }
      assertEquals(
          List.of(
              "ping",
              "personal_access_token_request:created",
              "personal_access_token_request:approved"),
          events,
          "each event once, in order");
      assertEquals(3, guids.size());
      assertFalse(Files.readString(log).contains(secret), "the secret is never logged");
      assertFalse(Files.readString(tmp.resolve("gateway-1.log")).contains(secret));
    }
  }
}
