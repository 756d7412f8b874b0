package dev.portcullis.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fine-grained token's {@code ref_patterns} with the real {@code git} CLI and the REST API: a
 * push of two refs lands the allowed one and reports the other {@code ng} (nothing lands with
 * {@code --atomic}); reads are unaffected; bad patterns are 422; the organization's request listing
 * shows the patterns, and widening them on an approved token opens a new request.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RefPatternsEndToEndTest {
  private static final String REFUSAL =
      "refusing to allow a Personal Access Token to update refs/heads/main: its ref_patterns allow"
          + " only refs/heads/release/*";

  @TempDir static Path tmp;
  private Gateway gateway;
  private TestApi admin;
  private ApiFixtures fx;
  private TestGit git;

  @BeforeAll
  void start() throws Exception {
    gateway = Gateway.start(GatewayConfig.defaults(tmp.resolve("data")).withPorts(0, 0));
    admin =
        new TestApi(
            gateway.httpUrl(),
            Files.readString(tmp.resolve("data").resolve(Gateway.ADMIN_TOKEN_FILE)).strip());
    fx = new ApiFixtures(gateway, admin);
    git = new TestGit(tmp.resolve("home"), Map.of());
  }

  @AfterAll
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
  }

  /** An organization with a member who may push, and one repository. */
  private record World(String org, String member, String repo) {}

  private World world() {
    String owner = fx.user("owner");
    String member = fx.user("dev");
    String org = fx.org("acme", owner);
    fx.member(org, member);
    admin.expect(200, "PUT", "/orgs/" + org + "/base-permission", Map.of("permission", "write"));
    return new World(org, member, fx.repo(org, "app", "private"));
  }

  private Map<String, Object> tokenBody(String org, String contents, Object patterns) {
    Map<String, Object> body = new HashMap<>();
    body.put("type", "fine_grained");
    body.put("name", fx.unique("rel"));
    body.put("resource_owner", org);
    body.put("repository_selection", "all");
    body.put("permissions", Map.of("contents", contents));
    body.put("expires_in", 30);
    body.put("reason", "release automation");
    if (patterns != null) {
      body.put("ref_patterns", patterns);
    }
    return body;
  }

  /** A token with {@code patterns} on the world's organization, approved by the administrator. */
  private JsonNode approvedToken(World w, List<String> patterns) {
    JsonNode t =
        admin.expect(
            201,
            "POST",
            "/admin/users/" + w.member() + "/personal-access-tokens",
            tokenBody(w.org(), "write", patterns));
    assertEquals("pending", t.get("request").get("status").asText());
    admin.expect(
        204,
        "POST",
        "/orgs/" + w.org() + "/personal-access-token-requests/" + ApiFixtures.requestId(t),
        Map.of("action", "approve"));
    return t;
  }

  private String url(String token, String repo) {
    return gateway.httpUrl().replace("http://", "http://x:" + token + "@") + "/" + repo + ".git";
  }

  private Path cloneAndCommit(String token, String repo) throws IOException {
    Path dir = Files.createTempDirectory(tmp, "w");
    TestGit.Result r = git.run(dir, "clone", "-q", url(token, repo), "w");
    assertTrue(r.ok(), r::toString);
    Path work = dir.resolve("w");
    Files.writeString(work.resolve("CHANGELOG"), "1\n", StandardCharsets.UTF_8);
    assertTrue(git.run(work, "add", "-A").ok());
    TestGit.Result c = git.run(work, "commit", "-q", "-m", "release");
    assertTrue(c.ok(), c::toString);
    return work;
  }

  private ObjectId ref(String repo, String name) throws IOException {
    String[] parts = repo.split("/");
    try (org.eclipse.jgit.lib.Repository db =
        gateway.storage().open(gateway.admin().directory().repository(parts[0], parts[1]))) {
      Ref r = db.exactRef(name);
      return r == null ? null : r.getObjectId();
    }
  }

  @Test
  void aPushOfTwoRefsLandsTheAllowedOneAndRefusesTheOther() throws IOException {
    World w = world();
    String token = ApiFixtures.plaintext(approvedToken(w, List.of("refs/heads/release/*")));
    Path work = cloneAndCommit(token, w.repo());
    ObjectId main = ref(w.repo(), "refs/heads/main");
    assertNotNull(main);

    TestGit.Result push =
        git.run(work, "push", "origin", "HEAD:refs/heads/release/1", "HEAD:refs/heads/main");
    assertFalse(push.ok(), push::toString);
    assertTrue(push.output().contains(REFUSAL), push::toString);
    assertTrue(push.output().contains("release/1"), push::toString);
    ObjectId head = ObjectId.fromString(git.run(work, "rev-parse", "HEAD").output().strip());
    assertEquals(head, ref(w.repo(), "refs/heads/release/1"), "the allowed ref landed");
    assertEquals(main, ref(w.repo(), "refs/heads/main"), "main did not move");

    // Reads are unaffected: the token still clones and fetches every ref.
    TestGit.Result fetch = git.run(work, "fetch", "-q", "origin");
    assertTrue(fetch.ok(), fetch::toString);
  }

  @Test
  void anAtomicPushOfTwoRefsLandsNothing() throws IOException {
    World w = world();
    String token = ApiFixtures.plaintext(approvedToken(w, List.of("refs/heads/release/*")));
    Path work = cloneAndCommit(token, w.repo());
    ObjectId main = ref(w.repo(), "refs/heads/main");

    TestGit.Result push =
        git.run(
            work,
            "push",
            "--atomic",
            "origin",
            "HEAD:refs/heads/release/2",
            "HEAD:refs/heads/main");
    assertFalse(push.ok(), push::toString);
    assertTrue(push.output().contains(REFUSAL), push::toString);
    assertNull(ref(w.repo(), "refs/heads/release/2"), "nothing landed");
    assertEquals(main, ref(w.repo(), "refs/heads/main"));
    // Alone, the allowed ref lands; tags outside the patterns are refused too.
    assertTrue(git.run(work, "push", "-q", "origin", "HEAD:refs/heads/release/2").ok());
    assertTrue(git.run(work, "tag", "v1").ok());
    TestGit.Result tag = git.run(work, "push", "origin", "v1");
    assertFalse(tag.ok(), tag::toString);
    assertTrue(tag.output().contains("update refs/tags/v1"), tag::toString);
  }

  @Test
  void badPatternsAre422() {
    World w = world();
    String path = "/admin/users/" + w.member() + "/personal-access-tokens";
    List<Object> bad =
        List.of(
            List.of("heads/main"),
            List.of("refs/heads/*/*"),
            List.of("refs/heads/a..b"),
            List.of("refs/heads/a b"),
            List.of(),
            IntStream.range(0, 33).mapToObj(i -> "refs/heads/r" + i).toList(),
            "refs/heads/main",
            List.of(7));
    for (Object patterns : bad) {
      JsonNode e = admin.expect(422, "POST", path, tokenBody(w.org(), "write", patterns));
      assertEquals("ref_patterns", e.get("errors").get(0).get("field").asText(), e::toString);
    }
    JsonNode read =
        admin.expect(
            422, "POST", path, tokenBody(w.org(), "read", List.of("refs/heads/release/*")));
    assertEquals("ref_patterns", read.get("errors").get(0).get("field").asText());
    Map<String, Object> classic =
        Map.of(
            "type",
            "classic",
            "name",
            "c",
            "scopes",
            List.of("repo"),
            "ref_patterns",
            List.of("refs/heads/main"));
    admin.expect(422, "POST", path, classic);
    JsonNode reader = admin.expect(201, "POST", path, tokenBody(w.org(), "read", null));
    admin.expect(
        422,
        "PATCH",
        "/admin/personal-access-tokens/" + ApiFixtures.tokenId(reader),
        Map.of("ref_patterns", List.of("refs/heads/main")));
    admin.expect(
        422, "PATCH", "/admin/personal-access-tokens/" + ApiFixtures.tokenId(reader), Map.of());
    admin.expect(
        404,
        "PATCH",
        "/admin/personal-access-tokens/999999",
        Map.of("ref_patterns", List.of("refs/heads/main")));
  }

  @Test
  void theRequestShowsThePatternsAndWideningThemOpensANewRequest() throws IOException {
    World w = world();
    JsonNode created =
        admin.expect(
            201,
            "POST",
            "/admin/users/" + w.member() + "/personal-access-tokens",
            tokenBody(w.org(), "write", List.of("refs/heads/release/*", "refs/tags/v*")));
    assertEquals(
        List.of("refs/heads/release/*", "refs/tags/v*"), strings(created.get("ref_patterns")));
    JsonNode requests =
        admin.expect(200, "GET", "/orgs/" + w.org() + "/personal-access-token-requests", null);
    assertEquals(1, requests.size());
    assertEquals(
        List.of("refs/heads/release/*", "refs/tags/v*"),
        strings(requests.get(0).get("ref_patterns")));
    long first = ApiFixtures.requestId(created);
    admin.expect(
        204,
        "POST",
        "/orgs/" + w.org() + "/personal-access-token-requests/" + first,
        Map.of("action", "approve"));
    String token = ApiFixtures.plaintext(created);
    String tokenPath = "/admin/personal-access-tokens/" + ApiFixtures.tokenId(created);
    Path dir = Files.createTempDirectory(tmp, "c");
    assertTrue(git.run(dir, "clone", "-q", url(token, w.repo()), "a").ok());

    // Narrowing keeps the approval.
    JsonNode narrowed =
        admin.expect(200, "PATCH", tokenPath, Map.of("ref_patterns", List.of("refs/tags/v*")));
    assertEquals(first, narrowed.get("request").get("id").asLong());
    assertEquals("approved", narrowed.get("request").get("status").asText());

    // Widening (any ref) opens a new request: pending, listed with what it asks for.
    JsonNode widened = admin.expect(200, "PATCH", tokenPath, "{\"ref_patterns\": null}");
    assertTrue(widened.get("ref_patterns").isNull(), widened::toString);
    long second = widened.get("request").get("id").asLong();
    assertNotEquals(first, second);
    assertEquals("pending", widened.get("request").get("status").asText());
    JsonNode again =
        admin.expect(200, "GET", "/orgs/" + w.org() + "/personal-access-token-requests", null);
    assertEquals(1, again.size());
    assertEquals(second, again.get(0).get("id").asLong());
    assertTrue(again.get(0).get("ref_patterns").isNull());
    assertEquals(
        0,
        admin.expect(200, "GET", "/orgs/" + w.org() + "/personal-access-tokens", null).size(),
        "no approved grant is left");
    TestGit.Result refused = git.run(dir, "clone", "-q", url(token, w.repo()), "b");
    assertFalse(refused.ok(), refused::toString);
    assertTrue(refused.output().contains("pending approval"), refused::toString);
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(n -> out.add(n.asText()));
    return out;
  }
}
