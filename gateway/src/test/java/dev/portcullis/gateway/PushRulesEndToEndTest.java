package dev.portcullis.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.policy.model.Repository;
import dev.portcullis.policy.token.TokenFormat;
import dev.portcullis.policy.token.TokenKind;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rules on pushed content with the real {@code git} CLI: rule 8 (workflow files need the
 * workflow scope or permission) and push protection (a checksum-valid token of this gateway in a
 * pushed file refuses the push, a repository admin may bypass it, a live token bypassed into a
 * public repository is revoked). Every refusal leaves the refs where they were and the repository
 * clean for {@code git fsck}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PushRulesEndToEndTest {
  private static final String CI = ".github/workflows/ci.yml";

  @TempDir static Path tmp;
  private Gateway gateway;
  private TestApi api;
  private TestGit git;
  private final AtomicInteger seq = new AtomicInteger();

  @BeforeAll
  void start() throws Exception {
    gateway = Gateway.start(GatewayConfig.defaults(tmp.resolve("data")).withPorts(0, 0));
    String admin = Files.readString(tmp.resolve("data").resolve(Gateway.ADMIN_TOKEN_FILE)).strip();
    api = new TestApi(gateway.httpUrl(), admin);
    git = new TestGit(tmp.resolve("home"), Map.of());
  }

  @AfterAll
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
  }

  // ------------------------------------------------------------------ fixtures

  private String user() {
    String login = "u" + seq.incrementAndGet();
    api.expect(201, "POST", "/admin/users", Map.of("login", login));
    return login;
  }

  /** A repository of {@code owner} (a user) with a README on main. */
  private String repo(String owner, String visibility) throws IOException {
    String name = "r" + seq.incrementAndGet();
    api.expect(
        201,
        "POST",
        "/admin/users/" + owner + "/repos",
        Map.of("name", name, "visibility", visibility));
    Repository repo = gateway.admin().directory().repository(owner, name);
    gateway.storage().seedReadme(repo, "# " + name + "\n");
    return owner + "/" + name;
  }

  private String classic(String login, String... scopes) {
    return api.expect(
            201,
            "POST",
            "/admin/users/" + login + "/personal-access-tokens",
            Map.of(
                "type",
                "classic",
                "name",
                "t" + seq.incrementAndGet(),
                "scopes",
                List.of(scopes),
                "expires_in",
                30))
        .get("token")
        .asText();
  }

  /** A fine-grained token of {@code login} on their own repositories. */
  private String fineGrained(String login, Map<String, String> permissions) {
    Map<String, Object> body = new HashMap<>();
    body.put("type", "fine_grained");
    body.put("name", "t" + seq.incrementAndGet());
    body.put("resource_owner", login);
    body.put("repository_selection", "all");
    body.put("repositories", List.of());
    body.put("permissions", permissions);
    body.put("expires_in", 30);
    return api.expect(201, "POST", "/admin/users/" + login + "/personal-access-tokens", body)
        .get("token")
        .asText();
  }

  private String url(String user, String token, String repo) {
    return gateway.httpUrl().replace("http://", "http://" + user + ":" + token + "@")
        + "/"
        + repo
        + ".git";
  }

  /** A clone of {@code repo} to work in. */
  private Path clone(String user, String token, String repo) throws IOException {
    Path dir = Files.createTempDirectory(tmp, "w");
    TestGit.Result r = git.run(dir, "clone", "-q", url(user, token, repo), "w");
    assertTrue(r.ok(), r::toString);
    return dir.resolve("w");
  }

  /** Writes {@code files} (path → content, null deletes) and commits them. */
  private void commit(Path work, Map<String, String> files) throws IOException {
    for (Map.Entry<String, String> f : files.entrySet()) {
      Path p = work.resolve(f.getKey());
      if (f.getValue() == null) {
        Files.delete(p);
      } else {
        Files.createDirectories(p.getParent());
        Files.writeString(p, f.getValue(), StandardCharsets.UTF_8);
      }
    }
    TestGit.Result add = git.run(work, "add", "-A");
    assertTrue(add.ok(), add::toString);
    TestGit.Result c = git.run(work, "commit", "-q", "-m", "change " + seq.incrementAndGet());
    assertTrue(c.ok(), c::toString);
  }

  private TestGit.Result push(Path work, String... args) {
    List<String> all = new ArrayList<>(List.of("push"));
    all.addAll(List.of(args));
    return git.run(work, all.toArray(String[]::new));
  }

  /** The id of the commit checked out in {@code work}. */
  private String head(Path work) {
    TestGit.Result r = git.run(work, "rev-parse", "HEAD");
    assertTrue(r.ok(), r::toString);
    return r.output().strip();
  }

  private ObjectId ref(String repo, String name) throws IOException {
    String[] parts = repo.split("/");
    try (org.eclipse.jgit.lib.Repository db =
        gateway.storage().open(gateway.admin().directory().repository(parts[0], parts[1]))) {
      Ref r = db.exactRef(name);
      return r == null ? null : r.getObjectId();
    }
  }

  private void assertFsckClean(String repo) throws IOException {
    String[] parts = repo.split("/");
    Path bare =
        gateway.storage().pathOf(gateway.admin().directory().repository(parts[0], parts[1]));
    TestGit.Result fsck = git.run(bare, "fsck", "--no-progress");
    assertTrue(fsck.ok(), fsck::toString);
    assertFalse(fsck.output().contains("error"), fsck::toString);
  }

  /** The admin audit rows with {@code action}, newest first. */
  private List<JsonNode> audited(String action) throws InterruptedException {
    assertTrue(gateway.audit().flush(Duration.ofSeconds(10)), "the audit log drains");
    List<JsonNode> rows = new ArrayList<>();
    for (JsonNode row : api.expect(200, "GET", "/admin/audit-log?kind=admin&per_page=100", null)) {
      if (action.equals(row.get("action").asText())) {
        rows.add(row);
      }
    }
    return rows;
  }

  private static String workflowRefusal(String path, String needs) {
    return "refusing to allow a Personal Access Token to create or update workflow `"
        + path
        + "` without `"
        + needs;
  }

  private static String wrongChecksum(String token) {
    char last = token.charAt(token.length() - 1);
    return token.substring(0, token.length() - 1) + (last == 'a' ? 'b' : 'a');
  }

  // ------------------------------------------------------------------ rule 8

  @Test
  void aFineGrainedTokenNeedsWorkflowsWriteToAddAWorkflow() throws IOException {
    String owner = user();
    String repo = repo(owner, "private");
    String contentsOnly = fineGrained(owner, Map.of("contents", "write"));
    Path work = clone(owner, contentsOnly, repo);
    commit(work, Map.of(CI, "on: push\n"));
    ObjectId before = ref(repo, "refs/heads/main");

    TestGit.Result refused = push(work, "origin", "HEAD:main");
    assertFalse(refused.ok(), refused::toString);
    assertTrue(
        refused.output().contains(workflowRefusal(CI, "workflows` permission")), refused::toString);
    assertEquals(before, ref(repo, "refs/heads/main"), "main did not move");
    assertFsckClean(repo);

    String withWorkflows = fineGrained(owner, Map.of("contents", "write", "workflows", "write"));
    TestGit.Result ok = push(work, url(owner, withWorkflows, repo), "HEAD:main");
    assertTrue(ok.ok(), ok::toString);
  }

  @Test
  void aClassicTokenNeedsTheWorkflowScopeToChangeOrDeleteAWorkflow() throws IOException {
    String owner = user();
    String repo = repo(owner, "private");
    String full = classic(owner, "repo", "workflow");
    String repoOnly = classic(owner, "repo");
    Path seed = clone(owner, full, repo);
    commit(seed, Map.of(CI, "on: push\n"));
    assertTrue(push(seed, "origin", "HEAD:main").ok());

    Path work = clone(owner, repoOnly, repo);
    commit(work, Map.of(CI, "on: pull_request\n"));
    TestGit.Result changed = push(work, "origin", "HEAD:main");
    assertFalse(changed.ok(), changed::toString);
    assertTrue(
        changed.output().contains(workflowRefusal(CI, "workflow` scope")), changed::toString);

    Path deleting = clone(owner, repoOnly, repo);
    Map<String, String> delete = new HashMap<>();
    delete.put(CI, null);
    commit(deleting, delete);
    TestGit.Result deleted = push(deleting, "origin", "HEAD:main");
    assertFalse(deleted.ok(), deleted::toString);
    assertTrue(
        deleted.output().contains(workflowRefusal(CI, "workflow` scope")), deleted::toString);
    assertFsckClean(repo);

    TestGit.Result ok = push(work, url(owner, full, repo), "HEAD:main");
    assertTrue(ok.ok(), ok::toString);
  }

  @Test
  void otherDirectoriesNamedLikeWorkflowsPass() throws IOException {
    String owner = user();
    String repo = repo(owner, "private");
    Path work = clone(owner, classic(owner, "repo"), repo);
    commit(work, Map.of(".github/other/ci.yml", "x\n", "docs/workflows/ci.yml", "x\n"));
    TestGit.Result ok = push(work, "origin", "HEAD:main");
    assertTrue(ok.ok(), ok::toString);
  }

  @Test
  void movingARefOntoCommitsTheServerHasIsJudgedOnWhatTheRefHadNotBefore() throws IOException {
    String owner = user();
    String repo = repo(owner, "private");
    String full = classic(owner, "repo", "workflow");
    String repoOnly = classic(owner, "repo");
    Path work = clone(owner, full, repo);
    assertTrue(git.run(work, "checkout", "-q", "-b", "feature").ok());
    commit(work, Map.of(CI, "on: push\n"));
    commit(work, Map.of("notes.txt", "after the workflow\n"));
    TestGit.Result seeded = push(work, "origin", "feature");
    assertTrue(seeded.ok(), seeded::toString);
    ObjectId main = ref(repo, "refs/heads/main");

    // feature's commits are all on the server already; main has not had them.
    TestGit.Result moved = push(work, url(owner, repoOnly, repo), "feature:main");
    assertFalse(moved.ok(), moved::toString);
    assertTrue(moved.output().contains(workflowRefusal(CI, "workflow` scope")), moved::toString);
    assertTrue(moved.output().contains("[remote rejected] feature -> main"), moved::toString);
    assertEquals(main, ref(repo, "refs/heads/main"), "main did not move");
    assertFsckClean(repo);

    // A new branch at a commit an existing ref has brings no commit.
    TestGit.Result copy = push(work, url(owner, repoOnly, repo), "feature:refs/heads/copy");
    assertTrue(copy.ok(), copy::toString);
    assertEquals(ref(repo, "refs/heads/feature"), ref(repo, "refs/heads/copy"));

    TestGit.Result ok = push(work, url(owner, full, repo), "feature:main");
    assertTrue(ok.ok(), ok::toString);
    assertEquals(ref(repo, "refs/heads/feature"), ref(repo, "refs/heads/main"));
  }

  @Test
  void aForcePushThatDropsAWorkflowChangeNeedsThePermission() throws IOException {
    String owner = user();
    String repo = repo(owner, "private");
    String full = classic(owner, "repo", "workflow");
    String repoOnly = classic(owner, "repo");
    Path work = clone(owner, full, repo);
    String base = head(work);
    commit(work, Map.of(CI, "on: push\n"));
    commit(work, Map.of("notes.txt", "after the workflow\n"));
    assertTrue(push(work, "origin", "HEAD:main").ok());
    ObjectId main = ref(repo, "refs/heads/main");

    // Rewinding main past the commit that added ci.yml brings no commit but removes the file.
    TestGit.Result rewound = push(work, "--force", url(owner, repoOnly, repo), base + ":main");
    assertFalse(rewound.ok(), rewound::toString);
    assertTrue(
        rewound.output().contains(workflowRefusal(CI, "workflow` scope")), rewound::toString);
    assertEquals(main, ref(repo, "refs/heads/main"), "main did not move");

    // So does a force-push to a side branch that never had it.
    assertTrue(git.run(work, "checkout", "-q", "-b", "side", base).ok());
    commit(work, Map.of("side.txt", "no workflows here\n"));
    TestGit.Result side = push(work, "--force", url(owner, repoOnly, repo), "side:main");
    assertFalse(side.ok(), side::toString);
    assertTrue(side.output().contains(workflowRefusal(CI, "workflow` scope")), side::toString);
    assertEquals(main, ref(repo, "refs/heads/main"), "main did not move");
    assertFsckClean(repo);

    TestGit.Result ok = push(work, "--force", url(owner, full, repo), base + ":main");
    assertTrue(ok.ok(), ok::toString);
    assertEquals(ObjectId.fromString(base), ref(repo, "refs/heads/main"));
  }

  @Test
  void aForcePushRewindingPastOtherChangesPasses() throws IOException {
    String owner = user();
    String repo = repo(owner, "private");
    String full = classic(owner, "repo", "workflow");
    Path seed = clone(owner, full, repo);
    commit(seed, Map.of(CI, "on: push\n"));
    assertTrue(push(seed, "origin", "HEAD:main").ok());

    Path work = clone(owner, classic(owner, "repo"), repo);
    String base = head(work);
    commit(work, Map.of("notes.txt", "one\n"));
    commit(work, Map.of("notes.txt", "two\n", ".github/other/ci.yml", "x\n"));
    TestGit.Result pushed = push(work, "origin", "HEAD:main");
    assertTrue(pushed.ok(), pushed::toString);

    TestGit.Result rewound = push(work, "--force", "origin", base + ":main");
    assertTrue(rewound.ok(), rewound::toString);
    assertEquals(ObjectId.fromString(base), ref(repo, "refs/heads/main"));
    assertFsckClean(repo);
  }

  @Test
  void aNewBranchIsJudgedOnTheCommitsNoExistingRefHas() throws IOException {
    String owner = user();
    String repo = repo(owner, "private");
    Path work = clone(owner, classic(owner, "repo"), repo);
    commit(work, Map.of(CI, "on: push\n"));
    TestGit.Result r = push(work, "origin", "HEAD:refs/heads/ci");
    assertFalse(r.ok(), r::toString);
    assertTrue(r.output().contains(workflowRefusal(CI, "workflow` scope")), r::toString);
    assertNull(ref(repo, "refs/heads/ci"));

    TestGit.Result existing = push(work, "origin", "origin/main:refs/heads/from-main");
    assertTrue(existing.ok(), existing::toString);
    assertEquals(ref(repo, "refs/heads/main"), ref(repo, "refs/heads/from-main"));
    assertFsckClean(repo);
  }

  @Test
  void rule8InAPushOfTwoRefsFollowsGitsAtomicRules() throws IOException {
    String owner = user();
    String repo = repo(owner, "private");
    Path work = clone(owner, classic(owner, "repo"), repo);
    commit(work, Map.of("clean.txt", "fine\n"));
    assertTrue(git.run(work, "branch", "clean").ok());
    commit(work, Map.of(CI, "on: push\n"));

    TestGit.Result atomic =
        push(work, "--atomic", "origin", "clean:refs/heads/a-clean", "HEAD:refs/heads/a-ci");
    assertFalse(atomic.ok(), atomic::toString);
    assertTrue(atomic.output().contains(workflowRefusal(CI, "workflow` scope")), atomic::toString);
    assertNull(ref(repo, "refs/heads/a-clean"), atomic::toString);
    assertNull(ref(repo, "refs/heads/a-ci"));

    TestGit.Result each = push(work, "origin", "clean:refs/heads/b-clean", "HEAD:refs/heads/b-ci");
    assertFalse(each.ok(), each::toString);
    assertTrue(
        each.output()
            .contains(
                "[remote rejected] HEAD -> b-ci (" + workflowRefusal(CI, "workflow` scope") + ")"),
        each::toString);
    ObjectId clean = ObjectId.fromString(git.run(work, "rev-parse", "clean").output().strip());
    assertEquals(clean, ref(repo, "refs/heads/b-clean"), each::toString);
    assertNull(ref(repo, "refs/heads/b-ci"));
    assertFsckClean(repo);
  }

  // ------------------------------------------------------------------ push protection

  @Test
  void aPushCarryingATokenIsRefusedWithItsPlaceAndTheTokenMasked() throws Exception {
    String owner = user();
    String repo = repo(owner, "private");
    String token = classic(owner, "repo");
    String leaked = classic(owner, "repo");
    Path work = clone(owner, token, repo);
    commit(work, Map.of("config/.env", "# settings\nGATEWAY_TOKEN=" + leaked + "\n"));
    ObjectId before = ref(repo, "refs/heads/main");

    TestGit.Result r = push(work, "origin", "HEAD:main");
    assertFalse(r.ok(), r::toString);
    assertTrue(
        r.output().contains("commit " + head(work).substring(0, 10) + " config/.env:2"),
        r::toString);
    assertTrue(r.output().contains("pcc_…" + leaked.substring(leaked.length() - 4)), r::toString);
    assertTrue(r.output().contains("secret-scanning.bypass=<reason>"), r::toString);
    assertFalse(r.output().contains(leaked.substring(4, 36)), "never the whole token");
    assertEquals(before, ref(repo, "refs/heads/main"));
    assertFsckClean(repo);
    assertTrue(
        audited("token.leak_pushed").stream()
            .anyMatch(row -> row.get("after").asText().contains(repo)),
        "the live token's leak is audited");
  }

  @Test
  void aLookAlikeWithAWrongChecksumPasses() throws IOException {
    String owner = user();
    String repo = repo(owner, "private");
    Path work = clone(owner, classic(owner, "repo"), repo);
    String fixture =
        wrongChecksum(TokenFormat.generate(TokenKind.FINE_GRAINED, new SecureRandom()));
    commit(work, Map.of("config/.env", "GATEWAY_TOKEN=" + fixture + "\n"));
    TestGit.Result ok = push(work, "origin", "HEAD:main");
    assertTrue(ok.ok(), ok::toString);
  }

  @Test
  void aRepositoryAdminMayBypassAndTheBypassIsAudited() throws Exception {
    String owner = user();
    String repo = repo(owner, "private");
    String leaked = classic(owner, "repo");
    Path work = clone(owner, classic(owner, "repo"), repo);
    commit(work, Map.of("config/.env", "T=" + leaked + "\n"));
    String reason = "test fixture " + seq.incrementAndGet();
    TestGit.Result ok = push(work, "-o", "secret-scanning.bypass=" + reason, "origin", "HEAD:main");
    assertTrue(ok.ok(), ok::toString);
    List<JsonNode> bypasses = audited("repo.push_protection_bypass");
    assertTrue(
        bypasses.stream()
            .anyMatch(
                b ->
                    b.get("target").asText().equals("repo:" + repo)
                        && b.get("after").asText().contains(reason)
                        && b.get("actor").asText().equals(owner)),
        bypasses::toString);
    // A private repository: the token stays valid.
    assertTrue(git.run(tmp, "ls-remote", url(owner, leaked, repo)).ok());
  }

  @Test
  void aBypassFromSomeoneWhoIsNotARepositoryAdminIsRefused() throws IOException {
    String owner = user();
    String writer = user();
    String repo = repo(owner, "private");
    api.expect(
        201,
        "PUT",
        "/repos/" + repo + "/collaborators/" + writer,
        Map.of("permission", "maintain"));
    String token = classic(writer, "repo");
    Path work = clone(writer, token, repo);
    commit(work, Map.of("config/.env", "T=" + classic(writer, "repo") + "\n"));
    TestGit.Result r = push(work, "-o", "secret-scanning.bypass=because", "origin", "HEAD:main");
    assertFalse(r.ok(), r::toString);
    assertTrue(
        r.output().contains("only a repository admin may bypass push protection"), r::toString);
  }

  @Test
  void aLiveTokenBypassedIntoAPublicRepositoryIsRevoked() throws Exception {
    String owner = user();
    String repo = repo(owner, "public");
    String leaked = classic(owner, "repo");
    String other = repo(owner, "private");
    assertTrue(git.run(tmp, "ls-remote", url(owner, leaked, other)).ok(), "live before");
    Path work = clone(owner, classic(owner, "repo"), repo);
    commit(work, Map.of("config/.env", "T=" + leaked + "\n"));
    TestGit.Result ok = push(work, "-o", "secret-scanning.bypass=demo data", "origin", "HEAD:main");
    assertTrue(ok.ok(), ok::toString);

    Path dir = Files.createTempDirectory(tmp, "after");
    TestGit.Result clone = git.run(dir, "clone", "-q", url(owner, leaked, other), "w");
    assertFalse(clone.ok(), clone::toString);
    assertTrue(clone.output().contains("Authentication failed"), "a 401: " + clone);
    assertFalse(audited("token.revoke_leaked").isEmpty());
  }

  @Test
  void anOrganizationMayTurnPushProtectionOff() throws IOException {
    String owner = user();
    String org = "o" + seq.incrementAndGet();
    api.expect(201, "POST", "/admin/organizations", Map.of("login", org, "admin", owner));
    api.expect(
        201, "POST", "/orgs/" + org + "/repos", Map.of("name", "app", "visibility", "private"));
    gateway.storage().seedReadme(gateway.admin().directory().repository(org, "app"), "# app\n");
    String repo = org + "/app";
    String token = classic(owner, "repo");
    Path work = clone(owner, token, repo);
    commit(work, Map.of("config/.env", "T=" + classic(owner, "repo") + "\n"));
    assertFalse(push(work, "origin", "HEAD:main").ok(), "enabled by default");

    JsonNode policy =
        api.expect(
            200,
            "PUT",
            "/orgs/" + org + "/personal-access-token-policy",
            Map.of("push_protection", "disabled"));
    assertEquals("disabled", policy.get("push_protection").asText());
    TestGit.Result ok = push(work, "origin", "HEAD:main");
    assertTrue(ok.ok(), ok::toString);
  }

  // ------------------------------------------------------------------ several refs

  @Test
  void anAtomicPushIsRefusedWholeAndAnotherOnlyForTheOffendingRef() throws IOException {
    String owner = user();
    String repo = repo(owner, "private");
    Path work = clone(owner, classic(owner, "repo"), repo);
    commit(work, Map.of("clean.txt", "fine\n"));
    assertTrue(git.run(work, "branch", "clean").ok());
    commit(work, Map.of("config/.env", "T=" + classic(owner, "repo") + "\n"));

    TestGit.Result atomic =
        push(work, "--atomic", "origin", "clean:refs/heads/a-clean", "HEAD:refs/heads/a-leak");
    assertFalse(atomic.ok(), atomic::toString);
    assertNull(ref(repo, "refs/heads/a-clean"), atomic::toString);
    assertNull(ref(repo, "refs/heads/a-leak"));

    TestGit.Result each =
        push(work, "origin", "clean:refs/heads/b-clean", "HEAD:refs/heads/b-leak");
    assertFalse(each.ok(), each::toString);
    assertTrue(each.output().contains("push protection"), each::toString);
    assertNotNull(ref(repo, "refs/heads/b-clean"), each::toString);
    assertNull(ref(repo, "refs/heads/b-leak"));
    assertFsckClean(repo);
  }
}
