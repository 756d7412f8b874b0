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
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two gateway processes with mail on, sharing one PostgreSQL database: both senders poll the same
 * outbox, and every notification is mailed once, by one of them. Skipped as {@link
 * MultiNodePostgresTest} is when PostgreSQL is not reachable (unless {@code
 * PORTCULLIS_REQUIRE_POSTGRES=1}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NotificationTwoNodesPostgresTest {
  private static final int REQUESTS = 24;

  @TempDir static Path tmp;
  private String database;
  private GreenMail smtp;
  private int smtpPort;
  private final List<Process> nodes = new ArrayList<>();
  private final List<Path> logs = new ArrayList<>();
  private final List<String> urls = new ArrayList<>();
  private WebhookReceiver receiver;
  private static final String HOOK_SECRET = "two-nodes-secret";
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeAll
  void start() throws Exception {
    try (Connection c = MultiNodePostgresTest.admin("test")) {
      database =
          "portcullis_test_" + HexFormat.of().formatHex(java.security.SecureRandom.getSeed(6));
      try (Statement s = c.createStatement()) {
        s.execute("CREATE DATABASE " + database);
      }
    } catch (SQLException e) {
      String msg = "PostgreSQL is not reachable at 127.0.0.1:5432 (" + e.getMessage() + ")";
      if ("1".equals(System.getenv("PORTCULLIS_REQUIRE_POSTGRES"))) {
        fail(msg + " and PORTCULLIS_REQUIRE_POSTGRES=1 makes these tests required");
      }
      System.err.println("SKIPPING two-node notification tests: " + msg);
      Assumptions.abort(msg);
    }
    smtpPort = TestMail.freePort();
    smtp = TestMail.start(smtpPort);
    receiver = new WebhookReceiver();
    Path repos = Files.createDirectories(tmp.resolve("shared-repositories"));
    // One after the other: the first creates the schema and the site administrator.
    launch("a", repos);
    launch("b", repos);
  }

  private void launch(String name, Path repos) throws Exception {
    Path data = Files.createDirectories(tmp.resolve(name));
    Path log = tmp.resolve(name + ".log");
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    ProcessBuilder pb =
        new ProcessBuilder(
                java,
                "-Xmx256m",
                "-cp",
                System.getProperty("java.class.path"),
                "dev.portcullis.gateway.cli.Main",
                "serve",
                "--db",
                MultiNodePostgresTest.SERVER + database,
                "--db-user",
                "postgres",
                "--port",
                "0",
                "--http-port",
                "0",
                "--data",
                data.toString(),
                "--repositories",
                repos.toString(),
                "--smtp-url",
                "smtp://127.0.0.1:" + smtpPort,
                "--mail-from",
                TestMail.FROM,
                "--allow-private-webhooks")
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    pb.environment().put("PORTCULLIS_SMTP_USER", TestMail.USER);
    pb.environment().put("PORTCULLIS_SMTP_PASSWORD", TestMail.PASSWORD);
    // Nodes sharing a store share the key that seals webhook secrets.
    pb.environment().put("PORTCULLIS_WEBHOOK_KEY", "QUJDREVGR0hJSktMTU5PUFFSU1RVVldYWVowMTIzNDU=");
    Process p = pb.start();
    nodes.add(p);
    logs.add(log);
    Path endpoint = data.resolve(Gateway.ENDPOINT_FILE);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (!Files.exists(endpoint)) {
      if (!p.isAlive() || System.nanoTime() > deadline) {
        p.destroyForcibly();
        fail("node " + name + " did not start:\n" + Files.readString(log));
      }
      Thread.sleep(100);
    }
    Properties props = new Properties();
    try (var in = Files.newInputStream(endpoint)) {
      props.load(in);
    }
    String url = props.getProperty("http_url");
    while (status(url + "/readyz") != 200) {
      if (System.nanoTime() > deadline) {
        fail("node " + name + " never became ready:\n" + Files.readString(log));
      }
      Thread.sleep(100);
    }
    urls.add(url);
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

  @AfterAll
  void stop() throws Exception {
    for (Process p : nodes) {
      p.destroy();
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
    if (smtp != null) {
      smtp.stop();
    }
    if (receiver != null) {
      receiver.close();
    }
    if (database != null) {
      try (Connection c = MultiNodePostgresTest.admin("test");
          Statement s = c.createStatement()) {
        s.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
      }
    }
  }

  @Test
  void eachWebhookEventIsDeliveredOnceByOneOfTheNodes() throws Exception {
    String token = Files.readString(tmp.resolve("a").resolve(Gateway.ADMIN_TOKEN_FILE)).strip();
    TestApi a = new TestApi(urls.get(0), token);
    TestApi b = new TestApi(urls.get(1), token);
    ApiFixtures fx = new ApiFixtures(null, a);
    // No e-mail addresses and no reviews: this test queues no notification mail.
    for (String login : List.of("hookowner", "hookuser")) {
      a.expect(201, "POST", "/admin/users", Map.of("login", login));
    }
    String org = fx.org("hooked", "hookowner");
    fx.member(org, "hookuser");
    a.expect(
        201,
        "POST",
        "/orgs/" + org + "/hooks",
        Map.of(
            "name",
            "web",
            "config",
            Map.of("url", receiver.url(), "content_type", "json", "secret", HOOK_SECRET)));
    List<Long> tokens = new ArrayList<>();
    for (int i = 0; i < REQUESTS; i++) {
      tokens.add(ApiFixtures.tokenId(fx.readAll("hookuser", org)));
    }
    // Half of them cancelled, through the other node.
    for (int i = 0; i < REQUESTS; i += 2) {
      b.expect(204, "DELETE", "/admin/personal-access-tokens/" + tokens.get(i), null);
    }
    int expected = 1 + REQUESTS + REQUESTS / 2;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (receiver.received().size() < expected && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    // Both senders poll every second: several more rounds send nothing more.
    Thread.sleep(4_000);
    List<WebhookReceiver.Received> got = receiver.received();
    assertEquals(expected, got.size(), "each event once");
    java.util.Set<String> guids = new java.util.HashSet<>();
    List<String> events = new ArrayList<>();
    for (WebhookReceiver.Received r : got) {
      guids.add(r.header("X-GitHub-Delivery"));
      assertEquals(
          "sha256=" + dev.portcullis.gateway.notify.WebhookSender.hmac(HOOK_SECRET, r.body()),
          r.header("X-Hub-Signature-256"),
          "signed with the secret whichever node sent it");
      JsonNode p = r.json();
      if (p.has("action")) {
        events.add(
            p.get("action").asText() + ":" + p.at("/personal_access_token_request/token_id"));
      }
    }
    assertEquals(expected, guids.size());
    List<String> want = new ArrayList<>();
    for (int i = 0; i < REQUESTS; i++) {
      want.add("created:" + tokens.get(i));
      if (i % 2 == 0) {
        want.add("cancelled:" + tokens.get(i));
      }
    }
    Collections.sort(want);
    Collections.sort(events);
    assertEquals(want, events);
    int deliveredByNodes = 0;
    for (Path log : logs) {
      String text = Files.readString(log);
      deliveredByNodes += text.split(" to 127.0.0.1: 200", -1).length - 1;
      assertFalse(text.contains(HOOK_SECRET), "the secret is never logged");
    }
    assertEquals(expected, deliveredByNodes, "the nodes' logs count one delivery per event");
  }

  @Test
  void eachNotificationIsMailedOnceByOneOfTheNodes() throws Exception {
    String token = Files.readString(tmp.resolve("a").resolve(Gateway.ADMIN_TOKEN_FILE)).strip();
    TestApi a = new TestApi(urls.get(0), token);
    TestApi b = new TestApi(urls.get(1), token);
    ApiFixtures fx = new ApiFixtures(null, a);
    for (String login : List.of("olive", "bob")) {
      a.expect(
          201, "POST", "/admin/users", Map.of("login", login, "email", login + "@example.test"));
    }
    String org = fx.org("acme", "olive");
    fx.member(org, "bob");
    List<Long> approve = new ArrayList<>();
    List<Long> deny = new ArrayList<>();
    List<Long> tokenIds = new ArrayList<>();
    for (int i = 0; i < REQUESTS; i++) {
      JsonNode t = fx.readAll("bob", org);
      tokenIds.add(ApiFixtures.tokenId(t));
      (i % 2 == 0 ? approve : deny).add(ApiFixtures.requestId(t));
    }
    // All at once, through both nodes: both senders find a full outbox.
    String path = "/orgs/" + org + "/personal-access-token-requests";
    a.expect(202, "POST", path, Map.of("action", "approve", "pat_request_ids", approve));
    b.expect(202, "POST", path, Map.of("action", "deny", "pat_request_ids", deny, "reason", "no"));

    assertTrue(smtp.waitForIncomingEmail(60_000, REQUESTS), "every notification is mailed");
    // Both senders poll every 2 s: several more rounds send nothing more.
    Thread.sleep(6_000);
    List<TestMail.Mail> mails = TestMail.received(smtp);
    assertEquals(REQUESTS, mails.size(), "each once");
    Pattern link = Pattern.compile("/settings/personal-access-tokens/(\\d+)\\s*$");
    List<Long> mailed = new ArrayList<>();
    for (TestMail.Mail m : mails) {
      Matcher match = link.matcher(m.text());
      assertTrue(match.find(), m.text());
      mailed.add(Long.parseLong(match.group(1)));
    }
    Collections.sort(mailed);
    assertEquals(tokenIds, mailed, "one mail for each token");
    assertEquals(
        REQUESTS,
        a.expect(200, "GET", "/admin/notifications?status=sent&per_page=100", null).size());
    int mailedByNodes = 0;
    for (Path log : logs) {
      String text = Files.readString(log);
      mailedByNodes += text.split("mailed to bob", -1).length - 1;
    }
    assertEquals(REQUESTS, mailedByNodes, "the nodes' logs count one sending per notification");
  }
}
