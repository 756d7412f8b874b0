package dev.portcullis.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.icegreen.greenmail.util.GreenMail;
import dev.portcullis.gateway.notify.MailSettings;
import dev.portcullis.policy.model.Actor;
import dev.portcullis.policy.model.MailPreferences;
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
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The gateway mails approvals, denials and revocations to the token's owner through a real SMTP
 * server (GreenMail, with authentication): one mail each, to the right address, with the subject,
 * the deny reason and a link to the token's console page under {@code --public-url}, in a text and
 * an HTML part; no mail holds a token's plaintext, and no log line the SMTP password.
 */
class NotificationMailTest {
  private static final String PUBLIC = "https://git.example.test";

  @TempDir Path tmp;
  private GreenMail smtp;
  private Gateway gateway;
  private TestApi admin;
  private ApiFixtures fx;
  private ListAppender<ILoggingEvent> logs;
  private final List<String> plaintexts = new ArrayList<>();

  @BeforeEach
  void start() throws Exception {
    logs = new ListAppender<>();
    logs.start();
    root().addAppender(logs);
    int port = TestMail.freePort();
    smtp = TestMail.start(port);
    List<String> errors = new ArrayList<>();
    MailSettings mail =
        MailSettings.parse(
                "smtp://127.0.0.1:" + port, TestMail.FROM, TestMail.USER, TestMail.PASSWORD, errors)
            .withPollInterval(Duration.ofMillis(100));
    assertEquals(List.of(), errors);
    gateway =
        Gateway.start(
            GatewayConfig.defaults(tmp.resolve("data"))
                .withPorts(0, 0)
                .withPublicUrl(PUBLIC)
                .withMail(mail));
    admin =
        new TestApi(gateway.httpUrl(), Files.readString(tmp.resolve("data/admin-token")).strip());
    fx = new ApiFixtures(gateway, admin);
  }

  @AfterEach
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
    smtp.stop();
    root().detachAppender(logs);
  }

  private static Logger root() {
    return (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
  }

  private void user(String login) {
    admin.expect(
        201, "POST", "/admin/users", Map.of("login", login, "email", login + "@example.test"));
  }

  private JsonNode request(String login, String org) {
    JsonNode t = fx.readAll(login, org);
    plaintexts.add(ApiFixtures.plaintext(t));
    return t;
  }

  private void review(String org, JsonNode token, Map<String, Object> body) {
    admin.expect(
        204,
        "POST",
        "/orgs/" + org + "/personal-access-token-requests/" + ApiFixtures.requestId(token),
        body);
  }

  /**
   * Approvals, denials and revocations are always sent: the console's notification settings turn
   * off only the digest and the expiry reminders.
   */
  @Test
  void aUserWhoTurnedOffTheDigestAndTheRemindersStillGetsApprovalsDenialsAndRevocations()
      throws Exception {
    user("olive");
    String password = "bob's console passphrase";
    admin.expect(
        201,
        "POST",
        "/admin/users",
        Map.of("login", "bob", "email", "bob@example.test", "password", password));
    ConsoleHttp console = new ConsoleHttp(gateway.httpUrl(), PUBLIC);
    assertEquals(303, console.signIn("bob", password).statusCode());
    String csrf = console.csrf("/settings/profile");
    // Both boxes unchecked: neither field is in the form.
    HttpResponse<String> saved =
        console.post("/settings/notifications", console.form("authenticity_token", csrf));
    assertEquals(303, saved.statusCode(), saved.body());
    assertEquals(
        new MailPreferences(false, false),
        gateway.admin().accounts().mailPreferences(Actor.SYSTEM, "bob"));

    String org = fx.org("acme", "olive");
    fx.member(org, "bob");
    JsonNode approved = request("bob", org);
    JsonNode denied = request("bob", org);
    JsonNode revoked = request("bob", org);
    review(org, approved, Map.of("action", "approve"));
    review(org, denied, Map.of("action", "deny", "reason", "not this one"));
    review(org, revoked, Map.of("action", "approve"));
    admin.expect(
        204,
        "POST",
        "/orgs/" + org + "/personal-access-tokens/" + ApiFixtures.tokenId(revoked),
        Map.of("action", "revoke"));

    assertTrue(smtp.waitForIncomingEmail(20_000, 4), "four mails arrive");
    List<TestMail.Mail> mails = TestMail.received(smtp);
    assertEquals(
        List.of(
            "[Portcullis] " + org + " approved your personal access token request",
            "[Portcullis] " + org + " approved your personal access token request",
            "[Portcullis] " + org + " denied your personal access token request",
            "[Portcullis] " + org + " revoked your personal access token's access"),
        mails.stream().map(TestMail.Mail::subject).sorted().toList());
    for (TestMail.Mail m : mails) {
      assertEquals("bob@example.test", m.to(), m.subject());
    }
    assertTrue(mails.stream().anyMatch(m -> m.text().contains("not this one")), "the deny reason");
  }

  @Test
  void approvalsDenialsAndRevocationsAreMailedOnceToTheTokensOwner() throws Exception {
    for (String login : List.of("olive", "bob", "carol")) {
      user(login);
    }
    String org = fx.org("acme", "olive");
    fx.member(org, "bob");
    fx.member(org, "carol");
    JsonNode approved = request("bob", org);
    JsonNode denied = request("carol", org);
    JsonNode revoked = request("bob", org);
    String reason = "Use the <deploy> key & ask \"ops\" first";
    review(org, approved, Map.of("action", "approve"));
    review(org, denied, Map.of("action", "deny", "reason", reason));
    review(org, revoked, Map.of("action", "approve"));
    admin.expect(
        204,
        "POST",
        "/orgs/" + org + "/personal-access-tokens/" + ApiFixtures.tokenId(revoked),
        Map.of("action", "revoke"));

    assertTrue(smtp.waitForIncomingEmail(20_000, 4), "four mails arrive");
    // More runs of the sender send nothing more.
    Thread.sleep(1_000);
    List<TestMail.Mail> mails = TestMail.received(smtp);
    assertEquals(
        4, mails.size(), () -> mails.stream().map(TestMail.Mail::subject).toList().toString());

    Map<String, TestMail.Mail> bySubject =
        mails.stream().collect(Collectors.toMap(TestMail.Mail::subject, m -> m, (a, b) -> a));
    String approvedSubject = "[Portcullis] " + org + " approved your personal access token request";
    String deniedSubject = "[Portcullis] " + org + " denied your personal access token request";
    String revokedSubject = "[Portcullis] " + org + " revoked your personal access token's access";
    assertEquals(
        2,
        mails.stream().filter(m -> m.subject().equals(approvedSubject)).count(),
        "two approvals");
    TestMail.Mail deny = bySubject.get(deniedSubject);
    TestMail.Mail revoke = bySubject.get(revokedSubject);
    assertEquals("carol@example.test", deny.to());
    assertEquals("bob@example.test", revoke.to());
    for (TestMail.Mail m : mails) {
      assertEquals(TestMail.FROM, m.from());
      if (m.subject().equals(approvedSubject)) {
        assertEquals("bob@example.test", m.to());
      }
    }

    // The owner's reason, as written in the text and escaped in the HTML.
    assertTrue(deny.text().contains("Reason given by the owner: " + reason), deny.text());
    assertTrue(
        deny.html().contains("Use the &lt;deploy&gt; key &amp; ask &quot;ops&quot; first"),
        deny.html());
    assertFalse(deny.html().contains("<deploy>"), deny.html());

    // Links to the token's console page under --public-url.
    String deniedLink = PUBLIC + "/settings/personal-access-tokens/" + ApiFixtures.tokenId(denied);
    assertTrue(deny.text().contains(deniedLink), deny.text());
    assertTrue(deny.html().contains("<a href=\"" + deniedLink + "\">"), deny.html());
    String revokedLink =
        PUBLIC + "/settings/personal-access-tokens/" + ApiFixtures.tokenId(revoked);
    assertTrue(revoke.text().contains(revokedLink), revoke.text());
    String approvedLink =
        PUBLIC + "/settings/personal-access-tokens/" + ApiFixtures.tokenId(approved);
    assertTrue(
        mails.stream().anyMatch(m -> m.text().contains(approvedLink)), "the first approval's link");

    // No plaintext in any mail, decoded or raw.
    for (TestMail.Mail m : mails) {
      for (String p : plaintexts) {
        assertFalse(m.raw().contains(p), "a token's plaintext in " + m.subject());
        assertFalse((m.text() + m.html()).contains(p), "a token's plaintext in " + m.subject());
      }
    }

    // The outbox says the same: four sent, none failed.
    assertEquals(4, admin.expect(200, "GET", "/admin/notifications?status=sent", null).size());
    assertEquals(0, admin.expect(200, "GET", "/admin/notifications?status=failed", null).size());
    JsonNode listed = admin.expect(200, "GET", "/admin/notifications?per_page=100", null);
    assertEquals(4, listed.size());
    assertEquals("token_grant.revoked", listed.get(0).get("kind").asText(), "newest first");
    assertEquals("bob", listed.get(0).get("recipient").asText());
    admin.expect(422, "GET", "/admin/notifications?status=lost", null);

    // Mail on: ready, with nothing to add.
    HttpResponse<String> ready =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(gateway.httpUrl() + "/readyz")).build(),
                HttpResponse.BodyHandlers.ofString());
    assertEquals(200, ready.statusCode());
    assertEquals("ready\n", ready.body());

    String logged =
        logs.list.stream()
            .map(ILoggingEvent::getFormattedMessage)
            .collect(Collectors.joining("\n"));
    assertTrue(logged.contains("mailed to carol"), logged);
    assertFalse(logged.contains(TestMail.PASSWORD), "the SMTP password is never logged");
    assertFalse(gateway.toString().contains(TestMail.PASSWORD));
  }
}
