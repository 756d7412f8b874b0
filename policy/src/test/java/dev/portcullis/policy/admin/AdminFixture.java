package dev.portcullis.policy.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.policy.access.AccessService;
import dev.portcullis.policy.access.CacheSettings;
import dev.portcullis.policy.access.FailedAuthLimiter;
import dev.portcullis.policy.access.LastUsedRecorder;
import dev.portcullis.policy.access.PolicyCache;
import dev.portcullis.policy.decision.AccessEvaluator;
import dev.portcullis.policy.decision.Credential;
import dev.portcullis.policy.decision.Decision;
import dev.portcullis.policy.decision.Decision.Reason;
import dev.portcullis.policy.model.Actor;
import dev.portcullis.policy.model.GitOperation;
import dev.portcullis.policy.model.PolicyException;
import dev.portcullis.policy.model.User;
import dev.portcullis.policy.store.Database;
import dev.portcullis.policy.store.PolicyStore;
import dev.portcullis.policy.store.PolicyStores;
import dev.portcullis.policy.testing.CountingStore;
import dev.portcullis.policy.testing.FakeTicker;
import dev.portcullis.policy.testing.TestClock;
import dev.portcullis.policy.token.AuthorizationHeader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/**
 * The world every admin test starts from, built through the use cases over a real H2 store, with
 * the {@link PolicyCache} receiving every invalidation and an {@link AccessService} over it; and
 * the helpers that make requests, create tokens, and decide a git request through both paths of the
 * service (the gateway's joined {@code decide} and {@code authenticate} + {@code check}).
 *
 * <p>The world: enterprise {@code globex} with organization {@code acme} (owner alice, member bob)
 * holding {@code app} (private), {@code site} (public) and {@code inner} (internal); carol belongs
 * to no organization.
 */
abstract class AdminFixture {
  static final Instant START = Instant.parse("2025-05-01T09:00:00Z");

  @TempDir Path dir;
  Database db;
  PolicyStore store;
  CountingStore cacheStore;
  final FakeTicker ticker = new FakeTicker();
  PolicyCache cache;
  final TestClock clock = new TestClock(START);
  Admin mgmt;
  LastUsedRecorder recorder;
  AccessService service;

  User alice;
  User bob;
  User carol;

  @BeforeEach
  void open() {
    db = Database.embedded(dir.resolve("db"));
    store = PolicyStores.jdbc(db.dataSource());
    cacheStore = new CountingStore(store);
    cache = new PolicyCache(cacheStore.store(), CacheSettings.DEFAULT, ticker);
    mgmt = newAdmin(new SecureRandom());
    recorder = new LastUsedRecorder(store, Duration.ofMinutes(1));
    service = new AccessService(cache, new AccessEvaluator(true), recorder, clock);

    alice = mgmt.accounts().createUser(Actor.SYSTEM, "alice");
    bob = mgmt.accounts().createUser(Actor.SYSTEM, "bob");
    carol = mgmt.accounts().createUser(Actor.SYSTEM, "carol");
    mgmt.accounts().createEnterprise(Actor.SYSTEM, "globex");
    mgmt.accounts().createOrganization(Actor.SYSTEM, "acme", "alice", "globex");
    mgmt.accounts().setMembership(Actor.SYSTEM, "acme", "bob", "member");
    mgmt.repositories().createRepository(Actor.SYSTEM, "acme", "app", "private", r -> {});
    mgmt.repositories().createRepository(Actor.SYSTEM, "acme", "site", "public", r -> {});
    mgmt.repositories().createRepository(Actor.SYSTEM, "acme", "inner", "internal", r -> {});
  }

  /** Management over this fixture's store, cache and clock (failed sign-ins: 5 per minute). */
  Admin newAdmin(SecureRandom random) {
    return newAdmin(random, e -> {});
  }

  /** The same, handing its audit events to {@code audit}. */
  Admin newAdmin(
      SecureRandom random,
      java.util.function.Consumer<dev.portcullis.policy.audit.AuditEvent> audit) {
    return new Admin(
        store,
        cache::apply,
        clock,
        random,
        id -> null,
        audit,
        PolicyStores.signIn(db.dataSource()),
        new FailedAuthLimiter(
            new FailedAuthLimiter.Settings(5, Duration.ofMinutes(1), 1000), ticker),
        SessionSettings.DEFAULT);
  }

  @AfterEach
  void close() {
    db.close();
  }

  static NewToken classic(Integer expiresIn, String... scopes) {
    return new NewToken(
        "classic", "laptop", null, expiresIn, List.of(scopes), null, null, null, null, null);
  }

  static NewToken fineGrained(
      String owner, String selection, List<String> repos, Map<String, String> perms) {
    return new NewToken(
        "fine_grained", "ci", null, 30, null, owner, selection, repos, perms, "for CI");
  }

  static NewToken fineGrainedOn(String owner, String contents) {
    return fineGrained(owner, "all", null, Map.of("contents", contents));
  }

  CreatedToken create(String login, NewToken req) {
    return mgmt.tokens().createToken(Actor.SYSTEM, login, req);
  }

  Actor actor(User u, CreatedToken t) {
    return Actor.of(store.userById(u.id()).orElseThrow(), t.token());
  }

  static PolicyException assertPolicyException(PolicyException.Kind kind, Executable call) {
    PolicyException e = assertThrows(PolicyException.class, call);
    assertEquals(kind, e.kind(), e::getMessage);
    return e;
  }

  static void assertFieldError(PolicyException e, String field) {
    assertEquals(PolicyException.Kind.INVALID, e.kind());
    assertTrue(
        e.errors().stream().anyMatch(f -> field.equals(f.field())),
        () -> "expected an error on '" + field + "': " + e.errors());
  }

  static String basic(String plaintext) {
    return "Basic "
        + Base64.getEncoder().encodeToString(("git:" + plaintext).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * One git request, as the gateway makes it (parse the header, authenticate, decide), through both
   * paths of {@link AccessService}: the gateway's {@code decide} (joined inputs, kept across
   * requests) first, then {@code authenticate} + {@code check} (the individual caches); they must
   * agree on every request.
   */
  Decision check(String plaintext, String owner, String repo, GitOperation op) {
    AuthorizationHeader header = AuthorizationHeader.parse(basic(plaintext));
    Decision joined = service.decide(header, owner, repo, op, null).decision();
    Credential c = service.authenticate(header);
    Decision separate = service.check(c, owner, repo, op).decision();
    assertEquals(separate, joined, "decide (joined inputs) and authenticate + check disagree");
    return joined;
  }

  void assertAllowed(String plaintext, String repo, GitOperation op) {
    Decision d = check(plaintext, "acme", repo, op);
    assertTrue(d.allowed(), () -> "expected allowed: " + d);
  }

  void assertDenied(String plaintext, String repo, GitOperation op, int status, Reason reason) {
    Decision d = check(plaintext, "acme", repo, op);
    Decision.Denied denied = assertInstanceOf(Decision.Denied.class, d);
    assertEquals(reason, denied.reason(), denied::toString);
    assertEquals(status, denied.status(), denied::toString);
  }

  /** Warms every cache with an allowed request, twice, so the second is served from the caches. */
  void warm(String plaintext, String repo, GitOperation op) {
    assertAllowed(plaintext, repo, op);
    int loads = cacheStore.calls("tokenByDigest");
    assertAllowed(plaintext, repo, op);
    assertEquals(
        loads, cacheStore.calls("tokenByDigest"), "the second request is served from the cache");
  }
}
