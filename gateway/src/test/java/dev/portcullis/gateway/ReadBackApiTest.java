package dev.portcullis.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the management API writes, read back through the real server: users, organizations,
 * repositories, members, collaborators, an enterprise's organizations and both token policies, in
 * GitHub's shapes, paged with GitHub's {@code Link} header, and hidden from callers who may not see
 * them exactly as a missing object is.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ReadBackApiTest {
  private static final Pattern LINK = Pattern.compile("<([^>]+)>; rel=\"(\\w+)\"");

  @TempDir static Path tmp;
  private Gateway gateway;
  private TestApi admin;
  private ApiFixtures fx;
  private JsonNode contractSchemas;

  @BeforeAll
  void start() throws Exception {
    gateway = Gateway.start(GatewayConfig.defaults(tmp.resolve("data")).withPorts(0, 0));
    admin =
        new TestApi(gateway.httpUrl(), Files.readString(tmp.resolve("data/admin-token")).strip());
    fx = new ApiFixtures(gateway, admin);
    contractSchemas =
        TestApi.JSON
            .readTree(getClass().getResource(OrgTokenContract.CONTRACT_RESOURCE))
            .get("components")
            .get("schemas");
  }

  @AfterAll
  void stop() {
    gateway.close();
  }

  // ------------------------------------------------------------------ helpers

  /** An organization with an owner, a member and an outsider, each with a classic token. */
  private record World(
      String org,
      String owner,
      TestApi asOwner,
      String member,
      TestApi asMember,
      TestApi asOutsider) {}

  private World world() {
    String owner = fx.user("owner");
    String member = fx.user("member");
    String outsider = fx.user("outsider");
    String org = fx.org("org", owner);
    fx.member(org, member);
    return new World(
        org,
        owner,
        as(owner, "repo", "admin:org"),
        member,
        as(member, "repo", "admin:org"),
        as(outsider, "repo", "admin:org"));
  }

  private TestApi as(String login, String... scopes) {
    return admin.as(ApiFixtures.plaintext(fx.classic(login, List.of(scopes))));
  }

  /** The path under {@code /api/v3} of an absolute API URL the gateway answered with. */
  private String apiPath(String url) {
    String prefix = gateway.httpUrl() + "/api/v3";
    assertTrue(url.startsWith(prefix), () -> url + " is not under " + prefix);
    return url.substring(prefix.length());
  }

  private static Map<String, String> links(TestApi.Response r) {
    Map<String, String> out = new LinkedHashMap<>();
    r.raw()
        .headers()
        .firstValue("Link")
        .ifPresent(
            h -> {
              Matcher m = LINK.matcher(h);
              while (m.find()) {
                out.put(m.group(2), m.group(1));
              }
            });
    return out;
  }

  /** Follows {@code rel="next"} from {@code path}; every item of every page, in order. */
  private List<JsonNode> walk(TestApi caller, String path) {
    List<JsonNode> items = new ArrayList<>();
    String next = path;
    for (int pages = 0; next != null; pages++) {
      assertTrue(pages < 50, "the Link headers end");
      TestApi.Response r = caller.call("GET", next, null);
      assertEquals(200, r.status(), r::toString);
      r.json().forEach(items::add);
      String url = links(r).get("next");
      next = url == null ? null : apiPath(url);
    }
    return items;
  }

  private static List<String> logins(List<JsonNode> items) {
    return items.stream().map(i -> i.get("login").asText()).toList();
  }

  private static List<String> logins(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(i -> out.add(i.get("login").asText()));
    return out;
  }

  /** Every field GitHub's schema {@code name} in shared/contract requires is present. */
  private void hasRequiredFields(String schema, JsonNode item) {
    for (JsonNode field : contractSchemas.get(schema).get("required")) {
      assertTrue(item.has(field.asText()), () -> schema + " needs " + field + ": " + item);
    }
  }

  /** The caller gets GitHub's bare 404 for {@code path}, exactly as for {@code missing}. */
  private static void hiddenAsMissing(TestApi caller, String path, String missing) {
    TestApi.Response got = caller.call("GET", path, null);
    TestApi.Response none = caller.call("GET", missing, null);
    assertEquals(404, got.status(), got::toString);
    assertEquals("Not Found", got.json().get("message").asText());
    assertEquals(none.status() + " " + none.raw().body(), got.status() + " " + got.raw().body());
  }

  // ------------------------------------------------------------------ users

  @Test
  void aUserReadsBackAtTheUrlItsCreationAnswered() {
    JsonNode created =
        admin.expect(201, "POST", "/admin/users", Map.of("login", fx.unique("readable")));
    String path = apiPath(created.get("url").asText());
    JsonNode u = admin.expect(200, "GET", path, null);
    hasRequiredFields("simple-user", u);
    assertEquals(created.get("login"), u.get("login"));
    assertEquals(created.get("id"), u.get("id"));
    assertEquals(created.get("url"), u.get("url"));
    assertEquals("User", u.get("type").asText());
    assertEquals(created.get("created_at"), u.get("created_at"));
    assertTrue(u.get("suspended_at").isNull());
    assertEquals(0, u.get("public_repos").asInt());

    admin.expect(204, "PUT", path + "/suspended", null);
    assertFalse(admin.expect(200, "GET", path, null).get("suspended_at").isNull());
  }

  @Test
  void aUserIsSeenByThemselfFellowMembersAndSiteAdminsOnly() {
    World w = world();
    assertEquals(
        w.member(),
        w.asMember().expect(200, "GET", "/users/" + w.member(), null).get("login").asText());
    assertEquals(
        w.member(),
        w.asOwner().expect(200, "GET", "/users/" + w.member(), null).get("login").asText());
    hiddenAsMissing(w.asOutsider(), "/users/" + w.member(), "/users/" + fx.unique("nobody"));
    // An organization is not a user, even to a site administrator.
    admin.expect(404, "GET", "/users/" + w.org(), null);
  }

  @Test
  void siteAdminsListEveryAccountPageByPage() {
    List<String> made = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      made.add(fx.user("paged"));
    }
    String org = fx.org("pagedorg", made.get(0));

    TestApi.Response first = admin.call("GET", "/users?per_page=2", null);
    assertEquals(200, first.status(), first::toString);
    assertEquals(2, first.json().size());
    assertEquals(List.of("next", "last"), List.copyOf(links(first).keySet()));
    List<JsonNode> all = walk(admin, "/users?per_page=2");
    all.forEach(item -> hasRequiredFields("simple-user", item));
    List<String> logins = logins(all);
    assertEquals(logins.size(), logins.stream().distinct().count(), "no account twice");
    // In the order they were created (GitHub's), users and organizations alike.
    int at = logins.indexOf(made.get(0));
    assertEquals(List.of(made.get(0), made.get(1), made.get(2), org), logins.subList(at, at + 4));
    assertEquals("Organization", all.get(at + 3).get("type").asText());
    assertTrue(
        all.stream()
            .anyMatch(
                i -> i.get("login").asText().equals("admin") && i.get("site_admin").asBoolean()));

    // GET /admin/users: users only, as POST /admin/users answers them.
    List<JsonNode> users = walk(admin, "/admin/users?per_page=2");
    List<String> userLogins = logins(users);
    assertTrue(userLogins.containsAll(made), userLogins::toString);
    assertFalse(userLogins.contains(org), userLogins::toString);
    users.forEach(u -> assertTrue(u.has("suspended_at") && u.has("created_at"), u::toString));

    TestApi someone = as(made.get(1), "repo", "admin:org");
    for (String path : List.of("/users", "/admin/users")) {
      TestApi.Response r = someone.call("GET", path, null);
      assertEquals(403, r.status(), r::toString);
    }
  }

  // ------------------------------------------------------------------ organizations

  @Test
  void anOrganizationIsReadByItsMembersOnly() {
    String owner = fx.user("entowner");
    String slug = fx.unique("ent");
    admin.expect(201, "POST", "/admin/enterprises", Map.of("slug", slug));
    JsonNode created =
        admin.expect(
            201,
            "POST",
            "/admin/organizations",
            Map.of("login", fx.unique("entorg"), "admin", owner, "enterprise", slug));
    String org = created.get("login").asText();
    fx.repo(org, "pub", "public");
    fx.repo(org, "priv", "private");
    String path = apiPath(created.get("url").asText());

    JsonNode o = as(owner, "repo").expect(200, "GET", path, null);
    for (String f :
        List.of(
            "login",
            "id",
            "node_id",
            "url",
            "repos_url",
            "events_url",
            "hooks_url",
            "issues_url",
            "members_url",
            "public_members_url",
            "avatar_url",
            "description",
            "html_url",
            "has_organization_projects",
            "has_repository_projects",
            "public_repos",
            "public_gists",
            "followers",
            "following",
            "type",
            "created_at",
            "updated_at",
            "archived_at")) {
      assertTrue(o.has(f), () -> "organization-full needs " + f + ": " + o);
    }
    assertEquals("Organization", o.get("type").asText());
    assertEquals(1, o.get("public_repos").asInt());
    assertEquals("read", o.get("default_repository_permission").asText());
    assertEquals(slug, o.get("enterprise").asText());
    assertEquals(created.get("url"), o.get("url"));

    World w = world();
    hiddenAsMissing(w.asOutsider(), "/orgs/" + w.org(), "/orgs/" + fx.unique("noorg"));
    w.asMember().expect(200, "GET", "/orgs/" + w.org(), null);

    // GET /organizations: a member sees the organizations they belong to, a site admin all.
    List<String> mine = logins(walk(w.asMember(), "/organizations"));
    assertEquals(List.of(w.org()), mine);
    List<String> every = logins(walk(admin, "/organizations?per_page=1"));
    assertTrue(every.containsAll(List.of(org, w.org())), every::toString);
  }

  @Test
  void membersAreListedByRoleAndPaged() {
    World w = world();
    String second = fx.user("member");
    fx.member(w.org(), second);
    String base = "/orgs/" + w.org() + "/members";

    List<String> all = logins(walk(w.asMember(), base + "?per_page=1"));
    assertEquals(List.of(w.owner(), w.member(), second).stream().sorted().toList(), all);
    TestApi.Response page = w.asMember().call("GET", base + "?per_page=1&role=all", null);
    assertEquals(List.of("next", "last"), List.copyOf(links(page).keySet()));
    assertTrue(links(page).get("next").contains("role=all"), links(page)::toString);
    hasRequiredFields("simple-user", page.json().get(0));

    assertEquals(
        List.of(w.owner()), logins(w.asMember().expect(200, "GET", base + "?role=admin", null)));
    assertEquals(
        List.of(w.member(), second).stream().sorted().toList(),
        logins(w.asMember().expect(200, "GET", base + "?role=member", null)));
    TestApi.Response bad = w.asMember().call("GET", base + "?role=owner", null);
    assertEquals(422, bad.status(), bad::toString);

    hiddenAsMissing(w.asOutsider(), base + "?role=owner", "/orgs/" + fx.unique("no") + "/members");
  }

  @Test
  void anEnterprisesOrganizationsAreForSiteAdminsAndItsOwners() {
    String slug = fx.unique("ent");
    admin.expect(201, "POST", "/admin/enterprises", Map.of("slug", slug));
    String owner = fx.user("owner");
    List<String> orgs = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      JsonNode o =
          admin.expect(
              201,
              "POST",
              "/admin/organizations",
              Map.of("login", fx.unique("eo"), "admin", owner, "enterprise", slug));
      orgs.add(o.get("login").asText());
    }
    fx.org("elsewhere", owner);
    String path = "/enterprises/" + slug + "/organizations";
    TestApi.Response first = admin.call("GET", path + "?per_page=2", null);
    assertEquals(List.of("next", "last"), List.copyOf(links(first).keySet()));
    List<JsonNode> listed = walk(admin, path + "?per_page=2");
    assertEquals(orgs.stream().sorted().toList(), logins(listed));
    for (String f :
        List.of(
            "login",
            "id",
            "node_id",
            "url",
            "repos_url",
            "events_url",
            "hooks_url",
            "issues_url",
            "members_url",
            "public_members_url",
            "avatar_url",
            "description")) {
      assertTrue(listed.get(0).has(f), () -> "organization-simple needs " + f);
    }

    // An owner of the enterprise, on a classic token with admin:enterprise, reads the same.
    String entOwner = fx.user("entowner");
    admin.expect(204, "PUT", "/enterprises/" + slug + "/owners/" + entOwner, null);
    assertEquals(
        orgs.stream().sorted().toList(),
        logins(walk(as(entOwner, "admin:enterprise"), path + "?per_page=2")));
    TestApi.Response unscoped = as(entOwner, "repo", "admin:org").call("GET", path, null);
    assertEquals(403, unscoped.status(), unscoped::toString);
    assertTrue(
        unscoped.json().get("message").asText().contains("admin:enterprise"), unscoped::toString);

    TestApi.Response member = as(owner, "repo", "admin:org").call("GET", path, null);
    assertEquals(403, member.status(), member::toString);
    hiddenAsMissing(
        as(fx.user("stranger"), "repo", "admin:org"),
        path,
        "/enterprises/" + fx.unique("noent") + "/organizations");
  }

  // ------------------------------------------------------------------ policies

  @Test
  void tokenPoliciesReadBackAsTheirUpdatesAnswer() {
    World w = world();
    String path = "/orgs/" + w.org() + "/personal-access-token-policy";
    JsonNode put =
        w.asOwner()
            .expect(
                200,
                "PUT",
                path,
                Map.of("classic_access", "restricted", "fine_grained_max_lifetime_days", 90));
    // The owner's classic token is now refused by the org's own policy; a site admin reads it.
    JsonNode got = admin.expect(200, "GET", path, null);
    assertEquals(put, got);
    assertEquals("restricted", got.get("classic_access").asText());
    assertEquals(90, got.get("fine_grained_max_lifetime_days").asInt());

    World v = world();
    String other = "/orgs/" + v.org() + "/personal-access-token-policy";
    assertEquals(
        "allowed", v.asOwner().expect(200, "GET", other, null).get("classic_access").asText());
    TestApi.Response member = v.asMember().call("GET", other, null);
    assertEquals(403, member.status(), member::toString);
    hiddenAsMissing(
        v.asOutsider(), other, "/orgs/" + fx.unique("noorg") + "/personal-access-token-policy");

    String slug = fx.unique("ent");
    admin.expect(201, "POST", "/admin/enterprises", Map.of("slug", slug));
    String ePath = "/enterprises/" + slug + "/personal-access-token-policy";
    JsonNode ePut = admin.expect(200, "PUT", ePath, Map.of("fine_grained_approval", "required"));
    assertEquals(ePut, admin.expect(200, "GET", ePath, null));
    String eOwner = fx.user("eowner");
    admin.expect(
        201,
        "POST",
        "/admin/organizations",
        Map.of("login", fx.unique("eorg"), "admin", eOwner, "enterprise", slug));
    TestApi.Response eMember = as(eOwner, "repo", "admin:org").call("GET", ePath, null);
    assertEquals(403, eMember.status(), eMember::toString);
    hiddenAsMissing(
        v.asOutsider(),
        ePath,
        "/enterprises/" + fx.unique("noent") + "/personal-access-token-policy");
  }

  // ------------------------------------------------------------------ repositories

  @Test
  void aRepositoryReadsBackForThoseWhoMaySeeIt() {
    World w = world();
    JsonNode created =
        admin.expect(
            201,
            "POST",
            "/orgs/" + w.org() + "/repos",
            Map.of("name", "secret", "visibility", "private"));
    String path = apiPath(created.get("url").asText());
    JsonNode r = w.asOwner().expect(200, "GET", path, null);
    hasRequiredFields("minimal-repository", r);
    hasRequiredFields("simple-user", r.get("owner"));
    assertEquals(created.get("id"), r.get("id"));
    assertEquals(w.org() + "/secret", r.get("full_name").asText());
    assertTrue(r.get("private").asBoolean());
    assertEquals("private", r.get("visibility").asText());
    assertEquals(created.get("clone_url"), r.get("clone_url"));
    assertEquals(w.org(), r.get("organization").get("login").asText());
    assertTrue(r.get("permissions").get("admin").asBoolean(), r::toString);
    // The member reads through the base permission (read).
    JsonNode asMember = w.asMember().expect(200, "GET", path, null);
    assertTrue(asMember.get("permissions").get("pull").asBoolean());
    assertFalse(asMember.get("permissions").get("push").asBoolean());

    // A private repository's existence is never revealed: not to an outsider, and not to a
    // member once the base permission is none.
    String missing = "/repos/" + w.org() + "/" + fx.unique("nosuch");
    hiddenAsMissing(w.asOutsider(), path, missing);
    admin.expect(200, "PUT", "/orgs/" + w.org() + "/base-permission", Map.of("permission", "none"));
    hiddenAsMissing(w.asMember(), path, missing);

    // A public repository is anyone's to read; a user's repository is its owner's.
    fx.repo(w.org(), "open", "public");
    JsonNode open = w.asOutsider().expect(200, "GET", "/repos/" + w.org() + "/open", null);
    assertFalse(open.get("private").asBoolean());
    assertFalse(open.get("permissions").get("pull").asBoolean());
    admin.expect(
        201,
        "POST",
        "/admin/users/" + w.member() + "/repos",
        Map.of("name", "mine", "visibility", "private"));
    JsonNode mine = w.asMember().expect(200, "GET", "/repos/" + w.member() + "/mine", null);
    assertEquals("User", mine.get("owner").get("type").asText());
    assertFalse(mine.has("organization"));
    hiddenAsMissing(
        w.asOwner(), "/repos/" + w.member() + "/mine", "/repos/" + w.member() + "/nosuch");
  }

  @Test
  void anOrganizationsRepositoriesAreThoseTheCallerMaySee() {
    World w = world();
    for (String name : List.of("alpha", "beta", "gamma")) {
      fx.repo(w.org(), name, "public");
    }
    fx.repo(w.org(), "hidden", "private");
    String path = "/orgs/" + w.org() + "/repos";

    TestApi.Response first = w.asOwner().call("GET", path + "?per_page=2&sort=full_name", null);
    assertEquals(List.of("next", "last"), List.copyOf(links(first).keySet()));
    List<JsonNode> byName = walk(w.asOwner(), path + "?per_page=2&sort=full_name");
    byName.forEach(r -> hasRequiredFields("minimal-repository", r));
    assertEquals(
        List.of("alpha", "beta", "gamma", "hidden"),
        byName.stream().map(r -> r.get("name").asText()).toList());
    // Default order: newest first.
    assertEquals(
        List.of("hidden", "gamma", "beta", "alpha"),
        walk(w.asOwner(), path).stream().map(r -> r.get("name").asText()).toList());
    assertEquals(
        List.of("hidden"),
        walk(w.asOwner(), path + "?type=private").stream()
            .map(r -> r.get("name").asText())
            .toList());
    assertEquals(0, w.asOwner().expect(200, "GET", path + "?type=forks", null).size());
    TestApi.Response bad = w.asOwner().call("GET", path + "?type=starred", null);
    assertEquals(422, bad.status(), bad::toString);

    // A member with base permission none sees the public ones only.
    admin.expect(200, "PUT", "/orgs/" + w.org() + "/base-permission", Map.of("permission", "none"));
    assertEquals(
        List.of("alpha", "beta", "gamma"),
        walk(w.asMember(), path + "?sort=full_name").stream()
            .map(r -> r.get("name").asText())
            .toList());
    hiddenAsMissing(w.asOutsider(), path, "/orgs/" + fx.unique("noorg") + "/repos");
  }

  @Test
  void collaboratorsAreListedForThoseWithPushAccess() {
    World w = world();
    String repo = fx.repo(w.org(), "shared", "private");
    String outside = fx.user("outside");
    admin.expect(
        201, "PUT", "/repos/" + repo + "/collaborators/" + outside, Map.of("permission", "push"));
    admin.expect(
        201,
        "PUT",
        "/repos/" + repo + "/collaborators/" + w.member(),
        Map.of("permission", "maintain"));
    String path = "/repos/" + repo + "/collaborators";

    List<JsonNode> all = walk(w.asOwner(), path + "?per_page=1");
    Map<String, String> roles = new LinkedHashMap<>();
    all.forEach(c -> roles.put(c.get("login").asText(), c.get("role_name").asText()));
    assertEquals(Map.of(w.owner(), "admin", w.member(), "maintain", outside, "write"), roles);
    JsonNode owner =
        all.stream()
            .filter(c -> c.get("login").asText().equals(w.owner()))
            .findFirst()
            .orElseThrow();
    hasRequiredFields("simple-user", owner);
    assertTrue(owner.get("permissions").get("admin").asBoolean());
    TestApi.Response first = w.asOwner().call("GET", path + "?per_page=1", null);
    assertEquals(List.of("next", "last"), List.copyOf(links(first).keySet()));

    assertEquals(
        List.of(w.member(), outside).stream().sorted().toList(),
        logins(w.asOwner().expect(200, "GET", path + "?affiliation=direct", null)));
    assertEquals(
        List.of(outside),
        logins(w.asOwner().expect(200, "GET", path + "?affiliation=outside", null)));
    assertEquals(
        List.of(w.owner(), w.member()).stream().sorted().toList(),
        logins(w.asOwner().expect(200, "GET", path + "?permission=maintain", null)));

    // The outside collaborator has push access: they may list too.
    assertEquals(3, as(outside, "repo").expect(200, "GET", path, null).size());
    // A reader sees the repository but not who else has access: GitHub's 403.
    String reader = fx.user("reader");
    fx.member(w.org(), reader);
    TestApi.Response r = as(reader, "repo").call("GET", path, null);
    assertEquals(403, r.status(), r::toString);
    assertEquals(
        "Must have push access to view repository collaborators.",
        r.json().get("message").asText());
    hiddenAsMissing(w.asOutsider(), path, "/repos/" + w.org() + "/nosuch/collaborators");
  }

  @Test
  void aUsersRepositoryListsItsOwnerAsAdmin() {
    String login = fx.user("solo");
    String friend = fx.user("friend");
    admin.expect(
        201,
        "POST",
        "/admin/users/" + login + "/repos",
        Map.of("name", "own", "visibility", "public"));
    admin.expect(
        201,
        "PUT",
        "/repos/" + login + "/own/collaborators/" + friend,
        Map.of("permission", "pull"));
    JsonNode list =
        as(login, "repo").expect(200, "GET", "/repos/" + login + "/own/collaborators", null);
    assertEquals(List.of(friend, login).stream().sorted().toList(), logins(list));
    assertNull(
        as(login, "repo")
            .call("GET", "/repos/" + login + "/own/collaborators?per_page=5", null)
            .raw()
            .headers()
            .firstValue("Link")
            .orElse(null),
        "everything fits on one page: no Link header");
    TestApi.Response asFriend =
        as(friend, "repo").call("GET", "/repos/" + login + "/own/collaborators", null);
    assertEquals(403, asFriend.status(), asFriend::toString);
  }
}
