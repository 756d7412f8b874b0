package dev.portcullis.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.icegreen.greenmail.util.GreenMail;
import dev.portcullis.gateway.notify.MailSettings;
import dev.portcullis.gateway.notify.NotificationSender;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Delivery when the SMTP server is down: the attempt fails, the notification waits for its backoff
 * (30 s, then doubling), is sent once the server is back, and only once; one that keeps failing is
 * given up 24 h after its change, listed by {@code GET /admin/notifications?status=failed} and
 * counted in {@code /metrics}. The sender runs on a clock the test moves: no sleeps. The gateway
 * itself runs without mail, so only the test's sender delivers.
 */
class NotificationRetryTest {
  @TempDir Path tmp;
  private Gateway gateway;
  private TestApi admin;
  private ApiFixtures fx;
  private GreenMail smtp;
  private int port;
  private final MovableClock clock = new MovableClock(Instant.now());
  private NotificationSender sender;
  private String org;

  /** A clock the test moves. */
  static final class MovableClock extends Clock {
    private volatile Instant now;

    MovableClock(Instant start) {
      this.now = start;
    }

    void advance(Duration d) {
      now = now.plus(d);
    }

    void set(Instant t) {
      now = t;
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }

  @BeforeEach
  void start() throws Exception {
    gateway = Gateway.start(GatewayConfig.defaults(tmp.resolve("data")).withPorts(0, 0));
    admin =
        new TestApi(gateway.httpUrl(), Files.readString(tmp.resolve("data/admin-token")).strip());
    fx = new ApiFixtures(gateway, admin);
    port = TestMail.freePort();
    List<String> errors = new ArrayList<>();
    MailSettings mail =
        MailSettings.parse(
            "smtp://127.0.0.1:" + port, TestMail.FROM, TestMail.USER, TestMail.PASSWORD, errors);
    assertEquals(List.of(), errors);
    sender =
        NotificationSender.smtp(
            mail, gateway.admin().notifications(), clock, () -> "https://git.example.test");
    for (String login : List.of("olive", "bob")) {
      admin.expect(
          201, "POST", "/admin/users", Map.of("login", login, "email", login + "@example.test"));
    }
    org = fx.org("acme", "olive");
    fx.member(org, "bob");
  }

  @AfterEach
  void stop() {
    if (smtp != null) {
      smtp.stop();
    }
    gateway.close();
  }

  private void review(String action) {
    JsonNode t = fx.readAll("bob", org);
    admin.expect(
        204,
        "POST",
        "/orgs/" + org + "/personal-access-token-requests/" + ApiFixtures.requestId(t),
        Map.of("action", action, "reason", "not for CI"));
  }

  private JsonNode only(String status) {
    JsonNode list = admin.expect(200, "GET", "/admin/notifications?status=" + status, null);
    assertEquals(1, list.size(), list::toString);
    return list.get(0);
  }

  private String get(String path) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(gateway.httpUrl() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), path);
    return r.body();
  }

  @Test
  void aFailedDeliveryWaitsForItsBackoffAndIsSentOnceTheServerIsBack() throws Exception {
    // Without --smtp-url the node is ready and says mail is off; the change is queued.
    assertEquals("ready\nmail is off (no --smtp-url)\n", get("/readyz"));
    review("approve");
    clock.set(Instant.now().truncatedTo(ChronoUnit.MILLIS));

    assertEquals(0, sender.deliverDue(), "the server is down");
    JsonNode pending = only("pending");
    assertEquals(1, pending.get("attempts").asInt());
    assertTrue(pending.get("last_error").asText().contains("Connect"), pending::toString);
    Instant next = Instant.parse(pending.get("next_attempt_at").asText());
    assertEquals(clock.instant().plusSeconds(30), next, "first retry 30 s later");

    clock.advance(Duration.ofSeconds(29));
    assertEquals(0, sender.deliverDue());
    assertEquals(1, only("pending").get("attempts").asInt(), "not due: no attempt");

    smtp = TestMail.start(port);
    clock.set(next);
    assertEquals(1, sender.deliverDue(), "due again, and the server is back");
    assertEquals(1, smtp.getReceivedMessages().length);
    TestMail.Mail m = TestMail.received(smtp).get(0);
    assertEquals("bob@example.test", m.to());
    assertEquals(
        "[Portcullis] " + org + " approved your personal access token request", m.subject());
    assertEquals(1, only("sent").get("attempts").asInt(), "one failed attempt before");

    clock.advance(Duration.ofHours(2));
    assertEquals(0, sender.deliverDue());
    assertEquals(1, smtp.getReceivedMessages().length, "sent once");
  }

  @Test
  void aDeliveryThatKeepsFailingIsGivenUpAfterADayListedAndCounted() throws Exception {
    review("deny");
    clock.set(Instant.now().truncatedTo(ChronoUnit.MILLIS));
    int attempts = 0;
    List<Long> delays = new ArrayList<>();
    while (true) {
      assertEquals(0, sender.deliverDue());
      attempts++;
      JsonNode list = admin.expect(200, "GET", "/admin/notifications", null);
      JsonNode n = list.get(0);
      if (n.get("status").asText().equals("failed")) {
        break;
      }
      Instant next = Instant.parse(n.get("next_attempt_at").asText());
      delays.add(Duration.between(clock.instant(), next).toSeconds());
      clock.set(next);
      assertTrue(attempts < 100, "given up at last");
    }
    // 30 s doubling to an hour, the last try at the 24 h mark.
    assertEquals(List.of(30L, 60L, 120L, 240L, 480L, 960L, 1920L, 3600L), delays.subList(0, 8));
    assertTrue(
        delays.subList(8, delays.size() - 1).stream().allMatch(d -> d == 3600), delays::toString);

    JsonNode failed = only("failed");
    Instant changed = Instant.parse(failed.get("created_at").asText());
    assertEquals(
        changed.plus(Duration.ofHours(24)), clock.instant(), "the last try is at the 24 h mark");
    assertEquals("token_request.denied", failed.get("kind").asText());
    assertEquals("bob", failed.get("recipient").asText());
    assertEquals(attempts, failed.get("attempts").asInt());
    assertNotNull(failed.get("last_error").asText());
    assertTrue(failed.get("next_attempt_at").isNull());
    String metrics = get("/metrics");
    assertTrue(
        metrics
            .lines()
            .anyMatch(l -> l.matches("portcullis_notifications_failed(\\{.*\\})? 1(\\.0)?")),
        () ->
            "counted in /metrics: "
                + metrics.lines().filter(l -> l.contains("notifications")).toList());

    // A failed notification is not tried again.
    clock.advance(Duration.ofDays(2));
    smtp = TestMail.start(port);
    assertEquals(0, sender.deliverDue());
    assertEquals(0, smtp.getReceivedMessages().length);
  }
}
