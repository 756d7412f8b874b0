package dev.portcullis.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.policy.model.Repository;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The real {@code git} CLI against the real gateway on random loopback ports, over HTTP and HTTPS,
 * protocol v0 and v2. Fixtures are made through the REST API with the first-start admin token.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GitEndToEndTest {
  @TempDir static Path tmp;
  private Gateway gateway;
  private TestApi api;
  private TestGit git;
  private final AtomicInteger seq = new AtomicInteger();

  /** Every token plaintext the test saw: none may ever appear in a log line. */
  private final java.util.Set<String> secrets = java.util.concurrent.ConcurrentHashMap.newKeySet();

  private final ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent>
      logs = new ch.qos.logback.core.read.ListAppender<>();

  @BeforeAll
  void start() throws Exception {
    ch.qos.logback.classic.Logger root =
        (ch.qos.logback.classic.Logger)
            org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    logs.start();
    root.addAppender(logs);
    // The per-request line has its own (async, non-additive) appender: listen there too.
    ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("portcullis.git"))
        .addAppender(logs);
    gateway = Gateway.start(GatewayConfig.defaults(tmp.resolve("data")).withPorts(0, 0));
    String admin = Files.readString(tmp.resolve("data").resolve(Gateway.ADMIN_TOKEN_FILE)).strip();
    secrets.add(admin);
    api = new TestApi(gateway.httpUrl(), admin);
    git =
        new TestGit(
            tmp.resolve("home"), Map.of("GIT_SSL_CAINFO", gateway.certificateFile().toString()));
  }

  @AfterAll
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
    ch.qos.logback.classic.Logger root =
        (ch.qos.logback.classic.Logger)
            org.slf4j.LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.detachAppender(logs);
    ((ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("portcullis.git"))
        .detachAppender(logs);
    assertTrue(logs.list.size() > 10, "the gateway logs one line per git request");
    assertTrue(secrets.size() > 1, "the tests created tokens");
    for (ch.qos.logback.classic.spi.ILoggingEvent e : logs.list) {
      String line =
          e.getFormattedMessage()
              + (e.getThrowableProxy() == null ? "" : e.getThrowableProxy().getMessage());
      for (String s : secrets) {
        assertFalse(
            line.contains(s) || line.contains(s.substring(4, 36)),
            () -> "a token plaintext was logged: " + e.getLoggerName());
      }
    }
  }

  // ------------------------------------------------------------------ fixtures

  private String unique(String prefix) {
    return prefix + seq.incrementAndGet();
  }

  private String user(String prefix) {
    String login = unique(prefix);
    api.expect(201, "POST", "/admin/users", Map.of("login", login));
    return login;
  }

  private String org(String prefix, String owner, String enterprise) {
    String login = unique(prefix);
    Map<String, Object> body = new HashMap<>(Map.of("login", login, "admin", owner));
    if (enterprise != null) {
      body.put("enterprise", enterprise);
    }
    api.expect(201, "POST", "/admin/organizations", body);
    return login;
  }

  private String enterprise(String prefix) {
    String slug = unique(prefix);
    api.expect(201, "POST", "/admin/enterprises", Map.of("slug", slug));
    return slug;
  }

  private void member(String org, String login) {
    api.expect(200, "PUT", "/orgs/" + org + "/memberships/" + login, Map.of("role", "member"));
  }

  /** Creates a repository with one commit on main. */
  private String repo(String owner, String name, String visibility, boolean orgOwned)
      throws IOException {
    String path = orgOwned ? "/orgs/" + owner + "/repos" : "/admin/users/" + owner + "/repos";
    JsonNode r = api.expect(201, "POST", path, Map.of("name", name, "visibility", visibility));
    Repository repo = gateway.admin().directory().repository(owner, r.get("name").asText());
    gateway.storage().seedReadme(repo, "# " + repo.fullName() + "\n");
    return owner + "/" + name;
  }

  private JsonNode classic(String login, List<String> scopes) {
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
            scopes,
            "expires_in",
            30));
  }

  private JsonNode fineGrained(
      String login, String owner, String selection, List<String> repos, Map<String, String> perms) {
    Map<String, Object> body = new HashMap<>();
    body.put("type", "fine_grained");
    body.put("name", "t" + seq.incrementAndGet());
    body.put("resource_owner", owner);
    body.put("repository_selection", selection);
    body.put("repositories", repos);
    body.put("permissions", perms);
    body.put("expires_in", 30);
    body.put("reason", "tests");
    return api.expect(201, "POST", "/admin/users/" + login + "/personal-access-tokens", body);
  }

  private String secret(JsonNode token) {
    String s = token.get("token").asText();
    secrets.add(s);
    return s;
  }

  private String url(boolean https, String user, String token, String repoPath) {
    String base = https ? gateway.httpsUrl() : gateway.httpUrl();
    String scheme = https ? "https://" : "http://";
    String host = base.substring(scheme.length());
    String auth = user == null ? "" : user + ":" + (token == null ? "" : token) + "@";
    return scheme + auth + host + "/" + repoPath + ".git";
  }

  private String http(String user, String token, String repoPath) {
    return url(false, user, token, repoPath);
  }

  private TestGit.Result clone(String url, int protocol) throws IOException {
    Path dir = Files.createTempDirectory(tmp, "clone");
    return git.run(dir, "-c", "protocol.version=" + protocol, "clone", "-q", url, "work");
  }

  private TestGit.Result clone(String url) throws IOException {
    return clone(url, 2);
  }

  /** Clones, commits a new file and pushes it. */
  private TestGit.Result cloneAndPush(String cloneUrl, String pushUrl, int protocol)
      throws IOException {
    Path dir = Files.createTempDirectory(tmp, "push");
    TestGit.Result c =
        git.run(dir, "-c", "protocol.version=" + protocol, "clone", "-q", cloneUrl, "work");
    assertTrue(c.ok(), () -> "clone before push: " + c);
    Path work = dir.resolve("work");
    Files.writeString(
        work.resolve("file-" + seq.incrementAndGet() + ".txt"), "hello\n", StandardCharsets.UTF_8);
    assertTrue(git.run(work, "add", ".").ok());
    assertTrue(git.run(work, "commit", "-q", "-m", "change").ok());
    return git.run(work, "-c", "protocol.version=" + protocol, "push", "-q", pushUrl, "HEAD:main");
  }

  private static void assertDenied(TestGit.Result r, int status, String message) {
    assertFalse(r.ok(), () -> "expected a refusal, got " + r);
    if (status == 401) {
      assertTrue(
          r.output().contains("Authentication failed")
              || r.output().contains("could not read Username"),
          () -> "expected git's authentication failure: " + r);
    } else if (status == 404) {
      assertTrue(r.output().contains("not found"), () -> "expected not found: " + r);
    } else {
      assertTrue(
          r.output().contains("error: " + status), () -> "expected HTTP " + status + ": " + r);
    }
    if (message != null) {
      assertTrue(
          r.output().contains("remote: " + message),
          () -> "expected 'remote: " + message + "' in " + r);
    }
  }

  // ------------------------------------------------------------------ transport matrix

  static Stream<Arguments> transports() {
    return Stream.of(
        Arguments.of(false, 0),
        Arguments.of(false, 2),
        Arguments.of(true, 0),
        Arguments.of(true, 2));
  }

  @ParameterizedTest(name = "https={0} protocol v{1}")
  @MethodSource("transports")
  void anonymousClonesPublicRepositoryAndOwnerPushes(boolean https, int protocol)
      throws IOException {
    String owner = user("ann");
    String repo = repo(owner, "pub", "public", false);
    TestGit.Result anon = clone(url(https, null, null, repo), protocol);
    assertTrue(anon.ok(), anon::toString);

    String token = secret(classic(owner, List.of("repo")));
    TestGit.Result push =
        cloneAndPush(url(https, owner, token, repo), url(https, owner, token, repo), protocol);
    assertTrue(push.ok(), push::toString);

    Path dir = Files.createTempDirectory(tmp, "lsremote");
    TestGit.Result ls =
        git.run(
            dir, "-c", "protocol.version=" + protocol, "ls-remote", url(https, owner, token, repo));
    assertTrue(ls.ok() && ls.output().contains("refs/heads/main"), ls::toString);

    Path fetchDir = Files.createTempDirectory(tmp, "fetch");
    assertTrue(git.run(fetchDir, "clone", "-q", url(https, null, null, repo), "w").ok());
    TestGit.Result fetch =
        git.run(
            fetchDir.resolve("w"), "-c", "protocol.version=" + protocol, "fetch", "-q", "origin");
    assertTrue(fetch.ok(), fetch::toString);

    // Anonymous push is refused with a challenge.
    TestGit.Result anonPush =
        cloneAndPush(url(https, null, null, repo), url(https, null, null, repo), protocol);
    assertDenied(anonPush, 401, null);
  }

  @Test
  void anonymousCannotSeePrivateRepository() throws IOException {
    String owner = user("pat");
    String repo = repo(owner, "secret", "private", false);
    assertDenied(clone(http(null, null, repo)), 401, null);
  }

  // ------------------------------------------------------------------ fine-grained tokens and
  // approvals

  @Test
  void pendingTokenReadsPublicOnlyUntilApproved() throws IOException {
    String owner = user("own");
    String dev = user("dev");
    String org = org("org", owner, null);
    member(org, dev);
    String pub = repo(org, "site", "public", true);
    String priv = repo(org, "app", "private", true);
    JsonNode t = fineGrained(dev, org, "all", List.of(), Map.of("contents", "read"));
    assertEquals("pending", t.get("request").get("status").asText());
    String token = secret(t);

    assertTrue(clone(http(dev, token, pub)).ok(), "a pending token reads public repositories");
    assertDenied(
        clone(http(dev, token, priv)),
        403,
        "This token's access to the '" + org + "' organization is pending approval");

    long requestId = t.get("request").get("id").asLong();
    api.expect(
        204,
        "POST",
        "/orgs/" + org + "/personal-access-token-requests/" + requestId,
        Map.of("action", "approve"));
    TestGit.Result after = clone(http(dev, token, priv));
    assertTrue(after.ok(), after::toString);
  }

  @Test
  void deniedRequestIsRefused() throws IOException {
    String owner = user("own");
    String dev = user("dev");
    String org = org("org", owner, null);
    member(org, dev);
    String priv = repo(org, "app", "private", true);
    JsonNode t = fineGrained(dev, org, "all", List.of(), Map.of("contents", "read"));
    api.expect(
        204,
        "POST",
        "/orgs/" + org + "/personal-access-token-requests/" + t.get("request").get("id").asLong(),
        Map.of("action", "deny", "reason", "too broad"));
    assertDenied(
        clone(http(dev, secret(t), priv)),
        403,
        "The '" + org + "' organization has denied this token's access request.");
  }

  @Test
  void wrongResourceOwnerIsNotFound() throws IOException {
    String owner = user("own");
    String org = org("org", owner, null);
    String priv = repo(org, "app", "private", true);
    // The owner's token aimed at their own account cannot reach the organization's repository.
    JsonNode t = fineGrained(owner, owner, "all", List.of(), Map.of("contents", "write"));
    assertDenied(clone(http(owner, secret(t), priv)), 404, "Repository not found.");
  }

  @Test
  void repositoryOutsideTheSelectionIsNotFound() throws IOException {
    String owner = user("own");
    String org = org("org", owner, null);
    repo(org, "one", "private", true);
    String two = repo(org, "two", "private", true);
    JsonNode t = fineGrained(owner, org, "subset", List.of("one"), Map.of("contents", "write"));
    assertEquals(
        "approved",
        t.get("request").get("status").asText(),
        "an owner's token is approved at once");
    assertTrue(clone(http(owner, secret(t), org + "/one")).ok());
    assertDenied(clone(http(owner, secret(t), two)), 404, "Repository not found.");
  }

  @Test
  void contentsReadCannotPushButWriteCan() throws IOException {
    String owner = user("own");
    String org = org("org", owner, null);
    String priv = repo(org, "app", "private", true);
    String read = secret(fineGrained(owner, org, "all", List.of(), Map.of("contents", "read")));
    TestGit.Result r = cloneAndPush(http(owner, read, priv), http(owner, read, priv), 2);
    assertDenied(r, 403, "This token has not been granted contents:write on " + priv + ".");
    String write = secret(fineGrained(owner, org, "all", List.of(), Map.of("contents", "write")));
    TestGit.Result w = cloneAndPush(http(owner, write, priv), http(owner, write, priv), 0);
    assertTrue(w.ok(), w::toString);
  }

  @Test
  void revokingAGrantStopsTheVeryNextClone() throws IOException {
    String owner = user("own");
    String dev = user("dev");
    String org = org("org", owner, null);
    member(org, dev);
    String priv = repo(org, "app", "private", true);
    api.expect(
        200,
        "PUT",
        "/orgs/" + org + "/personal-access-token-policy",
        Map.of("fine_grained_approval", "not_required"));
    JsonNode t = fineGrained(dev, org, "all", List.of(), Map.of("contents", "read"));
    assertEquals("approved", t.get("request").get("status").asText());
    String token = secret(t);
    for (int i = 0; i < 3; i++) {
      TestGit.Result ok = clone(http(dev, token, priv));
      assertTrue(ok.ok(), ok::toString);
    }
    api.expect(
        204,
        "POST",
        "/orgs/" + org + "/personal-access-tokens/" + t.get("id").asLong(),
        Map.of("action", "revoke"));
    assertDenied(
        clone(http(dev, token, priv)),
        403,
        "The '" + org + "' organization has revoked this token's access.");
  }

  // ------------------------------------------------------------------ classic tokens and policies

  @Test
  void classicTokenRefusedByOrganizationRestriction() throws IOException {
    String owner = user("own");
    String org = org("org", owner, null);
    String priv = repo(org, "app", "private", true);
    String token = secret(classic(owner, List.of("repo")));
    assertTrue(clone(http(owner, token, priv)).ok());
    api.expect(
        200,
        "PUT",
        "/orgs/" + org + "/personal-access-token-policy",
        Map.of("classic_access", "restricted"));
    assertDenied(
        clone(http(owner, token, priv)),
        403,
        "The '"
            + org
            + "' organization has forbidden access via personal access tokens (classic).");
  }

  @Test
  void classicTokenRefusedByEnterpriseOverride() throws IOException {
    String ent = enterprise("ent");
    String owner = user("own");
    String org = org("org", owner, ent);
    String priv = repo(org, "app", "private", true);
    String token = secret(classic(owner, List.of("repo")));
    // The organization allows classic tokens, but the enterprise overrides it.
    api.expect(
        200,
        "PUT",
        "/orgs/" + org + "/personal-access-token-policy",
        Map.of("classic_access", "allowed"));
    assertTrue(clone(http(owner, token, priv)).ok());
    api.expect(
        200,
        "PUT",
        "/enterprises/" + ent + "/personal-access-token-policy",
        Map.of("classic_access", "restricted"));
    TestGit.Result r = clone(http(owner, token, priv));
    assertDenied(
        r,
        403,
        "The '"
            + ent
            + "' enterprise forbids access via personal access tokens (classic) to the '"
            + org
            + "' organization.");
  }

  @Test
  void classicTokenWithoutRepoScopeCannotReadPrivate() throws IOException {
    String owner = user("own");
    String priv = repo(owner, "mine", "private", false);
    String token = secret(classic(owner, List.of("public_repo")));
    assertDenied(
        clone(http(owner, token, priv)),
        403,
        "Your token has not been granted the 'repo' scope needed to read " + priv + ".");
  }

  @Test
  void internalRepositoryIsVisibleAcrossTheEnterprise() throws IOException {
    String ent = enterprise("ent");
    String ownerA = user("own");
    String orgA = org("orga", ownerA, ent);
    String internal = repo(orgA, "handbook", "internal", true);
    String ownerB = user("own");
    org("orgb", ownerB, ent);
    String outsider = user("out");
    String tokenB = secret(classic(ownerB, List.of("repo")));
    TestGit.Result ok = clone(http(ownerB, tokenB, internal));
    assertTrue(ok.ok(), ok::toString);
    // …but not beyond it, and only for reading.
    assertDenied(
        clone(http(outsider, secret(classic(outsider, List.of("repo"))), internal)),
        404,
        "Repository not found.");
    TestGit.Result push =
        cloneAndPush(http(ownerB, tokenB, internal), http(ownerB, tokenB, internal), 2);
    assertDenied(push, 403, "Permission to " + internal + ".git denied to " + ownerB + ".");
  }

  // ------------------------------------------------------------------ credentials

  @Test
  void aSuspendedUserIsRefusedWith403AndADeletedTokenIsUnauthenticated() throws IOException {
    String owner = user("own");
    String priv = repo(owner, "mine", "private", false);
    JsonNode t = classic(owner, List.of("repo"));
    assertTrue(clone(http(owner, secret(t), priv)).ok());
    api.expect(204, "PUT", "/users/" + owner + "/suspended", null);
    assertDenied(clone(http(owner, secret(t), priv)), 403, "Your account is suspended.");
    api.expect(204, "DELETE", "/users/" + owner + "/suspended", null);
    assertTrue(clone(http(owner, secret(t), priv)).ok());
    api.expect(204, "DELETE", "/admin/personal-access-tokens/" + t.get("id").asLong(), null);
    assertDenied(clone(http(owner, secret(t), priv)), 401, "Invalid username or token.");
  }

  /**
   * A push larger than git's {@code http.postBuffer} (1 MiB) is preceded by a probe whose body is a
   * flush alone: it must go through for the push to be sent.
   */
  @Test
  void aPushLargerThanGitsPostBufferGoesThrough() throws IOException {
    String owner = user("big");
    String priv = repo(owner, "large", "private", false);
    String token = secret(classic(owner, List.of("repo")));
    Path dir = Files.createTempDirectory(tmp, "large");
    assertTrue(git.run(dir, "clone", "-q", http(owner, token, priv), "work").ok());
    Path work = dir.resolve("work");
    byte[] noise = new byte[3 << 20];
    new java.util.Random(7).nextBytes(noise);
    Files.write(work.resolve("noise.bin"), noise);
    assertTrue(git.run(work, "add", ".").ok());
    assertTrue(git.run(work, "commit", "-q", "-m", "large").ok());
    TestGit.Result push = git.run(work, "push", "-q", http(owner, token, priv), "HEAD:main");
    assertTrue(push.ok(), push::toString);
    TestGit.Result head = git.run(work, "rev-parse", "HEAD");
    TestGit.Result remote = git.run(work, "ls-remote", http(owner, token, priv), "refs/heads/main");
    assertTrue(remote.output().startsWith(head.output().strip()), remote::toString);
  }

  @Test
  void aTokenCreatedWithoutExpiresInExpiresIn30Days() {
    String owner = user("exp");
    String path = "/admin/users/" + owner + "/personal-access-tokens";
    JsonNode dflt =
        api.expect(
            201, "POST", path, Map.of("type", "classic", "name", "d", "scopes", List.of("repo")));
    assertEquals(
        Duration.ofDays(30),
        Duration.between(
            Instant.parse(dflt.get("created_at").asText()),
            Instant.parse(dflt.get("expires_at").asText())),
        dflt::toString);
    JsonNode none =
        api.expect(
            201,
            "POST",
            path,
            Map.of(
                "type", "classic", "name", "n", "scopes", List.of("repo"), "expires_in", "none"));
    assertTrue(none.get("expires_at").isNull(), none::toString);
    Map<String, Object> explicitNull =
        new java.util.HashMap<>(Map.of("type", "classic", "name", "z"));
    explicitNull.put("expires_in", null);
    assertTrue(api.expect(201, "POST", path, explicitNull).get("expires_at").isNull());
  }

  /**
   * git's credential helpers erase a credential the server answers 401: a suspension answered 403
   * leaves the stored token in place, so it works again once the suspension is lifted.
   */
  @Test
  void aStoredTokenSurvivesASuspensionInGitsCredentialStore() throws IOException {
    String owner = user("own");
    String priv = repo(owner, "mine", "private", false);
    String token = secret(classic(owner, List.of("repo")));
    Path store = Files.createTempDirectory(tmp, "credentials").resolve("store");
    URI base = URI.create(gateway.httpUrl());
    String line = "http://" + owner + ":" + token + "@" + base.getHost() + ":" + base.getPort();
    Files.writeString(store, line + "\n", StandardCharsets.UTF_8);
    String url = gateway.httpUrl() + "/" + priv + ".git";
    String helper = "credential.helper=store --file " + store;
    Path dir = Files.createTempDirectory(tmp, "stored");
    assertTrue(
        git.run(dir, "-c", helper, "clone", "-q", url, "one").ok(), "the stored token clones");
    api.expect(204, "PUT", "/users/" + owner + "/suspended", null);
    TestGit.Result refused = git.run(dir, "-c", helper, "clone", "-q", url, "two");
    assertDenied(refused, 403, "Your account is suspended.");
    assertTrue(
        Files.readString(store, StandardCharsets.UTF_8).contains(token),
        "the credential store still holds the token");
    api.expect(204, "DELETE", "/users/" + owner + "/suspended", null);
    assertTrue(
        git.run(dir, "-c", helper, "clone", "-q", url, "three").ok(),
        "the stored token works again without being entered anew");
  }

  @Test
  void emptyUsernameAndWrongChecksumAreUnauthenticated() throws IOException {
    String owner = user("own");
    String priv = repo(owner, "mine", "private", false);
    String token = secret(classic(owner, List.of("repo")));
    assertDenied(clone(http("", token, priv)), 401, null);
    char last = token.charAt(token.length() - 1);
    String wrong = token.substring(0, token.length() - 1) + (last == 'a' ? 'b' : 'a');
    assertDenied(clone(http(owner, wrong, priv)), 401, "Invalid username or token.");
  }

  @Test
  void policyDenialKeepsTheStoredCredentialButInvalidTokenErasesIt() throws IOException {
    String owner = user("own");
    String org = org("org", owner, null);
    String priv = repo(org, "app", "private", true);
    String token = secret(classic(owner, List.of("repo")));
    api.expect(
        200,
        "PUT",
        "/orgs/" + org + "/personal-access-token-policy",
        Map.of("classic_access", "restricted"));

    Path store = tmp.resolve(unique("creds"));
    String hostUrl = gateway.httpUrl().replace("http://", "http://" + owner + ":" + token + "@");
    Files.writeString(store, hostUrl + "\n", StandardCharsets.UTF_8);
    Path dir = Files.createTempDirectory(tmp, "cred");
    TestGit.Result r =
        git.run(
            dir,
            "-c",
            "credential.helper=store --file=" + store,
            "clone",
            "-q",
            http(null, null, priv),
            "w");
    assertDenied(
        r,
        403,
        "The '"
            + org
            + "' organization has forbidden access via personal access tokens (classic).");
    assertTrue(
        Files.readString(store).contains(token), "a 403 must not make git erase the stored token");

    // A deleted token is a 401: git's helper forgets it, as it should.
    JsonNode doomed = classic(owner, List.of("repo"));
    Path store2 = tmp.resolve(unique("creds"));
    Files.writeString(
        store2,
        gateway.httpUrl().replace("http://", "http://" + owner + ":" + secret(doomed) + "@")
            + "\n");
    api.expect(204, "DELETE", "/admin/personal-access-tokens/" + doomed.get("id").asLong(), null);
    TestGit.Result r2 =
        git.run(
            dir,
            "-c",
            "credential.helper=store --file=" + store2,
            "clone",
            "-q",
            http(null, null, priv),
            "w2");
    assertDenied(r2, 401, null);
    assertFalse(
        Files.readString(store2).contains(secret(doomed)),
        "git erases a credential the gateway called invalid");
  }

  @Test
  void pushedRepositoriesAreRepackedWithBitmapsInTheBackground() throws IOException {
    String owner = user("gc");
    String repo = repo(owner, "busy", "private", false);
    String token = secret(classic(owner, List.of("repo")));
    for (int i = 0; i < 3; i++) {
      TestGit.Result r = cloneAndPush(http(owner, token, repo), http(owner, token, repo), 2);
      assertTrue(r.ok(), r::toString);
    }
    assertTrue(gateway.maintenance().runOnce() >= 1, "the pushed repository is collected");
    Path packs =
        gateway
            .storage()
            .pathOf(gateway.admin().directory().repository(owner, "busy"))
            .resolve("objects/pack");
    try (Stream<Path> files = Files.list(packs)) {
      List<String> names = files.map(p -> p.getFileName().toString()).toList();
      // The old packs stay until they expire (JGit's prune delay); one new pack holds everything,
      // with a bitmap.
      assertEquals(
          1,
          names.stream().filter(n -> n.endsWith(".bitmap")).count(),
          "clones are served from a bitmap: " + names);
    }
    assertTrue(clone(http(owner, token, repo)).ok());
  }

  @Test
  void nonGitPathsAndDumbHttpAreNotServed() throws Exception {
    String owner = user("own");
    String pub = repo(owner, "pub", "public", false);
    java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
    for (String path :
        List.of(
            "/" + pub + ".git/HEAD",
            "/" + pub + ".git/objects/info/packs",
            "/" + pub + ".git/info/refs",
            "/" + pub + ".git/info/refs?service=git-upload-pack&x=1",
            "/../" + pub + ".git/info/refs?service=git-upload-pack",
            "/%2e%2e/" + pub + "/info/refs?service=git-upload-pack")) {
      var resp =
          http.send(
              java.net.http.HttpRequest.newBuilder(java.net.URI.create(gateway.httpUrl() + path))
                  .build(),
              java.net.http.HttpResponse.BodyHandlers.ofString());
      assertTrue(
          resp.statusCode() >= 400 && resp.statusCode() < 500,
          () -> path + " → " + resp.statusCode());
    }
    // "/" is the web console's home page: it asks to sign in, and serves no repository.
    var home =
        http.send(
            java.net.http.HttpRequest.newBuilder(java.net.URI.create(gateway.httpUrl() + "/"))
                .build(),
            java.net.http.HttpResponse.BodyHandlers.ofString());
    assertEquals(303, home.statusCode());
    assertEquals("/login", home.headers().firstValue("Location").orElse(null));
    var ok =
        http.send(
            java.net.http.HttpRequest.newBuilder(
                    java.net.URI.create(
                        gateway.httpUrl() + "/" + pub + "/info/refs?service=git-upload-pack"))
                .build(),
            java.net.http.HttpResponse.BodyHandlers.ofString());
    assertEquals(200, ok.statusCode());
  }
}
