package dev.portcullis.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.gateway.Gateway;
import dev.portcullis.gateway.GatewayConfig;
import dev.portcullis.gateway.tls.TlsMaterial;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringReader;
import java.io.StringWriter;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * The client subcommands against a real gateway started in-process on free loopback ports, run
 * through picocli exactly as {@code bin/gateway} runs them, with stdout and stderr captured through
 * {@link CommandLine#setOut} / {@link CommandLine#setErr}.
 */
class CliClientTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final AtomicInteger SEQ = new AtomicInteger();

  @TempDir static Path data;

  private static Gateway gateway;
  private static String adminToken;
  private static Properties endpoint;

  @BeforeAll
  static void start() throws Exception {
    gateway = Gateway.start(GatewayConfig.defaults(data).withPorts(0, 0));
    adminToken =
        Files.readString(data.resolve(Gateway.ADMIN_TOKEN_FILE), StandardCharsets.UTF_8).strip();
    endpoint = new Properties();
    endpoint.load(
        new StringReader(
            Files.readString(data.resolve(Gateway.ENDPOINT_FILE), StandardCharsets.UTF_8)));
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.close();
    }
  }

  /** One command's outcome. */
  record Run(int code, String out, String err) {
    JsonNode json() {
      try {
        return JSON.readTree(out);
      } catch (Exception e) {
        throw new AssertionError("stdout is not JSON: " + out + "\nstderr: " + err, e);
      }
    }

    @Override
    public String toString() {
      return "exit " + code + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
  }

  /** Runs {@code gateway ARGS... --data <data>} and checks the admin token was printed nowhere. */
  private static Run run(String... args) {
    List<String> full = new ArrayList<>(Arrays.asList(args));
    full.add("--data");
    full.add(data.toString());
    return runRaw(full.toArray(new String[0]));
  }

  private static Run runRaw(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = Main.commandLine(args);
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    int code = cl.execute(args);
    Run r = new Run(code, out.toString(), err.toString());
    assertFalse(
        r.out().contains(adminToken) || r.err().contains(adminToken),
        "the admin token leaked: " + r);
    return r;
  }

  private static Run ok(String... args) {
    Run r = run(args);
    assertEquals(0, r.code(), () -> String.join(" ", args) + " → " + r);
    return r;
  }

  private static String unique(String prefix) {
    return prefix + SEQ.incrementAndGet();
  }

  private static int closedPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  // ------------------------------------------------------------------ users

  @Test
  void createsAUserAndReportsTheDuplicate() {
    String login = unique("alice");
    Run created = ok("user", "create", login);
    assertEquals(login, created.json().get("login").asText());
    assertEquals("", created.err());

    Run again = run("user", "create", login);
    assertEquals(1, again.code(), again::toString);
    assertTrue(again.err().startsWith("error: 422 Validation Failed"), again::toString);
    assertTrue(
        again.err().contains("  - the login '" + login + "' is already taken"), again::toString);
    assertEquals("", again.out());
  }

  @Test
  void invitesAUserToChooseAConsolePassword() {
    String login = unique("inv");
    Run created = ok("user", "create", login, "--email", login + "@example.com");
    assertEquals(login, created.json().get("login").asText());
    Run invite = ok("user", "invite", login);
    assertEquals(login, invite.json().get("login").asText());
    assertTrue(
        invite
            .json()
            .get("url")
            .asText()
            .startsWith(endpoint.getProperty("url") + "/password_reset/"),
        invite::toString);
    assertTrue(invite.json().hasNonNull("expires_at"), invite::toString);
    Run missing = run("user", "invite", unique("nobody"));
    assertEquals(1, missing.code(), missing::toString);
    assertTrue(missing.err().startsWith("error: 404 "), missing::toString);
  }

  @Test
  void suspendsAndUnsuspends() {
    String login = unique("sus");
    ok("user", "create", login);
    Run s = ok("user", "suspend", login);
    // A confirmation is output, on stdout; stderr is for errors.
    assertEquals("suspended " + login + "\n", s.out(), s::toString);
    assertEquals("", s.err());
    ok("user", "unsuspend", login);
    Run missing = run("user", "suspend", unique("nobody"));
    assertEquals(1, missing.code(), missing::toString);
    assertTrue(missing.err().startsWith("error: 404 "), missing::toString);
  }

  // ------------------------------------------------------------------ TLS and connection

  @Test
  void talksHttpsTrustingTheCaFileFromGatewayProperties() {
    assertTrue(endpoint.getProperty("url").startsWith("https://"), endpoint::toString);
    // Only --data: url= and ca= come from gateway.properties, the token from admin-token.
    Run r = ok("user", "create", unique("tls"));
    assertEquals("User", r.json().get("type").asText());
    assertTrue(
        r.json().get("url").asText().startsWith(endpoint.getProperty("url") + "/api/v3/users/"),
        r::toString);
  }

  @Test
  void refusesAServerItDoesNotTrust(@TempDir Path other) throws Exception {
    Path otherCa = TlsMaterial.selfSigned(other).certificateFile();
    Run r = run("user", "create", unique("untrusted"), "--cacert", otherCa.toString());
    assertEquals(1, r.code(), r::toString);
    assertTrue(r.err().startsWith("error: TLS with " + endpoint.getProperty("url")), r::toString);
    assertTrue(r.err().contains("--cacert"), r::toString);
    // A PATCH goes through another HTTP client, with the same trust.
    Run patch = run("token", "update", "1", "--clear-ref-patterns", "--cacert", otherCa.toString());
    assertEquals(1, patch.code(), patch::toString);
    assertTrue(
        patch.err().startsWith("error: TLS with " + endpoint.getProperty("url")), patch::toString);
  }

  @Test
  void talksPlainHttpWithUrl() {
    String httpUrl = endpoint.getProperty("http_url");
    assertTrue(httpUrl.startsWith("http://"), endpoint::toString);
    Run r = ok("user", "create", unique("plain"), "--url", httpUrl + "/");
    assertTrue(r.json().get("url").asText().startsWith(httpUrl + "/api/v3/users/"), r::toString);
  }

  @Test
  void explainsAClosedPort() throws Exception {
    String url = "http://127.0.0.1:" + closedPort();
    Run r = run("user", "create", unique("nowhere"), "--url", url);
    assertEquals(1, r.code(), r::toString);
    assertTrue(r.err().contains("cannot connect to the gateway at " + url), r::toString);
    assertTrue(r.err().contains("bin/gateway serve"), r::toString);
    assertEquals("", r.out());
  }

  @Test
  void explainsAMissingDataDirectory(@TempDir Path empty) {
    Run r = runRaw("user", "create", "x", "--data", empty.toString());
    assertEquals(1, r.code(), r::toString);
    assertTrue(
        r.err().contains("gateway.properties") && r.err().contains("bin/gateway serve"),
        r::toString);
  }

  @Test
  void reportsABadToken() {
    Run r = run("user", "create", unique("badtoken"), "--token", "pcc_notarealtoken");
    assertEquals(1, r.code(), r::toString);
    assertTrue(r.err().startsWith("error: 401 Bad credentials"), r::toString);
    assertFalse(r.err().contains("pcc_notarealtoken"), r::toString);
  }

  @Test
  void readsTheTokenFromTokenFile(@TempDir Path dir) throws Exception {
    String login = unique("filed");
    ok("user", "create", login);
    String plaintext =
        ok("token", "create", login, "--type", "classic", "--name", "mine", "-q").out().strip();
    Path file = dir.resolve("token");
    Files.writeString(file, plaintext + "\n");
    Run r = run("user", "create", unique("nope"), "--token-file", file.toString());
    assertEquals(1, r.code(), r::toString);
    assertTrue(r.err().startsWith("error: 403 Must be a site administrator"), r::toString);
    assertFalse(r.err().contains(plaintext), r::toString);
  }

  // ------------------------------------------------------------------ organizations and
  // repositories

  @Test
  void createsOrganizationsAndRepositories() {
    String owner = unique("owner");
    String member = unique("member");
    String org = unique("org");
    ok("user", "create", owner);
    ok("user", "create", member);

    Run o = ok("org", "create", org, "--admin", owner);
    assertEquals(org, o.json().get("login").asText());
    assertEquals("Organization", o.json().get("type").asText());

    Run repo = ok("repo", "create", org + "/widgets", "--visibility", "private");
    assertEquals(org + "/widgets", repo.json().get("full_name").asText());
    assertEquals("private", repo.json().get("visibility").asText());

    Run userRepo = ok("repo", "create", owner + "/dotfiles");
    assertEquals(owner + "/dotfiles", userRepo.json().get("full_name").asText());
    assertEquals(owner, userRepo.json().get("owner").get("login").asText());
    Run forced = ok("repo", "create", owner + "/notes", "--user");
    assertEquals(owner + "/notes", forced.json().get("full_name").asText());

    Run dup = run("repo", "create", org + "/widgets");
    assertEquals(1, dup.code(), dup::toString);
    assertTrue(dup.err().contains("name already exists"), dup::toString);

    Run m = ok("org", "add-member", org, member, "--role", "member");
    assertEquals("member", m.json().get("role").asText());
    Run bp = ok("org", "base-permission", org, "read");
    assertEquals("read", bp.json().get("base_permission").asText());
    Run c = ok("repo", "add-collaborator", org + "/widgets", member, "--permission", "triage");
    assertEquals("triage", c.json().get("permission").asText());
    Run rc = ok("repo", "remove-collaborator", org + "/widgets", member);
    assertEquals("removed " + member + " from " + org + "/widgets\n", rc.out(), rc::toString);
    ok("org", "remove-member", org, member);
    Run gone = run("org", "remove-member", org, member);
    assertEquals(1, gone.code(), gone::toString);
    assertTrue(gone.err().startsWith("error: 404 "), gone::toString);

    assertEquals(2, run("repo", "create", "no-slash").code());
    assertEquals(2, run("org", "base-permission", org, "superuser").code());
  }

  // ------------------------------------------------------------------ listings read back

  /** A table's lines: a header, then rows whose every column starts where its header does. */
  private static List<String[]> table(Run r) {
    String[] lines = r.out().split("\n");
    String header = lines[0];
    List<Integer> starts = new ArrayList<>();
    for (int i = 0; i < header.length(); i++) {
      if (header.charAt(i) != ' ' && (i == 0 || header.charAt(i - 1) == ' ')) {
        starts.add(i);
      }
    }
    List<String[]> rows = new ArrayList<>();
    for (String line : lines) {
      assertEquals(line.strip(), line.stripLeading(), () -> "no trailing blanks: " + r);
      String[] cells = new String[starts.size()];
      for (int c = 0; c < starts.size(); c++) {
        int from = starts.get(c);
        int to = c + 1 < starts.size() ? starts.get(c + 1) : line.length();
        assertTrue(line.length() > from, () -> "every column has a value: " + line + "\n" + r);
        assertTrue(
            from == 0 || line.charAt(from - 1) == ' ',
            () -> "column starts under its header: " + line + "\n" + r);
        assertTrue(line.charAt(from) != ' ', () -> "column starts under its header: " + line);
        cells[c] = line.substring(from, Math.min(to, line.length())).strip();
        assertFalse(cells[c].contains("  "), () -> "one value per column: " + line + "\n" + r);
      }
      rows.add(cells);
    }
    return rows;
  }

  /** The rows of a table whose first cell is {@code key}. */
  private static List<String[]> rowsFor(List<String[]> table, String key) {
    return table.stream().filter(row -> row[0].equals(key)).toList();
  }

  @Test
  void listsUsersOrganizationsRepositoriesMembersAndCollaboratorsAsTables() {
    String owner = unique("lowner");
    String member = unique("lmember");
    String slug = unique("lent");
    String org = unique("lorg");
    ok("user", "create", owner);
    ok("user", "create", member);
    ok("user", "suspend", member);
    ok("enterprise", "create", slug);
    ok("org", "create", org, "--admin", owner, "--enterprise", slug);
    ok("org", "add-member", org, member);
    ok("repo", "create", org + "/tools", "--visibility", "private");
    ok("repo", "create", org + "/site");
    ok("repo", "add-collaborator", org + "/tools", member, "--permission", "maintain");

    List<String[]> users = table(ok("user", "list", "--all", "--per-page", "100"));
    assertEquals(
        List.of("LOGIN", "ID", "SITE_ADMIN", "SUSPENDED_AT", "CREATED_AT"), List.of(users.get(0)));
    assertEquals("yes", rowsFor(users, "admin").get(0)[2]);
    assertEquals("-", rowsFor(users, owner).get(0)[3]);
    assertTrue(rowsFor(users, member).get(0)[3].matches("\\d{4}-.*Z"), users::toString);
    assertTrue(rowsFor(users, org).isEmpty(), "organizations are no users");
    JsonNode usersJson = ok("user", "list", "--json", "--all").json();
    assertTrue(usersJson.isArray() && usersJson.toString().contains("\"" + member + "\""));

    Run onePage = ok("user", "list", "--per-page", "1");
    assertEquals(2, table(onePage).size(), onePage::toString);
    assertTrue(onePage.err().contains("more results: --page 2"), onePage::toString);

    assertEquals(1, rowsFor(table(ok("org", "list", "--all")), org).size());
    List<String[]> inEnterprise = table(ok("org", "list", "--enterprise", slug));
    assertEquals(List.of("LOGIN", "ID"), List.of(inEnterprise.get(0)));
    assertEquals(List.of(org), inEnterprise.stream().skip(1).map(row -> row[0]).toList());

    List<String[]> repos = table(ok("repo", "list", org, "--sort", "full_name"));
    assertEquals(
        List.of("FULL_NAME", "VISIBILITY", "CREATED_AT", "CLONE_URL"), List.of(repos.get(0)));
    assertEquals(
        List.of(org + "/site public", org + "/tools private"),
        repos.stream().skip(1).map(row -> row[0] + " " + row[1]).toList());
    assertEquals(
        List.of(org + "/tools"),
        ok("repo", "list", org, "--type", "private", "--json")
            .json()
            .findValuesAsText("full_name"));

    List<String[]> owners = table(ok("member", "list", org, "--role", "admin"));
    assertEquals(List.of(owner), owners.stream().skip(1).map(row -> row[0]).toList());
    assertEquals(2, table(ok("member", "list", org)).size() - 1);

    List<String[]> collaborators = table(ok("collaborator", "list", org + "/tools"));
    assertEquals(List.of("LOGIN", "ROLE", "ID"), List.of(collaborators.get(0)));
    assertEquals("admin", rowsFor(collaborators, owner).get(0)[1]);
    assertEquals("maintain", rowsFor(collaborators, member).get(0)[1]);
    assertEquals(
        List.of(member),
        ok("collaborator", "list", org + "/tools", "--affiliation", "direct", "--json")
            .json()
            .findValuesAsText("login"));

    Run missing = run("member", "list", unique("noorg"));
    assertEquals(1, missing.code(), missing::toString);
    assertTrue(missing.err().startsWith("error: 404 "), missing::toString);
    assertEquals("", missing.out());
    assertEquals(2, run("member", "list", org, "--role", "owner").code());
    assertEquals(2, run("collaborator", "list", "no-slash").code());
    assertEquals(2, run("repo", "list", org, "--sort", "stars").code());
  }

  @Test
  void listsTokensRequestsAndTheAuditLogAsTables() {
    String[] om = orgWithMember();
    String org = om[0];
    JsonNode first = pendingToken(org, om[1], "first");
    JsonNode second = pendingToken(org, om[1], "second");
    ok(
        "token",
        "create",
        om[1],
        "--type",
        "classic",
        "--name",
        "cli",
        "--scope",
        "repo",
        "--expires-in",
        "7");

    List<String[]> tokens = table(ok("token", "list", om[1]));
    assertEquals(
        List.of("ID", "TYPE", "NAME", "ACCESS", "EXPIRES_AT", "LAST_USED_AT", "REQUEST"),
        List.of(tokens.get(0)));
    String[] fg = rowsFor(tokens, first.get("id").asText()).get(0);
    assertEquals("fine_grained", fg[1]);
    assertEquals(org + " all contents=read,metadata=read", fg[3]);
    assertEquals(first.get("request").get("id").asText() + " pending", fg[6]);
    String[] classic =
        tokens.stream().filter(row -> row[2].equals("cli")).findFirst().orElseThrow();
    assertEquals("repo", classic[3]);
    assertEquals("-", classic[6]);

    // A reason is another user's text: the gateway refuses control characters in it, and the
    // table shows none of the characters that reorder what a terminal displays.
    JsonNode third =
        ok(
                "token",
                "create",
                om[1],
                "--type",
                "fine_grained",
                "--name",
                "third",
                "--resource-owner",
                org,
                "--repository-selection",
                "all",
                "--permission",
                "contents=read",
                "--expires-in",
                "30",
                "--reason",
                "fine\u202elive")
            .json();

    // One line per request, not a page of JSON each.
    Run requests = ok("request", "list", org);
    assertFalse(requests.out().contains("\u202e"), requests::toString);
    List<String[]> rows = table(requests);
    assertEquals(4, rows.size(), requests::toString);
    assertEquals("fine?live", rows.get(1)[7]);
    rows.remove(1);
    assertEquals(third.get("request").get("id").asText(), table(requests).get(1)[0]);
    assertEquals(
        List.of(
            "ID",
            "TOKEN_ID",
            "OWNER",
            "TOKEN_NAME",
            "REPOSITORIES",
            "PERMISSIONS",
            "CREATED_AT",
            "REASON"),
        List.of(rows.get(0)));
    assertEquals(
        List.of(second.get("request").get("id").asText(), first.get("request").get("id").asText()),
        rows.stream().skip(1).map(row -> row[0]).toList());
    assertEquals("contents=read,metadata=read", rows.get(1)[5]);
    assertEquals("builds", rows.get(1)[7]);

    List<String[]> audit = table(ok("audit", "list", "--kind", "admin", "--per-page", "5"));
    assertEquals(
        List.of(
            "TIME", "KIND", "ACTOR", "TOKEN_ID", "ACTION", "TARGET", "OUTCOME", "COUNT", "REASON"),
        List.of(audit.get(0)));
    assertEquals(6, audit.size(), audit::toString);
    audit.stream().skip(1).forEach(row -> assertEquals("admin", row[1]));
    JsonNode added = ok("audit", "list", "--json", "--kind", "admin", "--per-page", "100").json();
    assertTrue(
        added.toString().contains("\"target\":\"org:" + org + "/user:" + om[1] + "\""),
        added::toString);
    assertEquals(2, run("audit", "list", "--kind", "git").code());
    assertEquals(2, run("audit", "list", "--after", "yesterday").code());
  }

  @Test
  void showsTokenPolicies() {
    String slug = unique("pent");
    String owner = unique("powner");
    String org = unique("psorg");
    ok("enterprise", "create", slug);
    ok("user", "create", owner);
    ok("org", "create", org, "--admin", owner, "--enterprise", slug);
    ok("org", "policy", org, "--classic-access", "restricted", "--classic-max-lifetime", "10");

    List<String[]> shown = table(ok("policy", "show", "--org", org));
    assertEquals(List.of("SETTING", "VALUE"), List.of(shown.get(0)));
    assertEquals("restricted", rowsFor(shown, "classic_access").get(0)[1]);
    assertEquals("10", rowsFor(shown, "classic_max_lifetime_days").get(0)[1]);
    assertEquals("-", rowsFor(shown, "fine_grained_max_lifetime_days").get(0)[1]);
    assertEquals(
        "org_configures",
        ok("policy", "show", "--enterprise", slug, "--json").json().get("classic_access").asText());

    assertEquals(2, run("policy", "show").code());
    assertEquals(2, run("policy", "show", "--org", org, "--enterprise", slug).code());
    Run missing = run("policy", "show", "--org", unique("noorg"));
    assertEquals(1, missing.code(), missing::toString);
    assertTrue(missing.err().startsWith("error: 404 "), missing::toString);
  }

  @Test
  void limitsTokensAndOrganizationsToNetworks() {
    String owner = unique("nowner");
    String org = unique("norg");
    ok("user", "create", owner);
    ok("org", "create", org, "--admin", owner);
    JsonNode policy =
        ok(
                "org",
                "policy",
                org,
                "--require-token-networks",
                "true",
                "--token-networks",
                "10.0.0.0/8, 2001:db8::/32")
            .json();
    assertTrue(policy.get("require_token_networks").asBoolean(), policy::toString);
    assertEquals("[\"10.0.0.0/8\",\"2001:db8::/32\"]", policy.get("token_networks").toString());
    List<String[]> shown = table(ok("policy", "show", "--org", org));
    assertEquals("10.0.0.0/8,2001:db8::/32", rowsFor(shown, "token_networks").get(0)[1]);
    assertEquals("true", rowsFor(shown, "require_token_networks").get(0)[1]);

    Run outside =
        run(
            "token",
            "create",
            owner,
            "--type",
            "fine-grained",
            "--name",
            "ci",
            "--resource-owner",
            org,
            "--permission",
            "contents=read",
            "--repository-selection",
            "all",
            "--allowed-network",
            "192.0.2.0/24");
    assertEquals(1, outside.code(), outside::toString);
    assertTrue(
        outside.err().contains("--allowed-network: the '" + org + "' organization requires"),
        outside::toString);
    JsonNode inside =
        ok(
                "token",
                "create",
                owner,
                "--type",
                "fine-grained",
                "--name",
                "ci",
                "--resource-owner",
                org,
                "--permission",
                "contents=read",
                "--repository-selection",
                "all",
                "--allowed-network",
                "10.1.0.0/16",
                "--allowed-network",
                "2001:db8:1::/48")
            .json();
    assertEquals(
        "[\"10.1.0.0/16\",\"2001:db8:1::/48\"]", inside.get("allowed_networks").toString());

    assertTrue(
        ok("org", "policy", org, "--token-networks", "none", "--require-token-networks", "false")
            .json()
            .get("token_networks")
            .isNull());
    assertEquals(2, run("org", "policy", org, "--require-token-networks", "yes").code());
  }

  // ------------------------------------------------------------------ policies

  @Test
  void namesAndRemovesEnterpriseOwners() {
    String slug = unique("owned");
    String owner = unique("entowner");
    ok("enterprise", "create", slug);
    ok("user", "create", owner);
    assertEquals(owner + " owns " + slug + "\n", ok("enterprise", "add-owner", slug, owner).out());
    assertEquals(
        owner + " no longer owns " + slug + "\n",
        ok("enterprise", "remove-owner", slug, owner).out());
    Run again = run("enterprise", "remove-owner", slug, owner);
    assertEquals(1, again.code(), again::toString);
    assertTrue(again.err().startsWith("error: 404 "), again::toString);
  }

  @Test
  void updatesEnterpriseAndOrganizationPolicies() {
    String slug = unique("ent");
    Run e = ok("enterprise", "create", slug);
    assertEquals(slug, e.json().get("slug").asText());

    Run p =
        ok(
            "enterprise",
            "policy",
            slug,
            "--classic-access",
            "restricted",
            "--fine-grained-max-lifetime",
            "30");
    assertEquals("restricted", p.json().get("classic_access").asText());
    assertEquals(30, p.json().get("fine_grained_max_lifetime_days").asInt());
    assertEquals("org_configures", p.json().get("fine_grained_access").asText());

    Run cleared = ok("enterprise", "policy", slug, "--fine-grained-max-lifetime", "none");
    assertTrue(cleared.json().get("fine_grained_max_lifetime_days").isNull(), cleared::toString);
    assertEquals(
        "restricted",
        cleared.json().get("classic_access").asText(),
        "fields left out keep their value");

    String admin = unique("orgadmin");
    String org = unique("porg");
    ok("user", "create", admin);
    ok("org", "create", org, "--admin", admin, "--enterprise", slug);
    Run op =
        ok(
            "org",
            "policy",
            org,
            "--fine-grained-approval",
            "not_required",
            "--classic-max-lifetime",
            "10");
    assertEquals("not_required", op.json().get("fine_grained_approval").asText());
    assertEquals(10, op.json().get("classic_max_lifetime_days").asInt());
    Run oc = ok("org", "policy", org, "--classic-max-lifetime", "none");
    assertTrue(oc.json().get("classic_max_lifetime_days").isNull(), oc::toString);
    assertEquals("not_required", oc.json().get("fine_grained_approval").asText());

    Run bad = run("org", "policy", org, "--fine-grained-access", "org_configures");
    assertEquals(2, bad.code(), bad::toString);
    Run off = ok("org", "policy", org, "--push-protection", "disabled");
    assertEquals("disabled", off.json().get("push_protection").asText(), off::toString);
    assertEquals("not_required", off.json().get("fine_grained_approval").asText());
    assertEquals(2, run("org", "policy", org, "--push-protection", "off").code());
    assertEquals(2, run("enterprise", "policy", slug, "--classic-max-lifetime", "forever").code());
    Run range = run("enterprise", "policy", slug, "--classic-max-lifetime", "999");
    assertEquals(1, range.code(), range::toString);
    assertTrue(
        range.err().contains("  - --classic-max-lifetime must be null or an integer 1–366"),
        range::toString);
  }

  // ------------------------------------------------------------------ tokens

  @Test
  void createsListsAndDeletesTokens() {
    String login = unique("dev");
    ok("user", "create", login);

    Run classic =
        ok(
            "token",
            "create",
            login,
            "--type",
            "classic",
            "--name",
            "ci",
            "--scope",
            "repo",
            "--expires-in",
            "30",
            "--quiet");
    String plaintext = classic.out().strip();
    assertEquals(42, plaintext.length(), classic::toString);
    assertTrue(plaintext.startsWith("pcc_"), classic::toString);
    assertEquals(plaintext + System.lineSeparator(), classic.out());

    Run fine =
        ok(
            "token",
            "create",
            login,
            "--type",
            "fine_grained",
            "--name",
            "laptop",
            "--repository-selection",
            "all",
            "--permission",
            "contents=write",
            "-q");
    String finePlain = fine.out().strip();
    assertEquals(42, finePlain.length(), fine::toString);
    assertTrue(finePlain.startsWith("pcf_"), fine::toString);

    Run full =
        ok("token", "create", login, "--type", "classic", "--name", "full", "--expires-in", "none");
    assertTrue(full.json().get("token").asText().startsWith("pcc_"), full::toString);
    assertTrue(full.json().get("expires_at").isNull(), full::toString);
    long fullId = full.json().get("id").asLong();

    Run list = ok("token", "list", "--json", login);
    assertEquals(3, list.json().size(), list::toString);
    assertTrue(list.out().contains("\"laptop\"") && list.out().contains("\"ci\""), list::toString);
    assertFalse(list.out().contains(plaintext), "no plaintext in a listing");
    assertFalse(list.out().contains(finePlain), "no plaintext in a listing");
    assertFalse(
        list.out().contains(full.json().get("token").asText()), "no plaintext in a listing");
    list.json().forEach(t -> assertFalse(t.has("token"), t::toString));

    Run del = ok("token", "delete", Long.toString(fullId));
    assertEquals("deleted token " + fullId + "\n", del.out(), del::toString);
    assertEquals(1, run("token", "delete", Long.toString(fullId)).code());
    assertEquals(2, ok("token", "list", "--json", login).json().size());

    Run scopeless =
        run(
            "token",
            "create",
            login,
            "--type",
            "classic",
            "--name",
            "x",
            "--scope",
            "no-such-scope");
    assertEquals(1, scopeless.code(), scopeless::toString);
    assertTrue(
        scopeless.err().contains("  - --scope: unknown scope 'no-such-scope'"),
        scopeless::toString);
  }

  @Test
  void tokenRotateGivesANewSecretOnceAndRefusesABadOverlap() {
    String login = unique("rot");
    ok("user", "create", login);
    Run created = ok("token", "create", login, "--type", "classic", "--name", "deploy");
    long id = created.json().get("id").asLong();
    String first = created.json().get("token").asText();

    Run rotated = ok("token", "rotate", Long.toString(id), "--overlap", "600");
    String second = rotated.json().get("token").asText();
    assertNotEquals(first, second);
    assertEquals(id, rotated.json().get("id").asLong(), "the token keeps its id");
    JsonNode secrets = rotated.json().get("portcullis_secrets");
    assertEquals(2, secrets.size(), rotated::toString);
    assertFalse(secrets.get(1).get("valid_until").isNull(), rotated::toString);
    assertFalse(rotated.out().contains(first), "the old plaintext is never shown again");

    Run quiet = ok("token", "rotate", Long.toString(id), "-q");
    assertTrue(quiet.out().strip().startsWith("pcc_"), quiet::toString);
    assertEquals(1, quiet.out().strip().lines().count(), quiet::toString);

    Run bad = run("token", "rotate", Long.toString(id), "--overlap", "86401");
    assertEquals(1, bad.code(), bad::toString);
    assertTrue(bad.err().contains("overlap_seconds"), bad::toString);
    assertEquals(1, run("token", "rotate", "999999999").code());

    Run list = ok("token", "list", "--json", login);
    assertEquals(3, list.json().get(0).get("portcullis_secrets").size(), list::toString);
    for (String p : List.of(first, second, quiet.out().strip())) {
      assertFalse(list.out().contains(p), "no plaintext in a listing");
    }
  }

  @Test
  void tokenRotateSelfRotatesTheTokenItAuthenticatesWithKeepingTheOldOneForTheOverlap() {
    String login = unique("self");
    ok("user", "create", login);
    JsonNode created = ok("token", "create", login, "--type", "classic", "--name", "d").json();
    long id = created.get("id").asLong();
    String first = created.get("token").asText();

    Run rotated = ok("token", "rotate", "--self", "--overlap", "600", "--token", first);
    String second = rotated.json().get("token").asText();
    assertNotEquals(first, second);
    assertEquals(id, rotated.json().get("id").asLong(), "the token keeps its id");
    assertEquals(2, rotated.json().get("portcullis_secrets").size(), rotated::toString);
    assertFalse(rotated.out().contains(first), "the old plaintext is never shown again");
    // Both secrets authenticate (403, not 401): the new one, and the old one inside its overlap.
    for (String t : List.of(first, second)) {
      Run me = run("user", "create", unique("x"), "--token", t);
      assertTrue(me.err().startsWith("error: 403 Must be a site administrator"), me::toString);
    }
    Run quiet = ok("token", "rotate", "--self", "-q", "--overlap", "600", "--token", second);
    String third = quiet.out().strip();
    assertTrue(third.startsWith("pcc_") && !third.equals(second), quiet::toString);
    assertEquals(1, quiet.out().lines().count(), quiet::toString);
    Run list = ok("token", "list", "--json", login);
    assertEquals(3, list.json().get(0).get("portcullis_secrets").size(), list::toString);
    Run bad = run("token", "rotate", "--self", "--overlap", "86401", "--token", third);
    assertEquals(1, bad.code(), bad::toString);
    assertTrue(bad.err().contains("overlap_seconds"), bad::toString);

    // The first secret, still inside its overlap, presented to rotate again revokes the whole
    // token (reuse detection): every secret is refused from then on.
    Run reused = run("token", "rotate", "--self", "--token", first);
    assertEquals(1, reused.code(), reused::toString);
    assertTrue(reused.err().startsWith("error: 401 Bad credentials"), reused::toString);
    Run gone = run("token", "rotate", "--self", "--token", third);
    assertTrue(gone.err().startsWith("error: 401 Bad credentials"), gone::toString);
  }

  @Test
  void tokenRotateSelfAndTokenUpdateUsageErrorsAreOneLine() {
    for (String[] args :
        List.of(
            new String[] {"token", "rotate"},
            new String[] {"token", "rotate", "7", "--self", "--token", "pcc_x"},
            new String[] {"token", "rotate", "--self"},
            new String[] {"token", "update", "7"},
            new String[] {
              "token", "update", "7", "--ref-pattern", "refs/x", "--clear-ref-patterns"
            },
            new String[] {"token", "update", "seven", "--clear-ref-patterns"})) {
      Run r = run(args);
      assertEquals(2, r.code(), r::toString);
      assertEquals(1, r.err().lines().count(), r::toString);
      assertEquals("", r.out(), r::toString);
    }
    Run self = run("token", "rotate", "--self");
    assertTrue(
        self.err().contains("--self rotates the token given with --token, --token-file or env"),
        self::toString);
  }

  @Test
  void tokenUpdateNarrowsAtOnceAndWideningReopensTheRequest() {
    String[] om = orgWithMember();
    String org = om[0];
    JsonNode t =
        orgToken(
            om[1],
            org,
            "--repository-selection",
            "all",
            "--permission",
            "contents=write",
            "--ref-pattern",
            "refs/heads/release/*");
    String id = t.get("id").asText();
    String first = t.get("request").get("id").asText();
    ok("request", "approve", org, first);

    Run narrowed = ok("token", "update", id, "--ref-pattern", "refs/heads/release/1");
    assertEquals("[\"refs/heads/release/1\"]", narrowed.json().get("ref_patterns").toString());
    assertEquals("approved", narrowed.json().get("request").get("status").asText());
    assertEquals(first, narrowed.json().get("request").get("id").asText(), "the same approval");
    assertEquals("", narrowed.err());

    Run bad = run("token", "update", id, "--ref-pattern", "heads/main");
    assertEquals(1, bad.code(), bad::toString);
    assertTrue(bad.err().contains("--ref-pattern"), bad::toString);
    assertTrue(bad.err().contains("must start with refs/"), bad::toString);

    Run widened =
        ok(
            "token",
            "update",
            id,
            "--ref-pattern",
            "refs/heads/release/*",
            "--ref-pattern",
            "refs/tags/v*");
    JsonNode request = widened.json().get("request");
    assertEquals("pending", request.get("status").asText(), widened::toString);
    assertNotEquals(first, request.get("id").asText());
    assertTrue(
        widened.err().contains("(request " + request.get("id").asText() + ", pending)"),
        widened::toString);
    Run listed = ok("request", "list", "--json", org);
    assertEquals(
        request.get("id").asText(), listed.json().get(0).get("id").asText(), listed::toString);
    ok("request", "approve", org, request.get("id").asText());

    Run any = ok("token", "update", id, "--clear-ref-patterns");
    assertTrue(any.json().get("ref_patterns").isNull(), any::toString);
    assertEquals("pending", any.json().get("request").get("status").asText(), any::toString);
    assertEquals(1, run("token", "update", "999999999", "--clear-ref-patterns").code());
  }

  @Test
  void rejectsAPermissionWithoutALevel() {
    Run r =
        run(
            "token",
            "create",
            "anyone",
            "--type",
            "fine_grained",
            "--name",
            "n",
            "--permission",
            "contents");
    assertEquals(2, r.code(), r::toString);
    assertTrue(r.err().contains("NAME=LEVEL"), r::toString);
    assertEquals(2, run("token", "create", "anyone", "--type", "shiny", "--name", "n").code());
    assertEquals(2, run("token", "create", "anyone", "--name", "n").code(), "--type is required");
    assertEquals(2, run("token", "delete", "twelve").code());
  }

  // ------------------------------------------------------------------ approvals and grants

  /** An organization with the default policy (approval required), its owner, and a plain member. */
  private static String[] orgWithMember() {
    String owner = unique("own");
    String member = unique("mem");
    String org = unique("appr");
    ok("user", "create", owner);
    ok("user", "create", member);
    ok("org", "create", org, "--admin", owner);
    ok("org", "add-member", org, member);
    return new String[] {org, member};
  }

  private static JsonNode pendingToken(String org, String member, String name) {
    Run t =
        ok(
            "token",
            "create",
            member,
            "--type",
            "fine_grained",
            "--name",
            name,
            "--resource-owner",
            org,
            "--repository-selection",
            "all",
            "--permission",
            "contents=read",
            "--expires-in",
            "30",
            "--reason",
            "builds");
    JsonNode json = t.json();
    assertEquals("pending", json.get("request").get("status").asText(), t::toString);
    assertTrue(json.get("request").get("id").asLong() > 0, t::toString);
    return json;
  }

  @Test
  void createsATokenWithRefPatternsAndApprovesItUntilATime() {
    String[] om = orgWithMember();
    String org = om[0];
    Run bad =
        run(
            "token",
            "create",
            om[1],
            "--type",
            "fine_grained",
            "--name",
            "rel",
            "--resource-owner",
            org,
            "--repository-selection",
            "all",
            "--permission",
            "contents=read",
            "--ref-pattern",
            "refs/heads/release/*");
    assertEquals(1, bad.code(), bad::toString);
    assertTrue(
        bad.err().contains("--ref-pattern need the permission contents: write"), bad::toString);
    JsonNode t =
        ok(
                "token",
                "create",
                om[1],
                "--type",
                "fine_grained",
                "--name",
                "rel",
                "--resource-owner",
                org,
                "--repository-selection",
                "all",
                "--permission",
                "contents=write",
                "--ref-pattern",
                "refs/heads/release/*",
                "--ref-pattern",
                "refs/tags/v*")
            .json();
    assertEquals("[\"refs/heads/release/*\",\"refs/tags/v*\"]", t.get("ref_patterns").toString());
    String requestId = t.get("request").get("id").asText();
    Run past = run("request", "approve", org, requestId, "--expires-at", "2000-01-01T00:00:00Z");
    assertEquals(1, past.code(), past::toString);
    assertTrue(past.err().contains("--expires-at must be in the future"), past::toString);
    ok("request", "approve", org, requestId, "--expires-at", "2099-01-01T00:00:00Z");
    JsonNode listed = ok("token", "list", "--json", om[1]).json().get(0);
    assertEquals(
        "2099-01-01T00:00:00Z",
        listed.get("request").get("approval_expires_at").asText(),
        listed::toString);
  }

  @Test
  void approvesAPendingRequestThenRevokesTheGrant() {
    String[] om = orgWithMember();
    String org = om[0];
    JsonNode token = pendingToken(org, om[1], "deploy");
    String requestId = token.get("request").get("id").asText();
    String tokenId = token.get("id").asText();

    Run approve = ok("request", "approve", org, requestId, "--reason", "looks fine");
    assertTrue(approve.out().startsWith("approved request " + requestId), approve::toString);
    assertEquals("", approve.err());
    JsonNode listed = ok("token", "list", "--json", om[1]).json().get(0);
    assertEquals("approved", listed.get("request").get("status").asText(), listed::toString);

    Run again = run("request", "approve", org, requestId);
    assertEquals(1, again.code(), again::toString);
    assertTrue(again.err().startsWith("error: 422 "), again::toString);

    ok("grant", "revoke", org, tokenId);
    Run twice = run("grant", "revoke", org, tokenId);
    assertEquals(1, twice.code(), twice::toString);
    assertTrue(twice.err().startsWith("error: 404 "), twice::toString);
  }

  @Test
  void reviewsAndRevokesInBulk() {
    String[] om = orgWithMember();
    String org = om[0];
    JsonNode a = pendingToken(org, om[1], "a");
    JsonNode b = pendingToken(org, om[1], "b");
    JsonNode c = pendingToken(org, om[1], "c");

    ok(
        "request",
        "deny",
        org,
        a.get("request").get("id").asText(),
        b.get("request").get("id").asText(),
        "--reason",
        "no");
    ok("request", "approve", org, c.get("request").get("id").asText());
    Run denied = run("grant", "revoke", org, a.get("id").asText(), c.get("id").asText());
    assertEquals(
        1, denied.code(), "all or nothing: a was denied, so nothing is revoked: " + denied);
    ok("grant", "revoke", org, c.get("id").asText());
  }

  // ------------------------------------------------------------------ listings of requests and
  // grants

  /** The ids of a JSON array printed on stdout, in order. */
  private static List<Long> ids(Run r) {
    List<Long> out = new ArrayList<>();
    r.json().forEach(n -> out.add(n.get("id").asLong()));
    return out;
  }

  private static java.util.Set<String> names(Run r) {
    java.util.Set<String> out = new java.util.TreeSet<>();
    r.json().forEach(n -> out.add(n.get("name").asText()));
    return out;
  }

  /**
   * A fine-grained token of {@code login} on {@code org}; {@code extra} are more 'token create'
   * options.
   */
  private static JsonNode orgToken(String login, String org, String... extra) {
    List<String> args =
        new ArrayList<>(
            List.of(
                "token",
                "create",
                login,
                "--type",
                "fine_grained",
                "--name",
                unique("n"),
                "--resource-owner",
                org,
                "--expires-in",
                "30"));
    args.addAll(Arrays.asList(extra));
    return ok(args.toArray(new String[0])).json();
  }

  /**
   * A real git request with the token (info/refs of upload-pack), so the gateway records its use.
   */
  private static void gitUse(String login, String token, String repoPath) throws Exception {
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    String basic =
        java.util.Base64.getEncoder()
            .encodeToString((login + ":" + token).getBytes(StandardCharsets.UTF_8));
    var res =
        http.send(
            java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(
                        endpoint.getProperty("http_url")
                            + "/"
                            + repoPath
                            + ".git/info/refs?service=git-upload-pack"))
                .header("Authorization", "Basic " + basic)
                .build(),
            java.net.http.HttpResponse.BodyHandlers.ofString());
    assertEquals(200, res.statusCode(), res::body);
  }

  @Test
  void listsRequestsWithFiltersPagesAndAll() {
    String owner = unique("lown");
    String m1 = unique("lmem");
    String m2 = unique("lmem");
    String org = unique("lorg");
    ok("user", "create", owner);
    ok("user", "create", m1);
    ok("user", "create", m2);
    ok("org", "create", org, "--admin", owner);
    ok("org", "add-member", org, m1);
    ok("org", "add-member", org, m2);
    ok("repo", "create", org + "/a", "--visibility", "private");
    ok("repo", "create", org + "/b", "--visibility", "private");
    List<JsonNode> t =
        List.of(
            orgToken(m1, org, "--repository-selection", "all", "--permission", "contents=read"),
            orgToken(
                m1,
                org,
                "--repository-selection",
                "subset",
                "--repository",
                "a",
                "--permission",
                "contents=write"),
            orgToken(m2, org, "--repository-selection", "all", "--permission", "issues=read"),
            orgToken(
                m2,
                org,
                "--repository-selection",
                "subset",
                "--repository",
                "b",
                "--permission",
                "contents=read"),
            orgToken(m1, org, "--repository-selection", "none"));
    List<Long> requestIds = t.stream().map(x -> x.get("request").get("id").asLong()).toList();
    List<Long> newestFirst = new ArrayList<>(requestIds);
    java.util.Collections.reverse(newestFirst);

    Run all = ok("request", "list", "--json", org);
    assertEquals(newestFirst, ids(all), all::toString);
    assertEquals("", all.err());
    assertEquals(requestIds, ids(ok("request", "list", "--json", org, "--direction", "asc")));

    Run page1 = ok("request", "list", "--json", org, "--per-page", "2");
    assertEquals(newestFirst.subList(0, 2), ids(page1));
    assertTrue(page1.err().contains("--page 2") && page1.err().contains("--all"), page1::toString);
    Run page3 = ok("request", "list", "--json", org, "--per-page", "2", "--page", "3");
    assertEquals(newestFirst.subList(4, 5), ids(page3));
    assertEquals("", page3.err(), "no hint on the last page");
    Run walked = ok("request", "list", "--json", org, "--per-page", "2", "--all");
    assertEquals(newestFirst, ids(walked), "--all follows Link rel=\"next\" through 3 pages");
    assertEquals(
        newestFirst.subList(2, 5),
        ids(ok("request", "list", "--json", org, "--per-page", "2", "--page", "2", "--all")));
    assertEquals(List.of(), ids(ok("request", "list", "--json", org, "--page", "9")));

    assertEquals(
        List.of(requestIds.get(3), requestIds.get(2)),
        ids(ok("request", "list", "--json", org, "--owner", m2)));
    assertEquals(
        newestFirst,
        ids(
            ok(
                "request",
                "list",
                "--json",
                org,
                "--owner",
                m1,
                "--owner",
                m2,
                "--per-page",
                "1",
                "--all")));
    assertEquals(
        List.of(requestIds.get(2), requestIds.get(1), requestIds.get(0)),
        ids(ok("request", "list", "--json", org, "--repository", "a")));
    assertEquals(
        List.of(requestIds.get(3), requestIds.get(1), requestIds.get(0)),
        ids(ok("request", "list", "--json", org, "--permission", "contents_read")));
    assertEquals(
        List.of(requestIds.get(1)),
        ids(
            ok(
                "request",
                "list",
                "--json",
                org,
                "--permission",
                "contents_read",
                "--repository",
                "a",
                "--owner",
                m1,
                "--direction",
                "asc",
                "--token-id",
                t.get(1).get("id").asText(),
                "--token-id",
                t.get(4).get("id").asText())));
    assertEquals(
        List.of(),
        ids(ok("request", "list", "--json", org, "--last-used-after", "2020-01-01T00:00:00Z")));

    // The repositories a request asks for.
    assertEquals(
        java.util.Set.of("a", "b"),
        names(ok("request", "repositories", "--json", org, requestIds.get(0).toString())));
    assertEquals(
        java.util.Set.of("a", "b"),
        names(
            ok(
                "request",
                "repositories",
                "--json",
                org,
                requestIds.get(0).toString(),
                "--per-page",
                "1",
                "--all")));
    assertEquals(
        java.util.Set.of("a"),
        names(ok("request", "repositories", "--json", org, requestIds.get(1).toString())));
    assertEquals(
        0,
        ok("request", "repositories", "--json", org, requestIds.get(4).toString()).json().size());

    // Usage errors (exit 2) are caught before anything is sent; API errors are exit 1.
    assertEquals(2, run("request", "list", "--json", org, "--direction", "up").code());
    assertEquals(2, run("request", "list", "--json", org, "--per-page", "0").code());
    assertEquals(2, run("request", "list", "--json", org, "--per-page", "101").code());
    assertEquals(2, run("request", "list", "--json", org, "--page", "0").code());
    Run when = run("grant", "list", "--json", org, "--last-used-before", "yesterday");
    assertEquals(2, when.code(), when::toString);
    assertTrue(when.err().contains("ISO 8601"), when::toString);
    List<String> eleven = new ArrayList<>(List.of("request", "list", org));
    for (int i = 0; i < 11; i++) {
      eleven.add("--owner");
      eleven.add("u" + i);
    }
    Run tooMany = run(eleven.toArray(new String[0]));
    assertEquals(1, tooMany.code(), tooMany::toString);
    assertTrue(tooMany.err().startsWith("error: 422 "), tooMany::toString);
    assertTrue(tooMany.err().contains("owner takes at most 10 values"), tooMany::toString);
    assertEquals("", tooMany.out());
    Run missing = run("request", "list", "--json", unique("noorg"));
    assertEquals(1, missing.code(), missing::toString);
    assertTrue(missing.err().startsWith("error: 404 "), missing::toString);
    Run gone = run("request", "repositories", "--json", org, "99999999");
    assertEquals(1, gone.code(), gone::toString);
    assertTrue(gone.err().startsWith("error: 404 "), gone::toString);
    assertEquals(2, run("request", "repositories", "--json", org, "twelve").code());
  }

  @Test
  void listsGrantsTheirRepositoriesAndLastUse() throws Exception {
    String owner = unique("gown");
    String dev = unique("gmem");
    String org = unique("gorg");
    ok("user", "create", owner);
    ok("user", "create", dev);
    ok("org", "create", org, "--admin", owner);
    ok("org", "add-member", org, dev);
    ok("repo", "create", org + "/a", "--visibility", "private");
    ok("repo", "create", org + "/b", "--visibility", "private");
    JsonNode used =
        orgToken(dev, org, "--repository-selection", "all", "--permission", "contents=read");
    JsonNode idle =
        orgToken(
            dev,
            org,
            "--repository-selection",
            "subset",
            "--repository",
            "b",
            "--permission",
            "contents=read");
    JsonNode pending =
        orgToken(dev, org, "--repository-selection", "all", "--permission", "contents=read");
    assertEquals(List.of(), ids(ok("grant", "list", "--json", org)));
    ok(
        "request",
        "approve",
        org,
        used.get("request").get("id").asText(),
        idle.get("request").get("id").asText());

    List<Long> grantIds = List.of(idle.get("id").asLong(), used.get("id").asLong());
    assertEquals(
        grantIds,
        ids(ok("grant", "list", "--json", org)),
        "newest first; the pending request is no grant");
    assertEquals(grantIds, ids(ok("grant", "list", "--json", org, "--per-page", "1", "--all")));
    assertEquals(
        List.of(used.get("id").asLong()),
        ids(ok("grant", "list", "--json", org, "--direction", "asc", "--per-page", "1")));
    assertEquals(grantIds, ids(ok("grant", "list", "--json", org, "--repository", "b")));
    assertEquals(
        List.of(used.get("id").asLong()),
        ids(ok("grant", "list", "--json", org, "--repository", "a", "--owner", dev)));
    assertEquals(
        List.of(idle.get("id").asLong()),
        ids(
            ok(
                "grant",
                "list",
                "--json",
                org,
                "--token-id",
                idle.get("id").asText(),
                "--permission",
                "contents_read")));
    assertEquals(
        java.util.Set.of("a", "b"),
        names(ok("grant", "repositories", "--json", org, used.get("id").asText())));
    assertEquals(
        java.util.Set.of("b"),
        names(
            ok(
                "grant",
                "repositories",
                "--json",
                org,
                idle.get("id").asText(),
                "--per-page",
                "1",
                "--all")));

    // Real git use shows in token_last_used_at, and the last-used filters honour it.
    String before =
        java.time.Instant.now()
            .truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
            .minusSeconds(1)
            .toString();
    gitUse(dev, used.get("token").asText(), org + "/a");
    String after =
        java.time.Instant.now()
            .truncatedTo(java.time.temporal.ChronoUnit.SECONDS)
            .plusSeconds(2)
            .toString();
    Run listed = ok("grant", "list", "--json", org);
    JsonNode usedRow = listed.json().get(1);
    assertEquals(used.get("id").asLong(), usedRow.get("id").asLong());
    assertFalse(usedRow.get("token_last_used_at").isNull(), listed::toString);
    assertTrue(listed.json().get(0).get("token_last_used_at").isNull(), listed::toString);
    assertEquals(
        List.of(used.get("id").asLong()),
        ids(ok("grant", "list", "--json", org, "--last-used-after", before)));
    assertEquals(
        List.of(used.get("id").asLong()),
        ids(
            ok(
                "grant",
                "list",
                "--json",
                org,
                "--last-used-before",
                after,
                "--last-used-after",
                before)));
    assertEquals(List.of(), ids(ok("grant", "list", "--json", org, "--last-used-before", before)));
    assertEquals(List.of(), ids(ok("grant", "list", "--json", org, "--last-used-after", after)));

    ok("grant", "revoke", org, used.get("id").asText());
    assertEquals(List.of(idle.get("id").asLong()), ids(ok("grant", "list", "--json", org)));
    Run revoked = run("grant", "repositories", "--json", org, used.get("id").asText());
    assertEquals(1, revoked.code(), revoked::toString);
    assertTrue(revoked.err().startsWith("error: 404 "), revoked::toString);
    assertEquals(
        List.of(pending.get("request").get("id").asLong()),
        ids(ok("request", "list", "--json", org)));
  }

  @Test
  void nextLinksAreFollowedOnlyUnderTheApiRoot() {
    java.net.URI root = java.net.URI.create("https://gw.example:8443/api/v3");
    assertEquals(
        "/orgs/o/personal-access-tokens?per_page=2&page=3",
        PagedCommand.next(
            root,
            "<https://gw.example:8443/api/v3/orgs/o/personal-access-tokens?per_page=2&page=3>; rel=\"next\", "
                + "<https://gw.example:8443/api/v3/orgs/o/personal-access-tokens?per_page=2&page=9>; rel=\"last\""));
    assertEquals(
        "/orgs/o/x?owner=a,b&page=2",
        PagedCommand.next(
            root,
            "<https://gw.example:8443/api/v3/orgs/o/x?owner=a,b&page=1>; rel=\"prev\", <http://other:1/api/v3/orgs/o/x?owner=a,b&page=2>; rel=\"next\""),
        "only the path and query are kept: the token goes to the configured gateway only");
    assertEquals(
        null, PagedCommand.next(root, "<https://gw.example:8443/api/v3/x?page=1>; rel=\"prev\""));
    assertEquals(null, PagedCommand.next(root, null));
    Throwable outside =
        org.junit.jupiter.api.Assertions.assertThrows(
            ApiClient.Failure.class,
            () ->
                PagedCommand.next(
                    root, "<https://gw.example:8443/elsewhere?page=2>; rel=\"next\""));
    assertTrue(outside.getMessage().contains("outside its API"), outside::getMessage);
  }

  // ------------------------------------------------------------------ notifications

  @Test
  void notifyDigestQueuesTodaysDigestOnceAndNeedsASiteAdministrator() {
    String owner = unique("digestowner");
    String member = unique("digestmember");
    String org = unique("digestorg");
    ok("user", "create", owner, "--email", owner + "@example.test");
    ok("user", "create", member);
    ok("org", "create", org, "--admin", owner);
    ok("org", "add-member", org, member, "--role", "member");
    ok(
        "token",
        "create",
        member,
        "--type",
        "fine-grained",
        "--name",
        "ci",
        "--resource-owner",
        org,
        "--repository-selection",
        "all",
        "--permission",
        "contents=read",
        "--reason",
        "nightly builds");
    Run first = ok("notify", "digest");
    assertTrue(first.out().matches("(?s)queued [0-9]+ digests?; .*"), first::toString);
    Run again = ok("notify", "digest");
    assertEquals(
        "no digest to send: nothing is pending, or today's went out already",
        again.out().strip(),
        again::toString);
    String plaintext =
        ok("token", "create", member, "--type", "classic", "--name", "own", "-q").out().strip();
    Run refused = run("notify", "digest", "--token", plaintext);
    assertEquals(1, refused.code(), refused::toString);
    assertTrue(refused.err().startsWith("error: 403 "), refused::toString);
  }

  // ------------------------------------------------------------------ credentials

  @Test
  void revokesCredentialsReadFromStandardInput() {
    String login = unique("leaky");
    ok("user", "create", login);
    String plaintext =
        ok("token", "create", login, "--type", "classic", "--name", "leaked", "-q").out().strip();

    // A non-admin's token is refused with 403 while it is valid, and 401 once revoked.
    Run before = run("token", "list", "--json", login, "--token", plaintext);
    assertEquals(1, before.code(), before::toString);
    assertTrue(before.err().startsWith("error: 403 "), before::toString);

    InputStream stdin = System.in;
    Run revoked;
    try {
      System.setIn(
          new ByteArrayInputStream(
              ("# leaked in a log\n" + plaintext + "\n\n").getBytes(StandardCharsets.UTF_8)));
      revoked = run("credentials", "revoke");
    } finally {
      System.setIn(stdin);
    }
    assertEquals(0, revoked.code(), revoked::toString);
    assertFalse(
        revoked.out().contains(plaintext) || revoked.err().contains(plaintext), revoked::toString);
    assertTrue(revoked.out().startsWith("submitted 1 credential"), revoked::toString);
    assertEquals("", revoked.err());

    Run after = run("token", "list", "--json", login, "--token", plaintext);
    assertEquals(1, after.code(), after::toString);
    assertTrue(after.err().startsWith("error: 401 "), after::toString);
    assertEquals(0, ok("token", "list", "--json", login).json().size());
  }

  @Test
  void credentialsRevokeNeedsNoTokenButSomeInput(@TempDir Path elsewhere) throws Exception {
    // No admin-token in this data directory: revoking needs only the endpoint.
    Files.copy(data.resolve(Gateway.ENDPOINT_FILE), elsewhere.resolve(Gateway.ENDPOINT_FILE));
    Run r = runRaw("credentials", "revoke", "pcc_not_a_real_token", "--data", elsewhere.toString());
    assertEquals(0, r.code(), r::toString);

    InputStream stdin = System.in;
    try {
      System.setIn(new ByteArrayInputStream(new byte[0]));
      assertEquals(2, run("credentials", "revoke").code());
    } finally {
      System.setIn(stdin);
    }
  }

  @Test
  void aBareCommandGroupIsAUsageError() {
    assertEquals(2, runRaw("org").code());
    Run help = runRaw("token", "create", "--help");
    assertEquals(0, help.code());
    assertTrue(help.out().contains("--permission=NAME=LEVEL"), help::toString);
  }

  // ------------------------------------------------------------------ deletions and spellings

  @Test
  void deletesRepositoriesOrganizationsAndUsersOnlyWithYes() {
    String[] om = orgWithMember();
    String org = om[0];
    String member = om[1];
    ok("repo", "create", org + "/doomed", "--visibility", "private");

    Run unconfirmed = run("repo", "delete", org + "/doomed");
    assertEquals(2, unconfirmed.code(), unconfirmed::toString);
    assertTrue(unconfirmed.err().contains("add --yes to delete"), unconfirmed::toString);
    assertEquals(2, run("org", "delete", org).code());
    assertEquals(2, run("user", "delete", member).code());
    ok("repo", "list", org);

    Run repo = ok("repo", "delete", org + "/doomed", "--yes");
    assertEquals("deleted repository " + org + "/doomed\n", repo.out(), repo::toString);
    assertEquals("", repo.err());
    Run org1 = ok("org", "delete", org, "--yes");
    assertEquals("deleted organization " + org + "\n", org1.out(), org1::toString);
    Run user = ok("user", "delete", member, "--yes");
    assertEquals("deleted user " + member + "\n", user.out(), user::toString);
    Run again = run("user", "delete", member, "--yes");
    assertEquals(1, again.code(), again::toString);
    assertTrue(again.err().startsWith("error: 404 "), again::toString);
    assertFalse(
        ok("org", "list", "--json").json().findValuesAsText("login").contains(org),
        "the organization is gone");
  }

  @Test
  void fineGrainedIsAcceptedWithAHyphenAndPermissionsInEitherSpelling() {
    String[] om = orgWithMember();
    Run created =
        ok(
            "token",
            "create",
            om[1],
            "--type",
            "fine-grained",
            "--name",
            "hyphen",
            "--resource-owner",
            om[0],
            "--repository-selection",
            "all",
            "--permission",
            "contents_read",
            "--reason",
            "builds");
    assertEquals("fine_grained", created.json().get("type").asText(), created::toString);
    assertEquals(
        "read", created.json().get("permissions").get("contents").asText(), created::toString);
    String id = created.json().get("request").get("id").asText();
    for (String spelling : List.of("contents=read", "contents_read", "contents:read")) {
      Run listed = ok("request", "list", om[0], "--json", "--permission", spelling);
      assertEquals(1, listed.json().size(), () -> spelling + ": " + listed);
      assertEquals(id, listed.json().get(0).get("id").asText());
    }
    assertEquals(
        0, ok("request", "list", om[0], "--json", "--permission", "contents=write").json().size());
    Run bad = run("request", "list", om[0], "--permission", "contents");
    assertEquals(2, bad.code(), bad::toString);
    assertTrue(bad.err().contains("NAME=LEVEL"), bad::toString);
  }

  @Test
  void dateOnlyValuesStandForMidnightUtc() {
    String[] om = orgWithMember();
    pendingToken(om[0], om[1], "dated");
    // Never used: neither before nor after any time.
    assertEquals(
        0,
        ok("request", "list", om[0], "--json", "--last-used-before", "2999-01-01").json().size());
    ok("audit", "list", "--after", "2026-01-01", "--before", "2999-12-31");
    Run bad = run("request", "list", om[0], "--last-used-before", "2026-13-01");
    assertEquals(2, bad.code(), bad::toString);
    assertTrue(bad.err().contains("ISO 8601 date or date-time"), bad::toString);
  }

  @Test
  void aRepositoryOfNoOneSaysNeitherAnOrganizationNorAUserHasThatLogin() {
    String nobody = unique("globx");
    Run r = run("repo", "create", nobody + "/foo");
    assertEquals(1, r.code(), r::toString);
    assertEquals(
        "error: 404 no organization or user named '" + nobody + "'\n", r.err(), r::toString);
  }

  @Test
  void anApiErrorAboutAJsonFieldNamesTheOption() {
    String login = unique("fld");
    ok("user", "create", login);
    Run r = run("token", "create", login, "--type", "fine-grained", "--name", "x");
    assertEquals(1, r.code(), r::toString);
    assertTrue(
        r.err().contains("  - --repository-selection must be all, subset or none"), r::toString);
    assertFalse(r.err().contains("repository_selection"), r::toString);
    Run subset =
        run(
            "token",
            "create",
            login,
            "--type",
            "fine-grained",
            "--name",
            "x",
            "--repository-selection",
            "subset");
    assertTrue(
        subset
            .err()
            .contains(
                "  - --repository: --repository-selection subset needs at least one repository"),
        subset::toString);
  }

  @Test
  void approveUntilADateAloneLapsesAtItsFirstInstantInUtc() {
    String[] om = orgWithMember();
    String org = om[0];
    JsonNode one = pendingToken(org, om[1], "until-a-date");
    String oneRequest = one.get("request").get("id").asText();
    Run bad = run("request", "approve", org, oneRequest, "--expires-at", "2099-02-30");
    assertEquals(2, bad.code(), bad::toString);
    assertTrue(bad.err().contains("'--expires-at': '2099-02-30'"), bad::toString);
    assertTrue(bad.err().contains("ISO 8601 date or date-time"), bad::toString);
    assertEquals(
        List.of(Long.parseLong(oneRequest)),
        ids(ok("request", "list", "--json", org)),
        "a refused date sends nothing: the request is still pending");

    ok("request", "approve", org, oneRequest, "--expires-at", "2099-01-01");
    // Several requests go to the bulk route, with the same reading of the date.
    JsonNode a = pendingToken(org, om[1], "bulk-a");
    JsonNode b = pendingToken(org, om[1], "bulk-b");
    ok(
        "request",
        "approve",
        org,
        a.get("request").get("id").asText(),
        b.get("request").get("id").asText(),
        "--expires-at",
        " 2099-06-30 ");

    JsonNode tokens = ok("token", "list", "--json", om[1]).json();
    java.util.Map<Long, String> until = new java.util.HashMap<>();
    tokens.forEach(
        t -> until.put(t.get("id").asLong(), t.get("request").get("approval_expires_at").asText()));
    assertEquals("2099-01-01T00:00:00Z", until.get(one.get("id").asLong()), tokens::toString);
    assertEquals("2099-06-30T00:00:00Z", until.get(a.get("id").asLong()), tokens::toString);
    assertEquals("2099-06-30T00:00:00Z", until.get(b.get("id").asLong()), tokens::toString);
  }

  @Test
  void aDateAloneInALastUsedFilterIsThatDaysMidnightUtc() throws Exception {
    String owner = unique("down");
    String dev = unique("dmem");
    String org = unique("dorg");
    ok("user", "create", owner);
    ok("user", "create", dev);
    ok("org", "create", org, "--admin", owner);
    ok("org", "add-member", org, dev);
    ok("repo", "create", org + "/a", "--visibility", "private");
    JsonNode used =
        orgToken(dev, org, "--repository-selection", "all", "--permission", "contents=read");
    ok("request", "approve", org, used.get("request").get("id").asText());
    gitUse(dev, used.get("token").asText(), org + "/a");
    Run listed = ok("grant", "list", "--json", org);
    java.time.Instant lastUsed =
        java.time.Instant.parse(listed.json().get(0).get("token_last_used_at").asText());
    java.time.LocalDate day = lastUsed.atZone(java.time.ZoneOffset.UTC).toLocalDate();
    String today = day.toString();
    String tomorrow = day.plusDays(1).toString();
    List<Long> it = List.of(used.get("id").asLong());

    // The use falls in [today 00:00Z, tomorrow 00:00Z): a date is the start of its UTC day, not
    // its end nor a local midnight.
    assertEquals(it, ids(ok("grant", "list", "--json", org, "--last-used-after", today)));
    assertEquals(List.of(), ids(ok("grant", "list", "--json", org, "--last-used-before", today)));
    assertEquals(it, ids(ok("grant", "list", "--json", org, "--last-used-before", tomorrow)));
    assertEquals(List.of(), ids(ok("grant", "list", "--json", org, "--last-used-after", tomorrow)));
    // The same answers as the instants written out.
    assertEquals(
        it,
        ids(
            ok(
                "grant",
                "list",
                "--json",
                org,
                "--last-used-after",
                today + "T00:00:00Z",
                "--last-used-before",
                tomorrow + "T00:00:00Z")));
    assertEquals(
        it,
        ids(
            ok(
                "grant",
                "list",
                "--json",
                org,
                "--last-used-after",
                today,
                "--last-used-before",
                tomorrow)));
  }
}
