package dev.portcullis.gateway;

import static dev.portcullis.gateway.ApiFixtures.plaintext;
import static dev.portcullis.gateway.ApiFixtures.requestId;
import static dev.portcullis.gateway.ApiFixtures.tokenId;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * GitHub's own JS client, {@code @octokit/rest} unchanged (pinned in src/test/octokit/package.json
 * and its package-lock.json), drives the 8 org token operations of a real in-process gateway:
 * {@code octokit.paginate} follows the {@code Link} headers, the review and revoke methods change
 * what git may do. Node.js 20+ and npm are required: without them this test fails, it never skips.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OctokitCompatibilityTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration NPM_TIMEOUT = Duration.ofMinutes(5);
  private static final Duration NODE_TIMEOUT = Duration.ofMinutes(2);

  @TempDir static Path tmp;

  private Path octokitDir;
  private Gateway gateway;
  private ApiFixtures fx;
  private TestGit git;

  /** What a process did. */
  record Ran(int exit, String stdout, String stderr) {
    @Override
    public String toString() {
      return "exit " + exit + "\n--- stdout\n" + stdout + "\n--- stderr\n" + stderr;
    }
  }

  /**
   * Runs a command in {@code dir}, bounded in time; fails with {@code missing} when it cannot be
   * started.
   */
  private Ran run(
      Path dir, Map<String, String> env, Duration timeout, String missing, String... cmd)
      throws Exception {
    Path out = Files.createTempFile(tmp, "out", ".txt");
    Path err = Files.createTempFile(tmp, "err", ".txt");
    ProcessBuilder pb =
        new ProcessBuilder(cmd)
            .directory(dir.toFile())
            .redirectOutput(out.toFile())
            .redirectError(err.toFile());
    pb.environment().putAll(env);
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      throw new AssertionError(
          missing + " (" + String.join(" ", cmd) + ": " + e.getMessage() + ")", e);
    }
    if (!p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
      fail(
          String.join(" ", cmd)
              + " did not finish within "
              + timeout.toSeconds()
              + " s:\n"
              + Files.readString(out, StandardCharsets.UTF_8)
              + "\n"
              + Files.readString(err, StandardCharsets.UTF_8));
    }
    return new Ran(
        p.exitValue(),
        Files.readString(out, StandardCharsets.UTF_8),
        Files.readString(err, StandardCharsets.UTF_8));
  }

  private static final String NEED_NODE =
      "OctokitCompatibilityTest needs Node.js 20 or later and npm on the PATH "
          + "(e.g. apt-get install nodejs npm); it fails rather than skipping without them";

  @BeforeAll
  void start() throws Exception {
    octokitDir = Path.of("src", "test", "octokit").toAbsolutePath();
    if (!Files.isRegularFile(octokitDir.resolve("package-lock.json"))) {
      octokitDir =
          Path.of(System.getProperty("basedir", "."), "src", "test", "octokit").toAbsolutePath();
    }
    assertTrue(
        Files.isRegularFile(octokitDir.resolve("package-lock.json")),
        "no package-lock.json in " + octokitDir);

    Ran version = run(octokitDir, Map.of(), Duration.ofSeconds(30), NEED_NODE, "node", "--version");
    assertEquals(0, version.exit(), () -> NEED_NODE + ": " + version);
    int major = Integer.parseInt(version.stdout().strip().replaceFirst("^v", "").split("\\.")[0]);
    assertTrue(major >= 20, () -> NEED_NODE + "; found " + version.stdout().strip());

    // The receiver of the webhook check listens on loopback.
    gateway =
        Gateway.start(
            GatewayConfig.defaults(tmp.resolve("data"))
                .withPorts(0, 0)
                .withWebhooks(
                    dev.portcullis.gateway.notify.WebhookSettings.DEFAULT
                        .withAllowPrivate(true)
                        .withPollInterval(Duration.ofMillis(100))));
    String admin = Files.readString(tmp.resolve("data").resolve(Gateway.ADMIN_TOKEN_FILE)).strip();
    fx = new ApiFixtures(gateway, new TestApi(gateway.httpUrl(), admin));
    git = new TestGit(tmp.resolve("home"), Map.of());
  }

  @AfterAll
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
  }

  private TestGit.Result clone(String login, String token, String repoPath) throws IOException {
    Path dir = Files.createTempDirectory(tmp, "clone");
    String host = gateway.httpUrl().substring("http://".length());
    return git.run(
        dir,
        "clone",
        "-q",
        "http://" + login + ":" + token + "@" + host + "/" + repoPath + ".git",
        "w");
  }

  private void assertRefused(String login, JsonNode token, String repoPath, String why)
      throws IOException {
    TestGit.Result r = clone(login, plaintext(token), repoPath);
    assertFalse(r.ok(), () -> "expected a refusal: " + r);
    assertTrue(
        r.output().contains("error: 403") && r.output().contains(why),
        () -> "expected 403 '" + why + "': " + r);
  }

  private static List<Long> longs(JsonNode array) {
    List<Long> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asLong()));
    return out;
  }

  /** Runs a script of src/test/octokit with {@code env}, after one {@code npm ci}. */
  private Ran script(String name, Map<String, String> env) throws Exception {
    Path lockFile = Path.of(System.getProperty("java.io.tmpdir"), "portcullis-octokit-npm.lock");
    try (FileChannel ch =
            FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = ch.lock()) {
      assertTrue(lock.isValid(), "one npm ci at a time in src/test/octokit");
      Ran ci =
          run(octokitDir, Map.of(), NPM_TIMEOUT, NEED_NODE, "npm", "ci", "--no-audit", "--no-fund");
      assertEquals(0, ci.exit(), () -> "npm ci failed: " + ci);
      return run(octokitDir, env, NODE_TIMEOUT, NEED_NODE, "node", name);
    }
  }

  @Test
  void octokitManagesOrgWebhooksUnchanged() throws Exception {
    String owner = fx.user("hookowner");
    String org = fx.org("hooked", owner);
    String ownerToken = plaintext(fx.classic(owner, List.of("admin:org")));
    String secret = "octokit-hook-secret";
    try (WebhookReceiver receiver = new WebhookReceiver()) {
      Ran result =
          script(
              "octokit-hooks.mjs",
              Map.of(
                  "PORTCULLIS_API_URL", gateway.httpUrl() + "/api/v3",
                  "PORTCULLIS_TOKEN", ownerToken,
                  "PORTCULLIS_ORG", org,
                  "PORTCULLIS_HOOK_URL", receiver.url(),
                  "PORTCULLIS_HOOK_SECRET", secret));
      assertEquals(0, result.exit(), () -> "octokit-hooks.mjs failed: " + result);
      JsonNode s = JSON.readTree(result.stdout());
      assertEquals(201, s.at("/created/status").asInt());
      long hookId = s.at("/created/data/id").asLong();
      assertEquals("********", s.at("/created/data/config/secret").asText());
      assertEquals("json", s.at("/got/config/content_type").asText());
      assertEquals(List.of(hookId), longs(s.get("listed")));
      assertEquals(204, s.get("pingStatus").asInt());
      assertEquals("ping", s.at("/deliveries/0/event").asText());
      assertEquals("OK", s.at("/deliveries/0/status").asText());
      assertEquals(200, s.at("/detail/status_code").asInt());
      assertEquals(hookId, s.at("/detail/request/payload/hook_id").asLong());
      assertEquals("ping", s.at("/detail/request/headers/X-GitHub-Event").asText());
      assertEquals(202, s.at("/redeliver/status").asInt());
      JsonNode newest = s.at("/afterRedelivery/0");
      assertTrue(newest.get("redelivery").asBoolean(), newest::toString);
      assertEquals(s.at("/deliveries/0/guid").asText(), newest.get("guid").asText());
      assertFalse(s.at("/updated/active").asBoolean());
      assertEquals(204, s.get("deleteStatus").asInt());
      assertEquals(404, s.at("/gone/status").asInt());
      assertFalse(result.stdout().contains(secret), "the secret is never answered");

      // What the receiver got: three signed pings (creation, pingWebhook, the redelivery).
      List<WebhookReceiver.Received> got = receiver.received();
      assertEquals(3, got.size());
      for (WebhookReceiver.Received r : got) {
        assertEquals("ping", r.header("X-GitHub-Event"));
        assertEquals(
            "sha256=" + dev.portcullis.gateway.notify.WebhookSender.hmac(secret, r.body()),
            r.header("X-Hub-Signature-256"));
      }
    }
  }

  @Test
  void octokitDrivesTheOrgTokenApiUnchanged() throws Exception {
    String owner = fx.user("own");
    String org = fx.org("octo", owner);
    String m1 = fx.user("mem");
    String m2 = fx.user("mem");
    fx.member(org, m1);
    fx.member(org, m2);
    fx.repo(org, "a", "private");
    fx.repo(org, "b", "private");
    // Five pending requests, oldest first: t1..t3 of m1, t4 and t5 of m2.
    List<JsonNode> t =
        List.of(
            fx.fineGrained(m1, org, "all", List.of(), Map.of("contents", "read")),
            fx.fineGrained(m1, org, "subset", List.of("a"), Map.of("contents", "read")),
            fx.fineGrained(m1, org, "all", List.of(), Map.of("contents", "read")),
            fx.fineGrained(m2, org, "subset", List.of("b"), Map.of("contents", "read")),
            fx.fineGrained(
                m2, org, "all", List.of(), Map.of("issues", "read", "contents", "read")));
    String ownerToken = plaintext(fx.classic(owner, List.of("admin:org")));

    Ran ran;
    Path lockFile = Path.of(System.getProperty("java.io.tmpdir"), "portcullis-octokit-npm.lock");
    try (FileChannel ch =
            FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        FileLock lock = ch.lock()) {
      assertTrue(lock.isValid(), "one npm ci at a time in src/test/octokit");
      // Once per run, into src/test/octokit/node_modules (ignored by git), exactly as locked.
      Ran ci =
          run(octokitDir, Map.of(), NPM_TIMEOUT, NEED_NODE, "npm", "ci", "--no-audit", "--no-fund");
      assertEquals(0, ci.exit(), () -> "npm ci failed: " + ci);
      ran =
          run(
              octokitDir,
              Map.of(
                  "PORTCULLIS_API_URL", gateway.httpUrl() + "/api/v3",
                  "PORTCULLIS_TOKEN", ownerToken,
                  "PORTCULLIS_ORG", org,
                  "PORTCULLIS_OWNER_FILTER", m2),
              NODE_TIMEOUT,
              NEED_NODE,
              "node",
              "octokit-check.mjs");
    }
    Ran result = ran;
    assertEquals(0, result.exit(), () -> "octokit-check.mjs failed: " + result);
    assertFalse(
        result.stdout().contains(ownerToken) || result.stderr().contains(ownerToken),
        "the token leaked");
    JsonNode s = JSON.readTree(result.stdout());

    // octokit.paginate walked 3 pages of 2 by Link rel="next", newest first (default desc).
    List<Long> newestFirst =
        List.of(
            requestId(t.get(4)),
            requestId(t.get(3)),
            requestId(t.get(2)),
            requestId(t.get(1)),
            requestId(t.get(0)));
    assertEquals(5, s.at("/requests/count").asInt(), s::toString);
    assertEquals(3, s.at("/requests/pages").asInt(), s::toString);
    assertEquals(newestFirst, longs(s.at("/requests/ids")));
    assertEquals(
        List.of(
            tokenId(t.get(4)),
            tokenId(t.get(3)),
            tokenId(t.get(2)),
            tokenId(t.get(1)),
            tokenId(t.get(0))),
        longs(s.at("/requests/tokenIds")));
    assertEquals(
        new TreeSet<>(List.of(m1, m2)),
        new TreeSet<>(
            List.of(s.at("/requests/owners/0").asText(), s.at("/requests/owners/1").asText())));
    Set<String> fields = new TreeSet<>();
    s.at("/requests/fields").forEach(f -> fields.add(f.asText()));
    assertTrue(
        fields.containsAll(
            Set.of(
                "id",
                "reason",
                "owner",
                "repository_selection",
                "repositories_url",
                "permissions",
                "created_at",
                "token_id",
                "token_name",
                "token_expired",
                "token_expires_at",
                "token_last_used_at")),
        fields::toString);
    List<Long> oldestFirst = new ArrayList<>(newestFirst);
    java.util.Collections.reverse(oldestFirst);
    assertEquals(oldestFirst, longs(s.at("/requestsAscending/ids")));
    assertEquals(2, s.at("/requestsAscending/pages").asInt());
    // owner: [m2] goes out as Octokit's comma form; 2 requests, one per page.
    assertEquals(2, s.at("/requestsOfOwner/count").asInt(), s::toString);
    assertEquals(2, s.at("/requestsOfOwner/pages").asInt(), s::toString);
    assertEquals(2, s.at("/requestsOfOwnerWithContentsRead/count").asInt(), s::toString);

    // Repositories of each request, paginated one per page.
    Map<Integer, List<String>> wantRepos =
        Map.of(
            0,
            List.of("a", "b"),
            1,
            List.of("a"),
            2,
            List.of("a", "b"),
            3,
            List.of("b"),
            4,
            List.of("a", "b"));
    for (Map.Entry<Integer, List<String>> w : wantRepos.entrySet()) {
      JsonNode r = s.path("requestRepositories").path(Long.toString(requestId(t.get(w.getKey()))));
      List<String> names = new ArrayList<>();
      r.path("names").forEach(n -> names.add(n.asText()));
      assertEquals(w.getValue(), names, s::toString);
      assertEquals(w.getValue().size(), r.path("pages").asInt(), s::toString);
    }

    // Reviews: t5 alone, t4 and t3 in bulk, t2 denied; t1 stays pending.
    assertEquals(204, s.at("/reviewOne/status").asInt(), s::toString);
    assertEquals(202, s.at("/reviewBulk/status").asInt(), s::toString);
    assertEquals("{}", s.at("/reviewBulk/data").toString(), "Octokit parsed the 202 body as JSON");
    assertEquals(202, s.at("/denyBulk/status").asInt(), s::toString);
    assertEquals(422, s.at("/reviewAgain/status").asInt(), s::toString);
    assertEquals(
        "object",
        s.at("/reviewAgain/dataType").asText(),
        () -> "Octokit parsed the 422 body as JSON: " + s.at("/reviewAgain"));
    assertEquals(404, s.at("/reviewUnknownOrg/status").asInt(), s::toString);
    assertEquals(422, s.at("/reviewBadAction/status").asInt(), s::toString);
    assertEquals(List.of(requestId(t.get(0))), longs(s.at("/remainingRequests/ids")));

    // Grants: 3, two per page, newest first; their repositories; then all revoked.
    assertEquals(3, s.at("/grants/count").asInt(), s::toString);
    assertEquals(2, s.at("/grants/pages").asInt(), s::toString);
    assertEquals(
        List.of(tokenId(t.get(4)), tokenId(t.get(3)), tokenId(t.get(2))),
        longs(s.at("/grants/ids")));
    assertTrue(s.at("/grants/fields").toString().contains("access_granted_at"), s::toString);
    assertEquals(
        "[\"b\"]",
        s.path("grantRepositories")
            .path(Long.toString(tokenId(t.get(3))))
            .path("names")
            .toString());
    assertEquals(
        "[\"a\",\"b\"]",
        s.path("grantRepositories")
            .path(Long.toString(tokenId(t.get(4))))
            .path("names")
            .toString());
    assertEquals(204, s.at("/revokeOne/status").asInt(), s::toString);
    assertEquals(202, s.at("/revokeBulk/status").asInt(), s::toString);
    assertEquals("{}", s.at("/revokeBulk/data").toString());
    assertEquals(404, s.at("/revokeAgain/status").asInt(), s::toString);
    assertEquals(404, s.at("/revokedRepositories/status").asInt(), s::toString);
    assertEquals(0, s.at("/grantsAfter/count").asInt(), s::toString);
    assertTrue(
        s.at("/followedLinks").size() >= 6,
        () -> "octokit.paginate followed the Link headers: " + s.at("/followedLinks"));
    s.at("/followedLinks")
        .forEach(
            u ->
                assertTrue(
                    u.asText().startsWith(gateway.httpUrl() + "/api/v3/orgs/"), u::toString));

    // What Octokit did holds for git at once.
    assertRefused(m1, t.get(0), org + "/a", "pending approval");
    assertRefused(m1, t.get(1), org + "/a", "denied");
    assertRefused(m1, t.get(2), org + "/a", "revoked");
    assertRefused(m2, t.get(3), org + "/b", "revoked");
    assertRefused(m2, t.get(4), org + "/a", "revoked");
  }
}
