package dev.portcullis.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.policy.access.FailedAuthLimiter;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console's token pages over plain HTTP: template URLs arrive pre-filled and their invalid
 * values are reported, creation shows the secret once with the request's status, regeneration
 * refuses the old secret or keeps it for the chosen overlap, allowed networks on both forms
 * (checked by the use case, shown and enforced), the 50-token limit, markup in names and
 * justifications renders as text, ref patterns edited on the token's page (narrowing at once,
 * widening for approval), the sign-in form's own CSRF token, wrong current passwords in the
 * limiter, and no secret in a log line or an audit row.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ConsoleTokensHttpTest {
  private static final String PUBLIC = "https://gw.example";
  private static final String PASSWORD = "console passphrase one";
  private static final Pattern PLAINTEXT =
      Pattern.compile("id=\"token\" type=\"text\" value=\"([^\"]+)\"");
  private static final String SCRIPT = "<script>alert(1)</script>";

  /** git's answer to a token whose organization has not approved it yet. */
  private static final int PENDING_STATUS = 403;

  private static final String IMG = "\"><img src=x onerror=alert(2)>";
  @TempDir static Path tmp;
  private Gateway gateway;
  private TestApi api;
  private final Set<String> secrets = ConcurrentHashMap.newKeySet();
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

  @BeforeAll
  void start() throws Exception {
    ch.qos.logback.classic.Logger root =
        (ch.qos.logback.classic.Logger)
            org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    logs.start();
    root.addAppender(logs);
    ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("portcullis.git"))
        .addAppender(logs);
    gateway =
        Gateway.start(
            GatewayConfig.defaults(tmp.resolve("data"))
                .withPorts(0, 0)
                .withPublicUrl(PUBLIC)
                .withTrustedProxies(List.of("127.0.0.1/32"))
                .withLimits(
                    new Limits(
                        0,
                        0,
                        new FailedAuthLimiter.Settings(3, Duration.ofSeconds(60), 1000),
                        0,
                        Duration.ofSeconds(30))));
    String admin = Files.readString(tmp.resolve("data").resolve(Gateway.ADMIN_TOKEN_FILE)).strip();
    secrets.add(admin);
    api = new TestApi(gateway.httpUrl(), admin);
    secrets.add(PASSWORD);
    for (String login : List.of("olga", "erin", "fay", "gus")) {
      api.expect(201, "POST", "/admin/users", Map.of("login", login, "password", PASSWORD));
    }
    api.expect(201, "POST", "/admin/organizations", Map.of("login", "acme", "admin", "olga"));
    api.expect(200, "PUT", "/orgs/acme/memberships/erin", Map.of("role", "member"));
    // The default policy asks for approval; the maximum lifetime is the page's to tell.
    api.expect(
        200,
        "PUT",
        "/orgs/acme/personal-access-token-policy",
        Map.of("fine_grained_max_lifetime_days", 60));
    api.expect(201, "POST", "/orgs/acme/repos", Map.of("name", "app", "visibility", "private"));
    api.expect(201, "POST", "/orgs/acme/repos", Map.of("name", "site", "visibility", "public"));
  }

  @AfterAll
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
  }

  private ConsoleHttp signedIn(String login, String address) {
    ConsoleHttp b = new ConsoleHttp(gateway.httpUrl(), PUBLIC);
    b.forwardedFor = address;
    HttpResponse<String> r = b.signIn(login, PASSWORD);
    assertEquals(303, r.statusCode(), r.body());
    secrets.add(b.session);
    return b;
  }

  /** git's first request for a repository with a token as the password. */
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

  private String plaintext(HttpResponse<String> created) {
    assertEquals(200, created.statusCode(), created.body());
    Matcher m = PLAINTEXT.matcher(created.body());
    assertTrue(m.find(), created.body());
    secrets.add(m.group(1));
    return m.group(1);
  }

  /** The element with {@code id}, up to its closing tag. */
  private static String element(String body, String id, String closing) {
    int at = body.indexOf("id=\"" + id + "\"");
    assertTrue(at >= 0, "no #" + id);
    return body.substring(at, body.indexOf(closing, at));
  }

  @Test
  @Order(1)
  void aTemplateUrlArrivesPreFilledForReview() {
    ConsoleHttp b = signedIn("erin", "198.51.100.1");
    HttpResponse<String> r =
        b.get(
            "/settings/personal-access-tokens/new?name=Repo-reading+token"
                + "&description=Just+contents%3Aread&target_name=acme&expires_in=45&contents=read");
    assertEquals(200, r.statusCode());
    String body = r.body();
    assertFalse(body.contains("class=\"error\""), body);
    assertTrue(
        body.contains("id=\"name\" name=\"name\" type=\"text\" value=\"Repo-reading token\""));
    assertTrue(body.contains(">Just contents:read</textarea>"));
    assertTrue(
        element(body, "target_name", "</select>").contains("<option value=\"acme\" selected>"));
    // 45 days is none of the listed choices: a custom date 45 days from today.
    assertTrue(
        element(body, "expires_in", "</select>").contains("<option value=\"custom\" selected>"));
    String in45 = LocalDate.now(ZoneOffset.UTC).plusDays(45).toString();
    assertTrue(element(body, "expires_at", ">").contains("value=\"" + in45 + "\""), body);
    assertTrue(
        element(body, "perm-contents", "</select>").contains("<option value=\"read\" selected>"));
    assertTrue(
        element(body, "perm-issues", "</select>")
            .contains("<option value=\"\" selected>No access"));
    // Only the levels a permission supports: workflows is write only.
    String workflows = element(body, "perm-workflows", "</select>");
    assertTrue(workflows.contains("value=\"write\"") && !workflows.contains("value=\"read\""));
    assertTrue(
        body.contains("sets a maximum lifetime of 60 days for fine-grained tokens on acme."),
        "the cap and who set it");
    assertFalse(
        element(body, "expires_in", "</select>").contains("value=\"90\""), "beyond the cap");
    assertTrue(body.contains("id=\"reason\""), "acme asks for approval: the justification box");

    // Without expires_in: 30 days (under acme's 60).
    assertTrue(
        element(
                b.get("/settings/personal-access-tokens/new?target_name=acme").body(),
                "expires_in",
                "</select>")
            .contains("<option value=\"30\" selected>"));

    HttpResponse<String> classic =
        b.get("/settings/tokens/new?scopes=repo,workflow&description=CI+deploys");
    assertEquals(200, classic.statusCode());
    assertTrue(classic.body().contains("value=\"CI deploys\""));
    assertTrue(classic.body().contains("value=\"repo\" checked>"));
    assertTrue(classic.body().contains("value=\"workflow\" checked>"));
    assertFalse(classic.body().contains("value=\"gist\" checked>"));
    assertFalse(classic.body().contains("value=\"site_admin\""), "erin is no site administrator");
  }

  @Test
  @Order(2)
  void invalidTemplateValuesAreReportedInGitHubsWordingNeverDropped() {
    ConsoleHttp b = signedIn("erin", "198.51.100.1");
    String body =
        b.get(
                "/settings/personal-access-tokens/new?name="
                    + "n".repeat(41)
                    + "&target_name=octodemo&expires_in=400&contents=admin&nonsense=read"
                    + "&organization_administration=read")
            .body();
    for (String message :
        List.of(
            "Cannot find the specified resource owner: octodemo",
            "Invalid value for expires_in: 400. Use a number of days from 1 to 366, or none.",
            "Invalid access level for contents: admin. It supports read, write.",
            "Unknown permission: nonsense",
            "The organization permission organization_administration needs an organization as"
                + " resource owner, not erin.",
            "Name is too long (maximum is 40 characters).")) {
      assertTrue(body.contains("<li>" + message + "</li>"), message + " in " + body);
    }
    assertTrue(body.contains("value=\"" + "n".repeat(41) + "\""), "the name stays for review");
    assertTrue(
        b.get("/settings/personal-access-tokens/new?target_name=acme&expires_in=90")
            .body()
            .contains("Expiration 90 days is beyond the maximum lifetime of 60 days that"));
    assertTrue(
        b.get("/settings/tokens/new?scopes=repo,bogus")
            .body()
            .contains("<li>Unknown scope: bogus</li>"));
  }

  @Test
  @Order(8)
  void refPatternsAreTakenByTheFormValidatedAndShownOnTheTokensPage() {
    ConsoleHttp b = signedIn("erin", "198.51.100.1");
    String csrf = b.csrf("/settings/personal-access-tokens/new");
    HttpResponse<String> refused =
        b.post(
            "/settings/personal-access-tokens/new",
            b.form(
                "authenticity_token", csrf,
                "name", "bad patterns",
                "target_name", "erin",
                "expires_in", "30",
                "repository_selection", "all",
                "contents", "write",
                "ref_patterns", "heads/main"));
    assertEquals(422, refused.statusCode());
    assertTrue(refused.body().contains("must start with refs/"), refused.body());
    HttpResponse<String> created =
        b.post(
            "/settings/personal-access-tokens/new",
            b.form(
                "authenticity_token", csrf,
                "name", "releases",
                "target_name", "erin",
                "expires_in", "30",
                "repository_selection", "all",
                "contents", "write",
                "ref_patterns", "refs/heads/release/*\r\n\r\nrefs/tags/v*\r\n"));
    assertFalse(plaintext(created).isEmpty());
    String list = b.get("/settings/personal-access-tokens").body();
    Matcher id =
        Pattern.compile("href=\"/settings/personal-access-tokens/([0-9]+)\"[^>]*>releases<")
            .matcher(list);
    assertTrue(id.find(), list);
    String detail = b.get("/settings/personal-access-tokens/" + id.group(1)).body();
    assertTrue(detail.contains("refs/heads/release/*, refs/tags/v*"), detail);
  }

  /** The id in the link to the token named {@code name} on the list at {@code base}. */
  private static String tokenId(ConsoleHttp b, String base, String name) {
    String list = b.get(base).body();
    Matcher id =
        Pattern.compile("href=\"" + base + "/([0-9]+)\"[^>]*>" + Pattern.quote(name) + "<")
            .matcher(list);
    assertTrue(id.find(), list);
    return id.group(1);
  }

  @Test
  @Order(9)
  void allowedNetworksAreTakenByBothFormsValidatedShownAndEnforced() {
    ConsoleHttp b = signedIn("erin", "198.51.100.1");
    String fine = "/settings/personal-access-tokens";
    assertTrue(b.get(fine + "/new").body().contains("name=\"allowed_networks\""));
    String csrf = b.csrf(fine + "/new");
    // A bad block: the use case's field error on the form, the typed text kept, nothing created.
    HttpResponse<String> refused =
        b.post(
            fine + "/new",
            b.form(
                "authenticity_token", csrf,
                "name", "bad networks",
                "target_name", "erin",
                "expires_in", "30",
                "repository_selection", "none",
                "allowed_networks", "10.0.0.0/8\r\n10.0.0.300"));
    assertEquals(422, refused.statusCode());
    assertTrue(
        refused.body().contains("<li>allowed_networks: ")
            && refused.body().contains("is not an IPv4 or IPv6 address or CIDR block</li>"),
        refused.body());
    assertTrue(refused.body().contains("10.0.0.300</textarea>"), refused.body());
    assertFalse(b.get(fine).body().contains("bad networks"), "nothing created");

    // One a line or comma-separated; shown in canonical form, and refused from elsewhere.
    String token =
        plaintext(
            b.post(
                fine + "/new",
                b.form(
                    "authenticity_token", csrf,
                    "name", "office only",
                    "target_name", "erin",
                    "expires_in", "30",
                    "repository_selection", "none",
                    "allowed_networks", "10.0.0.0/8, 192.0.2.7\r\n\r\n2001:DB8::/32\r\n")));
    String detail = b.get(fine + "/" + tokenId(b, fine, "office only")).body();
    assertTrue(
        detail.contains(
            "<dd class=\"allowed-networks\">10.0.0.0/8, 192.0.2.7/32, 2001:db8::/32</dd>"),
        detail);
    SourcedHttp.Response elsewhere =
        SourcedHttp.send(
            "127.0.0.2",
            URI.create(gateway.httpUrl()).getPort(),
            "GET",
            "/acme/site.git/info/refs?service=git-upload-pack",
            "127.0.0.1",
            List.of(SourcedHttp.basic("x", token)),
            null);
    assertEquals(403, elsewhere.status(), elsewhere::toString);
    assertTrue(
        elsewhere.body().contains("This token may not be used from 127.0.0.2."),
        elsewhere::toString);

    // The classic form: the same field, the same checks.
    String classic = "/settings/tokens";
    HttpResponse<String> badClassic =
        b.post(
            classic + "/new",
            b.form(
                "authenticity_token", csrf,
                "description", "bad classic networks",
                "expires_in", "30",
                "scopes", "repo",
                "allowed_networks", "fd00::/129"));
    assertEquals(422, badClassic.statusCode());
    assertTrue(badClassic.body().contains("<li>allowed_networks: "), badClassic.body());
    assertFalse(b.get(classic).body().contains("bad classic networks"), "nothing created");
    String classicToken =
        plaintext(
            b.post(
                classic + "/new",
                b.form(
                    "authenticity_token", csrf,
                    "description", "from two",
                    "expires_in", "30",
                    "scopes", "repo",
                    "allowed_networks", "127.0.0.2")));
    String classicDetail = b.get(classic + "/" + tokenId(b, classic, "from two")).body();
    assertTrue(
        classicDetail.contains("<dd class=\"allowed-networks\">127.0.0.2/32</dd>"), classicDetail);
    assertEquals(200, infoRefs("acme/site", classicToken));
    // A token without a list says so.
    secrets.add(
        api.expect(
                201,
                "POST",
                "/admin/users/erin/personal-access-tokens",
                Map.of(
                    "type",
                    "fine_grained",
                    "name",
                    "anywhere",
                    "resource_owner",
                    "erin",
                    "repository_selection",
                    "none"))
            .get("token")
            .asText());
    String anyDetail = b.get(fine + "/" + tokenId(b, fine, "anywhere")).body();
    assertTrue(anyDetail.contains("<dd class=\"allowed-networks\">any network</dd>"), anyDetail);
  }

  /** Erin's token {@code id} as the administrators' API lists it. */
  private JsonNode erinsToken(String id) {
    for (JsonNode t : api.expect(200, "GET", "/admin/users/erin/personal-access-tokens", null)) {
      if (t.get("id").asText().equals(id)) {
        return t;
      }
    }
    throw new AssertionError("no token " + id);
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }

  @Test
  @Order(10)
  void theOwnerEditsRefPatternsOnTheTokensPageNarrowingAtOnceWideningForApproval()
      throws Exception {
    api.expect(201, "POST", "/orgs/acme/repos", Map.of("name", "rel", "visibility", "private"));
    gateway.storage().seedReadme(gateway.admin().directory().repository("acme", "rel"), "# rel\n");
    api.expect(201, "PUT", "/repos/acme/rel/collaborators/erin", Map.of("permission", "push"));
    ConsoleHttp b = signedIn("erin", "198.51.100.1");
    String fine = "/settings/personal-access-tokens";
    String csrf = b.csrf(fine + "/new");
    String token =
        plaintext(
            b.post(
                fine + "/new",
                b.form(
                    "authenticity_token", csrf,
                    "name", "rel pusher",
                    "target_name", "acme",
                    "expires_in", "30",
                    "reason", "releases",
                    "repository_selection", "all",
                    "contents", "write",
                    "ref_patterns", "refs/heads/release/*\r\nrefs/heads/main")));
    String id = tokenId(b, fine, "rel pusher");
    String page = fine + "/" + id;
    JsonNode requests = api.expect(200, "GET", "/orgs/acme/personal-access-token-requests", null);
    long first = -1;
    for (JsonNode r : requests) {
      if (r.get("token_id").asText().equals(id)) {
        first = r.get("id").asLong();
      }
    }
    assertTrue(first > 0, requests::toString);
    api.expect(
        204,
        "POST",
        "/orgs/acme/personal-access-token-requests/" + first,
        Map.of("action", "approve"));

    // The page shows the patterns in the form, one a line.
    String detail = b.get(page).body();
    assertTrue(
        element(detail, "ref_patterns", "</textarea>")
            .endsWith(">refs/heads/release/*\nrefs/heads/main"),
        detail);

    assertTrue(detail.contains("<form method=\"post\" action=\"" + page + "\""), detail);
    // Without the form's CSRF token: refused, nothing changed.
    assertEquals(
        403,
        b.post(page, b.form("authenticity_token", "forged", "ref_patterns", "refs/tags/v*"))
            .statusCode());
    // Someone else's token: the answer of a missing page, nothing changed.
    ConsoleHttp fay = signedIn("fay", "198.51.100.3");
    HttpResponse<String> stranger =
        fay.post(
            page,
            fay.form(
                "authenticity_token",
                fay.csrf("/settings/profile"),
                "ref_patterns",
                "refs/tags/v*"));
    assertEquals(404, stranger.statusCode());
    assertEquals(404, fay.get(page).statusCode(), "the same answer as a missing page");
    // A bad pattern: the use case's error on the form, the typed text kept, nothing changed.
    HttpResponse<String> bad =
        b.post(
            page,
            b.form("authenticity_token", csrf, "ref_patterns", "refs/heads/release/*\r\nmain"));
    assertEquals(422, bad.statusCode(), bad.body());
    assertTrue(bad.body().contains("<li>ref_patterns: 'main' must start with refs/"), bad.body());
    assertTrue(bad.body().contains("refs/heads/release/*\r\nmain</textarea>"), bad.body());
    assertEquals(
        List.of("refs/heads/release/*", "refs/heads/main"),
        strings(erinsToken(id).get("ref_patterns")));

    // Narrowing holds on the next push, and the approval stands.
    HttpResponse<String> narrowed =
        b.post(page, b.form("authenticity_token", csrf, "ref_patterns", "refs/heads/release/*"));
    assertEquals(303, narrowed.statusCode(), narrowed.body());
    String after = b.get(narrowed.headers().firstValue("Location").orElseThrow()).body();
    assertTrue(after.contains("Ref patterns saved: they hold from the token"), after);
    assertTrue(after.contains("<p class=\"ref-patterns\">refs/heads/release/*</p>"), after);
    JsonNode stored = erinsToken(id);
    assertEquals(List.of("refs/heads/release/*"), strings(stored.get("ref_patterns")));
    assertEquals(first, stored.get("request").get("id").asLong());
    assertEquals("approved", stored.get("request").get("status").asText());
    TestGit git = new TestGit(tmp.resolve("home"), Map.of());
    Path dir = Files.createTempDirectory(tmp, "rel");
    String url = gateway.httpUrl().replace("http://", "http://x:" + token + "@") + "/acme/rel.git";
    assertTrue(git.run(dir, "clone", "-q", url, "w").ok());
    Path work = dir.resolve("w");
    Files.writeString(work.resolve("CHANGELOG"), "1\n");
    assertTrue(git.run(work, "add", "-A").ok());
    assertTrue(git.run(work, "commit", "-q", "-m", "release").ok());
    TestGit.Result push =
        git.run(work, "push", "origin", "HEAD:refs/heads/release/1", "HEAD:refs/heads/main");
    assertFalse(push.ok(), push::toString);
    assertTrue(
        push.output()
            .contains(
                "refusing to allow a Personal Access Token to update refs/heads/main: its"
                    + " ref_patterns allow only refs/heads/release/*"),
        push::toString);
    assertTrue(push.output().contains("release/1"), push::toString);

    // Widening (an empty form: any ref) opens a new request; acme's owner sees it pending.
    HttpResponse<String> widened =
        b.post(page, b.form("authenticity_token", csrf, "ref_patterns", "\r\n"));
    assertEquals(303, widened.statusCode(), widened.body());
    String pending = b.get(widened.headers().firstValue("Location").orElseThrow()).body();
    assertTrue(pending.contains("waits for its owners' approval again"), pending);
    stored = erinsToken(id);
    assertTrue(stored.get("ref_patterns").isNull(), stored::toString);
    long second = stored.get("request").get("id").asLong();
    assertNotEquals(first, second);
    assertEquals("pending", stored.get("request").get("status").asText());
    ConsoleHttp olga = signedIn("olga", "198.51.100.2");
    String review =
        olga.get("/organizations/acme/settings/personal-access-token-requests/" + second).body();
    assertTrue(review.contains("rel pusher") && review.contains("any ref"), review);
    TestGit.Result waiting = git.run(work, "push", "origin", "HEAD:refs/heads/release/2");
    assertFalse(waiting.ok(), waiting::toString);
    assertTrue(waiting.output().contains("pending approval"), waiting::toString);

    // Audited as the administrators' route is, from the console.
    assertTrue(gateway.audit().flush(Duration.ofSeconds(10)));
    JsonNode rows =
        api.expect(200, "GET", "/admin/audit-log?user=erin&kind=admin&per_page=100", null);
    List<String> actions = new ArrayList<>();
    for (JsonNode row : rows) {
      if (row.get("target").asText().equals("token:" + id)) {
        actions.add(row.get("action").asText() + " " + row.get("via").asText());
      }
    }
    assertTrue(actions.contains("token.update web"), actions::toString);
    assertTrue(actions.contains("token_request.reopen web"), actions::toString);
    assertEquals(
        2, actions.stream().filter(a -> a.startsWith("token.update")).count(), actions::toString);
  }

  @Test
  @Order(3)
  void aCreatedTokenIsShownOnceWaitsForApprovalAndMarkupRendersAsText() throws Exception {
    ConsoleHttp b = signedIn("erin", "198.51.100.1");
    String csrf = b.csrf("/settings/personal-access-tokens/new");
    HttpResponse<String> created =
        b.post(
            "/settings/personal-access-tokens/new",
            b.form(
                "authenticity_token", csrf,
                "name", SCRIPT,
                "description", IMG,
                "target_name", "acme",
                "expires_in", "30",
                "reason", IMG,
                "repository_selection", "subset",
                "repositories", "acme/app",
                "contents", "read"));
    String token = plaintext(created);
    assertTrue(created.body().contains("Make sure to copy your token now."));
    assertTrue(created.body().contains("Pending approval by acme's owners."), created.body());
    assertTrue(created.body().contains("data-copy"), "the copy button's hook");
    assertEquals(PENDING_STATUS, infoRefs("acme/app", token), "refused while pending");

    String list = b.get("/settings/personal-access-tokens").body();
    Matcher id =
        Pattern.compile("href=\"/settings/personal-access-tokens/([0-9]+)\"").matcher(list);
    assertTrue(id.find(), list);
    String detail = b.get("/settings/personal-access-tokens/" + id.group(1)).body();
    for (String page : List.of(created.body(), list, detail)) {
      assertFalse(page.contains("<script>alert") || page.contains("<img"), page);
    }
    assertTrue(list.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assertTrue(detail.contains("&lt;img src=x onerror=alert(2)&gt;"), "the justification, as text");
    assertTrue(detail.contains("Contents: read") && detail.contains("Metadata: read"));
    assertTrue(detail.contains("<li>acme/app</li>"));
    assertTrue(detail.contains("pending approval"));
    assertFalse(list.contains(token) || detail.contains(token), "the secret is shown once only");

    JsonNode requests = api.expect(200, "GET", "/orgs/acme/personal-access-token-requests", null);
    api.expect(
        204,
        "POST",
        "/orgs/acme/personal-access-token-requests/" + requests.get(0).get("id").asLong(),
        Map.of("action", "approve"));
    assertEquals(200, infoRefs("acme/app", token), "approved: the same request now works");
    assertTrue(
        b.get("/settings/personal-access-tokens/" + id.group(1)).body().contains(">active<"));

    assertTrue(gateway.audit().flush(Duration.ofSeconds(10)));
    JsonNode rows =
        api.expect(200, "GET", "/admin/audit-log?user=erin&kind=admin&per_page=100", null);
    JsonNode create = null;
    for (JsonNode row : rows) {
      if ("token.create".equals(row.path("action").asText())) {
        create = row;
      }
    }
    assertNotNull(create, rows.toString());
    assertEquals("web", create.get("via").asText());
  }

  @Test
  @Order(4)
  void regenerateRefusesTheOldSecretOnItsNextRequestAndTheNewOneWorks() {
    ConsoleHttp b = signedIn("olga", "198.51.100.2");
    String csrf = b.csrf("/settings/personal-access-tokens/new");
    String old =
        plaintext(
            b.post(
                "/settings/personal-access-tokens/new",
                b.form(
                    "authenticity_token", csrf,
                    "name", "deploy",
                    "target_name", "acme",
                    "expires_in", "7",
                    "repository_selection", "all",
                    "contents", "read")));
    assertEquals(200, infoRefs("acme/app", old), "an owner's token needs no approval");
    String list = b.get("/settings/personal-access-tokens").body();
    Matcher regenerate =
        Pattern.compile("href=\"(/settings/personal-access-tokens/[0-9]+/regenerate)\"")
            .matcher(list);
    assertTrue(regenerate.find(), list);
    String form = b.get(regenerate.group(1)).body();
    assertTrue(form.contains("allows at most 60 days"), form);
    assertEquals(
        422,
        b.post(regenerate.group(1), b.form("authenticity_token", csrf, "expires_in", "none"))
            .statusCode(),
        "acme's maximum holds for the new expiry too");
    assertEquals(200, infoRefs("acme/app", old), "a refused regeneration changes nothing");
    String fresh =
        plaintext(
            b.post(regenerate.group(1), b.form("authenticity_token", csrf, "expires_in", "60")));
    assertNotEquals(old, fresh);
    assertEquals(401, infoRefs("acme/app", old));
    assertEquals(200, infoRefs("acme/app", fresh));
    String in60 =
        java.time.format.DateTimeFormatter.ofPattern("MMM d, yyyy", java.util.Locale.ENGLISH)
            .format(LocalDate.now(ZoneOffset.UTC).plusDays(60));
    assertTrue(
        b.get("/settings/personal-access-tokens").body().contains(">" + in60 + "</td>"),
        "the expiry chosen anew: " + in60);
  }

  @Test
  @Order(4)
  void regenerateWithAnOverlapKeepsTheOldSecretWorkingUntilTheNextRegenerationCutsIt() {
    ConsoleHttp b = signedIn("olga", "198.51.100.2");
    String csrf = b.csrf("/settings/personal-access-tokens/new");
    String old =
        plaintext(
            b.post(
                "/settings/personal-access-tokens/new",
                b.form(
                    "authenticity_token", csrf,
                    "name", "rolling",
                    "target_name", "acme",
                    "expires_in", "7",
                    "repository_selection", "all",
                    "contents", "read")));
    String list = b.get("/settings/personal-access-tokens").body();
    String path = null;
    long id = -1;
    for (JsonNode t : api.expect(200, "GET", "/admin/users/olga/personal-access-tokens", null)) {
      if (t.get("name").asText().equals("rolling")) {
        id = t.get("id").asLong();
        path = "/settings/personal-access-tokens/" + id + "/regenerate";
      }
    }
    assertNotNull(path);
    assertTrue(list.contains("href=\"" + path + "\""), list);
    String form = b.get(path).body();
    assertTrue(form.contains("<select id=\"overlap\" name=\"overlap\">"), form);
    assertTrue(form.contains("<option value=\"3600\""), form);

    assertEquals(
        422,
        b.post(path, b.form("authenticity_token", csrf, "expires_in", "7", "overlap", "7"))
            .statusCode(),
        "only the offered overlaps");
    String fresh =
        plaintext(
            b.post(path, b.form("authenticity_token", csrf, "expires_in", "7", "overlap", "3600")));
    assertNotEquals(old, fresh);
    assertEquals(200, infoRefs("acme/app", old), "the old secret works during the overlap");
    assertEquals(200, infoRefs("acme/app", fresh));
    String page = b.get("/settings/personal-access-tokens/" + id).body();
    assertTrue(page.contains("<h2>Previous secrets</h2>"), page);
    assertFalse(page.contains(old) || page.contains(fresh), "no secret on the token's page");

    JsonNode token = null;
    for (JsonNode t : api.expect(200, "GET", "/admin/users/olga/personal-access-tokens", null)) {
      if (t.get("id").asLong() == id) {
        token = t;
      }
    }
    assertNotNull(token);
    JsonNode secrets = token.get("portcullis_secrets");
    assertEquals(2, secrets.size(), token::toString);
    assertTrue(secrets.get(0).get("current").asBoolean());
    assertFalse(secrets.get(1).get("current").asBoolean());
    assertFalse(secrets.get(1).get("valid_until").isNull(), token::toString);
    assertFalse(token.toString().contains(old), "no secret in the answer");
    assertFalse(token.toString().contains("hashed_token"), "nor a hash");

    String fresher =
        plaintext(
            b.post(path, b.form("authenticity_token", csrf, "expires_in", "7", "overlap", "0")));
    assertEquals(401, infoRefs("acme/app", old), "a regeneration without overlap cuts them all");
    assertEquals(401, infoRefs("acme/app", fresh));
    assertEquals(200, infoRefs("acme/app", fresher));
  }

  @Test
  @Order(5)
  void theFiftyFirstFineGrainedTokenIsRefusedWithAClearMessage() {
    for (int i = 0; i < 50; i++) {
      api.expect(
          201,
          "POST",
          "/admin/users/fay/personal-access-tokens",
          Map.of(
              "type",
              "fine_grained",
              "name",
              "t" + i,
              "resource_owner",
              "fay",
              "repository_selection",
              "none"));
    }
    String message =
        "You have reached the limit of 50 fine-grained personal access tokens. Delete one you no"
            + " longer need to create another.";
    JsonNode refused =
        api.expect(
            422,
            "POST",
            "/admin/users/fay/personal-access-tokens",
            Map.of(
                "type",
                "fine_grained",
                "name",
                "one more",
                "resource_owner",
                "fay",
                "repository_selection",
                "none"));
    assertEquals(message, refused.get("errors").get(0).get("message").asText());
    ConsoleHttp b = signedIn("fay", "198.51.100.3");
    HttpResponse<String> r =
        b.post(
            "/settings/personal-access-tokens/new",
            b.form(
                "authenticity_token", b.csrf("/settings/personal-access-tokens/new"),
                "name", "one more",
                "target_name", "fay",
                "expires_in", "30",
                "repository_selection", "none"));
    assertEquals(422, r.statusCode());
    assertTrue(r.body().contains("<li>" + message + "</li>"), r.body());
  }

  @Test
  @Order(6)
  void theSignInFormRefusesAPostWithoutItsOwnToken() {
    ConsoleHttp b = new ConsoleHttp(gateway.httpUrl(), PUBLIC);
    b.forwardedFor = "198.51.100.4";
    assertEquals(403, b.post("/login", b.form("login", "erin", "password", PASSWORD)).statusCode());
    String token = b.csrf("/login");
    assertNotNull(b.loginCookie);
    assertEquals(
        403,
        b.post(
                "/login",
                b.form("login", "erin", "password", PASSWORD, "authenticity_token", token + "x"))
            .statusCode());
    b.loginCookie = null;
    assertEquals(
        403,
        b.post("/login", b.form("login", "erin", "password", PASSWORD, "authenticity_token", token))
            .statusCode(),
        "a form token without its cookie");
    assertNull(b.session);
    assertEquals(303, b.signIn("erin", PASSWORD).statusCode());
  }

  @Test
  @Order(7)
  void wrongCurrentPasswordsInSettingsCountInTheLimiter() {
    ConsoleHttp b = signedIn("gus", "198.51.100.5");
    String csrf = b.csrf("/settings/password");
    Map<String, String> wrong =
        b.form(
            "authenticity_token", csrf,
            "current_password", "not gus's passphrase",
            "password", "a brand new passphrase",
            "password_confirmation", "a brand new passphrase");
    for (int i = 0; i < 3; i++) {
      HttpResponse<String> r = b.post("/settings/password", wrong);
      assertEquals(422, r.statusCode());
      assertTrue(r.body().contains("The current password is incorrect."));
    }
    HttpResponse<String> limited = b.post("/settings/password", wrong);
    assertEquals(429, limited.statusCode(), limited.body());
    assertTrue(limited.headers().firstValue("Retry-After").isPresent());
    assertEquals(200, b.get("/settings/profile").statusCode(), "still signed in, nothing changed");
  }

  @Test
  @Order(Integer.MAX_VALUE)
  void noSecretIsLoggedOrAudited() throws Exception {
    assertTrue(gateway.audit().flush(Duration.ofSeconds(10)));
    String audit = api.call("GET", "/admin/audit-log?per_page=100", null).raw().body();
    List<String> lines = new ArrayList<>();
    for (ILoggingEvent e : logs.list) {
      lines.add(e.getFormattedMessage() + " " + e.getThrowableProxy());
    }
    assertTrue(secrets.size() > 5, "the tests above made secrets");
    for (String secret : secrets) {
      assertFalse(audit.contains(secret), "an audit row holds a secret");
      for (String line : lines) {
        assertFalse(line.contains(secret), "a log line holds a secret: " + line);
      }
    }
  }
}
