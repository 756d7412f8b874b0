package dev.portcullis.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.icegreen.greenmail.util.GreenMail;
import dev.portcullis.gateway.NotificationRetryTest.MovableClock;
import dev.portcullis.gateway.notify.MailSchedule;
import dev.portcullis.gateway.notify.MailSettings;
import dev.portcullis.gateway.notify.NotificationSender;
import dev.portcullis.policy.admin.Admin;
import dev.portcullis.policy.admin.CreatedToken;
import dev.portcullis.policy.model.Actor;
import dev.portcullis.policy.model.MailPreferences;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The periodic mails through a real SMTP server (GreenMail): the owners' daily digest of pending
 * requests (at the digest time, only when something is pending, once a day per owner and
 * organization, not to owners who turned it off, and on demand through the admin API) and the
 * reminders of a token's expiry (7 days, 1 day, expired: each once, however many scans and
 * schedulers run). Two schedulers and a sender run on a clock the test moves: no sleeps.
 */
class DigestAndReminderMailTest {
  private static final String PUBLIC = "https://git.example.test";

  @TempDir Path tmp;
  private Gateway gateway;
  private TestApi admin;
  private ApiFixtures fx;
  private GreenMail smtp;
  private final MovableClock clock = new MovableClock(Instant.now());
  private NotificationSender sender;
  private MailSchedule nodeA;
  private MailSchedule nodeB;
  private final List<String> plaintexts = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    // Without --smtp-url the gateway runs no sender and no schedule of its own: the test runs them.
    gateway = Gateway.start(GatewayConfig.defaults(tmp.resolve("data")).withPorts(0, 0));
    admin =
        new TestApi(gateway.httpUrl(), Files.readString(tmp.resolve("data/admin-token")).strip());
    fx = new ApiFixtures(gateway, admin);
    int port = TestMail.freePort();
    smtp = TestMail.start(port);
    List<String> errors = new ArrayList<>();
    MailSettings mail =
        MailSettings.parse(
            "smtp://127.0.0.1:" + port, TestMail.FROM, TestMail.USER, TestMail.PASSWORD, errors);
    assertEquals(List.of(), errors);
    Admin a = gateway.admin();
    sender = NotificationSender.smtp(mail, a.notifications(), clock, () -> PUBLIC);
    // Two nodes' schedules over the same store.
    nodeA = new MailSchedule(a.expiryReminders(), a.digests(), clock, LocalTime.of(9, 0));
    nodeB = new MailSchedule(a.expiryReminders(), a.digests(), clock, LocalTime.of(9, 0));
  }

  @AfterEach
  void stop() {
    smtp.stop();
    gateway.close();
  }

  private void user(String login) {
    admin.expect(
        201, "POST", "/admin/users", Map.of("login", login, "email", login + "@example.test"));
  }

  /** Runs both schedules and the sender; returns the mails received since {@code before}. */
  private List<TestMail.Mail> tick(int before) {
    nodeA.run();
    nodeB.run();
    while (sender.deliverDue() > 0) {
      // a batch at a time
    }
    List<TestMail.Mail> all = TestMail.received(smtp);
    return all.subList(before, all.size());
  }

  private int received() {
    return smtp.getReceivedMessages().length;
  }

  private void noPlaintext(List<TestMail.Mail> mails) {
    for (TestMail.Mail m : mails) {
      for (String p : plaintexts) {
        assertFalse(m.raw().contains(p), "a token's plaintext in " + m.subject());
        assertFalse((m.text() + m.html()).contains(p), "a token's plaintext in " + m.subject());
      }
    }
  }

  @Test
  void theDigestGoesToEachOwnerOnceADayWhileRequestsArePending() {
    for (String login : List.of("olive", "oscar", "quiet", "bob")) {
      user(login);
    }
    String org = fx.org("acme", "olive");
    admin.expect(200, "PUT", "/orgs/" + org + "/memberships/oscar", Map.of("role", "admin"));
    admin.expect(200, "PUT", "/orgs/" + org + "/memberships/quiet", Map.of("role", "admin"));
    fx.member(org, "bob");
    // An organization with nothing pending gets no digest.
    String calm = fx.org("calm", "olive");
    gateway
        .admin()
        .accounts()
        .setMailPreferences(Actor.SYSTEM, "quiet", new MailPreferences(false, true));
    String app = fx.repo(org, "app", "private");
    JsonNode one =
        fx.fineGrained(
            "bob",
            org,
            "subset",
            List.of(app.substring(app.indexOf('/') + 1)),
            Map.of("contents", "write", "issues", "read"));
    JsonNode two = fx.readAll("bob", org);
    plaintexts.add(ApiFixtures.plaintext(one));
    plaintexts.add(ApiFixtures.plaintext(two));

    LocalDate tomorrow = LocalDate.now(ZoneOffset.UTC).plusDays(1);
    clock.set(tomorrow.atTime(8, 59).toInstant(ZoneOffset.UTC));
    assertEquals(List.of(), tick(0), "not before the digest time");

    clock.set(tomorrow.atTime(9, 0).toInstant(ZoneOffset.UTC));
    List<TestMail.Mail> digests = tick(0);
    assertEquals(
        List.of("olive@example.test", "oscar@example.test"),
        digests.stream().map(TestMail.Mail::to).sorted().toList(),
        "each owner but the one who turned it off, and none for " + calm);
    for (TestMail.Mail m : digests) {
      assertEquals("[Portcullis] 2 pending personal access token requests in " + org, m.subject());
      String link = PUBLIC + "/organizations/" + org + "/settings/personal-access-token-requests";
      assertTrue(m.text().contains("Review them: " + link), m.text());
      assertTrue(m.html().contains("<a href=\"" + link + "\">"), m.html());
      assertTrue(m.text().contains("\"" + one.get("name").asText() + "\" by bob"), m.text());
      assertTrue(m.text().contains("Repositories: app"), m.text());
      assertTrue(
          m.text().contains("Permissions: contents: write, issues: read, metadata: read"),
          m.text());
      assertTrue(m.text().contains("Justification: needed for subset"), m.text());
      assertTrue(m.text().contains("Repositories: all repositories of " + org), m.text());
      assertTrue(m.text().contains(PUBLIC + "/settings/profile"), "where to turn it off");
    }
    noPlaintext(digests);

    // Later the same day, on either node: nothing more.
    clock.advance(Duration.ofHours(3));
    assertEquals(List.of(), tick(2));

    // The next day, still pending: again.
    clock.advance(Duration.ofDays(1));
    assertEquals(2, tick(2).size());

    // Once reviewed, nothing is pending: no digest the day after.
    admin.expect(
        202,
        "POST",
        "/orgs/" + org + "/personal-access-token-requests",
        Map.of(
            "pat_request_ids",
            List.of(ApiFixtures.requestId(one), ApiFixtures.requestId(two)),
            "action",
            "deny"));
    int before = received();
    clock.advance(Duration.ofDays(1));
    assertTrue(
        tick(before).stream().noneMatch(m -> m.subject().contains("pending")),
        "no digest when nothing is pending");
  }

  @Test
  void theDigestOnDemandIsForSiteAdministratorsAndSendsToday() {
    for (String login : List.of("olive", "bob")) {
      user(login);
    }
    String org = fx.org("acme", "olive");
    fx.member(org, "bob");
    plaintexts.add(ApiFixtures.plaintext(fx.readAll("bob", org)));
    String bobToken = ApiFixtures.plaintext(fx.classic("bob", List.of("repo")));
    plaintexts.add(bobToken);
    new TestApi(gateway.httpUrl(), bobToken)
        .expect(403, "POST", "/admin/notifications/digest", null);
    admin.expect(422, "POST", "/admin/notifications/digest", Map.of("org", org));

    assertEquals(
        1, admin.expect(202, "POST", "/admin/notifications/digest", null).get("queued").asInt());
    assertEquals(
        0, admin.expect(202, "POST", "/admin/notifications/digest", null).get("queued").asInt());
    clock.set(Instant.now());
    while (sender.deliverDue() > 0) {
      // a batch at a time
    }
    List<TestMail.Mail> mails = TestMail.received(smtp);
    assertEquals(1, mails.size());
    assertEquals("olive@example.test", mails.get(0).to());
    assertEquals(
        "[Portcullis] 1 pending personal access token request in " + org, mails.get(0).subject());
    noPlaintext(mails);
  }

  @Test
  void remindersGoOutAtSevenDaysOneDayAndExpiryOnceEach() {
    for (String login : List.of("bob", "mute")) {
      user(login);
    }
    JsonNode token = fx.classic("bob", List.of("repo"));
    JsonNode muted = fx.classic("mute", List.of("repo"));
    plaintexts.add(ApiFixtures.plaintext(token));
    plaintexts.add(ApiFixtures.plaintext(muted));
    gateway
        .admin()
        .accounts()
        .setMailPreferences(Actor.SYSTEM, "mute", new MailPreferences(true, false));
    Instant expires = Instant.parse(token.get("expires_at").asText());
    String name = token.get("name").asText();
    String link = PUBLIC + "/settings/tokens/" + ApiFixtures.tokenId(token);

    clock.set(expires.minus(Duration.ofDays(8)));
    assertEquals(List.of(), tick(0), "more than 7 days left");

    clock.set(expires.minus(Duration.ofDays(7)).plusSeconds(60));
    List<TestMail.Mail> week = tick(0);
    assertEquals(1, week.size(), "bob's only: mute turned reminders off");
    assertEquals("bob@example.test", week.get(0).to());
    assertEquals(
        "[Portcullis] Your personal access token \"" + name + "\" expires in less than 7 days",
        week.get(0).subject());
    assertTrue(week.get(0).text().contains(link), week.get(0).text());
    assertTrue(week.get(0).html().contains("<a href=\"" + link + "\">"), week.get(0).html());
    clock.advance(Duration.ofHours(6));
    assertEquals(List.of(), tick(1), "once, however many scans");

    clock.set(expires.minus(Duration.ofHours(20)));
    List<TestMail.Mail> day = tick(1);
    assertEquals(1, day.size());
    assertEquals(
        "[Portcullis] Your personal access token \"" + name + "\" expires in less than a day",
        day.get(0).subject());
    clock.advance(Duration.ofHours(1));
    assertEquals(List.of(), tick(2));

    clock.set(expires.plusSeconds(30));
    List<TestMail.Mail> expired = tick(2);
    assertEquals(1, expired.size());
    assertEquals(
        "[Portcullis] Your personal access token \"" + name + "\" has expired",
        expired.get(0).subject());
    assertTrue(expired.get(0).text().contains(link), expired.get(0).text());
    clock.advance(Duration.ofDays(2));
    assertEquals(List.of(), tick(3), "each stage once");
    noPlaintext(TestMail.received(smtp));

    // A gateway restarted later finds the rows and sends nothing again.
    assertEquals(0, gateway.admin().expiryReminders().scan(clock.instant()));

    // Regenerated (same id, a new expiry): the new expiry has reminders of its own. The gateway
    // issues on its own clock, so the new lifetime is longer than the first, whose end this
    // test's clock has passed.
    CreatedToken again =
        gateway
            .admin()
            .tokens()
            .regenerateOwnToken(
                Actor.web(gateway.admin().directory().user("bob")),
                ApiFixtures.tokenId(token),
                60,
                true,
                0);
    assertTrue(again.token().expiresAt().isAfter(clock.instant().plus(Duration.ofDays(7))));
    plaintexts.add(again.plaintext());
    clock.set(again.token().expiresAt().minus(Duration.ofDays(7)).plusSeconds(60));
    List<TestMail.Mail> renewed = tick(3);
    assertEquals(1, renewed.size());
    assertTrue(renewed.get(0).subject().endsWith("expires in less than 7 days"));
    noPlaintext(renewed);
  }

  @Test
  void aTokenMadeToLastLessThanAStageIsNotRemindedOfIt() {
    user("bob");
    JsonNode shortLived =
        admin.expect(
            201,
            "POST",
            "/admin/users/bob/personal-access-tokens",
            Map.of("type", "classic", "name", "short", "scopes", List.of("repo"), "expires_in", 5));
    plaintexts.add(ApiFixtures.plaintext(shortLived));
    Instant expires = Instant.parse(shortLived.get("expires_at").asText());
    clock.set(expires.minus(Duration.ofDays(4)));
    assertEquals(List.of(), tick(0), "a 5-day token is not told it expires within 7 days");
    clock.set(expires.minus(Duration.ofHours(2)));
    assertEquals(1, tick(0).size(), "but is told the day before");
  }
}
