package dev.portcullis.policy.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.policy.access.AccessService;
import dev.portcullis.policy.access.CacheSettings;
import dev.portcullis.policy.access.LastUsedRecorder;
import dev.portcullis.policy.access.PolicyCache;
import dev.portcullis.policy.decision.AccessEvaluator;
import dev.portcullis.policy.decision.Credential;
import dev.portcullis.policy.decision.Decision;
import dev.portcullis.policy.decision.Decision.Reason;
import dev.portcullis.policy.model.AccessToken;
import dev.portcullis.policy.model.Actor;
import dev.portcullis.policy.model.BasePermission;
import dev.portcullis.policy.model.ClassicScopes;
import dev.portcullis.policy.model.GitOperation;
import dev.portcullis.policy.model.Grant;
import dev.portcullis.policy.model.GrantStatus;
import dev.portcullis.policy.model.OrgPolicy;
import dev.portcullis.policy.model.PermissionLevel;
import dev.portcullis.policy.model.PolicyException;
import dev.portcullis.policy.model.RepoPermission;
import dev.portcullis.policy.model.RepositorySelection;
import dev.portcullis.policy.model.User;
import dev.portcullis.policy.store.Database;
import dev.portcullis.policy.store.PolicyStore;
import dev.portcullis.policy.store.PolicyStores;
import dev.portcullis.policy.testing.CountingStore;
import dev.portcullis.policy.testing.FakeTicker;
import dev.portcullis.policy.testing.TestClock;
import dev.portcullis.policy.token.AuthorizationHeader;
import dev.portcullis.policy.token.TokenDigest;
import dev.portcullis.policy.token.TokenFormat;
import dev.portcullis.policy.token.TokenKind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Management operations over a real H2 store, with the {@link PolicyCache} receiving every
 * invalidation; and the property that a narrowing change holds on the very next {@link
 * AccessService#check} through the warm caches.
 *
 * <p>The world: enterprise {@code globex} with organization {@code acme} (owner alice, member bob)
 * holding {@code app} (private), {@code site} (public) and {@code inner} (internal); carol belongs
 * to no organization.
 */
class ManagementTest {
  private static final Instant START = Instant.parse("2025-05-01T09:00:00Z");

  @TempDir Path dir;
  private Database db;
  private PolicyStore store;
  private CountingStore cacheStore;
  private final FakeTicker ticker = new FakeTicker();
  private PolicyCache cache;
  private final TestClock clock = new TestClock(START);
  private Admin mgmt;
  private LastUsedRecorder recorder;
  private AccessService service;

  private User alice;
  private User bob;
  private User carol;

  @BeforeEach
  void open() {
    db = Database.embedded(dir.resolve("db"));
    store = PolicyStores.jdbc(db.dataSource());
    cacheStore = new CountingStore(store);
    cache = new PolicyCache(cacheStore.store(), CacheSettings.DEFAULT, ticker);
    mgmt = new Admin(store, cache::apply, clock, new SecureRandom(), id -> null, e -> {});
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

  @AfterEach
  void close() {
    db.close();
  }

  // ====================================================================== request builders

  private static NewToken classic(Integer expiresIn, String... scopes) {
    return new NewToken(
        "classic", "laptop", null, expiresIn, List.of(scopes), null, null, null, null, null);
  }

  private static NewToken fineGrained(
      String owner, String selection, List<String> repos, Map<String, String> perms) {
    return new NewToken(
        "fine_grained", "ci", null, 30, null, owner, selection, repos, perms, "for CI");
  }

  private static NewToken fineGrainedOn(String owner, String contents) {
    return fineGrained(owner, "all", null, Map.of("contents", contents));
  }

  private CreatedToken create(String login, NewToken req) {
    return mgmt.tokens().createToken(Actor.SYSTEM, login, req);
  }

  private Actor actor(User u, CreatedToken t) {
    return Actor.of(store.userById(u.id()).orElseThrow(), t.token());
  }

  private static PolicyException assertPolicyException(PolicyException.Kind kind, Executable call) {
    PolicyException e = assertThrows(PolicyException.class, call);
    assertEquals(kind, e.kind(), e::getMessage);
    return e;
  }

  private static void assertFieldError(PolicyException e, String field) {
    assertEquals(PolicyException.Kind.INVALID, e.kind());
    assertTrue(
        e.errors().stream().anyMatch(f -> field.equals(f.field())),
        () -> "expected an error on '" + field + "': " + e.errors());
  }

  // ====================================================================== token creation:
  // validation

  static Stream<Arguments> invalidRequests() {
    String n41 = "n".repeat(41);
    String d1025 = "d".repeat(1025);
    return Stream.of(
        Arguments.of(
            "empty name",
            "bob",
            new NewToken("classic", "", null, 30, List.of(), null, null, null, null, null),
            "name"),
        Arguments.of(
            "name of 41 characters",
            "bob",
            new NewToken("classic", n41, null, 30, List.of(), null, null, null, null, null),
            "name"),
        Arguments.of(
            "missing name",
            "bob",
            new NewToken("classic", null, null, 30, List.of(), null, null, null, null, null),
            "name"),
        Arguments.of(
            "description of 1025 characters",
            "bob",
            new NewToken("classic", "x", d1025, 30, List.of(), null, null, null, null, null),
            "description"),
        Arguments.of("expires_in 0", "bob", classic(0), "expires_in"),
        Arguments.of("expires_in 367", "bob", classic(367), "expires_in"),
        Arguments.of("expires_in negative", "bob", classic(-1), "expires_in"),
        Arguments.of(
            "unknown type",
            "bob",
            new NewToken("oauth", "x", null, 30, List.of(), null, null, null, null, null),
            "type"),
        Arguments.of(
            "missing type",
            "bob",
            new NewToken(null, "x", null, 30, List.of(), null, null, null, null, null),
            "type"),
        Arguments.of(
            "reason of 1025 characters",
            "bob",
            new NewToken("fine_grained", "x", null, 30, null, "acme", "all", null, Map.of(), d1025),
            "reason"),
        Arguments.of("unknown scope", "bob", classic(30, "repo", "repo:everything"), "scopes"),
        Arguments.of(
            "site_admin scope for a non-admin", "bob", classic(30, "site_admin"), "scopes"),
        Arguments.of(
            "classic with permissions",
            "bob",
            new NewToken(
                "classic",
                "x",
                null,
                30,
                List.of("repo"),
                null,
                null,
                null,
                Map.of("contents", "read"),
                null),
            "type"),
        Arguments.of(
            "classic with a resource owner",
            "bob",
            new NewToken("classic", "x", null, 30, List.of("repo"), "acme", null, null, null, null),
            "type"),
        Arguments.of(
            "fine-grained with scopes",
            "bob",
            new NewToken(
                "fine_grained",
                "x",
                null,
                30,
                List.of("repo"),
                "acme",
                "all",
                null,
                Map.of(),
                null),
            "scopes"),
        Arguments.of(
            "unknown fine-grained permission",
            "bob",
            fineGrained("acme", "all", null, Map.of("teleport", "read")),
            "permissions"),
        Arguments.of(
            "metadata: write (read only)",
            "bob",
            fineGrained("acme", "all", null, Map.of("metadata", "write")),
            "permissions"),
        Arguments.of(
            "workflows: read (write only)",
            "bob",
            fineGrained("acme", "all", null, Map.of("workflows", "read")),
            "permissions"),
        Arguments.of(
            "contents: admin",
            "bob",
            fineGrained("acme", "all", null, Map.of("contents", "admin")),
            "permissions"),
        Arguments.of(
            "unknown level",
            "bob",
            fineGrained("acme", "all", null, Map.of("contents", "full")),
            "permissions"),
        Arguments.of(
            "organization permission with a user resource owner",
            "bob",
            fineGrained("bob", "all", null, Map.of("members", "read")),
            "permissions"),
        Arguments.of(
            "account permission with an organization resource owner",
            "bob",
            fineGrained("acme", "all", null, Map.of("emails", "read")),
            "permissions"),
        Arguments.of(
            "subset without repositories",
            "bob",
            fineGrained("acme", "subset", List.of(), Map.of("contents", "read")),
            "repositories"),
        Arguments.of(
            "subset with repositories missing",
            "bob",
            fineGrained("acme", "subset", null, Map.of("contents", "read")),
            "repositories"),
        Arguments.of(
            "subset with an unknown repository",
            "bob",
            fineGrained("acme", "subset", List.of("app", "nope"), Map.of("contents", "read")),
            "repositories"),
        Arguments.of(
            "subset naming another owner's repository",
            "bob",
            fineGrained("bob", "subset", List.of("app"), Map.of("contents", "read")),
            "repositories"),
        Arguments.of(
            "repositories with selection all",
            "bob",
            fineGrained("acme", "all", List.of("app"), Map.of("contents", "read")),
            "repositories"),
        Arguments.of(
            "unknown repository selection",
            "bob",
            fineGrained("acme", "some", null, Map.of("contents", "read")),
            "repository_selection"),
        Arguments.of(
            "missing repository selection",
            "bob",
            fineGrained("acme", null, null, Map.of("contents", "read")),
            "repository_selection"),
        Arguments.of(
            "resource owner: an org the user is not a member of",
            "carol",
            fineGrainedOn("acme", "read"),
            "resource_owner"),
        Arguments.of(
            "resource owner: another user",
            "bob",
            fineGrainedOn("alice", "read"),
            "resource_owner"),
        Arguments.of(
            "resource owner: nobody", "bob", fineGrainedOn("ghost", "read"), "resource_owner"),
        Arguments.of(
            "resource owner missing",
            "bob",
            fineGrained(null, "all", null, Map.of("contents", "read")),
            "resource_owner"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidRequests")
  void invalidTokenRequestsAreRefusedWithFieldErrors(
      String name, String login, NewToken req, String field) {
    PolicyException e =
        assertPolicyException(PolicyException.Kind.INVALID, () -> create(login, req));
    assertFieldError(e, field);
    assertEquals("Validation Failed", e.getMessage());
    assertEquals(List.of(), mgmt.tokens().tokensOf(Actor.SYSTEM, login), "nothing was stored");
  }

  @Test
  void aTokenWhoseLookupKeyIsTakenIsIssuedAgainWithAnotherPlaintext() throws Exception {
    // Two issuers whose generators are seeded alike: the second's first token is the first's, so
    // its
    // lookup key (and digest) is taken, and it issues its next plaintext instead.
    Admin first = new Admin(store, cache::apply, clock, seeded(), id -> null, e -> {});
    Admin second = new Admin(store, cache::apply, clock, seeded(), id -> null, e -> {});
    for (NewToken req : List.of(classic(30, "repo"), fineGrainedOn("acme", "read"))) {
      CreatedToken a = first.tokens().createToken(Actor.SYSTEM, "bob", req);
      CreatedToken b = second.tokens().createToken(Actor.SYSTEM, "bob", req);
      assertNotEquals(a.plaintext(), b.plaintext(), "another plaintext was issued");
      assertEquals(
          b.token().digest(),
          TokenDigest.of(b.plaintext()),
          "the stored digest is the issued plaintext's");
      assertEquals(
          a.token().id(), store.tokenByDigest(TokenDigest.of(a.plaintext())).orElseThrow().id());
      assertEquals(
          b.token().id(), store.tokenByDigest(TokenDigest.of(b.plaintext())).orElseThrow().id());
      assertEquals(
          req.permissions() == null ? null : GrantStatus.PENDING,
          b.grant() == null ? null : b.grant().status(),
          "the second token has its own grant");
    }
    assertEquals(4, mgmt.tokens().tokensOf(Actor.SYSTEM, "bob").size());
  }

  private static SecureRandom seeded() throws Exception {
    SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
    r.setSeed(42);
    return r;
  }

  @Test
  void boundaryValuesAreAccepted() {
    create(
        "bob",
        new NewToken(
            "classic",
            "n".repeat(40),
            "d".repeat(1024),
            1,
            List.of("repo", "workflow"),
            null,
            null,
            null,
            null,
            null));
    create("bob", classic(366));
    create("bob", classic(null));
    create("bob", new NewToken("classic", "x", null, null, null, null, null, null, null, null));
    create(
        "bob",
        fineGrained(
            "acme",
            "subset",
            List.of("APP", "inner"),
            Map.of(
                "contents",
                "write",
                "workflows",
                "write",
                "organization_personal_access_token_requests",
                "read")));
    create("bob", fineGrained("bob", "none", null, Map.of("emails", "read")));
    create("bob", fineGrained("acme", "all", null, null));
    assertEquals(7, mgmt.tokens().tokensOf(Actor.SYSTEM, "bob").size());
  }

  @Test
  void createdTokensAreStoredByDigestWithMetadataRead() {
    CreatedToken c =
        create("bob", fineGrained("acme", "subset", List.of("app"), Map.of("contents", "write")));
    assertEquals(TokenKind.FINE_GRAINED, TokenFormat.kindOf(c.plaintext()));
    assertEquals(TokenDigest.of(c.plaintext()), c.token().digest());
    AccessToken stored = store.tokenByDigest(TokenDigest.of(c.plaintext())).orElseThrow();
    assertEquals(c.token(), stored);
    assertEquals(
        PermissionLevel.READ, stored.permission("metadata"), "metadata: read is always implied");
    assertEquals(PermissionLevel.WRITE, stored.permission("contents"));
    assertEquals(RepositorySelection.SUBSET, stored.repositorySelection());
    assertEquals(1, stored.repositoryIds().size());
    assertEquals(START.plus(Duration.ofDays(30)), stored.expiresAt());
    assertFalse(c.toString().contains(c.plaintext()));

    CreatedToken k = create("bob", classic(7, "repo"));
    assertEquals(TokenKind.CLASSIC, TokenFormat.kindOf(k.plaintext()));
    assertNull(k.grant());
    assertEquals(START.plus(Duration.ofDays(7)), k.token().expiresAt());
    assertNull(create("bob", classic(null)).token().expiresAt());
  }

  @Test
  void fineGrainedRefusedWhereTheOrgRestrictsThemOrAskedToLiveTooLong() {
    mgmt.policies()
        .updateOrgPolicy(Actor.SYSTEM, "acme", Map.of("fine_grained_max_lifetime_days", 10));
    assertFieldError(
        assertThrows(PolicyException.class, () -> create("bob", fineGrainedOn("acme", "read"))),
        "expires_in");
    assertFieldError(
        assertThrows(
            PolicyException.class,
            () ->
                create(
                    "bob",
                    new NewToken(
                        "fine_grained",
                        "x",
                        null,
                        null,
                        null,
                        "acme",
                        "all",
                        null,
                        Map.of(),
                        null))),
        "expires_in");
    create(
        "bob",
        new NewToken("fine_grained", "x", null, 10, null, "acme", "all", null, Map.of(), null));

    mgmt.policies()
        .updateEnterprisePolicy(
            Actor.SYSTEM, "globex", Map.of("fine_grained_access", "restricted"));
    assertFieldError(
        assertThrows(PolicyException.class, () -> create("bob", fineGrainedOn("acme", "read"))),
        "resource_owner");
  }

  // ====================================================================== approval at creation

  @Test
  void ownersTokenIsApprovedAtOnce() {
    CreatedToken t = create("alice", fineGrainedOn("acme", "write"));
    assertEquals(GrantStatus.APPROVED, t.grant().status());
    assertNotNull(t.grant().accessGrantedAt());
    assertEquals(Optional.of(t.grant()), mgmt.directory().grantOfToken(t.token().id()));
  }

  @Test
  void membersTokenIsPendingWhileApprovalIsRequired() {
    CreatedToken t = create("bob", fineGrainedOn("acme", "read"));
    assertEquals(GrantStatus.PENDING, t.grant().status());
    assertEquals("for CI", t.grant().reason());
    assertEquals(t.token().id(), t.grant().tokenId());
  }

  @Test
  void membersTokenIsApprovedWhenTheOrgSaysNotRequired() {
    mgmt.policies()
        .updateOrgPolicy(Actor.SYSTEM, "acme", Map.of("fine_grained_approval", "not_required"));
    assertEquals(
        GrantStatus.APPROVED, create("bob", fineGrainedOn("acme", "read")).grant().status());
  }

  @Test
  void membersTokenIsApprovedWhenTheEnterpriseDisablesApproval() {
    mgmt.policies()
        .updateEnterprisePolicy(
            Actor.SYSTEM, "globex", Map.of("fine_grained_approval", "disabled"));
    assertEquals(
        GrantStatus.APPROVED,
        create("bob", fineGrainedOn("acme", "read")).grant().status(),
        "org says required, enterprise wins");
  }

  @Test
  void membersTokenIsPendingWhenTheEnterpriseRequiresApprovalOverTheOrg() {
    mgmt.policies()
        .updateOrgPolicy(Actor.SYSTEM, "acme", Map.of("fine_grained_approval", "not_required"));
    mgmt.policies()
        .updateEnterprisePolicy(
            Actor.SYSTEM, "globex", Map.of("fine_grained_approval", "required"));
    assertEquals(
        GrantStatus.PENDING, create("bob", fineGrainedOn("acme", "read")).grant().status());
  }

  @Test
  void tokensNotAimedAtAnOrgHaveNoGrant() {
    assertNull(create("bob", fineGrainedOn("bob", "read")).grant());
    assertNull(create("bob", classic(30, "repo")).grant());
  }

  // ====================================================================== reviewing requests

  @Test
  void approveAndDenyPendingRequests() {
    CreatedToken a = create("bob", fineGrainedOn("acme", "read"));
    CreatedToken b = create("bob", fineGrainedOn("acme", "read"));
    mgmt.reviews().reviewRequest(Actor.SYSTEM, "acme", a.grant().id(), true, null);
    mgmt.reviews().reviewRequest(Actor.SYSTEM, "acme", b.grant().id(), false, "too broad");
    assertEquals(GrantStatus.APPROVED, store.grantById(a.grant().id()).orElseThrow().status());
    Grant denied = store.grantById(b.grant().id()).orElseThrow();
    assertEquals(GrantStatus.DENIED, denied.status());
    assertEquals("too broad", denied.reviewReason());
  }

  @Test
  void reviewingANonPendingRequestIsInvalid() {
    CreatedToken a = create("bob", fineGrainedOn("acme", "read"));
    mgmt.reviews().reviewRequest(Actor.SYSTEM, "acme", a.grant().id(), true, null);
    assertPolicyException(
        PolicyException.Kind.INVALID,
        () -> mgmt.reviews().reviewRequest(Actor.SYSTEM, "acme", a.grant().id(), false, null));
    assertEquals(GrantStatus.APPROVED, store.grantById(a.grant().id()).orElseThrow().status());
    CreatedToken owners = create("alice", fineGrainedOn("acme", "read"));
    assertPolicyException(
        PolicyException.Kind.INVALID,
        () -> mgmt.reviews().reviewRequest(Actor.SYSTEM, "acme", owners.grant().id(), true, null));
  }

  @Test
  void bulkReviewWithOneUnknownIdChangesNothing() {
    CreatedToken a = create("bob", fineGrainedOn("acme", "read"));
    CreatedToken b = create("bob", fineGrainedOn("acme", "read"));
    assertPolicyException(
        PolicyException.Kind.NOT_FOUND,
        () ->
            mgmt.reviews()
                .reviewRequests(
                    Actor.SYSTEM,
                    "acme",
                    List.of(a.grant().id(), 987_654L, b.grant().id()),
                    true,
                    null));
    assertEquals(GrantStatus.PENDING, store.grantById(a.grant().id()).orElseThrow().status());
    assertEquals(GrantStatus.PENDING, store.grantById(b.grant().id()).orElseThrow().status());
  }

  @Test
  void bulkReviewWithOneDecidedRequestChangesNothing() {
    CreatedToken a = create("bob", fineGrainedOn("acme", "read"));
    CreatedToken b = create("bob", fineGrainedOn("acme", "read"));
    CreatedToken c = create("bob", fineGrainedOn("acme", "read"));
    mgmt.reviews().reviewRequest(Actor.SYSTEM, "acme", b.grant().id(), false, null);
    assertPolicyException(
        PolicyException.Kind.INVALID,
        () ->
            mgmt.reviews()
                .reviewRequests(
                    Actor.SYSTEM,
                    "acme",
                    List.of(a.grant().id(), b.grant().id(), c.grant().id()),
                    true,
                    null));
    assertEquals(GrantStatus.PENDING, store.grantById(a.grant().id()).orElseThrow().status());
    assertEquals(GrantStatus.DENIED, store.grantById(b.grant().id()).orElseThrow().status());
    assertEquals(GrantStatus.PENDING, store.grantById(c.grant().id()).orElseThrow().status());
    mgmt.reviews()
        .reviewRequests(Actor.SYSTEM, "acme", List.of(a.grant().id(), c.grant().id()), true, null);
    assertEquals(GrantStatus.APPROVED, store.grantById(a.grant().id()).orElseThrow().status());
    assertEquals(GrantStatus.APPROVED, store.grantById(c.grant().id()).orElseThrow().status());
  }

  @Test
  void requestOfAnotherOrgIsNotFound() {
    mgmt.accounts().createOrganization(Actor.SYSTEM, "widgets", "alice", null);
    CreatedToken a = create("bob", fineGrainedOn("acme", "read"));
    assertPolicyException(
        PolicyException.Kind.NOT_FOUND,
        () -> mgmt.reviews().reviewRequest(Actor.SYSTEM, "widgets", a.grant().id(), true, null));
    assertEquals(GrantStatus.PENDING, store.grantById(a.grant().id()).orElseThrow().status());
  }

  @Test
  void reviewReasonLongerThan1024IsInvalid() {
    CreatedToken a = create("bob", fineGrainedOn("acme", "read"));
    assertPolicyException(
        PolicyException.Kind.INVALID,
        () ->
            mgmt.reviews()
                .reviewRequest(Actor.SYSTEM, "acme", a.grant().id(), false, "r".repeat(1025)));
    assertEquals(GrantStatus.PENDING, store.grantById(a.grant().id()).orElseThrow().status());
  }

  @Test
  void revokeOnlyApprovedLiveTokens() {
    CreatedToken pending = create("bob", fineGrainedOn("acme", "read"));
    CreatedToken approved = create("alice", fineGrainedOn("acme", "read"));
    CreatedToken deleted = create("alice", fineGrainedOn("acme", "read"));
    mgmt.tokens().deleteToken(Actor.SYSTEM, deleted.token().id());
    assertPolicyException(
        PolicyException.Kind.NOT_FOUND,
        () -> mgmt.reviews().revokeGrant(Actor.SYSTEM, "acme", pending.token().id()));
    assertPolicyException(
        PolicyException.Kind.NOT_FOUND,
        () -> mgmt.reviews().revokeGrant(Actor.SYSTEM, "acme", deleted.token().id()));
    assertPolicyException(
        PolicyException.Kind.NOT_FOUND,
        () ->
            mgmt.reviews()
                .revokeGrants(
                    Actor.SYSTEM, "acme", List.of(approved.token().id(), pending.token().id())));
    assertEquals(
        GrantStatus.APPROVED,
        store.grantOfToken(approved.token().id()).orElseThrow().status(),
        "all ids are checked first");
    mgmt.reviews().revokeGrant(Actor.SYSTEM, "acme", approved.token().id());
    assertEquals(
        GrantStatus.REVOKED, store.grantOfToken(approved.token().id()).orElseThrow().status());
    assertPolicyException(
        PolicyException.Kind.NOT_FOUND,
        () -> mgmt.reviews().revokeGrant(Actor.SYSTEM, "acme", approved.token().id()));
  }

  // ====================================================================== who may call

  @Nested
  @DisplayName("requireOrgOwner and requireSiteAdmin")
  class CallerChecks {
    @Test
    void ownerWithClassicAdminOrgManagesTheOrg() {
      Actor owner = actor(alice, create("alice", classic(30, "admin:org")));
      mgmt.callers()
          .requireOrgOwner(
              owner, mgmt.directory().organization("acme"), "members", PermissionLevel.WRITE);
      mgmt.accounts().setBasePermission(owner, "acme", "write");
      assertEquals(BasePermission.WRITE, mgmt.directory().organization("acme").basePermission());
      mgmt.accounts().setMembership(owner, "acme", "carol", "member");
    }

    @Test
    void memberWithAdminOrgIsForbidden() {
      Actor member = actor(bob, create("bob", classic(30, "admin:org")));
      assertPolicyException(
          PolicyException.Kind.FORBIDDEN,
          () -> mgmt.accounts().setBasePermission(member, "acme", "admin"));
      assertEquals(BasePermission.READ, mgmt.directory().organization("acme").basePermission());
      CreatedToken req = create("bob", fineGrainedOn("acme", "read"));
      assertPolicyException(
          PolicyException.Kind.FORBIDDEN,
          () -> mgmt.reviews().reviewRequest(member, "acme", req.grant().id(), true, null));
      assertEquals(GrantStatus.PENDING, store.grantById(req.grant().id()).orElseThrow().status());
    }

    @Test
    void ownerWithoutAdminOrgIsForbidden() {
      Actor owner = actor(alice, create("alice", classic(30, "repo")));
      assertPolicyException(
          PolicyException.Kind.FORBIDDEN,
          () -> mgmt.accounts().setBasePermission(owner, "acme", "admin"));
    }

    @Test
    void ownerFineGrainedTokenWithRequestsWriteReviews() {
      CreatedToken req = create("bob", fineGrainedOn("acme", "read"));
      Actor owner =
          actor(
              alice,
              create(
                  "alice",
                  fineGrained(
                      "acme",
                      "none",
                      null,
                      Map.of("organization_personal_access_token_requests", "write"))));
      mgmt.reviews().reviewRequest(owner, "acme", req.grant().id(), true, "ok");
      Grant g = store.grantById(req.grant().id()).orElseThrow();
      assertEquals(GrantStatus.APPROVED, g.status());
      // ...but that permission does not reach other management calls.
      assertPolicyException(
          PolicyException.Kind.FORBIDDEN,
          () -> mgmt.accounts().setBasePermission(owner, "acme", "write"));
    }

    @Test
    void ownerFineGrainedTokenWithRequestsReadCannotReview() {
      CreatedToken req = create("bob", fineGrainedOn("acme", "read"));
      Actor owner =
          actor(
              alice,
              create(
                  "alice",
                  fineGrained(
                      "acme",
                      "none",
                      null,
                      Map.of("organization_personal_access_token_requests", "read"))));
      assertPolicyException(
          PolicyException.Kind.FORBIDDEN,
          () -> mgmt.reviews().reviewRequest(owner, "acme", req.grant().id(), true, null));
    }

    @Test
    void ownerFineGrainedTokenOnAnotherOrgIsForbidden() {
      mgmt.accounts().createOrganization(Actor.SYSTEM, "widgets", "alice", null);
      CreatedToken req = create("bob", fineGrainedOn("acme", "read"));
      Actor owner =
          actor(
              alice,
              create(
                  "alice",
                  fineGrained(
                      "widgets",
                      "none",
                      null,
                      Map.of("organization_personal_access_token_requests", "write"))));
      assertPolicyException(
          PolicyException.Kind.FORBIDDEN,
          () -> mgmt.reviews().reviewRequest(owner, "acme", req.grant().id(), true, null));
    }

    @Test
    void ownerFineGrainedTokenStopsWorkingWhenFineGrainedIsRestricted() {
      Actor owner =
          actor(
              alice,
              create(
                  "alice",
                  fineGrained(
                      "acme",
                      "none",
                      null,
                      Map.of("organization_personal_access_token_requests", "write"))));
      CreatedToken req = create("bob", fineGrainedOn("acme", "read"));
      mgmt.policies()
          .updateEnterprisePolicy(
              Actor.SYSTEM, "globex", Map.of("fine_grained_access", "restricted"));
      assertPolicyException(
          PolicyException.Kind.FORBIDDEN,
          () -> mgmt.reviews().reviewRequest(owner, "acme", req.grant().id(), true, null));
    }

    @Test
    void memberFineGrainedTokenIsForbidden() {
      mgmt.policies()
          .updateOrgPolicy(Actor.SYSTEM, "acme", Map.of("fine_grained_approval", "not_required"));
      Actor member =
          actor(
              bob,
              create(
                  "bob",
                  fineGrained(
                      "acme",
                      "none",
                      null,
                      Map.of("organization_personal_access_token_requests", "write"))));
      assertPolicyException(
          PolicyException.Kind.FORBIDDEN,
          () ->
              mgmt.callers()
                  .requireOrgOwner(
                      member,
                      mgmt.directory().organization("acme"),
                      "organization_personal_access_token_requests",
                      PermissionLevel.WRITE));
    }

    @Test
    void ownersClassicTokenIsRefusedWhereClassicTokensAreRestricted() {
      Actor owner = actor(alice, create("alice", classic(30, "admin:org")));
      mgmt.policies()
          .updateEnterprisePolicy(Actor.SYSTEM, "globex", Map.of("classic_access", "restricted"));
      assertPolicyException(
          PolicyException.Kind.FORBIDDEN,
          () -> mgmt.accounts().setBasePermission(owner, "acme", "write"));
      mgmt.policies()
          .updateEnterprisePolicy(
              Actor.SYSTEM, "globex", Map.of("classic_access", "org_configures"));
      mgmt.policies().updateOrgPolicy(Actor.SYSTEM, "acme", Map.of("classic_access", "restricted"));
      assertPolicyException(
          PolicyException.Kind.FORBIDDEN,
          () -> mgmt.accounts().setBasePermission(owner, "acme", "write"));
    }

    @Test
    void siteAdminChecks() {
      CreatedToken boot = mgmt.bootstrapAdmin().orElseThrow();
      User admin = mgmt.directory().user("admin");
      Actor siteAdmin = actor(admin, boot);
      mgmt.callers().requireSiteAdmin(Actor.SYSTEM);
      mgmt.callers().requireSiteAdmin(siteAdmin);
      mgmt.accounts().createUser(siteAdmin, "dave");
      // Site admins may manage any org.
      mgmt.accounts().setBasePermission(siteAdmin, "acme", "none");

      // The site admin's other tokens do not carry the power without the scope.
      Actor adminWithoutScope = actor(admin, create("admin", classic(30, "repo", "admin:org")));
      assertPolicyException(
          PolicyException.Kind.FORBIDDEN,
          () -> mgmt.accounts().createUser(adminWithoutScope, "erin"));
      // Nor does the scope without the flag (it cannot even be created).
      assertFieldError(
          assertThrows(PolicyException.class, () -> create("alice", classic(30, "site_admin"))),
          "scopes");
      // An org owner is no site admin: refused 403 what it may see (itself, its own tokens, its
      // organization's enterprise), and 404 other users' accounts and tokens.
      CreatedToken ownersToken = create("alice", classic(30, "admin:org"));
      Actor owner = actor(alice, ownersToken);
      assertPolicyException(
          PolicyException.Kind.FORBIDDEN, () -> mgmt.accounts().createUser(owner, "erin"));
      assertPolicyException(
          PolicyException.Kind.FORBIDDEN,
          () -> mgmt.tokens().createToken(owner, "alice", classic(30, "repo")));
      assertPolicyException(
          PolicyException.Kind.NOT_FOUND,
          () -> mgmt.tokens().createToken(owner, "bob", classic(30, "repo")));
      assertPolicyException(
          PolicyException.Kind.FORBIDDEN, () -> mgmt.accounts().setSuspended(owner, "alice", true));
      assertPolicyException(
          PolicyException.Kind.NOT_FOUND, () -> mgmt.accounts().setSuspended(owner, "bob", true));
      assertPolicyException(
          PolicyException.Kind.FORBIDDEN,
          () -> mgmt.tokens().deleteToken(owner, ownersToken.token().id()));
      long bobsToken = create("bob", classic(30, "repo")).token().id();
      assertPolicyException(
          PolicyException.Kind.NOT_FOUND, () -> mgmt.tokens().deleteToken(owner, bobsToken));
      assertPolicyException(
          PolicyException.Kind.FORBIDDEN,
          () -> mgmt.policies().updateEnterprisePolicy(owner, "globex", Map.of()));
      assertTrue(mgmt.directory().findUser("erin").isEmpty());
      assertFalse(store.userById(bob.id()).orElseThrow().suspended());
      assertFalse(store.tokenById(bobsToken).orElseThrow().deleted());
    }
  }

  // ====================================================================== what a caller may see

  @Nested
  @DisplayName("an object the caller may not see is refused as a missing one")
  class HiddenIsMissing {
    /** Both calls fail with NOT_FOUND and the same message. */
    private void assertSameRefusal(Executable hidden, Executable missing) {
      PolicyException h = assertPolicyException(PolicyException.Kind.NOT_FOUND, hidden);
      PolicyException m = assertPolicyException(PolicyException.Kind.NOT_FOUND, missing);
      assertEquals(
          m.getMessage().replace("nosuch", "X"),
          h.getMessage().replace("acme", "X").replace("globex", "X").replace("bob", "X"),
          "the same words, the name aside");
    }

    @Test
    void anOutsiderSeesNoOrganizationNorItsRepositoriesNorOtherUsers() {
      Actor carols = actor(carol, create("carol", classic(30, "repo", "admin:org")));
      assertSameRefusal(
          () -> mgmt.accounts().setBasePermission(carols, "acme", "admin"),
          () -> mgmt.accounts().setBasePermission(carols, "nosuch", "admin"));
      assertSameRefusal(
          () -> mgmt.accounts().setMembership(carols, "acme", "carol", "admin"),
          () -> mgmt.accounts().setMembership(carols, "nosuch", "carol", "admin"));
      assertSameRefusal(
          () -> mgmt.policies().updateOrgPolicy(carols, "acme", Map.of()),
          () -> mgmt.policies().updateOrgPolicy(carols, "nosuch", Map.of()));
      assertSameRefusal(
          () -> mgmt.grants().listGrants(carols, "acme", true, null),
          () -> mgmt.grants().listGrants(carols, "nosuch", true, null));
      assertSameRefusal(
          () -> mgmt.repositories().createRepository(carols, "acme", "x", "private", r -> {}),
          () -> mgmt.repositories().createRepository(carols, "nosuch", "x", "private", r -> {}));
      // A private repository: the same as a missing one, and as a missing owner.
      PolicyException hidden =
          assertPolicyException(
              PolicyException.Kind.NOT_FOUND,
              () -> mgmt.repositories().setCollaborator(carols, "acme", "app", "carol", "admin"));
      PolicyException missing =
          assertPolicyException(
              PolicyException.Kind.NOT_FOUND,
              () -> mgmt.repositories().setCollaborator(carols, "acme", "nope", "carol", "admin"));
      assertEquals(
          missing.getMessage().replace("nope", "app"), hidden.getMessage(), "repository words");
      assertEquals(
          "No repository named 'nosuch/app'.",
          assertPolicyException(
                  PolicyException.Kind.NOT_FOUND,
                  () -> mgmt.repositories().removeCollaborator(carols, "nosuch", "app", "carol"))
              .getMessage());
      // An internal repository is hidden from a user of no organization of the enterprise.
      assertPolicyException(
          PolicyException.Kind.NOT_FOUND,
          () -> mgmt.repositories().setCollaborator(carols, "acme", "inner", "carol", "admin"));
      // Users, their tokens, and enterprises of organizations one does not belong to.
      assertSameRefusal(
          () -> mgmt.accounts().setSuspended(carols, "bob", true),
          () -> mgmt.accounts().setSuspended(carols, "nosuch", true));
      assertSameRefusal(
          () -> mgmt.tokens().tokensOf(carols, "bob"),
          () -> mgmt.tokens().tokensOf(carols, "nosuch"));
      assertSameRefusal(
          () -> mgmt.policies().updateEnterprisePolicy(carols, "globex", Map.of()),
          () -> mgmt.policies().updateEnterprisePolicy(carols, "nosuch", Map.of()));
      long bobsToken = create("bob", classic(30, "repo")).token().id();
      PolicyException token =
          assertPolicyException(
              PolicyException.Kind.NOT_FOUND, () -> mgmt.tokens().deleteToken(carols, bobsToken));
      assertEquals(
          assertPolicyException(
                  PolicyException.Kind.NOT_FOUND, () -> mgmt.tokens().deleteToken(carols, 987_654))
              .getMessage()
              .replace("987654", Long.toString(bobsToken)),
          token.getMessage());
      assertEquals(BasePermission.READ, mgmt.directory().organization("acme").basePermission());
      assertTrue(store.collaborationsOfUser(carol.id()).isEmpty());
    }

    @Test
    void aCallerWhoMaySeeTheObjectIsForbidden() {
      // bob, a member of acme: sees the organization, its private and internal repositories, and
      // its enterprise, but manages none of them.
      Actor bobs = actor(bob, create("bob", classic(30, "repo", "admin:org")));
      assertPolicyException(
          PolicyException.Kind.FORBIDDEN,
          () -> mgmt.accounts().setBasePermission(bobs, "acme", "admin"));
      assertPolicyException(
          PolicyException.Kind.FORBIDDEN,
          () -> mgmt.repositories().setCollaborator(bobs, "acme", "app", "carol", "admin"));
      assertPolicyException(
          PolicyException.Kind.FORBIDDEN,
          () -> mgmt.repositories().setCollaborator(bobs, "acme", "inner", "carol", "admin"));
      assertPolicyException(
          PolicyException.Kind.FORBIDDEN,
          () -> mgmt.policies().updateEnterprisePolicy(bobs, "globex", Map.of()));
      // carol sees a public repository, and a private one once she collaborates on it.
      Actor carols = actor(carol, create("carol", classic(30, "repo", "admin:org")));
      assertPolicyException(
          PolicyException.Kind.FORBIDDEN,
          () -> mgmt.repositories().setCollaborator(carols, "acme", "site", "carol", "admin"));
      mgmt.repositories().setCollaborator(Actor.SYSTEM, "acme", "app", "carol", "pull");
      assertPolicyException(
          PolicyException.Kind.FORBIDDEN,
          () -> mgmt.repositories().removeCollaborator(carols, "acme", "app", "carol"));
      assertEquals(
          RepoPermission.READ, store.collaborationsOfUser(carol.id()).values().iterator().next());
    }
  }

  // ====================================================================== revoke, delete,
  // bootstrap

  @Test
  void revokeCredentialsDeletesRealTokensAndIgnoresGarbage() {
    CreatedToken real = create("bob", classic(30, "repo"));
    CreatedToken alreadyDeleted = create("bob", classic(30, "repo"));
    CreatedToken untouched = create("bob", classic(30, "repo"));
    mgmt.tokens().deleteToken(Actor.SYSTEM, alreadyDeleted.token().id());
    String wellFormedUnknown = TokenFormat.generate(TokenKind.FINE_GRAINED, new SecureRandom());
    String badChecksum =
        real.plaintext().substring(0, 41) + (real.plaintext().charAt(41) == 'a' ? 'b' : 'a');
    mgmt.tokens()
        .revokeCredentials(
            Arrays.asList(
                "garbage",
                null,
                "",
                wellFormedUnknown,
                badChecksum,
                alreadyDeleted.plaintext(),
                " " + untouched.plaintext(),
                real.plaintext()));
    assertTrue(store.tokenById(real.token().id()).orElseThrow().deleted());
    assertFalse(store.tokenById(untouched.token().id()).orElseThrow().deleted());
    assertEquals(List.of(untouched.token()), mgmt.tokens().tokensOf(Actor.SYSTEM, "bob"));
    mgmt.tokens().revokeCredentials(List.of());
  }

  @Test
  void deleteTokenTwiceIsNotFound() {
    CreatedToken t = create("bob", classic(30, "repo"));
    mgmt.tokens().deleteToken(Actor.SYSTEM, t.token().id());
    assertPolicyException(
        PolicyException.Kind.NOT_FOUND,
        () -> mgmt.tokens().deleteToken(Actor.SYSTEM, t.token().id()));
    assertPolicyException(
        PolicyException.Kind.NOT_FOUND, () -> mgmt.tokens().deleteToken(Actor.SYSTEM, 987_654));
  }

  @Test
  void bootstrapAdminRunsOnce() {
    Optional<CreatedToken> first = mgmt.bootstrapAdmin();
    assertTrue(first.isPresent());
    CreatedToken t = first.get();
    User admin = mgmt.directory().user("admin");
    assertTrue(admin.siteAdmin());
    assertEquals(admin.id(), t.token().userId());
    assertEquals(TokenKind.CLASSIC, TokenFormat.kindOf(t.plaintext()));
    assertTrue(t.token().scopes().contains(ClassicScopes.SITE_ADMIN));
    assertTrue(Actor.of(admin, t.token()).isSiteAdmin());
    assertEquals(Optional.empty(), mgmt.bootstrapAdmin());
    assertEquals(1, mgmt.tokens().tokensOf(Actor.SYSTEM, "admin").size());
  }

  @Test
  void loginsAreUniqueAcrossUsersAndOrganizationsWhateverTheCase() {
    assertFieldError(
        assertThrows(
            PolicyException.class, () -> mgmt.accounts().createUser(Actor.SYSTEM, "ALICE")),
        "login");
    assertFieldError(
        assertThrows(PolicyException.class, () -> mgmt.accounts().createUser(Actor.SYSTEM, "Acme")),
        "login");
    assertFieldError(
        assertThrows(
            PolicyException.class,
            () -> mgmt.accounts().createOrganization(Actor.SYSTEM, "Bob", "alice", null)),
        "login");
    for (String bad : new String[] {"", "-x", "x-", "a--b", "a_b", "n".repeat(40), "dé"}) {
      assertFieldError(
          assertThrows(PolicyException.class, () -> mgmt.accounts().createUser(Actor.SYSTEM, bad)),
          "login");
    }
    assertFieldError(
        assertThrows(PolicyException.class, () -> mgmt.accounts().createUser(Actor.SYSTEM, null)),
        "login");
    mgmt.accounts().createUser(Actor.SYSTEM, "n".repeat(39));
  }

  @Test
  void policyPatchesValidateEveryFieldAndKeepOmittedOnes() {
    mgmt.policies().updateOrgPolicy(Actor.SYSTEM, "acme", Map.of("classic_max_lifetime_days", 90));
    Map<String, Object> bad = new HashMap<>();
    bad.put("fine_grained_access", "org_configures");
    bad.put("classic_max_lifetime_days", 0);
    bad.put("colour", "red");
    PolicyException e =
        assertPolicyException(
            PolicyException.Kind.INVALID,
            () -> mgmt.policies().updateOrgPolicy(Actor.SYSTEM, "acme", bad));
    assertEquals(3, e.errors().size(), "every error at once: " + e.errors());
    assertEquals(
        90,
        mgmt.directory().organization("acme").policy().classicMaxLifetimeDays(),
        "nothing changed");

    OrgPolicy p =
        mgmt.policies()
            .updateOrgPolicy(Actor.SYSTEM, "acme", Map.of("classic_access", "restricted"));
    assertEquals(90, p.classicMaxLifetimeDays(), "omitted fields keep their value");
    Map<String, Object> clear = new HashMap<>();
    clear.put("classic_max_lifetime_days", null);
    assertNull(
        mgmt.policies().updateOrgPolicy(Actor.SYSTEM, "acme", clear).classicMaxLifetimeDays(),
        "null clears");
    assertEquals(
        OrgPolicy.Access.RESTRICTED,
        mgmt.directory().organization("acme").policy().classicAccess());

    assertPolicyException(
        PolicyException.Kind.INVALID,
        () ->
            mgmt.policies()
                .updateEnterprisePolicy(
                    Actor.SYSTEM, "globex", Map.of("fine_grained_approval", "not_required")));
    assertPolicyException(
        PolicyException.Kind.INVALID,
        () ->
            mgmt.policies()
                .updateEnterprisePolicy(
                    Actor.SYSTEM, "globex", Map.of("fine_grained_max_lifetime_days", "30")));
  }

  // ====================================================================== narrowing changes
  // through the caches

  private static String basic(String plaintext) {
    return "Basic "
        + Base64.getEncoder().encodeToString(("git:" + plaintext).getBytes(StandardCharsets.UTF_8));
  }

  /** One git request, as the gateway makes it: parse the header, authenticate, decide. */
  /**
   * Decides through both paths of {@link AccessService}: the gateway's {@code decide} (joined
   * inputs, kept across requests) first, then {@code authenticate} + {@code check} (the individual
   * caches); they must agree on every request.
   */
  private Decision check(String plaintext, String owner, String repo, GitOperation op) {
    AuthorizationHeader header = AuthorizationHeader.parse(basic(plaintext));
    Decision joined = service.decide(header, owner, repo, op).decision();
    Credential c = service.authenticate(header);
    Decision separate = service.check(c, owner, repo, op).decision();
    assertEquals(separate, joined, "decide (joined inputs) and authenticate + check disagree");
    return joined;
  }

  private void assertAllowed(String plaintext, String repo, GitOperation op) {
    Decision d = check(plaintext, "acme", repo, op);
    assertTrue(d.allowed(), () -> "expected allowed: " + d);
  }

  private void assertDenied(
      String plaintext, String repo, GitOperation op, int status, Reason reason) {
    Decision d = check(plaintext, "acme", repo, op);
    Decision.Denied denied = assertInstanceOf(Decision.Denied.class, d);
    assertEquals(reason, denied.reason(), denied::toString);
    assertEquals(status, denied.status(), denied::toString);
  }

  /** Warms every cache with an allowed request, twice, so the second is served from the caches. */
  private void warm(String plaintext, String repo, GitOperation op) {
    assertAllowed(plaintext, repo, op);
    int loads = cacheStore.calls("tokenByDigest");
    assertAllowed(plaintext, repo, op);
    assertEquals(
        loads, cacheStore.calls("tokenByDigest"), "the second request is served from the cache");
  }

  @Nested
  @DisplayName("joined inputs (the gateway's one-lookup path)")
  class JoinedInputs {
    private Decision decide(String plaintext, String repo) {
      return service
          .decide(AuthorizationHeader.parse(basic(plaintext)), "acme", repo, GitOperation.READ)
          .decision();
    }

    @Test
    void aWarmRequestIsServedFromOneJoinedEntry() {
      CreatedToken t = create("bob", classic(30, "repo"));
      assertTrue(decide(t.plaintext(), "app").allowed());
      double before = cache.stats().get("joined")[0];
      for (int i = 0; i < 10; i++) {
        assertTrue(decide(t.plaintext(), "App").allowed(), "names match case-insensitively");
      }
      assertTrue(cache.stats().get("joined")[0] > before, "the joined entry is hit");
      assertEquals(1, cacheStore.calls("tokenByDigest"));
    }

    @Test
    void expiresWithTheOldestEntryItWasBuiltFrom() {
      CreatedToken t = create("bob", classic(30, "repo"));
      Duration ttl = CacheSettings.DEFAULT.expireAfterWrite();
      // The token and user entries are loaded at 0 by the REST-style authentication...
      assertInstanceOf(
          Credential.Token.class,
          service.authenticate(AuthorizationHeader.parse(basic(t.plaintext()))));
      ticker.advance(ttl.multipliedBy(2).dividedBy(3));
      // ...and joined two thirds of the expiry later, with repository entries loaded then.
      assertTrue(decide(t.plaintext(), "app").allowed());
      assertTrue(decide(t.plaintext(), "app").allowed());
      assertEquals(1, cacheStore.calls("tokenByDigest"));
      // Just past the expiry the token entry has expired: so has the joined entry.
      ticker.advance(ttl.dividedBy(3).plusSeconds(1));
      assertTrue(decide(t.plaintext(), "app").allowed());
      assertEquals(
          2,
          cacheStore.calls("tokenByDigest"),
          "the joined entry outlived the token entry it holds");
    }

    @Test
    void bypassReadsTheStoreForEveryRequest() {
      CreatedToken t = create("bob", classic(30, "repo"));
      assertTrue(decide(t.plaintext(), "app").allowed());
      assertTrue(decide(t.plaintext(), "app").allowed());
      cache.bypass(true);
      int before = cacheStore.calls("tokenByDigest");
      assertTrue(decide(t.plaintext(), "app").allowed());
      assertTrue(decide(t.plaintext(), "app").allowed());
      assertEquals(before + 2, cacheStore.calls("tokenByDigest"));
      cache.bypass(false);
      assertTrue(decide(t.plaintext(), "app").allowed());
      assertTrue(decide(t.plaintext(), "app").allowed());
      assertEquals(before + 3, cacheStore.calls("tokenByDigest"));
    }

    @Test
    void unknownRepositoriesAndInvalidTokensAreNotJoined() {
      CreatedToken t = create("bob", classic(30, "repo"));
      for (int i = 0; i < 5; i++) {
        assertFalse(decide(t.plaintext(), "nope-" + i).allowed());
        assertFalse(decide("pcc_" + "A".repeat(38), "app").allowed());
      }
      assertEquals(0, cache.stats().get("joined")[1]);
    }
  }

  @Nested
  @DisplayName("a narrowing change holds on the very next check")
  class Narrowing {
    @Test
    void deleteToken() {
      CreatedToken t = create("bob", classic(30, "repo"));
      warm(t.plaintext(), "app", GitOperation.READ);
      mgmt.tokens().deleteToken(Actor.SYSTEM, t.token().id());
      assertDenied(t.plaintext(), "app", GitOperation.READ, 401, Reason.TOKEN_DELETED);
      assertDenied(t.plaintext(), "site", GitOperation.READ, 401, Reason.TOKEN_DELETED);
    }

    @Test
    void revokeCredentials() {
      CreatedToken t = create("bob", classic(30, "repo"));
      warm(t.plaintext(), "app", GitOperation.READ);
      mgmt.tokens().revokeCredentials(List.of(t.plaintext()));
      assertDenied(t.plaintext(), "app", GitOperation.READ, 401, Reason.TOKEN_DELETED);
    }

    @Test
    void denyGrant() {
      CreatedToken t = create("bob", fineGrainedOn("acme", "read"));
      assertDenied(t.plaintext(), "app", GitOperation.READ, 403, Reason.GRANT_PENDING);
      mgmt.policies()
          .updateOrgPolicy(Actor.SYSTEM, "acme", Map.of("fine_grained_approval", "not_required"));
      warm(t.plaintext(), "app", GitOperation.READ);
      mgmt.reviews().reviewRequest(Actor.SYSTEM, "acme", t.grant().id(), false, "no");
      assertDenied(t.plaintext(), "app", GitOperation.READ, 403, Reason.GRANT_DENIED);
    }

    @Test
    void revokeGrant() {
      CreatedToken t = create("bob", fineGrainedOn("acme", "read"));
      mgmt.reviews().reviewRequest(Actor.SYSTEM, "acme", t.grant().id(), true, null);
      warm(t.plaintext(), "app", GitOperation.READ);
      mgmt.reviews().revokeGrant(Actor.SYSTEM, "acme", t.token().id());
      assertDenied(t.plaintext(), "app", GitOperation.READ, 403, Reason.GRANT_REVOKED);
      assertAllowed(t.plaintext(), "site", GitOperation.READ);
    }

    @Test
    void approvingAPendingRequestAllowsTheNextCheck() {
      CreatedToken t = create("bob", fineGrainedOn("acme", "read"));
      assertDenied(t.plaintext(), "app", GitOperation.READ, 403, Reason.GRANT_PENDING);
      assertDenied(t.plaintext(), "app", GitOperation.READ, 403, Reason.GRANT_PENDING);
      assertAllowed(t.plaintext(), "site", GitOperation.READ);
      mgmt.reviews().reviewRequest(Actor.SYSTEM, "acme", t.grant().id(), true, null);
      assertAllowed(t.plaintext(), "app", GitOperation.READ);
    }

    @Test
    void suspendUser() {
      CreatedToken t = create("bob", classic(30, "repo"));
      warm(t.plaintext(), "app", GitOperation.READ);
      mgmt.accounts().setSuspended(Actor.SYSTEM, "bob", true);
      assertDenied(t.plaintext(), "app", GitOperation.READ, 401, Reason.USER_SUSPENDED);
      mgmt.accounts().setSuspended(Actor.SYSTEM, "bob", false);
      assertAllowed(t.plaintext(), "app", GitOperation.READ);
    }

    @Test
    void orgRestrictsFineGrained() {
      CreatedToken t = create("alice", fineGrainedOn("acme", "write"));
      warm(t.plaintext(), "app", GitOperation.WRITE);
      mgmt.policies()
          .updateOrgPolicy(Actor.SYSTEM, "acme", Map.of("fine_grained_access", "restricted"));
      assertDenied(t.plaintext(), "app", GitOperation.WRITE, 403, Reason.FINE_GRAINED_RESTRICTED);
    }

    @Test
    void orgRestrictsClassic() {
      CreatedToken t = create("bob", classic(30, "repo"));
      warm(t.plaintext(), "app", GitOperation.READ);
      mgmt.policies().updateOrgPolicy(Actor.SYSTEM, "acme", Map.of("classic_access", "restricted"));
      assertDenied(t.plaintext(), "app", GitOperation.READ, 403, Reason.CLASSIC_RESTRICTED);
    }

    @Test
    void orgLowersClassicMaxLifetime() {
      CreatedToken t = create("bob", classic(30, "repo"));
      warm(t.plaintext(), "app", GitOperation.READ);
      mgmt.policies().updateOrgPolicy(Actor.SYSTEM, "acme", Map.of("classic_max_lifetime_days", 7));
      assertDenied(t.plaintext(), "app", GitOperation.READ, 403, Reason.CLASSIC_LIFETIME);
    }

    @Test
    void enterpriseRestrictsClassic() {
      CreatedToken t = create("bob", classic(30, "repo"));
      warm(t.plaintext(), "app", GitOperation.READ);
      mgmt.policies()
          .updateEnterprisePolicy(Actor.SYSTEM, "globex", Map.of("classic_access", "restricted"));
      Decision d = check(t.plaintext(), "acme", "app", GitOperation.READ);
      assertEquals(Reason.CLASSIC_RESTRICTED, d.reason());
      assertTrue(((Decision.Denied) d).message().contains("'globex'"), d::toString);
    }

    @Test
    void enterpriseRestrictsFineGrained() {
      mgmt.policies()
          .updateOrgPolicy(Actor.SYSTEM, "acme", Map.of("fine_grained_access", "restricted"));
      mgmt.policies()
          .updateEnterprisePolicy(Actor.SYSTEM, "globex", Map.of("fine_grained_access", "allowed"));
      CreatedToken t = create("alice", fineGrainedOn("acme", "read"));
      warm(t.plaintext(), "app", GitOperation.READ);
      mgmt.policies()
          .updateEnterprisePolicy(
              Actor.SYSTEM, "globex", Map.of("fine_grained_access", "restricted"));
      assertDenied(t.plaintext(), "app", GitOperation.READ, 403, Reason.FINE_GRAINED_RESTRICTED);
    }

    @Test
    void enterpriseRequiresApproval() {
      CreatedToken pending =
          create("bob", fineGrainedOn("acme", "read")); // created while the org requires approval
      mgmt.policies()
          .updateOrgPolicy(Actor.SYSTEM, "acme", Map.of("fine_grained_approval", "not_required"));
      CreatedToken approved = create("bob", fineGrainedOn("acme", "read"));
      assertEquals(GrantStatus.PENDING, pending.grant().status());
      assertEquals(GrantStatus.APPROVED, approved.grant().status());
      warm(pending.plaintext(), "app", GitOperation.READ);
      warm(approved.plaintext(), "app", GitOperation.READ);
      mgmt.policies()
          .updateEnterprisePolicy(
              Actor.SYSTEM, "globex", Map.of("fine_grained_approval", "required"));
      assertDenied(pending.plaintext(), "app", GitOperation.READ, 403, Reason.GRANT_PENDING);
      assertAllowed(approved.plaintext(), "app", GitOperation.READ);
    }

    @Test
    void removeMembership() {
      CreatedToken classicToken = create("bob", classic(30, "repo"));
      mgmt.policies()
          .updateOrgPolicy(Actor.SYSTEM, "acme", Map.of("fine_grained_approval", "not_required"));
      CreatedToken fg = create("bob", fineGrainedOn("acme", "read"));
      warm(classicToken.plaintext(), "app", GitOperation.READ);
      warm(fg.plaintext(), "app", GitOperation.READ);
      warm(classicToken.plaintext(), "inner", GitOperation.READ);
      mgmt.accounts().removeMembership(Actor.SYSTEM, "acme", "bob");
      assertDenied(
          classicToken.plaintext(), "app", GitOperation.READ, 404, Reason.REPOSITORY_NOT_FOUND);
      assertDenied(fg.plaintext(), "app", GitOperation.READ, 404, Reason.REPOSITORY_NOT_FOUND);
      assertDenied(
          classicToken.plaintext(), "inner", GitOperation.READ, 404, Reason.REPOSITORY_NOT_FOUND);
    }

    @Test
    void demoteOwnerToMember() {
      mgmt.accounts().setMembership(Actor.SYSTEM, "acme", "bob", "admin");
      mgmt.accounts().setBasePermission(Actor.SYSTEM, "acme", "none");
      CreatedToken t = create("bob", classic(30, "repo"));
      warm(t.plaintext(), "app", GitOperation.WRITE);
      mgmt.accounts().setMembership(Actor.SYSTEM, "acme", "bob", "member");
      assertDenied(t.plaintext(), "app", GitOperation.WRITE, 404, Reason.REPOSITORY_NOT_FOUND);
    }

    @Test
    void removeCollaborator() {
      mgmt.repositories().setCollaborator(Actor.SYSTEM, "acme", "app", "carol", "push");
      CreatedToken t = create("carol", classic(30, "repo"));
      warm(t.plaintext(), "app", GitOperation.WRITE);
      mgmt.repositories().removeCollaborator(Actor.SYSTEM, "acme", "app", "carol");
      assertDenied(t.plaintext(), "app", GitOperation.WRITE, 404, Reason.REPOSITORY_NOT_FOUND);
    }

    @Test
    void lowerCollaboratorPermission() {
      mgmt.repositories().setCollaborator(Actor.SYSTEM, "acme", "app", "carol", "maintain");
      CreatedToken t = create("carol", classic(30, "repo"));
      warm(t.plaintext(), "app", GitOperation.WRITE);
      mgmt.repositories().setCollaborator(Actor.SYSTEM, "acme", "app", "carol", "triage");
      assertDenied(t.plaintext(), "app", GitOperation.WRITE, 403, Reason.NO_PUSH_PERMISSION);
    }

    @Test
    void lowerBasePermission() {
      mgmt.accounts().setBasePermission(Actor.SYSTEM, "acme", "write");
      CreatedToken t = create("bob", classic(30, "repo"));
      warm(t.plaintext(), "app", GitOperation.WRITE);
      mgmt.accounts().setBasePermission(Actor.SYSTEM, "acme", "read");
      assertDenied(t.plaintext(), "app", GitOperation.WRITE, 403, Reason.NO_PUSH_PERMISSION);
      mgmt.accounts().setBasePermission(Actor.SYSTEM, "acme", "none");
      assertDenied(t.plaintext(), "app", GitOperation.READ, 404, Reason.REPOSITORY_NOT_FOUND);
    }

    @Test
    void expiryNeedsNoEvent() {
      CreatedToken t = create("bob", classic(1, "repo"));
      warm(t.plaintext(), "app", GitOperation.READ);
      clock.advance(Duration.ofDays(1));
      assertDenied(t.plaintext(), "app", GitOperation.READ, 401, Reason.TOKEN_EXPIRED);
    }

    @Test
    void aNewRepositoryIsFoundDespiteTheNegativeEntry() {
      CreatedToken t = create("bob", classic(30, "repo"));
      assertDenied(t.plaintext(), "lib", GitOperation.READ, 404, Reason.REPOSITORY_NOT_FOUND);
      mgmt.repositories().createRepository(Actor.SYSTEM, "acme", "Lib", "private", r -> {});
      assertAllowed(t.plaintext(), "lib", GitOperation.READ);
    }
  }

  // ====================================================================== authentication on the
  // hot path

  @Test
  void emptyUsernameIs401WithGithubsMessage() {
    CreatedToken t = create("bob", classic(30, "repo"));
    String header =
        "Basic "
            + Base64.getEncoder()
                .encodeToString((":" + t.plaintext()).getBytes(StandardCharsets.UTF_8));
    Credential c = service.authenticate(AuthorizationHeader.parse(header));
    assertSame(Credential.INVALID, c);
    Decision.Denied d =
        (Decision.Denied) service.check(c, "acme", "site", GitOperation.READ).decision();
    assertEquals(401, d.status());
    assertEquals(AccessEvaluator.INVALID_CREDENTIALS_MESSAGE, d.message());
  }

  @Test
  void malformedTokensNeverReachTheStore() {
    CreatedToken t = create("bob", classic(30, "repo"));
    String wrongChecksum =
        t.plaintext().substring(0, 41) + (t.plaintext().charAt(41) == 'a' ? 'b' : 'a');
    List<String> headers =
        new ArrayList<>(
            List.of(
                "Bearer nonsense",
                basic("password123"),
                basic(wrongChecksum),
                "Negotiate x",
                "Basic %%%"));
    for (String h : headers) {
      Credential c = service.authenticate(AuthorizationHeader.parse(h));
      assertSame(Credential.INVALID, c, h);
      Decision.Denied d =
          (Decision.Denied) service.check(c, "acme", "site", GitOperation.READ).decision();
      assertEquals(401, d.status());
    }
    assertEquals(
        0, cacheStore.calls("tokenByDigest"), "format and checksum are checked before any lookup");
  }

  @Test
  void basicAndBearerAuthenticateAlike() {
    CreatedToken t = create("bob", classic(30, "repo"));
    Credential viaBasic = service.authenticate(AuthorizationHeader.parse(basic(t.plaintext())));
    Credential viaBearer =
        service.authenticate(AuthorizationHeader.parse("Bearer " + t.plaintext()));
    Credential viaToken = service.authenticate(AuthorizationHeader.parse("token " + t.plaintext()));
    assertEquals(viaBasic, viaBearer);
    assertEquals(viaBasic, viaToken);
    assertInstanceOf(Credential.Token.class, viaBasic);
    assertSame(Credential.NONE, service.authenticate(AuthorizationHeader.ABSENT));
  }

  @Test
  void allowedChecksRecordLastUseDeniedOnesDoNot() {
    CreatedToken t = create("bob", classic(30, "repo"));
    CreatedToken denied = create("carol", classic(30, "repo"));
    check(t.plaintext(), "acme", "app", GitOperation.READ);
    check(denied.plaintext(), "acme", "app", GitOperation.READ);
    assertEquals(START, recorder.pendingFor(t.token().id()));
    assertNull(recorder.pendingFor(denied.token().id()));
    assertEquals(1, recorder.flush(START));
    assertEquals(START, store.tokenById(t.token().id()).orElseThrow().lastUsedAt());
  }

  /**
   * The gateway's path (decide, then recordUse): warm uses are noted once per minute, and again
   * after it.
   */
  @Test
  void warmUsesAreNotedOncePerMinuteAndAgainAfterIt() {
    CreatedToken t = create("bob", classic(30, "repo"));
    CreatedToken denied = create("carol", classic(30, "repo"));
    long id = t.token().id();
    AuthorizationHeader h = AuthorizationHeader.parse(basic(t.plaintext()));
    AuthorizationHeader d = AuthorizationHeader.parse(basic(denied.plaintext()));
    for (int i = 0; i < 3; i++) {
      service.recordUse(service.decide(h, "acme", "app", GitOperation.READ));
      service.recordUse(service.decide(d, "acme", "app", GitOperation.READ));
    }
    assertEquals(START, recorder.pendingFor(id));
    assertNull(recorder.pendingFor(denied.token().id()), "a denied request is no use");
    assertEquals(1, recorder.flush(START));
    clock.advance(Duration.ofSeconds(30));
    service.recordUse(service.decide(h, "acme", "app", GitOperation.READ));
    assertNull(recorder.pendingFor(id), "within a minute of the written use");
    clock.advance(Duration.ofSeconds(31));
    service.recordUse(service.decide(h, "acme", "app", GitOperation.READ));
    assertEquals(
        START.plusSeconds(61), recorder.pendingFor(id), "a minute later the use is noted again");
    assertEquals(1, recorder.flush(clock.instant()));
    assertEquals(START.plusSeconds(61), store.tokenById(id).orElseThrow().lastUsedAt());
    assertEquals(
        2,
        cacheStore.calls("tokenByDigest"),
        "one load per token: every later request was a warm one");
  }

  @Test
  void internalRepoReadableByMembersOfAnotherOrgOfTheEnterpriseThroughTheService() {
    mgmt.accounts().createOrganization(Actor.SYSTEM, "widgets", "carol", "globex");
    mgmt.accounts().createOrganization(Actor.SYSTEM, "solo", "alice", null);
    User dave = mgmt.accounts().createUser(Actor.SYSTEM, "dave");
    mgmt.accounts().setMembership(Actor.SYSTEM, "solo", "dave", "member");
    CreatedToken c = create("carol", classic(30, "repo"));
    CreatedToken d = create("dave", classic(30, "repo"));
    assertNotNull(dave);
    assertAllowed(c.plaintext(), "inner", GitOperation.READ);
    assertDenied(c.plaintext(), "inner", GitOperation.WRITE, 403, Reason.NO_PUSH_PERMISSION);
    assertDenied(c.plaintext(), "app", GitOperation.READ, 404, Reason.REPOSITORY_NOT_FOUND);
    assertDenied(d.plaintext(), "inner", GitOperation.READ, 404, Reason.REPOSITORY_NOT_FOUND);
  }
}
