package dev.portcullis.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.icegreen.greenmail.util.GreenMail;
import dev.portcullis.gateway.notify.MailSettings;
import dev.portcullis.policy.model.Actor;
import dev.portcullis.policy.model.Repository;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mails about leaked tokens through a real SMTP server (GreenMail): a token revoked through {@code
 * POST /credentials/revoke}, and a live token carried by a push made with the real {@code git} CLI
 * (refused by push protection, or bypassed into a public repository and revoked) are mailed to the
 * token's owner, once per token, with a link to their tokens and never the plaintext. Also {@code
 * PATCH /user}, where a user sets the address these mails go to.
 */
class LeakedTokenMailTest {
  private static final String PUBLIC = "https://git.example.test";

  @TempDir Path tmp;
  private GreenMail smtp;
  private Gateway gateway;
  private TestApi admin;
  private ApiFixtures fx;
  private TestGit git;
  private final List<String> plaintexts = new ArrayList<>();

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
        Gateway.start(
            GatewayConfig.defaults(tmp.resolve("data"))
                .withPorts(0, 0)
                .withPublicUrl(PUBLIC)
                .withMail(mail));
    String adminToken = Files.readString(tmp.resolve("data/admin-token")).strip();
    plaintexts.add(adminToken);
    admin = new TestApi(gateway.httpUrl(), adminToken);
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

  private void user(String login) {
    admin.expect(
        201, "POST", "/admin/users", Map.of("login", login, "email", login + "@example.test"));
  }

  private String classic(String login) {
    String t = ApiFixtures.plaintext(fx.classic(login, List.of("repo")));
    plaintexts.add(t);
    return t;
  }

  /** The outbox rows of {@code kind}. */
  private List<JsonNode> outbox(String kind) {
    List<JsonNode> rows = new ArrayList<>();
    for (JsonNode n : admin.expect(200, "GET", "/admin/notifications?per_page=100", null)) {
      if (n.get("kind").asText().equals(kind)) {
        rows.add(n);
      }
    }
    return rows;
  }

  private List<TestMail.Mail> mails(int count) throws InterruptedException {
    assertTrue(smtp.waitForIncomingEmail(20_000, count), count + " mail(s) arrive");
    List<TestMail.Mail> all = TestMail.received(smtp);
    for (TestMail.Mail m : all) {
      for (String p : plaintexts) {
        assertFalse(m.raw().contains(p), "a token's plaintext in " + m.subject());
        assertFalse((m.text() + m.html()).contains(p), "a token's plaintext in " + m.subject());
      }
    }
    return all;
  }

  private Optional<TestMail.Mail> withSubject(List<TestMail.Mail> mails, String subject) {
    return mails.stream().filter(m -> m.subject().equals(subject)).findFirst();
  }

  @Test
  void aTokenRevokedThroughCredentialsRevokeIsMailedToItsOwnerOnce() throws Exception {
    user("carol");
    JsonNode token = fx.classic("carol", List.of("repo"));
    String plaintext = ApiFixtures.plaintext(token);
    plaintexts.add(plaintext);
    TestApi anyone = new TestApi(gateway.httpUrl(), null);
    Map<String, Object> body = Map.of("credentials", List.of(plaintext));
    anyone.expect(202, "POST", "/credentials/revoke", body);
    anyone.expect(202, "POST", "/credentials/revoke", body);

    List<TestMail.Mail> mails = mails(1);
    assertEquals(1, mails.size());
    TestMail.Mail m = mails.get(0);
    assertEquals("carol@example.test", m.to());
    assertEquals(
        "[Portcullis] Your personal access token \""
            + token.get("name").asText()
            + "\" was revoked",
        m.subject());
    assertTrue(m.text().contains("reported as leaked"), m.text());
    assertTrue(m.text().contains("Your tokens: " + PUBLIC + "/settings/tokens"), m.text());
    assertFalse(m.text().contains("/settings/tokens/"), "the list: the token's page is gone");
    assertTrue(m.html().contains("<a href=\"" + PUBLIC + "/settings/tokens\">"), m.html());
    assertEquals(1, outbox("token.revoked_leaked").size(), "once: the second call revoked nothing");
  }

  @Test
  void aPushCarryingALiveTokenIsMailedToTheTokensOwnerOnceWhetherRefusedOrBypassed()
      throws Exception {
    user("bob");
    user("carol");
    admin.expect(
        201, "POST", "/admin/users/bob/repos", Map.of("name", "app", "visibility", "private"));
    admin.expect(
        201, "POST", "/admin/users/bob/repos", Map.of("name", "site", "visibility", "public"));
    for (String name : List.of("app", "site")) {
      Repository r = gateway.admin().directory().repository("bob", name);
      gateway.storage().seedReadme(r, "# " + name + "\n");
    }
    String bobs = classic("bob");
    JsonNode carolsToken = fx.classic("carol", List.of("repo"));
    String leaked = ApiFixtures.plaintext(carolsToken);
    plaintexts.add(leaked);
    String name = carolsToken.get("name").asText();

    // Refused, twice: carol (the token's owner, not the pusher) gets one mail.
    Path work = clone("bob", bobs, "bob/app");
    commit(work, "config/.env", "TOKEN=" + leaked + "\n");
    assertFalse(git.run(work, "push", "origin", "HEAD:main").ok(), "push protection refuses");
    assertFalse(git.run(work, "push", "origin", "HEAD:main").ok(), "again");
    List<TestMail.Mail> mails = mails(1);
    String pushed = "[Portcullis] Your personal access token \"" + name + "\" was found in a push";
    TestMail.Mail m = withSubject(mails, pushed).orElseThrow(() -> new AssertionError(mails));
    assertEquals("carol@example.test", m.to());
    assertTrue(m.text().contains("A push to bob/app by bob carried it"), m.text());
    assertTrue(m.text().contains("push protection refused the push"), m.text());
    String link = PUBLIC + "/settings/tokens/" + ApiFixtures.tokenId(carolsToken);
    assertTrue(m.text().contains("Your token: " + link), m.text());
    assertTrue(m.html().contains("<a href=\"" + link + "\">"), m.html());
    assertEquals(1, outbox("token.leak_pushed").size(), "once per token");
    assertTrue(gateway.audit().flush(Duration.ofSeconds(10)));
    long audited = 0;
    for (JsonNode row :
        admin.expect(200, "GET", "/admin/audit-log?kind=admin&per_page=100", null)) {
      if (row.get("action").asText().equals("token.leak_pushed")) {
        audited++;
      }
    }
    assertEquals(2, audited, "each push is audited");

    // Bypassed into a public repository: the token is revoked, and carol learns of it.
    Path site = clone("bob", bobs, "bob/site");
    commit(site, "demo.txt", "T=" + leaked + "\n");
    TestGit.Result bypassed =
        git.run(site, "push", "-o", "secret-scanning.bypass=demo data", "origin", "HEAD:main");
    assertTrue(bypassed.ok(), bypassed::toString);
    List<TestMail.Mail> after = mails(2);
    String revoked = "[Portcullis] Your personal access token \"" + name + "\" was revoked";
    TestMail.Mail r = withSubject(after, revoked).orElseThrow(() -> new AssertionError(after));
    assertEquals("carol@example.test", r.to());
    assertTrue(r.text().contains("It was pushed to the public repository bob/site."), r.text());
    assertEquals(1, outbox("token.leak_pushed").size(), "still once per token");
    assertEquals(2, after.size());
  }

  private Path clone(String user, String token, String repo) throws Exception {
    Path dir = Files.createTempDirectory(tmp, "w");
    String url =
        gateway.httpUrl().replace("http://", "http://" + user + ":" + token + "@")
            + "/"
            + repo
            + ".git";
    TestGit.Result r = git.run(dir, "clone", "-q", url, "w");
    assertTrue(r.ok(), r::toString);
    return dir.resolve("w");
  }

  private void commit(Path work, String file, String content) throws Exception {
    Path p = work.resolve(file);
    Files.createDirectories(p.getParent());
    Files.writeString(p, content, StandardCharsets.UTF_8);
    assertTrue(git.run(work, "add", "-A").ok());
    assertTrue(git.run(work, "commit", "-q", "-m", "add " + file).ok());
  }

  @Test
  void patchUserSetsTheCallersOwnAddressAndRefusesABadOne() throws Exception {
    user("dave");
    TestApi dave = new TestApi(gateway.httpUrl(), classic("dave"));
    for (Object bad : List.of("not an address", "dave@", "a@b@c", 42)) {
      JsonNode e = dave.expect(422, "PATCH", "/user", Map.of("email", bad));
      assertEquals("email", e.get("errors").get(0).get("field").asText(), e.toString());
    }
    dave.expect(422, "PATCH", "/user", Map.of("name", "Dave"));
    dave.expect(422, "PATCH", "/user", Map.of());
    assertEquals(
        Optional.of("dave@example.test"),
        gateway.admin().accounts().email(Actor.SYSTEM, "dave"),
        "unchanged");

    JsonNode me = dave.expect(200, "PATCH", "/user", Map.of("email", "d.new@example.test"));
    assertEquals("dave", me.get("login").asText());
    assertEquals("d.new@example.test", me.get("email").asText());
    assertEquals(
        Optional.of("d.new@example.test"), gateway.admin().accounts().email(Actor.SYSTEM, "dave"));

    // Mails go to the new address.
    String leaked = classic("dave");
    new TestApi(gateway.httpUrl(), null)
        .expect(202, "POST", "/credentials/revoke", Map.of("credentials", List.of(leaked)));
    assertEquals("d.new@example.test", mails(1).get(0).to());

    dave.expect(200, "PATCH", "/user", Map.of("email", ""));
    assertEquals(Optional.empty(), gateway.admin().accounts().email(Actor.SYSTEM, "dave"));
    new TestApi(gateway.httpUrl(), null).expect(401, "PATCH", "/user", Map.of("email", "x@y.z"));
  }

  @Test
  void createUserRefusesABadAddressAndCreatesNoOne() {
    for (Object bad :
        List.of("not an address", "erin@", "a@b@c", "x".repeat(250) + "@example.test", 42)) {
      JsonNode e = admin.expect(422, "POST", "/admin/users", Map.of("login", "erin", "email", bad));
      JsonNode error = e.get("errors").get(0);
      assertEquals("email", error.get("field").asText(), e.toString());
      assertEquals(
          bad instanceof String
              ? "Email must be an address like name@example.com."
              : "email must be a string",
          error.get("message").asText(),
          e.toString());
    }
    admin.expect(404, "GET", "/users/erin", null);
    JsonNode erin =
        admin.expect(
            201, "POST", "/admin/users", Map.of("login", "erin", "email", "erin@example.test"));
    assertEquals("erin", erin.get("login").asText());
    assertEquals(
        Optional.of("erin@example.test"), gateway.admin().accounts().email(Actor.SYSTEM, "erin"));
  }
}
