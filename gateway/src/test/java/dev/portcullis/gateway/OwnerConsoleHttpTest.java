package dev.portcullis.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The owners' console pages over plain HTTP, where no browser is needed: who sees them (owners and
 * site administrators; everyone else the 404 of a page that does not exist, for pages and form
 * posts alike), CSRF on every form, escaping, all-or-nothing bulk review, a locked setting that a
 * hand-made form cannot change, and the audit rows naming the signed-in owner with {@code via:
 * web}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OwnerConsoleHttpTest {
  private static final String PUBLIC = "https://gw.example";
  private static final String PASSWORD = "an owner's long passphrase";
  private static final String SCRIPT = "<script>alert(1)</script>";
  @TempDir static Path tmp;
  private Gateway gateway;
  private TestApi api;
  private ApiFixtures fx;
  private String org;

  @BeforeAll
  void start() throws Exception {
    gateway =
        Gateway.start(
            GatewayConfig.defaults(tmp.resolve("data")).withPorts(0, 0).withPublicUrl(PUBLIC));
    api =
        new TestApi(
            gateway.httpUrl(),
            Files.readString(tmp.resolve("data").resolve(Gateway.ADMIN_TOKEN_FILE)).strip());
    fx = new ApiFixtures(gateway, api);
    for (String login : List.of("owen", "mary", "olga", "rita", "eda")) {
      api.expect(201, "POST", "/admin/users", Map.of("login", login, "password", PASSWORD));
    }
    api.expect(201, "POST", "/admin/enterprises", Map.of("slug", "globex"));
    org = "acme";
    api.expect(
        201,
        "POST",
        "/admin/organizations",
        Map.of("login", org, "admin", "owen", "enterprise", "globex"));
    fx.member(org, "mary");
    fx.member(org, "rita");
    fx.repo(org, "app", "private");
    api.expect(204, "PUT", "/enterprises/globex/owners/eda", null);
  }

  @AfterAll
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
  }

  private ConsoleHttp signedIn(String login) {
    ConsoleHttp b = new ConsoleHttp(gateway.httpUrl(), PUBLIC);
    assertEquals(303, b.signIn(login, PASSWORD).statusCode());
    return b;
  }

  /** A pending request of rita's on acme, with {@code reason}; returns {request id, token id}. */
  private long[] request(String reason) {
    JsonNode t =
        api.expect(
            201,
            "POST",
            "/admin/users/rita/personal-access-tokens",
            Map.of(
                "type",
                "fine_grained",
                "name",
                fx.unique("r"),
                "resource_owner",
                org,
                "repository_selection",
                "all",
                "permissions",
                Map.of("contents", "read"),
                "expires_in",
                30,
                "reason",
                reason));
    return new long[] {ApiFixtures.requestId(t), ApiFixtures.tokenId(t)};
  }

  private String status(long requestId) {
    for (JsonNode r :
        api.expect(
            200, "GET", "/orgs/" + org + "/personal-access-token-requests?per_page=100", null)) {
      if (r.get("id").asLong() == requestId) {
        return "pending";
      }
    }
    return "not pending";
  }

  private String base() {
    return "/organizations/" + org + "/settings/";
  }

  @Test
  void aMemberAndAStrangerGet404OnEveryPageAndFormPost() {
    long[] pending = request("for CI");
    long[] approved = request("approved one");
    api.expect(
        204,
        "POST",
        "/orgs/" + org + "/personal-access-token-requests/" + approved[0],
        Map.of("action", "approve"));
    List<String> pages =
        List.of(
            base() + "personal-access-token-requests",
            base() + "personal-access-token-requests/" + pending[0],
            base() + "personal-access-tokens",
            base() + "personal-access-tokens/active",
            base() + "personal-access-tokens/active/" + approved[1],
            "/organizations/nosuchorg/settings/personal-access-token-requests",
            "/enterprises/globex/settings/personal-access-tokens");
    for (String login : List.of("mary", "olga")) {
      ConsoleHttp b = signedIn(login);
      String csrf = b.csrf("/settings/profile");
      for (String page : pages) {
        HttpResponse<String> get = b.get(page);
        assertEquals(404, get.statusCode(), login + " GET " + page);
        assertTrue(get.body().contains("There is no such page."), page);
        HttpResponse<String> post =
            b.post(
                page,
                b.form(
                    "authenticity_token",
                    csrf,
                    "action",
                    page.contains("active") ? "revoke" : "approve",
                    "confirm",
                    "1",
                    "ids",
                    Long.toString(page.contains("active") ? approved[1] : pending[0]),
                    "classic_access",
                    "restricted"));
        assertEquals(404, post.statusCode(), login + " POST " + page);
      }
    }
    assertEquals("pending", status(pending[0]), "no post changed anything");
    assertEquals(
        "allowed",
        api.expect(200, "GET", "/orgs/" + org + "/personal-access-token-policy", null)
            .get("classic_access")
            .asText());
    assertEquals(
        1,
        api
            .expect(200, "GET", "/orgs/" + org + "/personal-access-tokens?per_page=100", null)
            .findValues("id")
            .stream()
            .filter(id -> id.asLong() == approved[1])
            .count(),
        "still approved");
  }

  @Test
  void everyFormRefusesAPostWithoutItsCsrfToken() {
    long[] pending = request("csrf");
    ConsoleHttp owner = signedIn("owen");
    ConsoleHttp eda = signedIn("eda");
    List<Map.Entry<ConsoleHttp, String>> forms =
        List.of(
            Map.entry(owner, base() + "personal-access-token-requests"),
            Map.entry(owner, base() + "personal-access-token-requests/" + pending[0]),
            Map.entry(owner, base() + "personal-access-tokens"),
            Map.entry(owner, base() + "personal-access-tokens/active"),
            Map.entry(eda, "/enterprises/globex/settings/personal-access-tokens"));
    for (Map.Entry<ConsoleHttp, String> f : forms) {
      ConsoleHttp b = f.getKey();
      HttpResponse<String> r =
          b.post(
              f.getValue(),
              b.form(
                  "action",
                  "deny",
                  "confirm",
                  "1",
                  "ids",
                  Long.toString(pending[0]),
                  "classic_access",
                  "restricted"));
      assertEquals(403, r.statusCode(), f.getValue());
      assertTrue(r.body().contains("This form has expired."), f.getValue());
    }
    assertEquals("pending", status(pending[0]));
    assertEquals(
        "org_configures",
        api.expect(200, "GET", "/enterprises/globex/personal-access-token-policy", null)
            .get("classic_access")
            .asText());
  }

  @Test
  void aJustificationHoldingMarkupRendersAsText() {
    long[] pending = request(SCRIPT);
    ConsoleHttp owner = signedIn("owen");
    for (String page :
        List.of(
            base() + "personal-access-token-requests",
            base() + "personal-access-token-requests/" + pending[0])) {
      String body = owner.get(page).body();
      assertTrue(body.contains("&lt;script&gt;alert(1)&lt;/script&gt;"), page);
      assertFalse(body.contains(SCRIPT), page);
    }
  }

  @Test
  void anOwnerApprovesUntilATimeAndTheListingsShowItAndThePatterns() {
    JsonNode t =
        api.expect(
            201,
            "POST",
            "/admin/users/rita/personal-access-tokens",
            Map.of(
                "type",
                "fine_grained",
                "name",
                fx.unique("rel"),
                "resource_owner",
                org,
                "repository_selection",
                "all",
                "permissions",
                Map.of("contents", "write"),
                "expires_in",
                30,
                "ref_patterns",
                List.of("refs/heads/release/*")));
    long requestId = ApiFixtures.requestId(t);
    ConsoleHttp owner = signedIn("owen");
    String page = base() + "personal-access-token-requests/" + requestId;
    HttpResponse<String> shown = owner.get(page);
    assertEquals(200, shown.statusCode());
    assertTrue(shown.body().contains("refs/heads/release/*"), shown.body());
    assertTrue(shown.body().contains("name=\"expires_at\""), shown.body());
    String csrf = owner.csrf(page);
    // Not a time: refused with the use case's words, nothing approved.
    HttpResponse<String> bad =
        owner.post(
            page,
            owner.form(
                "authenticity_token",
                csrf,
                "action",
                "approve",
                "confirm",
                "1",
                "expires_at",
                "soon"));
    assertEquals(422, bad.statusCode());
    assertTrue(bad.body().contains("expires_at must be an ISO-8601"), bad.body());
    assertEquals("pending", status(requestId));
    HttpResponse<String> done =
        owner.post(
            page,
            owner.form(
                "authenticity_token",
                csrf,
                "action",
                "approve",
                "confirm",
                "1",
                "expires_at",
                "2099-03-04T05:06"));
    assertEquals(303, done.statusCode());
    JsonNode grant = null;
    for (JsonNode g :
        api.expect(200, "GET", "/orgs/" + org + "/personal-access-tokens?per_page=100", null)) {
      if (g.get("id").asLong() == ApiFixtures.tokenId(t)) {
        grant = g;
      }
    }
    assertNotNull(grant);
    assertEquals("2099-03-04T05:06:00Z", grant.get("approval_expires_at").asText());
    HttpResponse<String> active = owner.get(base() + "personal-access-tokens/active");
    assertTrue(active.body().contains("approved until Mar 4, 2099 05:06 UTC"), active.body());
    assertTrue(active.body().contains("refs: refs/heads/release/*"), active.body());
  }

  @Test
  void aBulkReviewNamingARequestNoLongerPendingIsReportedAndChangesNothing() throws Exception {
    long[] a = request("a");
    long[] b = request("b");
    api.expect(
        204,
        "POST",
        "/orgs/" + org + "/personal-access-token-requests/" + b[0],
        Map.of("action", "approve"));
    ConsoleHttp owner = signedIn("owen");
    String page = base() + "personal-access-token-requests";
    String csrf = owner.csrf(page);
    HttpResponse<String> confirm =
        owner.post(
            page,
            owner.form("authenticity_token", csrf, "action", "deny", "ids", Long.toString(a[0])));
    assertEquals(200, confirm.statusCode());
    assertTrue(confirm.body().contains("Deny 1 request?"), confirm.body());
    // Both ids, one of them reviewed meanwhile: nothing changes and the page says why.
    String form =
        "authenticity_token="
            + java.net.URLEncoder.encode(csrf, java.nio.charset.StandardCharsets.UTF_8)
            + "&action=deny&confirm=1&reason=no&ids="
            + a[0]
            + "&ids="
            + b[0];
    HttpResponse<String> refused =
        java.net.http.HttpClient.newHttpClient()
            .send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create(gateway.httpUrl() + page))
                    .header("Content-Type", "application/x-www-form-urlencoded")
                    .header("Origin", PUBLIC)
                    .header("Cookie", "__Host-portcullis_session=" + owner.session)
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString(form))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertEquals(422, refused.statusCode());
    assertTrue(
        refused.body().contains("request " + b[0] + " is not pending (it is approved)"),
        refused.body());
    assertTrue(refused.body().contains("Nothing was changed."));
    assertEquals("pending", status(a[0]));

    HttpResponse<String> done =
        owner.post(
            page,
            owner.form(
                "authenticity_token",
                csrf,
                "action",
                "deny",
                "confirm",
                "1",
                "reason",
                "not for CI",
                "ids",
                Long.toString(a[0])));
    assertEquals(303, done.statusCode());
    assertEquals(
        page + "?done=denied&count=1", done.headers().firstValue("Location").orElseThrow());
    assertEquals("not pending", status(a[0]));
    assertTrue(gateway.audit().flush(Duration.ofSeconds(10)));
    JsonNode deny = null;
    for (JsonNode row :
        api.expect(200, "GET", "/admin/audit-log?user=owen&kind=admin&per_page=100", null)) {
      if ("token_request.deny".equals(row.path("action").asText())
          && row.path("target").asText().endsWith("/request:" + a[0])) {
        deny = row;
      }
    }
    assertNotNull(deny, "the denial is audited under the signed-in owner");
    assertEquals("web", deny.get("via").asText());
  }

  @Test
  void aSettingTheEnterpriseDecidesIsLockedAndAHandMadePostCannotChangeIt() {
    ConsoleHttp eda = signedIn("eda");
    String ent = "/enterprises/globex/settings/personal-access-tokens";
    String page = eda.get(ent).body();
    assertTrue(page.contains("Allow organizations to configure access requirements"), page);
    assertTrue(page.contains("Disable the approval flow in all organizations"));
    HttpResponse<String> saved =
        eda.post(
            ent,
            eda.form(
                "authenticity_token",
                eda.csrf(ent),
                "fine_grained_access",
                "org_configures",
                "fine_grained_approval",
                "required",
                "classic_access",
                "org_configures",
                "fine_grained_max_lifetime_days",
                "90",
                "classic_max_lifetime_days",
                ""));
    assertEquals(303, saved.statusCode(), saved.body());
    assertTrue(eda.get(ent).body().contains("required (enterprise)"), "the summary per org");

    ConsoleHttp owner = signedIn("owen");
    String policy = base() + "personal-access-tokens";
    String body = owner.get(policy).body();
    assertTrue(
        body.contains(
            "Set by the globex enterprise: Require organizations to use the approval flow."),
        body);
    assertTrue(body.contains("<fieldset id=\"fine_grained_approval\" disabled>"), body);
    HttpResponse<String> crafted =
        owner.post(
            policy,
            owner.form(
                "authenticity_token", owner.csrf(policy), "fine_grained_approval", "not_required"));
    assertEquals(403, crafted.statusCode());
    assertTrue(crafted.body().contains("globex"), crafted.body());
    assertEquals(
        "required",
        api.expect(200, "GET", "/orgs/" + org + "/personal-access-token-policy", null)
            .get("fine_grained_approval")
            .asText(),
        "the organization's own setting is unchanged too");
    api.expect(
        200,
        "PUT",
        "/enterprises/globex/personal-access-token-policy",
        Map.of("fine_grained_approval", "org_configures", "fine_grained_max_lifetime_days", 366));
  }

  @Test
  void theListingsShowEachTokensNetworksAndTheNetworkSettingsAreSetOnThePolicyPage() {
    JsonNode limited =
        api.expect(
            201,
            "POST",
            "/admin/users/rita/personal-access-tokens",
            Map.of(
                "type",
                "fine_grained",
                "name",
                fx.unique("net"),
                "resource_owner",
                org,
                "repository_selection",
                "all",
                "permissions",
                Map.of("contents", "read"),
                "expires_in",
                30,
                "allowed_networks",
                List.of("127.0.0.1")));
    long limitedRequest = ApiFixtures.requestId(limited);
    long[] anywhere = request("from anywhere");
    ConsoleHttp owner = signedIn("owen");
    String requests = base() + "personal-access-token-requests";
    String listing = owner.get(requests).body();
    assertTrue(
        listing.contains("<span class=\"allowed-networks\">from 127.0.0.1/32</span>"), listing);
    assertTrue(
        owner
            .get(requests + "/" + limitedRequest)
            .body()
            .contains("<dd class=\"allowed-networks\">127.0.0.1/32</dd>"));
    assertTrue(
        owner
            .get(requests + "/" + anywhere[0])
            .body()
            .contains("<dd class=\"allowed-networks\">any network</dd>"));

    api.expect(
        204,
        "POST",
        "/orgs/" + org + "/personal-access-token-requests/" + limitedRequest,
        Map.of("action", "approve"));
    String active = owner.get(base() + "personal-access-tokens/active").body();
    assertTrue(
        active.contains("<span class=\"allowed-networks\">from 127.0.0.1/32</span>"), active);

    String policy = base() + "personal-access-tokens";
    String path = "/orgs/" + org + "/personal-access-token-policy";
    try {
      String form = owner.get(policy).body();
      assertTrue(form.contains("name=\"require_token_networks\" value=\"true\""), form);
      assertFalse(form.contains("value=\"true\" checked"), "not required by default");
      // A bad block: the use case's error, the typed values kept, nothing saved.
      HttpResponse<String> bad =
          owner.postFields(
              policy,
              "authenticity_token",
              owner.csrf(policy),
              "require_token_networks",
              "false",
              "require_token_networks",
              "true",
              "token_networks",
              "10.0.0.0/8\r\n300.1.1.1");
      assertEquals(422, bad.statusCode(), bad.body());
      assertTrue(bad.body().contains("token_networks: "), bad.body());
      assertTrue(bad.body().contains("300.1.1.1</textarea>"), bad.body());
      assertTrue(bad.body().contains("value=\"true\" checked"), bad.body());
      JsonNode unchanged = api.expect(200, "GET", path, null);
      assertFalse(unchanged.get("require_token_networks").asBoolean());
      assertTrue(unchanged.get("token_networks").isNull(), unchanged.toString());

      HttpResponse<String> saved =
          owner.postFields(
              policy,
              "authenticity_token",
              owner.csrf(policy),
              "require_token_networks",
              "false",
              "require_token_networks",
              "true",
              "token_networks",
              "10.0.0.0/8, 2001:DB8::/32\r\n");
      assertEquals(303, saved.statusCode(), saved.body());
      JsonNode set = api.expect(200, "GET", path, null);
      assertTrue(set.get("require_token_networks").asBoolean());
      assertEquals("10.0.0.0/8", set.get("token_networks").get(0).asText());
      assertEquals("2001:db8::/32", set.get("token_networks").get(1).asText());
      String shown = owner.get(policy).body();
      assertTrue(shown.contains("value=\"true\" checked"), shown);
      assertTrue(shown.contains(">10.0.0.0/8\n2001:db8::/32</textarea>"), shown);

      // rita's token (127.0.0.1/32) is outside the list: refused from its next request on.
      TestApi.Response refused = api.as(limited.get("token").asText()).call("GET", "/user", null);
      assertEquals(403, refused.status(), refused::toString);
      assertTrue(
          refused
              .toString()
              .contains(
                  "The '"
                      + org
                      + "' organization requires fine-grained personal access tokens to be"
                      + " limited to networks within 10.0.0.0/8, 2001:db8::/32"),
          refused::toString);
      // The new-token form tells a member the rule before they submit.
      assertTrue(
          signedIn("rita")
              .get("/settings/personal-access-tokens/new")
              .body()
              .contains(
                  org
                      + " requires its tokens to be limited to networks within 10.0.0.0/8,"
                      + " 2001:db8::/32."));

      // Unticked (only the hidden field) and emptied: both cleared.
      HttpResponse<String> cleared =
          owner.postFields(
              policy,
              "authenticity_token",
              owner.csrf(policy),
              "require_token_networks",
              "false",
              "token_networks",
              "");
      assertEquals(303, cleared.statusCode(), cleared.body());
      JsonNode none = api.expect(200, "GET", path, null);
      assertFalse(none.get("require_token_networks").asBoolean());
      assertTrue(none.get("token_networks").isNull(), none.toString());
    } finally {
      Map<String, Object> reset = new java.util.HashMap<>();
      reset.put("require_token_networks", false);
      reset.put("token_networks", null);
      api.expect(200, "PUT", path, reset);
    }
  }

  @Test
  void pushProtectionIsSetOnThePolicyPage() {
    ConsoleHttp owner = signedIn("owen");
    String policy = base() + "personal-access-tokens";
    assertTrue(
        owner
            .get(policy)
            .body()
            .contains("<input type=\"radio\" name=\"push_protection\" value=\"enabled\" checked>"),
        "enabled by default");
    HttpResponse<String> saved =
        owner.post(
            policy,
            owner.form("authenticity_token", owner.csrf(policy), "push_protection", "disabled"));
    assertEquals(303, saved.statusCode(), saved.body());
    assertEquals(
        "disabled",
        api.expect(200, "GET", "/orgs/" + org + "/personal-access-token-policy", null)
            .get("push_protection")
            .asText());
    HttpResponse<String> bad =
        owner.post(
            policy, owner.form("authenticity_token", owner.csrf(policy), "push_protection", "off"));
    assertEquals(422, bad.statusCode(), bad.body());
    owner.post(
        policy, owner.form("authenticity_token", owner.csrf(policy), "push_protection", "enabled"));
    assertEquals(
        "enabled",
        api.expect(200, "GET", "/orgs/" + org + "/personal-access-token-policy", null)
            .get("push_protection")
            .asText());
  }

  @Test
  void theHomePageListsWhatTheUserOwnsWithPendingCounts() {
    request("home");
    String home = signedIn("owen").get("/").body();
    assertTrue(
        home.matches("(?s).*<strong>acme</strong>\\s*<a [^>]*>[0-9]+ pending requests?</a>.*"),
        home);
    String eda = signedIn("eda").get("/").body();
    assertTrue(eda.contains("<strong>globex</strong>"), eda);
    assertTrue(signedIn("mary").get("/").body().contains("You own no organization or enterprise."));
  }
}
