package dev.portcullis.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.icegreen.greenmail.util.GreenMail;
import dev.portcullis.gateway.notify.MailSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * An approval for a limited time with the real {@code git} CLI and a real SMTP server (GreenMail):
 * the organization's listing shows its end, git is refused with "approval expired" once it has
 * passed, and the token's owner gets one mail saying so. Bad ends are 422.
 */
class ApprovalEndEndToEndTest {
  @TempDir Path tmp;
  private GreenMail smtp;
  private Gateway gateway;
  private TestApi admin;
  private ApiFixtures fx;
  private TestGit git;

  @BeforeEach
  void start() throws Exception {
    int port = TestMail.freePort();
    smtp = TestMail.start(port);
    List<String> errors = new ArrayList<>();
    MailSettings mail =
        MailSettings.parse(
                "smtp://127.0.0.1:" + port, TestMail.FROM, TestMail.USER, TestMail.PASSWORD, errors)
            .withPollInterval(Duration.ofMillis(100));
    assertEquals(List.of(), errors);
    gateway =
        Gateway.start(GatewayConfig.defaults(tmp.resolve("data")).withPorts(0, 0).withMail(mail));
    admin =
        new TestApi(gateway.httpUrl(), Files.readString(tmp.resolve("data/admin-token")).strip());
    fx = new ApiFixtures(gateway, admin);
    git = new TestGit(tmp.resolve("home"), Map.of());
  }

  @AfterEach
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
    smtp.stop();
  }

  private String user(String login) {
    admin.expect(
        201, "POST", "/admin/users", Map.of("login", login, "email", login + "@example.test"));
    return login;
  }

  private TestGit.Result cloneWith(String token, String repo) throws Exception {
    Path dir = Files.createTempDirectory(tmp, "c");
    return git.run(
        dir,
        "clone",
        "-q",
        gateway.httpUrl().replace("http://", "http://x:" + token + "@") + "/" + repo + ".git",
        "w");
  }

  @Test
  void anApprovalForTwoSecondsLapsesAndTheOwnerIsMailedOnce() throws Exception {
    user("olive");
    user("bob");
    String org = fx.org("acme", "olive");
    fx.member(org, "bob");
    String repo = fx.repo(org, "app", "private");
    JsonNode token = fx.readAll("bob", org);
    String plaintext = ApiFixtures.plaintext(token);
    String review =
        "/orgs/" + org + "/personal-access-token-requests/" + ApiFixtures.requestId(token);

    Instant end = Instant.now().plusSeconds(2).truncatedTo(ChronoUnit.SECONDS);
    admin.expect(204, "POST", review, Map.of("action", "approve", "expires_at", end.toString()));
    JsonNode grants = admin.expect(200, "GET", "/orgs/" + org + "/personal-access-tokens", null);
    assertEquals(1, grants.size());
    assertEquals(end.toString(), grants.get(0).get("approval_expires_at").asText());
    JsonNode approval = null;
    for (JsonNode row :
        admin.expect(200, "GET", "/admin/audit-log?kind=admin&per_page=100", null)) {
      if ("token_request.approve".equals(row.path("action").asText())
          && row.path("target")
              .asText()
              .equals("org:" + org + "/request:" + ApiFixtures.requestId(token))) {
        approval = row;
      }
    }
    assertTrue(approval != null, "the approval is audited");
    String after = approval.get("after").asText();
    assertTrue(after.contains("\"expires_at\":\"" + end + "\""), after);
    assertFalse(after.contains(plaintext), after);

    // Git is refused once the end has passed: polled, with a bound, rather than slept for.
    TestGit.Result refused = null;
    for (int i = 0; i < 60 && refused == null; i++) {
      TestGit.Result r = cloneWith(plaintext, repo);
      if (!r.ok()) {
        refused = r;
      } else {
        Thread.sleep(250);
      }
    }
    assertTrue(refused != null, "the clone is refused after the approval's end");
    assertTrue(refused.output().contains("approval expired"), refused::toString);
    assertTrue(refused.output().contains("403"), refused::toString);

    // The approval and its end are mailed to bob, once each.
    assertTrue(smtp.waitForIncomingEmail(20_000, 2), "two mails arrive");
    String expiredSubject =
        "[Portcullis] " + org + "'s approval of your personal access token expired";
    List<TestMail.Mail> expired =
        TestMail.received(smtp).stream().filter(m -> m.subject().equals(expiredSubject)).toList();
    assertEquals(1, expired.size());
    assertEquals("bob@example.test", expired.get(0).to());
    assertTrue(
        expired
            .get(0)
            .text()
            .contains("/settings/personal-access-tokens/" + ApiFixtures.tokenId(token)),
        expired.get(0).text());
    assertFalse(expired.get(0).raw().contains(plaintext));
    long rows = 0;
    for (JsonNode n : admin.expect(200, "GET", "/admin/notifications?per_page=100", null)) {
      if ("token_grant.expired".equals(n.get("kind").asText())) {
        rows++;
      }
    }
    assertEquals(1, rows, "one notice per grant");
  }

  @Test
  void badEndsAre422() {
    user("olive");
    user("bob");
    String org = fx.org("acme", "olive");
    fx.member(org, "bob");
    JsonNode token = fx.readAll("bob", org);
    long id = ApiFixtures.requestId(token);
    String review = "/orgs/" + org + "/personal-access-token-requests/" + id;
    for (Object bad :
        List.of(
            "tomorrow",
            "2099-01-01",
            "2099-01-01T00:00:00",
            Instant.now().minusSeconds(60).toString(),
            7)) {
      JsonNode e =
          admin.expect(422, "POST", review, Map.of("action", "approve", "expires_at", bad));
      assertEquals("expires_at", e.get("errors").get(0).get("field").asText(), e::toString);
    }
    admin.expect(
        422, "POST", review, Map.of("action", "deny", "expires_at", "2099-01-01T00:00:00Z"));
    admin.expect(
        422,
        "POST",
        "/orgs/" + org + "/personal-access-token-requests",
        Map.of("pat_request_ids", List.of(id), "action", "approve", "expires_at", "yesterday"));
    // Nothing was decided: the request is still pending, and a bulk approval with an end works.
    admin.expect(
        202,
        "POST",
        "/orgs/" + org + "/personal-access-token-requests",
        Map.of(
            "pat_request_ids",
            List.of(id),
            "action",
            "approve",
            "expires_at",
            "2099-01-01T00:00:00+02:00"));
    JsonNode grants = admin.expect(200, "GET", "/orgs/" + org + "/personal-access-tokens", null);
    assertEquals("2098-12-31T22:00:00Z", grants.get(0).get("approval_expires_at").asText());
  }
}
