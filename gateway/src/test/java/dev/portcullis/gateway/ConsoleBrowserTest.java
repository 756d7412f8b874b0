package dev.portcullis.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.portcullis.gateway.console.ConsoleServlet;
import dev.portcullis.policy.access.FailedAuthLimiter;
import dev.portcullis.policy.token.TokenFormat;
import dev.portcullis.policy.token.TokenKind;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Cookie;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The console in a real browser: Debian's headless chromium driven through its chromedriver, over
 * the gateway's HTTPS listener (self-signed certificate). Fails, rather than skips, when either is
 * missing ({@code .ci/run} installs both). Screenshots of each page go to {@code
 * target/screenshots/}. The limiter allows 3 failed sign-ins a minute, and every sign-in here comes
 * from 127.0.0.1, so the test that exhausts it runs last.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleBrowserTest {
  /** Any script but the console's own file: markup that got through as HTML. */
  private static final By INJECTED_SCRIPT =
      By.cssSelector("script:not([src='/assets/console.js'])");

  private static final String CHROMIUM = "/usr/bin/chromium";
  private static final String CHROMEDRIVER = "/usr/bin/chromedriver";
  private static final Path SHOTS = Path.of("target", "screenshots");
  private static final String PASSWORD = "alice's console passphrase";
  private static final String SCRIPT_NAME = "<script>alert(1)</script>";

  @TempDir static Path tmp;
  private Gateway gateway;
  private TestApi api;
  private String base;
  private WebDriver browser;

  @BeforeAll
  void start() throws Exception {
    assertTrue(
        new File(CHROMIUM).canExecute() && new File(CHROMEDRIVER).canExecute(),
        "the browser tests need Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)");
    Files.createDirectories(SHOTS);
    gateway =
        Gateway.start(
            GatewayConfig.defaults(tmp.resolve("data"))
                .withPorts(0, 0)
                .withLimits(
                    new Limits(
                        0,
                        0,
                        new FailedAuthLimiter.Settings(3, Duration.ofSeconds(60), 1000),
                        0,
                        Duration.ofSeconds(30))));
    base = gateway.httpsUrl();
    String admin = Files.readString(tmp.resolve("data").resolve(Gateway.ADMIN_TOKEN_FILE)).strip();
    api = new TestApi(gateway.httpUrl(), admin);
    api.expect(
        201,
        "POST",
        "/admin/users",
        Map.of("login", "alice", "email", "alice@example.com", "password", PASSWORD));
    api.expect(201, "POST", "/admin/organizations", Map.of("login", "acme", "admin", "alice"));
    api.expect(
        201,
        "POST",
        "/admin/users/alice/personal-access-tokens",
        Map.of(
            "type", "classic", "name", SCRIPT_NAME, "scopes", List.of("repo"), "expires_in", 30));
    api.expect(
        201,
        "POST",
        "/admin/users/alice/personal-access-tokens",
        Map.of(
            "type",
            "fine_grained",
            "name",
            "\"><img src=x onerror=alert(2)>",
            "resource_owner",
            "acme",
            "repository_selection",
            "all",
            "permissions",
            Map.of("contents", "read"),
            "expires_in",
            7,
            "reason",
            "deploys"));
    browser = newBrowser();
  }

  /** A headless chromium with a chromedriver of its own (quitting the browser stops it). */
  private static WebDriver newBrowser() {
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(new File(CHROMEDRIVER))
            .usingAnyFreePort()
            .build();
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM);
    options.addArguments(
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        "--window-size=1200,900",
        "--lang=en-US");
    options.setAcceptInsecureCerts(true);
    WebDriver d = new ChromeDriver(service, options);
    d.manage().timeouts().pageLoadTimeout(Duration.ofSeconds(30));
    return d;
  }

  @AfterAll
  void stop() {
    if (browser != null) {
      browser.quit();
    }
    if (gateway != null) {
      gateway.close();
    }
  }

  private void shot(WebDriver d, String name) throws IOException {
    Files.write(
        SHOTS.resolve(name + ".png"),
        ((org.openqa.selenium.TakesScreenshot) d).getScreenshotAs(OutputType.BYTES));
  }

  private void signIn(WebDriver d, String login, String password) {
    d.get(base + "/login");
    d.findElement(By.id("login_field")).sendKeys(login);
    d.findElement(By.id("password")).sendKeys(password);
    submit(d, By.cssSelector("button[type=submit].primary"));
  }

  /** Clicks a submit button and waits for the page it leads to (the form's page goes stale). */
  private static void submit(WebDriver d, By button) {
    WebElement b = d.findElement(button);
    b.click();
    // While the next page replaces it, chromium may answer a check of the old button with an
    // error other than "stale": such answers mean "not yet".
    new WebDriverWait(d, Duration.ofSeconds(20))
        .ignoring(WebDriverException.class)
        .until(ExpectedConditions.stalenessOf(b));
  }

  private static String path(WebDriver d) {
    return URI.create(d.getCurrentUrl()).getPath();
  }

  private static String text(WebDriver d, String css) {
    return d.findElement(By.cssSelector(css)).getText();
  }

  @Test
  @Order(1)
  void signInShowsTheSettingsAndSignOutEndsTheSession() throws IOException {
    browser.get(base + "/settings/profile");
    assertEquals("/login", path(browser), "not signed in: the page asks to sign in");
    shot(browser, "login");
    signIn(browser, "alice", PASSWORD);
    assertEquals("/settings/profile", path(browser));
    assertEquals(
        "alice@example.com", browser.findElement(By.id("user_email")).getAttribute("value"));
    assertEquals("Signed in as alice", text(browser, ".who"));
    shot(browser, "profile");
    browser.get(base + "/settings/password");
    shot(browser, "password");
    browser.get(base + "/logout");
    shot(browser, "logout");
    submit(browser, By.cssSelector("main button[type=submit]"));
    assertEquals("/login", path(browser));
    browser.get(base + "/settings/profile");
    assertEquals("/login", path(browser), "signed out");
  }

  @Test
  @Order(2)
  void tokenNamesHoldingMarkupRenderAsText() throws IOException {
    signIn(browser, "alice", PASSWORD);
    browser.get(base + "/settings/personal-access-tokens");
    assertEquals(List.of("\"><img src=x onerror=alert(2)>"), names(), "fine-grained tokens only");
    String row = browser.findElement(By.tagName("tbody")).getText();
    assertTrue(row.contains("acme") && row.contains("active"), row);
    assertEquals(List.of(), browser.findElements(INJECTED_SCRIPT));
    assertEquals(List.of(), browser.findElements(By.tagName("img")));
    shot(browser, "personal-access-tokens");
    browser.manage().window().setSize(new Dimension(390, 844));
    shot(browser, "personal-access-tokens-phone");
    browser.manage().window().setSize(new Dimension(1200, 900));
    browser.get(base + "/settings/tokens");
    assertEquals(List.of(SCRIPT_NAME), names(), "classic tokens only");
    assertEquals(List.of(), browser.findElements(INJECTED_SCRIPT));
    shot(browser, "tokens-classic");
  }

  @Test
  @Order(3)
  void deletingATokenRefusesItsNextGitRequest() throws IOException {
    String token =
        api.expect(
                201,
                "POST",
                "/admin/users/alice/personal-access-tokens",
                Map.of(
                    "type",
                    "classic",
                    "name",
                    "to delete",
                    "scopes",
                    List.of("repo"),
                    "expires_in",
                    30))
            .get("token")
            .asText();
    api.expect(
        201, "POST", "/admin/users/alice/repos", Map.of("name", "notes", "visibility", "private"));
    assertEquals(200, infoRefs("alice/notes", token));
    browser.get(base + "/settings/tokens");
    submit(browser, By.cssSelector("button[aria-label='Delete to delete']"));
    assertEquals("/settings/tokens", path(browser));
    assertEquals(
        "Token deleted: it is refused from its next request on.", text(browser, ".notice"));
    assertEquals(List.of(SCRIPT_NAME), names());
    shot(browser, "tokens-deleted");
    assertEquals(401, infoRefs("alice/notes", token));
  }

  /**
   * git's first request for a repository, with a token as the password, from 127.0.0.2: its refusal
   * must not count against the browser's address (the last test exhausts that one).
   */
  private int infoRefs(String repo, String token) {
    return SourcedHttp.send(
            "127.0.0.2",
            URI.create(gateway.httpUrl()).getPort(),
            "GET",
            "/" + repo + ".git/info/refs?service=git-upload-pack",
            "127.0.0.1",
            List.of(SourcedHttp.basic("x", token)),
            null)
        .status();
  }

  private List<String> names() {
    return browser.findElements(By.cssSelector("th.name")).stream().map(e -> e.getText()).toList();
  }

  @Test
  @Order(4)
  void aCopiedSessionCookieWorksInASecondBrowserUntilSignOut() {
    browser.get(base + "/settings/profile");
    Cookie session = browser.manage().getCookieNamed(ConsoleServlet.COOKIE);
    assertTrue(session.isSecure() && session.isHttpOnly(), session.toString());
    WebDriver second = newBrowser();
    try {
      second.get(base + "/login");
      second
          .manage()
          .addCookie(
              new Cookie.Builder(session.getName(), session.getValue())
                  .path("/")
                  .isSecure(true)
                  .isHttpOnly(true)
                  .sameSite("Lax")
                  .build());
      second.get(base + "/settings/profile");
      assertEquals("/settings/profile", path(second));
      assertEquals("Signed in as alice", text(second, ".who"));
      submit(browser, By.cssSelector(".account button[type=submit]"));
      assertEquals("/login", path(browser));
      second.get(base + "/settings/password");
      assertEquals("/login", path(second), "the copied cookie ended with the sign-out");
    } finally {
      second.quit();
    }
  }

  @Test
  @Order(5)
  void aFormFromAnotherOriginIsRefusedAndChangesNothing() throws Exception {
    signIn(browser, "alice", PASSWORD);
    browser.get(base + "/settings/profile");
    String csrf = browser.findElement(By.name("authenticity_token")).getAttribute("value");
    // Another site (another port is another origin) holds a form aimed at the console, even with
    // the session's CSRF token in it.
    HttpServer evil = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    byte[] page =
        ("<!DOCTYPE html><html><body><form method=post action=\""
                + base
                + "/settings/profile\"><input type=hidden name=email value=evil@example.com>"
                + "<input type=hidden name=authenticity_token value=\""
                + csrf
                + "\"><button id=go type=submit>Win a prize</button></form></body></html>")
            .getBytes(StandardCharsets.UTF_8);
    evil.createContext(
        "/",
        x -> {
          x.getResponseHeaders().set("Content-Type", "text/html; charset=utf-8");
          x.sendResponseHeaders(200, page.length);
          x.getResponseBody().write(page);
          x.close();
        });
    evil.start();
    try {
      browser.get("http://127.0.0.1:" + evil.getAddress().getPort() + "/");
      submit(browser, By.id("go"));
      assertTrue(browser.getPageSource().contains("This form was not sent from this site."));
      shot(browser, "forbidden");
    } finally {
      evil.stop(0);
    }
    browser.get(base + "/settings/profile");
    assertEquals(
        "alice@example.com", browser.findElement(By.id("user_email")).getAttribute("value"));
  }

  @Test
  @Order(6)
  void suspensionWhileSignedInSendsTheNextPageToSignIn() {
    api.expect(201, "POST", "/admin/users", Map.of("login", "sam", "password", PASSWORD));
    browser.manage().deleteAllCookies();
    signIn(browser, "sam", PASSWORD);
    assertEquals("/settings/profile", path(browser));
    api.expect(204, "PUT", "/users/sam/suspended", null);
    browser.get(base + "/settings/password");
    assertEquals("/login", path(browser));
  }

  @Test
  @Order(7)
  void aSetupLinkLetsAUserChooseAPassword() throws IOException {
    api.expect(201, "POST", "/admin/users", Map.of("login", "carol"));
    String url =
        api.expect(201, "POST", "/admin/users/carol/password-setup-links", null)
            .get("url")
            .asText();
    browser.manage().deleteAllCookies();
    browser.get(base + URI.create(url).getPath());
    assertEquals("Choose a password for carol", text(browser, "h1"));
    shot(browser, "password-setup");
    browser.findElement(By.id("password")).sendKeys("carol's passphrase");
    browser.findElement(By.id("password_confirmation")).sendKeys("carol's passphrase");
    submit(browser, By.cssSelector("button[type=submit]"));
    assertEquals("Your password is set. Sign in with it.", text(browser, ".notice"));
    signIn(browser, "carol", "carol's passphrase");
    assertEquals("/settings/profile", path(browser));
  }

  /**
   * Seed 004's example link, aimed at an organization this gateway has: the form arrives filled in,
   * the person picks the repositories, justifies and submits.
   */
  private static final String TEMPLATE =
      "/settings/personal-access-tokens/new?name=Repo-reading+token"
          + "&description=Just+contents%3Aread&target_name=acme&expires_in=45&contents=read";

  /** The token the template URL test created, regenerated by the next test. */
  private String cloneToken;

  private String selected(String id) {
    return new Select(browser.findElement(By.id(id)))
        .getFirstSelectedOption()
        .getAttribute("value");
  }

  private TestGit.Result cloneWith(String token, String into) throws IOException {
    TestGit git = new TestGit(tmp.resolve("git-home"), Map.of());
    String url = gateway.httpUrl().replace("://", "://dana:" + token + "@") + "/acme/app.git";
    return git.run(tmp, "clone", "--quiet", url, into);
  }

  @Test
  @Order(9)
  void aTemplateUrlArrivesFilledInAndTheTokenClonesOnceApproved() throws Exception {
    api.expect(201, "POST", "/admin/users", Map.of("login", "dana", "password", PASSWORD));
    api.expect(200, "PUT", "/orgs/acme/memberships/dana", Map.of("role", "member"));
    api.expect(
        200,
        "PUT",
        "/orgs/acme/personal-access-token-policy",
        Map.of("fine_grained_max_lifetime_days", 60));
    api.expect(201, "POST", "/orgs/acme/repos", Map.of("name", "app", "visibility", "private"));
    gateway
        .storage()
        .seedReadme(gateway.admin().directory().repository("acme", "app"), "# acme/app\n");
    browser.manage().deleteAllCookies();
    signIn(browser, "dana", PASSWORD);

    browser.get(base + TEMPLATE);
    assertEquals("Repo-reading token", browser.findElement(By.id("name")).getAttribute("value"));
    assertEquals(
        "Just contents:read", browser.findElement(By.id("description")).getAttribute("value"));
    assertEquals("acme", selected("target_name"));
    assertEquals("custom", selected("expires_in"), "45 days is not a listed choice");
    assertEquals(
        LocalDate.now(ZoneOffset.UTC).plusDays(45).toString(),
        browser.findElement(By.id("expires_at")).getAttribute("value"));
    assertEquals("read", selected("perm-contents"));
    assertTrue(
        browser
            .getPageSource()
            .contains("sets a maximum lifetime of 60 days for fine-grained tokens on acme."));
    shot(browser, "token-new");
    browser.findElement(By.cssSelector("input[name=repository_selection][value=subset]")).click();
    browser.findElement(By.cssSelector("input[name=repositories][value='acme/app']")).click();
    browser.findElement(By.id("reason")).sendKeys(SCRIPT_NAME);
    submit(browser, By.cssSelector("button[type=submit].primary"));

    String token = browser.findElement(By.id("token")).getAttribute("value");
    assertEquals(TokenKind.FINE_GRAINED, TokenFormat.kindOf(token), "the secret, shown once");
    cloneToken = token;
    assertTrue(
        text(browser, "p.notice").startsWith("Status: Pending approval by acme's owners."),
        text(browser, "p.notice"));
    assertEquals(
        1, browser.findElements(By.cssSelector("button.copy")).size(), "the script's copy button");
    shot(browser, "token-created");

    TestGit.Result pending = cloneWith(token, "pending");
    assertTrue(!pending.ok(), pending.toString());
    JsonNode requests = api.expect(200, "GET", "/orgs/acme/personal-access-token-requests", null);
    long request = requests.get(requests.size() - 1).get("id").asLong();
    api.expect(
        204,
        "POST",
        "/orgs/acme/personal-access-token-requests/" + request,
        Map.of("action", "approve"));
    TestGit.Result approved = cloneWith(token, "approved");
    assertTrue(approved.ok(), approved.toString());
    assertTrue(Files.exists(tmp.resolve("approved").resolve("README.md")));

    browser.get(base + "/settings/personal-access-tokens");
    assertTrue(!browser.getPageSource().contains(token), "never shown again");
    browser.findElement(By.linkText("Repo-reading token")).click();
    assertEquals(SCRIPT_NAME, text(browser, "dd.justification"), "the justification, as text");
    assertTrue(browser.getPageSource().contains("<dt>Decision</dt><dd>approved"));
    assertEquals(List.of(), browser.findElements(INJECTED_SCRIPT));
    assertTrue(!browser.getPageSource().contains(token), "never shown again");
    shot(browser, "token-detail");
  }

  @Test
  @Order(10)
  void regenerateRefusesTheOldSecretAndTheNewOneWorks() throws IOException {
    browser.get(base + "/settings/personal-access-tokens");
    browser.findElement(By.linkText("Repo-reading token")).click();
    browser.findElement(By.linkText("Regenerate token")).click();
    new Select(browser.findElement(By.id("expires_in"))).selectByValue("7");
    shot(browser, "token-regenerate");
    String old = cloneToken;
    submit(browser, By.cssSelector("button[type=submit].primary"));
    String fresh = browser.findElement(By.id("token")).getAttribute("value");
    assertEquals(401, infoRefs("acme/app", old), "the old secret, on its next request");
    assertEquals(200, infoRefs("acme/app", fresh));

    browser.get(base + "/settings/tokens/new?scopes=repo,workflow&description=CI+deploys");
    assertEquals("CI deploys", browser.findElement(By.id("description")).getAttribute("value"));
    assertTrue(browser.findElement(By.cssSelector("input[value=workflow]")).isSelected());
    shot(browser, "classic-new");
  }

  @Test
  @Order(20)
  void aWrongPasswordIsIncorrectUntilTheLimiterAnswers() throws IOException {
    browser.manage().deleteAllCookies();
    for (int i = 0; i < 3; i++) {
      signIn(browser, "alice", "not alice's passphrase");
      assertEquals("Incorrect username or password.", text(browser, ".error"));
    }
    shot(browser, "login-incorrect");
    signIn(browser, "alice", "not alice's passphrase");
    assertTrue(
        text(browser, ".error").startsWith("Too many failed authentication attempts from"),
        text(browser, ".error"));
    shot(browser, "login-too-many");
    signIn(browser, "alice", PASSWORD);
    assertEquals("/login", path(browser), "blocked: not even the right password is checked");
  }
}
