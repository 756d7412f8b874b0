package dev.portcullis.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
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
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
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
 * Seed 000's walk in a real browser (Debian's headless chromium through its chromedriver): an
 * organization owner filters the pending requests, approves one, denies one with a reason, denies
 * three at once and revokes an approved token, and each outcome holds on the requester's very next
 * {@code git clone}; then the organization's policy, its network settings and an enterprise's
 * override. Screenshots of each page go to {@code target/screenshots/}. The tests run in order,
 * each building on the last.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OwnerConsoleBrowserTest {
  private static final String CHROMIUM = "/usr/bin/chromium";
  private static final String CHROMEDRIVER = "/usr/bin/chromedriver";
  private static final Path SHOTS = Path.of("target", "screenshots");
  private static final String PASSWORD = "a browser test's passphrase";

  @TempDir static Path tmp;
  private Gateway gateway;
  private TestApi api;
  private ApiFixtures fx;
  private TestGit git;
  private String base;
  private WebDriver browser;
  private JsonNode approveMe;
  private JsonNode denyMe;
  private String classic;

  @BeforeAll
  void start() throws Exception {
    assertTrue(
        new File(CHROMIUM).canExecute() && new File(CHROMEDRIVER).canExecute(),
        "the browser tests need Debian's chromium and chromium-driver (apt-get install chromium chromium-driver)");
    Files.createDirectories(SHOTS);
    gateway = Gateway.start(GatewayConfig.defaults(tmp.resolve("data")).withPorts(0, 0));
    base = gateway.httpsUrl();
    api =
        new TestApi(
            gateway.httpUrl(),
            Files.readString(tmp.resolve("data").resolve(Gateway.ADMIN_TOKEN_FILE)).strip());
    fx = new ApiFixtures(gateway, api);
    git = new TestGit(tmp.resolve("home"), Map.of());
    for (String login : List.of("owen", "rita", "bob", "eda")) {
      api.expect(201, "POST", "/admin/users", Map.of("login", login, "password", PASSWORD));
    }
    api.expect(201, "POST", "/admin/enterprises", Map.of("slug", "globex"));
    api.expect(204, "PUT", "/enterprises/globex/owners/eda", null);
    api.expect(
        201,
        "POST",
        "/admin/organizations",
        Map.of("login", "acme", "admin", "owen", "enterprise", "globex"));
    fx.member("acme", "rita");
    fx.member("acme", "bob");
    fx.repo("acme", "app", "private");
    approveMe = token("rita", "deploy-bot", "Deploys app to staging.");
    denyMe = token("rita", "backup-job", "Nightly backups of every repository.");
    for (int i = 1; i <= 3; i++) {
      token("bob", "bob-script-" + i, "Script " + i + " <script>alert(" + i + ")</script>");
    }
    classic = ApiFixtures.plaintext(fx.classic("rita", List.of("repo")));
    browser = newBrowser();
  }

  private JsonNode token(String login, String name, String reason) {
    return api.expect(
        201,
        "POST",
        "/admin/users/" + login + "/personal-access-tokens",
        Map.of(
            "type",
            "fine_grained",
            "name",
            name,
            "resource_owner",
            "acme",
            "repository_selection",
            "all",
            "permissions",
            Map.of("contents", "read"),
            "expires_in",
            30,
            "reason",
            reason));
  }

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
        "--window-size=1280,1000",
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

  private void shot(String name) throws IOException {
    Files.write(
        SHOTS.resolve(name + ".png"),
        ((TakesScreenshot) browser).getScreenshotAs(OutputType.BYTES));
  }

  private void signInAs(String login) {
    browser.manage().deleteAllCookies();
    browser.get(base + "/login");
    browser.findElement(By.id("login_field")).sendKeys(login);
    browser.findElement(By.id("password")).sendKeys(PASSWORD);
    submit(By.cssSelector("button[type=submit].primary"));
  }

  /** Clicks a submit button and waits for the page it leads to. */
  private void submit(By button) {
    WebElement b = browser.findElement(button);
    b.click();
    new WebDriverWait(browser, Duration.ofSeconds(20))
        .ignoring(WebDriverException.class)
        .until(ExpectedConditions.stalenessOf(b));
  }

  private String path() {
    return URI.create(browser.getCurrentUrl()).getPath();
  }

  private String text(String css) {
    return browser.findElement(By.cssSelector(css)).getText();
  }

  private List<String> rowNames() {
    return browser.findElements(By.cssSelector("tbody th.name")).stream()
        .map(WebElement::getText)
        .toList();
  }

  /** {@code git clone} of acme/app with {@code token} as the password. */
  private TestGit.Result clone(String token) throws IOException {
    Path dir = Files.createTempDirectory(tmp, "clone");
    String url = gateway.httpUrl().replace("http://", "http://rita:" + token + "@");
    return git.run(dir, "clone", "-q", url + "/acme/app.git", "w");
  }

  @Test
  @Order(1)
  void anOwnerFiltersByOwnerOpensARequestAndApprovesItAndTheNextCloneWorks() throws IOException {
    TestGit.Result before = clone(ApiFixtures.plaintext(approveMe));
    assertFalse(before.ok(), "pending: " + before);
    signInAs("owen");
    browser.get(base + "/");
    assertEquals("5 pending requests", text("a.pending"));
    shot("owner-home");
    submit(By.cssSelector("a.pending"));
    assertEquals("/organizations/acme/settings/personal-access-token-requests", path());
    assertEquals(5, rowNames().size());
    // The console's one script file is the only script; a justification's markup is text.
    assertEquals(
        List.of(base + "/assets/console.js"),
        browser.findElements(By.tagName("script")).stream()
            .map(e -> e.getAttribute("src"))
            .toList(),
        "justifications as text");
    shot("pending-requests");
    new Select(browser.findElement(By.id("f_owner"))).selectByValue("rita");
    submit(By.cssSelector("form.filters button[type=submit]"));
    assertTrue(browser.getCurrentUrl().contains("owner=rita"), "the filter is in the URL");
    assertEquals(List.of("backup-job", "deploy-bot"), rowNames());
    shot("pending-requests-filtered");
    submit(By.linkText("deploy-bot"));
    assertEquals("Deploys app to staging.", text("dd.justification"));
    assertEquals("acme/app", text("ul.repos li"));
    shot("pending-request");
    submit(By.id("approve"));
    assertEquals("1 request approved.", text(".notice"));
    TestGit.Result after = clone(ApiFixtures.plaintext(approveMe));
    assertTrue(after.ok(), after::toString);
  }

  @Test
  @Order(2)
  void aDeniedRequestShowsItsReasonToTheRequesterAndItsCloneGets403NamingTheOrg()
      throws IOException {
    browser.get(
        base
            + "/organizations/acme/settings/personal-access-token-requests/"
            + ApiFixtures.requestId(denyMe));
    browser.findElement(By.id("reason")).sendKeys("Use a deploy key for backups.");
    submit(By.id("deny"));
    assertTrue(text(".notice").startsWith("1 request denied."), text(".notice"));
    TestGit.Result denied = clone(ApiFixtures.plaintext(denyMe));
    assertFalse(denied.ok());
    assertTrue(
        denied.output().contains("403") && denied.output().contains("acme"), denied::toString);

    signInAs("rita");
    browser.get(base + "/settings/personal-access-tokens");
    String rows = browser.findElement(By.tagName("tbody")).getText();
    assertTrue(rows.contains("denied: Use a deploy key for backups."), rows);
    shot("requester-tokens-denied");
  }

  @Test
  @Order(3)
  void selectAllUnderAFilterDeniesThreeAtOnce() throws IOException {
    signInAs("owen");
    browser.get(base + "/organizations/acme/settings/personal-access-token-requests?owner=bob");
    assertEquals(List.of("bob-script-3", "bob-script-2", "bob-script-1"), rowNames());
    browser.findElement(By.id("select_all")).click();
    browser.findElement(By.cssSelector("details.menu summary")).click();
    submit(By.cssSelector("button[name=action][value=deny]"));
    assertEquals("Deny 3 requests?", text("h1"));
    shot("review-confirm");
    browser.findElement(By.id("reason")).sendKeys("Scripts use the org's app.");
    submit(By.id("confirm"));
    assertTrue(browser.getCurrentUrl().contains("owner=bob"), "back to the filtered view");
    assertTrue(text(".notice").startsWith("3 requests denied."), text(".notice"));
    assertEquals("0 pending requests matching the filters", text("p.count"));
    assertEquals(
        0,
        api.expect(200, "GET", "/orgs/acme/personal-access-token-requests?owner=bob", null).size());
  }

  @Test
  @Order(4)
  void revokingFromTheActiveListRefusesTheNextClone() throws IOException {
    browser.get(base + "/organizations/acme/settings/personal-access-tokens/active");
    assertEquals(List.of("deploy-bot"), rowNames());
    shot("active-tokens");
    submit(By.linkText("deploy-bot"));
    shot("active-token");
    browser.navigate().back();
    browser.findElement(By.cssSelector("input[aria-label='Select deploy-bot']")).click();
    browser.findElement(By.cssSelector("details.menu summary")).click();
    submit(By.cssSelector("button[name=action][value=revoke]"));
    assertEquals("Revoke 1 token?", text("h1"));
    submit(By.id("confirm"));
    assertEquals("1 token revoked: refused from the next git request on.", text(".notice"));
    TestGit.Result revoked = clone(ApiFixtures.plaintext(approveMe));
    assertFalse(revoked.ok(), revoked::toString);
    assertTrue(revoked.output().contains("acme"), revoked::toString);

    signInAs("rita");
    browser.get(base + "/settings/personal-access-tokens");
    String rows = browser.findElement(By.tagName("tbody")).getText();
    assertTrue(
        rows.matches("(?s).*deploy-bot.*revoked: by owen on [A-Z][a-z]{2} [0-9]{1,2}, [0-9]{4}.*"),
        rows);
    shot("requester-tokens-revoked");
    signInAs("owen");
  }

  @Test
  @Order(5)
  void restrictingClassicTokensRefusesTheNextClassicClone() throws IOException {
    assertTrue(clone(classic).ok(), "allowed before");
    browser.get(base + "/organizations/acme/settings/personal-access-tokens");
    browser.findElement(By.cssSelector("input[name=classic_access][value=restricted]")).click();
    submit(By.id("save"));
    assertTrue(text(".notice").startsWith("Policy saved"), text(".notice"));
    shot("org-policy");
    TestGit.Result refused = clone(classic);
    assertFalse(refused.ok());
    assertTrue(
        refused.output().contains("403") && refused.output().contains("acme"), refused::toString);
  }

  @Test
  @Order(6)
  void anEnterpriseOverrideShowsLockedOnTheOrganizationsPage() throws IOException {
    signInAs("eda");
    browser.get(base + "/");
    submit(By.linkText("Policies"));
    assertEquals("/enterprises/globex/settings/personal-access-tokens", path());
    browser
        .findElement(By.cssSelector("input[name=fine_grained_approval][value=disabled]"))
        .click();
    submit(By.id("save"));
    assertTrue(text(".notice").startsWith("Policies saved"), text(".notice"));
    shot("enterprise-policy");
    signInAs("owen");
    browser.get(base + "/organizations/acme/settings/personal-access-tokens");
    WebElement approval = browser.findElement(By.id("fine_grained_approval"));
    for (WebElement choice : approval.findElements(By.cssSelector("input[type=radio]"))) {
      assertFalse(choice.isEnabled(), "locked: the fieldset disables its choices");
    }
    assertTrue(
        approval.getText().contains("Set by the globex enterprise: Disable the approval flow"),
        approval.getText());
    assertTrue(approval.getText().contains("In force: approval is not required."));
    shot("org-policy-locked");
  }

  @Test
  @Order(7)
  void theNetworkSettingsAreTickedTypedSavedAndUnticked() throws IOException {
    signInAs("owen");
    String policy = "/orgs/acme/personal-access-token-policy";
    browser.get(base + "/organizations/acme/settings/personal-access-tokens");
    assertFalse(browser.findElement(By.id("require_token_networks")).isSelected());
    browser.findElement(By.id("require_token_networks")).click();
    browser.findElement(By.id("token_networks")).sendKeys("10.0.0.0/8\n192.0.2.0/24");
    submit(By.id("save"));
    assertTrue(text(".notice").startsWith("Policy saved"), text(".notice"));
    JsonNode set = api.expect(200, "GET", policy, null);
    assertTrue(set.get("require_token_networks").asBoolean(), set.toString());
    assertEquals("10.0.0.0/8", set.get("token_networks").get(0).asText());
    assertEquals("192.0.2.0/24", set.get("token_networks").get(1).asText());
    assertTrue(browser.findElement(By.id("require_token_networks")).isSelected());
    shot("org-policy-networks");

    // Unticked, the browser sends only the hidden field's false; emptied, the list is cleared.
    browser.findElement(By.id("require_token_networks")).click();
    browser.findElement(By.id("token_networks")).clear();
    submit(By.id("save"));
    JsonNode cleared = api.expect(200, "GET", policy, null);
    assertFalse(cleared.get("require_token_networks").asBoolean(), cleared.toString());
    assertTrue(cleared.get("token_networks").isNull(), cleared.toString());
  }
}
