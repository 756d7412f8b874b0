package dev.portcullis.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.gateway.console.ConsoleServlet;
import dev.portcullis.policy.access.FailedAuthLimiter;
import dev.portcullis.policy.model.Actor;
import dev.portcullis.policy.model.MailPreferences;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console over plain HTTP, where no browser is needed: a gateway on its plain listener behind a
 * TLS-terminating balancer ({@code --public-url https://gw.example}), its headers, cookie, CSRF and
 * origin checks, setup links, and that no secret reaches a log line or an audit row. Failed
 * sign-ins are limited to 3 a minute per client and per login.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleHttpTest {
  private static final String PUBLIC = "https://gw.example";
  private static final String PASSWORD = "console passphrase one";
  private static final String OWN_SCRIPT = "<script src=\"/assets/console.js\" defer></script>";
  @TempDir static Path tmp;
  private Gateway gateway;
  private TestApi api;
  private String adminToken;
  private final Set<String> secrets = ConcurrentHashMap.newKeySet();
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

  private GatewayConfig config() {
    return GatewayConfig.defaults(tmp.resolve("data"))
        .withPorts(0, 0)
        .withPublicUrl(PUBLIC)
        // The balancer on loopback names each client; the limiter counts per client.
        .withTrustedProxies(List.of("127.0.0.1/32"))
        .withLimits(
            new Limits(
                0,
                0,
                new FailedAuthLimiter.Settings(3, Duration.ofSeconds(60), 1000),
                0,
                Duration.ofSeconds(30)));
  }

  @BeforeAll
  void start() throws Exception {
    ch.qos.logback.classic.Logger root =
        (ch.qos.logback.classic.Logger)
            org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    logs.start();
    root.addAppender(logs);
    ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("portcullis.git"))
        .addAppender(logs);
    gateway = Gateway.start(config());
    adminToken = Files.readString(tmp.resolve("data").resolve(Gateway.ADMIN_TOKEN_FILE)).strip();
    secrets.add(adminToken);
    String setup = gateway.bootstrapSetupUrl().orElseThrow();
    assertTrue(setup.startsWith(PUBLIC + "/password_reset/"), "the public URL, not the listener's");
    secrets.add(setup.substring(setup.lastIndexOf('/') + 1));
    api = new TestApi(gateway.httpUrl(), adminToken);
    secrets.add(PASSWORD);
    api.expect(
        201,
        "POST",
        "/admin/users",
        Map.of("login", "alice", "email", "alice@example.com", "password", PASSWORD));
  }

  @AfterAll
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
  }

  private ConsoleHttp browser() {
    return new ConsoleHttp(gateway.httpUrl(), PUBLIC);
  }

  private ConsoleHttp signedIn(String login, String password) {
    ConsoleHttp b = browser();
    HttpResponse<String> r = b.signIn(login, password);
    assertEquals(303, r.statusCode(), r.body());
    assertNotNull(b.session);
    secrets.add(b.session);
    return b;
  }

  @Test
  void everyPageCarriesTheSecurityHeaders() {
    ConsoleHttp b = signedIn("alice", PASSWORD);
    for (String path :
        List.of(
            "/login",
            "/settings/profile",
            "/settings/password",
            "/settings/personal-access-tokens",
            "/settings/personal-access-tokens/new?target_name=nobody",
            "/settings/tokens",
            "/settings/tokens/new?scopes=nothing",
            "/settings/personal-access-tokens/999",
            "/settings/nothing-here",
            "/assets/console.css",
            "/assets/console.js",
            "/password_reset/not-a-link")) {
      HttpResponse<String> r = b.get(path);
      String csp = r.headers().firstValue("Content-Security-Policy").orElse("");
      assertEquals(ConsoleServlet.CSP, csp, path);
      assertTrue(csp.contains("script-src 'self';"), path);
      assertFalse(csp.contains("unsafe-inline") || csp.contains("unsafe-eval"), path);
      assertEquals("DENY", r.headers().firstValue("X-Frame-Options").orElse(null), path);
      assertEquals("same-origin", r.headers().firstValue("Referrer-Policy").orElse(null), path);
      assertEquals("no-store", r.headers().firstValue("Cache-Control").orElse(null), path);
      assertFalse(
          r.body().replace(OWN_SCRIPT, "").contains("<script"), path + ": only the script file");
    }
    assertEquals(404, b.get("/settings/nothing-here").statusCode());
    assertEquals(404, b.get("/password_reset/not-a-link").statusCode());
    assertTrue(
        b.get("/assets/console.css")
            .headers()
            .firstValue("Content-Type")
            .orElse("")
            .startsWith("text/css"));
  }

  @Test
  void theSessionCookieIsHostOnlySecureHttpOnlyAndLaxAndEachSignInGetsANewOne() {
    ConsoleHttp b = browser();
    HttpResponse<String> r = b.signIn("alice", PASSWORD);
    assertEquals("/settings/profile", r.headers().firstValue("Location").orElse(null));
    String cookie = r.headers().firstValue("Set-Cookie").orElseThrow();
    assertTrue(cookie.startsWith("__Host-portcullis_session="), cookie);
    for (String attribute : List.of("; Path=/", "; Secure", "; HttpOnly", "; SameSite=Lax")) {
      assertTrue(cookie.contains(attribute), cookie + " lacks " + attribute);
    }
    assertFalse(cookie.contains("Domain"), cookie);
    String first = b.session;
    secrets.add(first);
    b.signIn("alice", PASSWORD);
    assertNotEquals(first, b.session);
    secrets.add(b.session);
  }

  @Test
  void aFormPostWithoutTheCsrfTokenOrFromAnotherOriginIsRefusedAndChangesNothing()
      throws Exception {
    ConsoleHttp b = signedIn("alice", PASSWORD);
    String csrf = b.csrf("/settings/profile");
    secrets.add(csrf);
    List<HttpResponse<String>> refused = new ArrayList<>();
    refused.add(b.post("/settings/profile", b.form("email", "evil@example.com")));
    refused.add(
        b.post(
            "/settings/profile",
            b.form("email", "evil@example.com", "authenticity_token", "x" + csrf)));
    refused.add(
        b.post(
            "/settings/profile",
            b.form("email", "evil@example.com", "authenticity_token", csrf),
            Map.of("Origin", "https://evil.example")));
    refused.add(
        b.post(
            "/settings/profile",
            b.form("email", "evil@example.com", "authenticity_token", csrf),
            Map.of("Origin", PUBLIC, "Sec-Fetch-Site", "cross-site")));
    refused.add(
        b.post(
            "/settings/profile",
            b.form("email", "evil@example.com", "authenticity_token", csrf),
            Map.of()));
    refused.add(b.post("/logout", b.form()));
    for (HttpResponse<String> r : refused) {
      assertEquals(403, r.statusCode(), r.body());
    }
    assertTrue(b.get("/settings/profile").body().contains("value=\"alice@example.com\""));
    assertEquals(200, b.get("/settings/profile").statusCode(), "still signed in");

    HttpResponse<String> ok =
        b.post(
            "/settings/profile", b.form("email", "alice@new.example", "authenticity_token", csrf));
    assertEquals(303, ok.statusCode());
    assertTrue(b.get("/settings/profile").body().contains("value=\"alice@new.example\""));
    assertTrue(gateway.audit().flush(Duration.ofSeconds(10)));
    JsonNode rows =
        api.expect(200, "GET", "/admin/audit-log?user=alice&kind=admin&per_page=100", null);
    JsonNode update = null;
    for (JsonNode row : rows) {
      if ("user.email.update".equals(row.path("action").asText())) {
        update = row;
      }
    }
    assertNotNull(update, rows.toString());
    assertEquals("web", update.get("via").asText());
    b.post("/settings/profile", b.form("email", "alice@example.com", "authenticity_token", csrf));
  }

  @Test
  void aBadEmailOnTheProfileFormIsAFormErrorNamingItAndChangesNothing() throws Exception {
    api.expect(
        201,
        "POST",
        "/admin/users",
        Map.of("login", "gina", "email", "gina@example.com", "password", PASSWORD));
    ConsoleHttp b = signedIn("gina", PASSWORD);
    String csrf = b.csrf("/settings/profile");
    secrets.add(csrf);
    for (String bad :
        List.of("not an address", "gina@", "a@b@c", "x".repeat(250) + "@example.com", "<b>@x")) {
      HttpResponse<String> r =
          b.post("/settings/profile", b.form("email", bad, "authenticity_token", csrf));
      assertEquals(422, r.statusCode(), r.body());
      assertTrue(
          r.body()
              .contains(
                  "<p class=\"error\" role=\"alert\">Email must be an address like"
                      + " name@example.com.</p>"),
          r.body());
      assertFalse(r.body().contains("<b>@x"), "what was typed is shown as text");
      assertEquals(
          java.util.Optional.of("gina@example.com"),
          gateway.admin().accounts().email(Actor.SYSTEM, "gina"),
          "unchanged by " + bad);
    }
    assertTrue(b.get("/settings/profile").body().contains("value=\"gina@example.com\""));
    assertTrue(gateway.audit().flush(Duration.ofSeconds(10)));
    JsonNode rows =
        api.expect(200, "GET", "/admin/audit-log?user=gina&kind=admin&per_page=100", null);
    for (JsonNode row : rows) {
      assertNotEquals("user.email.update", row.path("action").asText(), rows.toString());
    }
  }

  @Test
  void theProfilePageTurnsTheDigestAndTheExpiryRemindersOffAndOn() {
    ConsoleHttp b = signedIn("alice", PASSWORD);
    String page = b.get("/settings/profile").body();
    assertTrue(
        page.contains("name=\"digest\" type=\"checkbox\" value=\"1\" checked"), "on by default");
    assertTrue(page.contains("name=\"expiry_reminders\" type=\"checkbox\" value=\"1\" checked"));
    String csrf = b.csrf("/settings/profile");
    secrets.add(csrf);

    // Without the form token, or from another origin: refused, nothing changes.
    assertEquals(
        403, b.post("/settings/notifications", b.form("expiry_reminders", "1")).statusCode());
    assertEquals(
        403,
        b.post(
                "/settings/notifications",
                b.form("authenticity_token", csrf),
                Map.of("Origin", "https://evil.example"))
            .statusCode());
    assertEquals(
        MailPreferences.ALL, gateway.admin().accounts().mailPreferences(Actor.SYSTEM, "alice"));

    // The digest box unchecked (absent from the form): off; reminders stay on.
    HttpResponse<String> saved =
        b.post(
            "/settings/notifications", b.form("expiry_reminders", "1", "authenticity_token", csrf));
    assertEquals(303, saved.statusCode(), saved.body());
    assertEquals(
        "/settings/profile?saved=notifications", saved.headers().firstValue("Location").orElse(""));
    assertEquals(
        new MailPreferences(false, true),
        gateway.admin().accounts().mailPreferences(Actor.SYSTEM, "alice"));
    page = b.get("/settings/profile?saved=notifications").body();
    assertTrue(page.contains("Notification settings saved."), page);
    assertTrue(page.contains("name=\"digest\" type=\"checkbox\" value=\"1\">"), "unchecked");

    // Both off, then both on again.
    b.post("/settings/notifications", b.form("authenticity_token", csrf));
    assertEquals(
        new MailPreferences(false, false),
        gateway.admin().accounts().mailPreferences(Actor.SYSTEM, "alice"));
    b.post(
        "/settings/notifications",
        b.form("digest", "1", "expiry_reminders", "1", "authenticity_token", csrf));
    assertEquals(
        MailPreferences.ALL, gateway.admin().accounts().mailPreferences(Actor.SYSTEM, "alice"));
    assertEquals(
        303, b.get("/settings/notifications").statusCode(), "a GET goes to the profile page");
  }

  @Test
  void changingThePasswordInSettingsSignsOutEverywhere() {
    api.expect(
        201,
        "POST",
        "/admin/users",
        Map.of("login", "erin", "password", "erin's first passphrase"));
    secrets.add("erin's first passphrase");
    ConsoleHttp here = signedIn("erin", "erin's first passphrase");
    ConsoleHttp elsewhere = signedIn("erin", "erin's first passphrase");
    String csrf = here.csrf("/settings/password");
    String next = "erin's second passphrase";
    secrets.add(next);
    HttpResponse<String> differ =
        here.post(
            "/settings/password",
            here.form(
                "authenticity_token",
                csrf,
                "current_password",
                "erin's first passphrase",
                "password",
                next,
                "password_confirmation",
                next + "!"));
    assertEquals(422, differ.statusCode());
    assertTrue(differ.body().contains("The new password and its confirmation differ."));
    HttpResponse<String> wrong =
        here.post(
            "/settings/password",
            here.form(
                "authenticity_token",
                csrf,
                "current_password",
                "not erin's passphrase",
                "password",
                next,
                "password_confirmation",
                next));
    assertEquals(422, wrong.statusCode());
    assertTrue(wrong.body().contains("The current password is incorrect."));
    assertEquals(200, elsewhere.get("/settings/profile").statusCode(), "nothing changed yet");

    HttpResponse<String> changed =
        here.post(
            "/settings/password",
            here.form(
                "authenticity_token",
                csrf,
                "current_password",
                "erin's first passphrase",
                "password",
                next,
                "password_confirmation",
                next));
    assertEquals(303, changed.statusCode());
    assertEquals("/login?done=password", changed.headers().firstValue("Location").orElse(null));
    assertEquals(303, elsewhere.get("/settings/profile").statusCode(), "every session ended");
    ConsoleHttp old = browser();
    old.forwardedFor = "192.0.2.8";
    assertEquals(401, old.signIn("erin", "erin's first passphrase").statusCode());
    signedIn("erin", next);
  }

  @Test
  void gitAndTheApiKeepRefusingPasswords() throws Exception {
    String basic =
        java.util.Base64.getEncoder()
            .encodeToString(
                ("alice:" + PASSWORD).getBytes(java.nio.charset.StandardCharsets.UTF_8));
    api.expect(
        201, "POST", "/admin/users/alice/repos", Map.of("name", "pw", "visibility", "private"));
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    HttpResponse<String> git =
        http.send(
            java.net.http.HttpRequest.newBuilder(
                    URI.create(
                        gateway.httpUrl() + "/alice/pw.git/info/refs?service=git-upload-pack"))
                .header("Authorization", "Basic " + basic)
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(401, git.statusCode());
    assertTrue(git.body().contains("Password authentication is not supported"), git.body());
    TestApi.Response r = new TestApi(gateway.httpUrl(), PASSWORD).call("GET", "/user", null);
    assertEquals(401, r.status());
  }

  @Test
  void theFirstStartsSetupLinkIsForAdmin() {
    String path = URI.create(gateway.bootstrapSetupUrl().orElseThrow()).getPath();
    HttpResponse<String> form = browser().get(path);
    assertEquals(200, form.statusCode());
    assertTrue(form.body().contains("Choose a password for admin"), form.body());
  }

  @Test
  void aSetupLinkSetsAPasswordOnceAndTheLimiterAnswers429() {
    api.expect(201, "POST", "/admin/users", Map.of("login", "bob"));
    JsonNode link = api.expect(201, "POST", "/admin/users/bob/password-setup-links", null);
    String url = link.get("url").asText();
    assertTrue(url.startsWith(PUBLIC + "/password_reset/"), url);
    String path = URI.create(url).getPath();
    secrets.add(path.substring("/password_reset/".length()));
    ConsoleHttp b = browser();
    assertEquals(
        403,
        b.post(
                path,
                b.form("password", "chosen elsewhere", "password_confirmation", "chosen elsewhere"),
                Map.of("Origin", "https://evil.example"))
            .statusCode(),
        "refused, and logged without the link's secret");
    HttpResponse<String> form = b.get(path);
    assertEquals(200, form.statusCode());
    assertTrue(form.body().contains("Choose a password for bob"));
    assertEquals(
        422,
        b.post(path, b.form("password", "short", "password_confirmation", "short")).statusCode());
    String chosen = "bob chose this passphrase";
    secrets.add(chosen);
    HttpResponse<String> set =
        b.post(path, b.form("password", chosen, "password_confirmation", chosen));
    assertEquals(303, set.statusCode(), set.body());
    assertEquals(404, b.get(path).statusCode(), "used once");
    assertEquals(303, b.signIn("bob", chosen).statusCode());

    // Three refusals are allowed, the fourth is past the limit, and then even the right password
    // waits.
    ConsoleHttp c = browser();
    c.forwardedFor = "192.0.2.7";
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> wrong = c.signIn("bob", "not bob's passphrase");
      assertEquals(401, wrong.statusCode());
      assertTrue(wrong.body().contains("Incorrect username or password."));
    }
    HttpResponse<String> limited = c.signIn("bob", "not bob's passphrase");
    assertEquals(429, limited.statusCode());
    assertTrue(limited.body().contains("Too many failed"), limited.body());
    assertEquals("60", limited.headers().firstValue("Retry-After").orElse(null));
    assertEquals(429, c.signIn("bob", chosen).statusCode());
  }

  /** Last: it checks every secret the other tests saw. */
  @Test
  @Order(Integer.MAX_VALUE)
  void sessionsSurviveARestartAndNoSecretIsLoggedOrAudited() throws Exception {
    ConsoleHttp b = signedIn("alice", PASSWORD);
    gateway.close();
    gateway = Gateway.start(config());
    api = new TestApi(gateway.httpUrl(), adminToken);
    ConsoleHttp again = new ConsoleHttp(gateway.httpUrl(), PUBLIC);
    again.session = b.session;
    assertEquals(200, again.get("/settings/profile").statusCode());

    assertTrue(gateway.audit().flush(Duration.ofSeconds(10)));
    String audit = api.call("GET", "/admin/audit-log?per_page=100", null).raw().body();
    List<String> lines = new ArrayList<>();
    for (ILoggingEvent e : logs.list) {
      lines.add(e.getFormattedMessage() + " " + e.getThrowableProxy());
    }
    for (String secret : secrets) {
      assertFalse(audit.contains(secret), "an audit row holds a secret");
      for (String line : lines) {
        assertFalse(line.contains(secret), "a log line holds a secret: " + line);
      }
    }
  }

  @Test
  void withTheConsoleOffItsPagesAreNotServed() throws Exception {
    try (Gateway off =
        Gateway.start(
            GatewayConfig.defaults(tmp.resolve("off")).withPorts(0, 0).withWebConsole(false))) {
      assertTrue(off.bootstrapSetupUrl().isEmpty());
      ConsoleHttp b = new ConsoleHttp(off.httpUrl(), off.httpUrl());
      assertEquals(404, b.get("/login").statusCode());
      assertEquals(404, b.get("/settings/profile").statusCode());
    }
  }
}
