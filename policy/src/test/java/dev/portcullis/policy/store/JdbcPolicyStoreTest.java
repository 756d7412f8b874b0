package dev.portcullis.policy.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.policy.model.AccessToken;
import dev.portcullis.policy.model.BasePermission;
import dev.portcullis.policy.model.Enterprise;
import dev.portcullis.policy.model.EnterprisePolicy;
import dev.portcullis.policy.model.Grant;
import dev.portcullis.policy.model.GrantStatus;
import dev.portcullis.policy.model.NotificationKind;
import dev.portcullis.policy.model.OrgPolicy;
import dev.portcullis.policy.model.OrgRole;
import dev.portcullis.policy.model.Organization;
import dev.portcullis.policy.model.Owner;
import dev.portcullis.policy.model.PermissionLevel;
import dev.portcullis.policy.model.RefPatterns;
import dev.portcullis.policy.model.RepoPermission;
import dev.portcullis.policy.model.Repository;
import dev.portcullis.policy.model.RepositorySelection;
import dev.portcullis.policy.model.User;
import dev.portcullis.policy.model.Visibility;
import dev.portcullis.policy.token.TokenDigest;
import dev.portcullis.policy.token.TokenFormat;
import dev.portcullis.policy.token.TokenKind;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The JDBC store against a real embedded H2 database, migrated by Flyway. */
class JdbcPolicyStoreTest {
  private static final Instant T0 = Instant.parse("2025-03-01T10:00:00Z");
  private static final SecureRandom RANDOM = new SecureRandom();

  @TempDir Path dir;
  private Database db;
  private PolicyStore store;

  @BeforeEach
  void open() {
    db = Database.embedded(dir.resolve("db"));
    store = PolicyStores.jdbc(db.dataSource());
  }

  @AfterEach
  void close() {
    db.close();
  }

  private static AccessToken classic(User u, Instant created, Instant expires, String... scopes) {
    return new AccessToken(
        0,
        u.id(),
        TokenKind.CLASSIC,
        TokenDigest.of(TokenFormat.generate(TokenKind.CLASSIC, RANDOM)),
        "laptop",
        "for the laptop",
        created,
        expires,
        null,
        null,
        Set.of(scopes),
        null,
        null,
        Set.of(),
        Map.of());
  }

  private static AccessToken fineGrained(
      User u,
      Owner ro,
      RepositorySelection sel,
      Set<Long> repos,
      Map<String, PermissionLevel> perms) {
    return new AccessToken(
        0,
        u.id(),
        TokenKind.FINE_GRAINED,
        TokenDigest.of(TokenFormat.generate(TokenKind.FINE_GRAINED, RANDOM)),
        "ci",
        null,
        T0,
        T0.plus(Duration.ofDays(30)),
        null,
        null,
        Set.of(),
        ro.id(),
        sel,
        repos,
        perms);
  }

  private Repository repo(Owner owner, String name, Visibility v) {
    return store.createRepository(owner.id(), name, v, T0, r -> {});
  }

  // ---------------------------------------------------------------- accounts

  @Test
  void usersReadBackByIdAndLoginCaseInsensitively() {
    User alice = store.createUser("Alice", false, T0);
    User admin = store.createUser("root", true, T0);
    assertEquals("Alice", alice.login());
    assertEquals(Optional.of(alice), store.userById(alice.id()));
    assertEquals(Optional.of(alice), store.ownerByLogin("alice"));
    assertEquals(Optional.of(alice), store.ownerByLogin("ALICE"));
    assertEquals(Optional.of(alice), store.ownerByLogin("Alice"));
    assertTrue(store.userById(admin.id()).orElseThrow().siteAdmin());
    assertFalse(alice.suspended());
    assertEquals(Optional.empty(), store.ownerByLogin("bob"));
    assertEquals(Optional.empty(), store.userById(9999));
  }

  @Test
  void listingsReadBackInTheirOrder() {
    listingsReadBack(store);
  }

  @Test
  void refPatternsAndApprovalEndsRoundTrip() {
    refPatternsAndApprovalEnds(store, PolicyStores.webhooks(db.dataSource()));
  }

  /**
   * A token's {@code ref_patterns} are stored and loaded; a grant approved until an instant keeps
   * it, a widening replaces it by a new pending request, and a lapsed approval gets one notice.
   */
  static void refPatternsAndApprovalEnds(PolicyStore store, WebhookStore hooks) {
    User owner = store.createUser("rp-owner", false, T0);
    User dev = store.createUser("rp-dev", false, T0);
    Organization org = store.createOrganization("rp-org", null, owner.id(), T0);
    store.setMembership(org.id(), dev.id(), OrgRole.MEMBER, T0);
    // A hook on the organization: its deliveries name the grant that widening replaces.
    hooks.create(
        new WebhookStore.Hook(
            0,
            org.id(),
            "https://hooks.example.test/rp-org",
            "json",
            false,
            null,
            List.of(WebhookStore.PAT_REQUEST_EVENT),
            true,
            T0,
            T0));
    long queuedBefore = hooks.count(WebhookStore.PENDING);
    RefPatterns patterns = RefPatterns.of(List.of("refs/heads/release/*", "refs/tags/v*"));
    PolicyStore.StoredToken st =
        store.insertToken(
            fineGrained(
                    dev,
                    org,
                    RepositorySelection.ALL,
                    Set.of(),
                    Map.of("contents", PermissionLevel.WRITE))
                .withRefPatterns(patterns),
            org.id(),
            GrantStatus.PENDING,
            "releases");
    AccessToken t = st.token();
    assertEquals(patterns, store.tokenById(t.id()).orElseThrow().refPatterns());
    Instant end = T0.plus(Duration.ofHours(1));
    assertTrue(
        store.updateGrantStatus(
            st.grant().id(),
            GrantStatus.PENDING,
            GrantStatus.APPROVED,
            owner.id(),
            null,
            T0,
            null,
            end));
    assertEquals(end, store.grantById(st.grant().id()).orElseThrow().approvalExpiresAt());
    assertEquals(0, store.noticeLapsedApprovals(end.minusSeconds(1)));
    assertEquals(1, store.noticeLapsedApprovals(end));
    assertEquals(0, store.noticeLapsedApprovals(end.plusSeconds(60)), "once per grant");

    Grant approved = store.grantById(st.grant().id()).orElseThrow();
    PolicyStore.StoredToken widened =
        store
            .updateRefPatterns(t.id(), null, approved, "releases", T0.plusSeconds(5))
            .orElseThrow();
    assertNull(widened.token().refPatterns());
    assertNotEquals(approved.id(), widened.grant().id());
    assertEquals(GrantStatus.PENDING, widened.grant().status());
    assertNull(widened.grant().approvalExpiresAt());
    assertTrue(store.grantById(approved.id()).isEmpty());
    // The replaced request's events (created, approved) went with it; the new one is announced.
    assertEquals(queuedBefore + 1, hooks.count(WebhookStore.PENDING));
    // A grant that is no longer approved is not replaced, and nothing is written.
    assertTrue(store.updateRefPatterns(t.id(), patterns, approved, null, T0).isEmpty());
    assertNull(store.tokenById(t.id()).orElseThrow().refPatterns());
  }

  @Test
  void deletionsLeaveNoRowsBehind() {
    deletionsLeaveNoRows(store, db.dataSource());
  }

  /**
   * Deleting a repository, users and an organization removes every row that refers to them, child
   * rows first (the foreign keys hold), and reports what the caches must drop. Shared with
   * PostgreSQL.
   */
  static void deletionsLeaveNoRows(PolicyStore store, javax.sql.DataSource dataSource) {
    User alice = store.createUser("alice", false, T0);
    User bob = store.createUser("bob", false, T0);
    User carol = store.createUser("carol", false, T0);
    Organization acme = store.createOrganization("acme", null, alice.id(), T0);
    store.setMembership(acme.id(), bob.id(), OrgRole.MEMBER, T0);
    Enterprise globex = store.createEnterprise("deletions-globex", T0);
    assertTrue(store.addEnterpriseOwner(globex.id(), carol.id(), T0));
    Repository app = store.createRepository(acme.id(), "app", Visibility.PRIVATE, T0, r -> {});
    // Webhooks of two organizations: their deliveries name grants and senders deleted below.
    Organization initech = store.createOrganization("deletions-initech", null, carol.id(), T0);
    WebhookStore hooks = PolicyStores.webhooks(dataSource);
    for (Organization o : List.of(acme, initech)) {
      hooks.create(
          new WebhookStore.Hook(
              0,
              o.id(),
              "https://hooks.example.test/" + o.login(),
              "json",
              false,
              "sealed",
              List.of(WebhookStore.PAT_REQUEST_EVENT, WebhookStore.PAT_EVENT),
              true,
              T0,
              T0));
    }
    PolicyStore.StoredToken elsewhere =
        store.insertToken(
            fineGrained(
                bob,
                initech,
                RepositorySelection.ALL,
                Set.of(),
                Map.of("contents", PermissionLevel.READ)),
            initech.id(),
            GrantStatus.PENDING,
            "elsewhere");
    Repository own = store.createRepository(carol.id(), "own", Visibility.PRIVATE, T0, r -> {});
    store.setCollaborator(app.id(), carol.id(), RepoPermission.WRITE);
    AccessToken subset =
        fineGrained(
            bob,
            acme,
            RepositorySelection.SUBSET,
            Set.of(app.id()),
            Map.of("contents", PermissionLevel.READ));
    PolicyStore.StoredToken pending =
        store.insertToken(subset, acme.id(), GrantStatus.PENDING, "ci");
    PolicyStore.StoredToken reviewed =
        store.insertToken(
            fineGrained(
                bob,
                acme,
                RepositorySelection.ALL,
                Set.of(),
                Map.of("contents", PermissionLevel.READ)),
            acme.id(),
            GrantStatus.PENDING,
            "deploys");
    assertTrue(
        store.updateGrantStatus(
            reviewed.grant().id(),
            GrantStatus.PENDING,
            GrantStatus.APPROVED,
            alice.id(),
            "ok",
            T0,
            new NotificationOutbox.Notice(
                NotificationKind.REQUEST_APPROVED,
                "deletions:approved:" + reviewed.grant().id(),
                bob.id(),
                acme.id(),
                reviewed.token().id(),
                reviewed.grant().id(),
                "ok")));
    AccessToken carols =
        store.insertToken(classic(carol, T0, null, "repo"), null, null, null).token();
    AccessToken gone =
        store.insertToken(classic(carol, T0, null, "repo"), null, null, null).token();
    store.deleteToken(gone.id(), T0);
    store.recordLastUsed(Map.of(carols.id(), T0, pending.token().id(), T0));
    TokenDigest carolsNext = TokenDigest.of(TokenFormat.generate(TokenKind.CLASSIC, RANDOM));
    assertTrue(
        store
            .rotateSecret(carols.id(), carols.digest(), carolsNext, T0, null, T0.plusSeconds(60))
            .isPresent());
    store.recordLastUsed(Map.of(-store.rotatedSecrets(carols.id()).get(0).id(), T0.plusSeconds(1)));
    // Expiry events name the token itself (bob's, to each organization).
    for (PolicyStore.StoredToken t : List.of(elsewhere, pending)) {
      assertTrue(
          store.notifications().remind(null, t.token().id(), "7_days", t.token().expiresAt(), T0));
    }
    // Every queued delivery attempted once, so the log has rows too.
    for (WebhookStore.Delivery d : hooks.claimDue(T0, "node", T0.plusSeconds(60), 100)) {
      assertTrue(
          hooks.finish(
              d.id(),
              "node",
              new WebhookStore.Outcome(
                  T0, 5, 500, "Invalid HTTP Response: 500", "a: b", null, null),
              WebhookStore.PENDING,
              T0.plusSeconds(60)));
    }
    assertEquals(
        6,
        hooks.count(WebhookStore.PENDING),
        "created twice, approved, expiring; created and expiring elsewhere");
    // The console's sign-in rows of users deleted below.
    SignInStore signIns = PolicyStores.signIn(dataSource);
    for (User u : List.of(alice, carol)) {
      signIns.setEmail(u.id(), u.login() + "@example.com");
      signIns.setPassword(u.id(), "argon2id-hash-of-" + u.login(), T0);
      signIns.insertSession(String.format("%064d", u.id()), u.id(), T0, T0.plusSeconds(3600));
    }
    signIns.insertSetupLink(String.format("%064d", bob.id()), bob.id(), T0, T0.plusSeconds(3600));

    PolicyStore.Removed repo = store.deleteRepository(app.id()).orElseThrow();
    assertEquals(List.of(app.id()), repo.repositories().stream().map(Repository::id).toList());
    assertEquals(Set.of(carol.id()), repo.collaborators());
    assertTrue(store.tokenById(pending.token().id()).orElseThrow().repositoryIds().isEmpty());
    assertTrue(store.deleteRepository(app.id()).isEmpty(), "gone already");

    PolicyStore.Removed alices = store.deleteUser(alice.id()).orElseThrow();
    assertTrue(alices.tokens().isEmpty());
    assertEquals(
        GrantStatus.APPROVED,
        store.grantById(reviewed.grant().id()).orElseThrow().status(),
        "a grant alice reviewed stands without its reviewer");

    assertTrue(store.deleteOrganization(carol.id()).isEmpty(), "a user is not an organization");
    assertTrue(store.deleteUser(acme.id()).isEmpty(), "an organization is not a user");
    PolicyStore.Removed org = store.deleteOrganization(acme.id()).orElseThrow();
    assertEquals(
        Set.of(pending.token().id(), reviewed.token().id()),
        org.tokens().stream()
            .map(PolicyStore.TokenKey::id)
            .collect(java.util.stream.Collectors.toSet()));
    assertEquals(Set.of(bob.id()), org.members());
    assertTrue(store.ownerByLogin("acme").isEmpty());

    PolicyStore.Removed carolsRemoval = store.deleteUser(carol.id()).orElseThrow();
    assertEquals(
        Set.of(carols.id(), gone.id()),
        carolsRemoval.tokens().stream()
            .map(PolicyStore.TokenKey::id)
            .collect(java.util.stream.Collectors.toSet()),
        "a token deleted before goes too");
    assertEquals(
        List.of(new PolicyStore.TokenKey(carols.id(), carols.digest())),
        carolsRemoval.rotatedSecrets(),
        "with the secrets its tokens had before a rotation");
    assertEquals(
        List.of(own.id()), carolsRemoval.repositories().stream().map(Repository::id).toList());
    store.deleteUser(bob.id()).orElseThrow();
    assertTrue(store.deleteUser(bob.id()).isEmpty());
    store.deleteOrganization(initech.id()).orElseThrow();

    try (java.sql.Connection c = dataSource.getConnection();
        java.sql.Statement st = c.createStatement()) {
      for (String table :
          List.of(
              "accounts",
              "memberships",
              "repositories",
              "collaborators",
              "tokens",
              "token_repositories",
              "token_grants",
              "token_last_used",
              "token_secrets",
              "notification_outbox",
              "webhooks",
              "webhook_deliveries",
              "webhook_attempts",
              "enterprise_owners",
              "user_passwords",
              "password_setup_links",
              "console_sessions")) {
        try (java.sql.ResultSet rs = st.executeQuery("SELECT COUNT(*) FROM " + table)) {
          rs.next();
          assertEquals(0, rs.getLong(1), table);
        }
      }
    } catch (java.sql.SQLException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void rotationKeepsTheOldSecretWithItsOverlap() {
    rotationKeepsTheOldSecret(store);
  }

  /**
   * A rotation moves the current secret, with its last use, to the rotated secrets with the end of
   * its overlap (at most its expiry); the old secret still finds the token, presenting its own
   * issue, expiry and overlap; a second rotation of the same secret loses; a later rotation cuts
   * earlier overlaps to its own. Shared with PostgreSQL.
   */
  static void rotationKeepsTheOldSecret(PolicyStore store) {
    User dora = store.createUser("rotating-dora", false, T0);
    AccessToken t =
        store
            .insertToken(classic(dora, T0, T0.plusSeconds(86_400), "repo"), null, null, null)
            .token();
    store.recordLastUsed(Map.of(t.id(), T0.plusSeconds(5)));
    TokenDigest second = TokenDigest.of(TokenFormat.generate(TokenKind.CLASSIC, RANDOM));
    Instant r1 = T0.plusSeconds(60);
    assertEquals(
        Optional.of(List.of(t.digest())),
        store.rotateSecret(
            t.id(), t.digest(), second, r1, r1.plusSeconds(86_400), r1.plusSeconds(3600)));
    assertTrue(
        store
            .rotateSecret(
                t.id(),
                t.digest(),
                TokenDigest.of(TokenFormat.generate(TokenKind.CLASSIC, RANDOM)),
                r1,
                null,
                r1)
            .isEmpty(),
        "the secret was rotated already");

    AccessToken current = store.tokenByDigest(second).orElseThrow();
    assertEquals(t.id(), current.id());
    assertEquals(r1, current.createdAt());
    assertNull(current.rotated());
    assertNull(current.lastUsedAt(), "the new secret starts unused");
    AccessToken old = store.tokenByDigest(t.digest()).orElseThrow();
    assertEquals(t.id(), old.id());
    assertEquals(t.digest(), old.digest());
    assertEquals(T0, old.createdAt());
    assertEquals(T0.plusSeconds(5), old.lastUsedAt(), "its last use went with it");
    assertEquals(r1.plusSeconds(3600), old.rotated().validUntil());
    assertEquals(t.scopes(), old.scopes());

    store.recordLastUsed(
        Map.of(-old.rotated().id(), r1.plusSeconds(10), t.id(), r1.plusSeconds(20)));
    PolicyStore.TokenSecret s = store.rotatedSecrets(t.id()).get(0);
    assertEquals(r1.plusSeconds(10), s.lastUsedAt());
    assertEquals(r1, s.rotatedAt());
    assertEquals(T0.plusSeconds(86_400), s.expiresAt());
    assertEquals(r1.plusSeconds(20), store.tokenById(t.id()).orElseThrow().lastUsedAt());

    // The next rotation: no overlap for the second secret, and the first is cut to it too.
    Instant r2 = r1.plusSeconds(120);
    TokenDigest third = TokenDigest.of(TokenFormat.generate(TokenKind.CLASSIC, RANDOM));
    assertEquals(
        Optional.of(List.of(second, t.digest())),
        store.rotateSecret(t.id(), second, third, r2, null, r2));
    List<PolicyStore.TokenSecret> secrets = store.rotatedSecrets(t.id());
    assertEquals(List.of(second, t.digest()), secrets.stream().map(x -> x.digest()).toList());
    assertTrue(secrets.stream().allMatch(x -> x.validUntil().equals(r2)));
    assertEquals(r1.plusSeconds(20), secrets.get(0).lastUsedAt());

    // A secret's overlap never outlasts its own expiry.
    Instant late = T0.plusSeconds(86_400 - 10);
    TokenDigest fourth = TokenDigest.of(TokenFormat.generate(TokenKind.CLASSIC, RANDOM));
    assertTrue(store.rotateSecret(t.id(), third, fourth, late, null, late).isPresent());
    User erin = store.createUser("rotating-erin", false, T0);
    AccessToken short_ =
        store.insertToken(classic(erin, T0, T0.plusSeconds(100), "repo"), null, null, null).token();
    TokenDigest next = TokenDigest.of(TokenFormat.generate(TokenKind.CLASSIC, RANDOM));
    store.rotateSecret(
        short_.id(), short_.digest(), next, T0.plusSeconds(50), null, T0.plusSeconds(500));
    assertEquals(
        T0.plusSeconds(100),
        store.tokenByDigest(short_.digest()).orElseThrow().rotated().validUntil());

    assertTrue(store.deleteToken(t.id(), late));
    assertTrue(store.tokenByDigest(t.digest()).orElseThrow().deleted(), "every secret sees it");
  }

  /**
   * The listings behind the read API: accounts by id, an enterprise's organizations, an
   * organization's members and a repository's collaborators by login whatever its case, each with
   * the account's own fields (a suspension) and its role or grant. Shared with PostgreSQL.
   */
  static void listingsReadBack(PolicyStore store) {
    User zed = store.createUser("list-Zed", false, T0);
    User amy = store.createUser("list-amy", true, T0);
    Enterprise e = store.createEnterprise("list-ent", T0);
    Organization beta = store.createOrganization("list-Beta", e.id(), zed.id(), T0);
    Organization alpha = store.createOrganization("list-alpha", e.id(), zed.id(), T0);
    store.createOrganization("list-solo", null, amy.id(), T0);
    store.setMembership(beta.id(), amy.id(), OrgRole.MEMBER, T0);
    store.setSuspended(amy.id(), T0.plusSeconds(60));
    Repository repo =
        store.createRepository(beta.id(), "list-app", Visibility.PRIVATE, T0, r -> {});
    store.setCollaborator(repo.id(), zed.id(), RepoPermission.MAINTAIN);
    store.setCollaborator(repo.id(), amy.id(), RepoPermission.READ);

    List<String> accounts =
        store.accounts().stream().map(Owner::login).filter(l -> l.startsWith("list-")).toList();
    assertEquals(List.of("list-Zed", "list-amy", "list-Beta", "list-alpha", "list-solo"), accounts);
    assertEquals(
        List.of("list-alpha", "list-Beta"),
        store.organizationsOfEnterprise(e.id()).stream().map(Organization::login).toList());
    List<PolicyStore.Member> members = store.membersOfOrganization(beta.id());
    assertEquals(
        List.of("list-amy member", "list-Zed admin"),
        members.stream().map(m -> m.user().login() + " " + m.role().apiName()).toList());
    assertEquals(T0.plusSeconds(60), members.get(0).user().suspendedAt());
    assertTrue(members.get(0).user().siteAdmin());
    assertEquals(
        List.of("list-amy pull", "list-Zed maintain"),
        store.collaboratorsOfRepository(repo.id()).stream()
            .map(c -> c.user().login() + " " + c.permission().apiName())
            .toList());
    assertEquals(List.of(), store.membersOfOrganization(repo.id()));
  }

  @Test
  void duplicateLoginIsInvalidWhateverTheCase() {
    store.createUser("alice", false, T0);
    StoreConstraintException e =
        assertThrows(StoreConstraintException.class, () -> store.createUser("ALICE", false, T0));
    assertEquals(StoreConstraintException.Kind.DUPLICATE, e.kind());
    User admin = store.createUser("owner", false, T0);
    StoreConstraintException org =
        assertThrows(
            StoreConstraintException.class,
            () -> store.createOrganization("Alice", null, admin.id(), T0));
    assertEquals(
        StoreConstraintException.Kind.DUPLICATE,
        org.kind(),
        "users and organizations share one namespace");
    assertTrue(store.ownerByLogin("alice").orElseThrow() instanceof User);
  }

  @Test
  void suspendAndUnsuspend() {
    User u = store.createUser("u", false, T0);
    assertTrue(store.setSuspended(u.id(), T0.plusSeconds(5)));
    assertEquals(T0.plusSeconds(5), store.userById(u.id()).orElseThrow().suspendedAt());
    assertTrue(store.setSuspended(u.id(), null));
    assertNull(store.userById(u.id()).orElseThrow().suspendedAt());
    assertFalse(store.setSuspended(424242, T0), "no such user");
  }

  @Test
  void enterpriseAndItsPolicy() {
    Enterprise e = store.createEnterprise("Globex", T0);
    assertEquals(EnterprisePolicy.DEFAULT, e.policy());
    assertEquals(Optional.of(e), store.enterpriseById(e.id()));
    assertEquals(Optional.of(e), store.enterpriseBySlug("globex"));
    assertEquals(Optional.of(e), store.enterpriseBySlug("GLOBEX"));
    EnterprisePolicy p =
        new EnterprisePolicy(
            EnterprisePolicy.Access.RESTRICTED,
            EnterprisePolicy.Access.ALLOWED,
            EnterprisePolicy.Approval.DISABLED,
            30,
            366);
    store.updateEnterprisePolicy(e.id(), p);
    assertEquals(p, store.enterpriseById(e.id()).orElseThrow().policy());
    store.updateEnterprisePolicy(e.id(), EnterprisePolicy.DEFAULT);
    assertEquals(
        EnterprisePolicy.DEFAULT,
        store.enterpriseById(e.id()).orElseThrow().policy(),
        "null clears a max lifetime");
    assertThrows(StoreConstraintException.class, () -> store.createEnterprise("globex", T0));
  }

  @Test
  void organizationWithFirstOwnerPolicyAndBasePermission() {
    Enterprise e = store.createEnterprise("globex", T0);
    User alice = store.createUser("alice", false, T0);
    Organization acme = store.createOrganization("Acme", e.id(), alice.id(), T0);
    assertEquals(e.id(), acme.enterpriseId());
    assertEquals(BasePermission.READ, acme.basePermission());
    assertEquals(OrgPolicy.DEFAULT, acme.policy());
    assertEquals(Optional.of(acme), store.organizationById(acme.id()));
    assertEquals(Optional.of(acme), store.ownerByLogin("acme"));
    assertEquals(Map.of(acme.id(), OrgRole.ADMIN), store.membershipsOfUser(alice.id()));
    assertEquals(Optional.empty(), store.userById(acme.id()), "an org is not a user");
    assertEquals(Optional.empty(), store.organizationById(alice.id()), "a user is not an org");

    OrgPolicy p =
        new OrgPolicy(
            OrgPolicy.Access.RESTRICTED,
            OrgPolicy.Access.RESTRICTED,
            OrgPolicy.Approval.NOT_REQUIRED,
            7,
            90);
    store.updateOrgPolicy(acme.id(), p);
    store.setBasePermission(acme.id(), BasePermission.NONE);
    Organization back = store.organizationById(acme.id()).orElseThrow();
    assertEquals(p, back.policy());
    assertEquals(BasePermission.NONE, back.basePermission());

    Organization solo = store.createOrganization("solo", null, alice.id(), T0);
    assertNull(store.organizationById(solo.id()).orElseThrow().enterpriseId());
  }

  @Test
  void memberships() {
    User alice = store.createUser("alice", false, T0);
    User bob = store.createUser("bob", false, T0);
    Organization acme = store.createOrganization("acme", null, alice.id(), T0);
    Organization widgets = store.createOrganization("widgets", null, alice.id(), T0);
    assertEquals(Map.of(), store.membershipsOfUser(bob.id()));
    store.setMembership(acme.id(), bob.id(), OrgRole.MEMBER, T0);
    store.setMembership(widgets.id(), bob.id(), OrgRole.ADMIN, T0);
    assertEquals(
        Map.of(acme.id(), OrgRole.MEMBER, widgets.id(), OrgRole.ADMIN),
        store.membershipsOfUser(bob.id()));
    store.setMembership(acme.id(), bob.id(), OrgRole.ADMIN, T0);
    assertEquals(
        OrgRole.ADMIN,
        store.membershipsOfUser(bob.id()).get(acme.id()),
        "setting again changes the role");
    assertTrue(store.removeMembership(acme.id(), bob.id()));
    assertFalse(store.removeMembership(acme.id(), bob.id()));
    assertEquals(Map.of(widgets.id(), OrgRole.ADMIN), store.membershipsOfUser(bob.id()));
  }

  // ---------------------------------------------------------------- repositories

  @Test
  void repositoriesReadBackCaseInsensitively() {
    User alice = store.createUser("alice", false, T0);
    Organization acme = store.createOrganization("Acme", null, alice.id(), T0);
    Repository app = repo(acme, "App", Visibility.PRIVATE);
    Repository dots = repo(alice, "dots", Visibility.PUBLIC);
    assertEquals("Acme/App", app.fullName());
    assertEquals(Optional.of(app), store.repository(acme.id(), "app"));
    assertEquals(Optional.of(app), store.repository(acme.id(), "APP"));
    assertEquals(Optional.of(app), store.repositoryById(app.id()));
    assertEquals(Optional.of(dots), store.repository(alice.id(), "dots"));
    assertEquals(
        Optional.empty(), store.repository(alice.id(), "app"), "repositories are per owner");
    assertEquals(Visibility.PUBLIC, dots.visibility());
    Repository same = repo(alice, "app", Visibility.INTERNAL);
    assertNotEquals(app.id(), same.id());
    StoreConstraintException dup =
        assertThrows(StoreConstraintException.class, () -> repo(acme, "APP", Visibility.PUBLIC));
    assertEquals(StoreConstraintException.Kind.DUPLICATE, dup.kind());
  }

  @Test
  void createRepositoryRollsBackWhenBeforeCommitThrows() {
    User alice = store.createUser("alice", false, T0);
    List<Repository> seen = new ArrayList<>();
    IllegalStateException boom = new IllegalStateException("disk full");
    IllegalStateException thrown =
        assertThrows(
            IllegalStateException.class,
            () ->
                store.createRepository(
                    alice.id(),
                    "app",
                    Visibility.PRIVATE,
                    T0,
                    r -> {
                      seen.add(r);
                      throw boom;
                    }));
    assertSame(boom, thrown, "the callback's own exception reaches the caller");
    assertEquals(1, seen.size(), "the callback saw the repository inside the transaction");
    assertEquals(Optional.empty(), store.repository(alice.id(), "app"), "the row must not exist");
    assertEquals(Optional.empty(), store.repositoryById(seen.get(0).id()));
    // And the name is free again.
    Repository app = repo(alice, "app", Visibility.PRIVATE);
    assertEquals(Optional.of(app), store.repository(alice.id(), "app"));
  }

  @Test
  void collaborators() {
    User alice = store.createUser("alice", false, T0);
    User bob = store.createUser("bob", false, T0);
    Repository a = repo(alice, "a", Visibility.PRIVATE);
    Repository b = repo(alice, "b", Visibility.PRIVATE);
    store.setCollaborator(a.id(), bob.id(), RepoPermission.READ);
    store.setCollaborator(b.id(), bob.id(), RepoPermission.MAINTAIN);
    assertEquals(
        Map.of(a.id(), RepoPermission.READ, b.id(), RepoPermission.MAINTAIN),
        store.collaborationsOfUser(bob.id()));
    for (RepoPermission p :
        new RepoPermission[] {RepoPermission.TRIAGE, RepoPermission.WRITE, RepoPermission.ADMIN}) {
      store.setCollaborator(a.id(), bob.id(), p);
      assertEquals(p, store.collaborationsOfUser(bob.id()).get(a.id()));
    }
    assertTrue(store.removeCollaborator(a.id(), bob.id()));
    assertFalse(store.removeCollaborator(a.id(), bob.id()));
    assertEquals(Map.of(b.id(), RepoPermission.MAINTAIN), store.collaborationsOfUser(bob.id()));
  }

  // ---------------------------------------------------------------- tokens and grants

  @Test
  void classicTokenReadsBackByDigestAndId() {
    User alice = store.createUser("alice", false, T0);
    AccessToken t =
        classic(alice, T0, T0.plus(Duration.ofDays(7)), "repo", "workflow", "admin:org");
    PolicyStore.StoredToken st = store.insertToken(t, null, null, null);
    assertNull(st.grant());
    AccessToken stored = st.token();
    assertTrue(stored.id() > 0);
    AccessToken back = store.tokenByDigest(t.digest()).orElseThrow();
    assertEquals(stored, back);
    assertEquals(back, store.tokenById(stored.id()).orElseThrow());
    assertEquals(TokenKind.CLASSIC, back.kind());
    assertEquals(Set.of("repo", "workflow", "admin:org"), back.scopes());
    assertEquals("for the laptop", back.description());
    assertEquals(T0, back.createdAt());
    assertEquals(T0.plus(Duration.ofDays(7)), back.expiresAt());
    assertNull(back.resourceOwnerId());
    assertNull(back.repositorySelection());
    assertNull(back.lastUsedAt());
    assertFalse(back.deleted());
    assertEquals(Optional.empty(), store.grantOfToken(back.id()));
  }

  @Test
  void classicTokenWithoutScopesOrExpiry() {
    User alice = store.createUser("alice", false, T0);
    AccessToken t = classic(alice, T0, null);
    store.insertToken(t, null, null, null);
    AccessToken back = store.tokenByDigest(t.digest()).orElseThrow();
    assertEquals(Set.of(), back.scopes());
    assertNull(back.expiresAt());
  }

  @Test
  void fineGrainedTokensWithSubsetAndGrant() {
    User alice = store.createUser("alice", false, T0);
    User bob = store.createUser("bob", false, T0);
    Organization acme = store.createOrganization("acme", null, alice.id(), T0);
    store.setMembership(acme.id(), bob.id(), OrgRole.MEMBER, T0);
    Repository app = repo(acme, "app", Visibility.PRIVATE);
    Repository lib = repo(acme, "lib", Visibility.PRIVATE);
    repo(acme, "other", Visibility.PRIVATE);

    Map<String, PermissionLevel> perms =
        Map.of(
            "metadata",
            PermissionLevel.READ,
            "contents",
            PermissionLevel.WRITE,
            "organization_projects",
            PermissionLevel.ADMIN);
    AccessToken t =
        fineGrained(bob, acme, RepositorySelection.SUBSET, Set.of(app.id(), lib.id()), perms);
    PolicyStore.StoredToken st =
        store.insertToken(t, acme.id(), GrantStatus.PENDING, "need it for CI");
    AccessToken back = store.tokenByDigest(t.digest()).orElseThrow();
    assertEquals(st.token(), back);
    assertEquals(TokenKind.FINE_GRAINED, back.kind());
    assertEquals(acme.id(), back.resourceOwnerId());
    assertEquals(RepositorySelection.SUBSET, back.repositorySelection());
    assertEquals(Set.of(app.id(), lib.id()), back.repositoryIds());
    assertEquals(perms, back.permissions());
    assertEquals(Set.of(), back.scopes());

    Grant g = st.grant();
    assertEquals(GrantStatus.PENDING, g.status());
    assertEquals(back.id(), g.tokenId());
    assertEquals(acme.id(), g.orgId());
    assertEquals("need it for CI", g.reason());
    assertNull(g.accessGrantedAt());
    assertEquals(Optional.of(g), store.grantOfToken(back.id()));
    assertEquals(Optional.of(g), store.grantById(g.id()));

    AccessToken all =
        fineGrained(
            alice,
            acme,
            RepositorySelection.ALL,
            Set.of(),
            Map.of("metadata", PermissionLevel.READ));
    PolicyStore.StoredToken approved =
        store.insertToken(all, acme.id(), GrantStatus.APPROVED, null);
    assertEquals(GrantStatus.APPROVED, approved.grant().status());
    assertEquals(T0, approved.grant().accessGrantedAt());
    assertEquals(Set.of(), store.tokenById(approved.token().id()).orElseThrow().repositoryIds());
    assertNotEquals(g.id(), approved.grant().id());

    AccessToken own =
        fineGrained(
            bob, bob, RepositorySelection.NONE, Set.of(), Map.of("metadata", PermissionLevel.READ));
    PolicyStore.StoredToken userOwned = store.insertToken(own, null, null, null);
    assertNull(userOwned.grant());
    assertEquals(
        RepositorySelection.NONE,
        store.tokenById(userOwned.token().id()).orElseThrow().repositorySelection());
  }

  @Test
  void tokensOfUserListsLiveTokensOnly() {
    User alice = store.createUser("alice", false, T0);
    User bob = store.createUser("bob", false, T0);
    AccessToken a1 = store.insertToken(classic(alice, T0, null, "repo"), null, null, null).token();
    AccessToken a2 = store.insertToken(classic(alice, T0, null), null, null, null).token();
    store.insertToken(classic(bob, T0, null), null, null, null);
    assertEquals(List.of(a1, a2), store.tokensOfUser(alice.id()));
    assertTrue(store.deleteToken(a1.id(), T0.plusSeconds(1)));
    assertEquals(List.of(a2), store.tokensOfUser(alice.id()));
  }

  @Test
  void deleteTokenMarksItDeletedOnce() {
    User alice = store.createUser("alice", false, T0);
    AccessToken t = store.insertToken(classic(alice, T0, null, "repo"), null, null, null).token();
    assertTrue(store.deleteToken(t.id(), T0.plusSeconds(10)));
    AccessToken back = store.tokenByDigest(t.digest()).orElseThrow();
    assertTrue(back.deleted(), "deleted tokens stay findable so the decision can say so");
    assertEquals(T0.plusSeconds(10), back.deletedAt());
    assertFalse(store.deleteToken(t.id(), T0.plusSeconds(20)), "already deleted");
    assertEquals(
        T0.plusSeconds(10),
        store.tokenById(t.id()).orElseThrow().deletedAt(),
        "the first deletion time stays");
    assertFalse(store.deleteToken(987654, T0), "no such token");
  }

  @Test
  void aSecondTokenWithTheSameLookupKeyIsRefusedAndWritesNothing() {
    User alice = store.createUser("alice", false, T0);
    Organization acme = store.createOrganization("acme", null, alice.id(), T0);
    AccessToken t = classic(alice, T0, null);
    store.insertToken(t, null, null, null);
    assertThrows(
        PolicyStore.LookupKeyTaken.class,
        () -> store.insertToken(t, null, null, null),
        "the same digest");
    // Another digest that begins with the same 8 bytes: the same lookup key.
    TokenDigest twin = sameLookupKey(t.digest());
    assertEquals(t.digest().lookupKey(), twin.lookupKey());
    AccessToken fg =
        fineGrained(
            alice,
            acme,
            RepositorySelection.ALL,
            Set.of(),
            Map.of("metadata", PermissionLevel.READ));
    AccessToken clash =
        new AccessToken(
            0,
            fg.userId(),
            fg.kind(),
            twin,
            fg.name(),
            fg.description(),
            fg.createdAt(),
            fg.expiresAt(),
            null,
            null,
            fg.scopes(),
            fg.resourceOwnerId(),
            fg.repositorySelection(),
            fg.repositoryIds(),
            fg.permissions());
    assertThrows(
        PolicyStore.LookupKeyTaken.class,
        () -> store.insertToken(clash, acme.id(), GrantStatus.PENDING, "why"));
    assertEquals(1, store.tokensOfUser(alice.id()).size(), "no token row");
    assertEquals(
        0,
        count("SELECT COUNT(*) FROM token_grants"),
        "no grant row: the insert was one transaction");
    // A lookup finds a token by its key and then checks the whole digest.
    assertEquals(
        Optional.empty(),
        store.tokenByDigest(twin),
        "same lookup key, other digest: not this token");
    assertEquals(t.digest(), store.tokenByDigest(t.digest()).orElseThrow().digest());
  }

  /** A digest that shares {@code d}'s first 8 bytes and differs in every other. */
  static TokenDigest sameLookupKey(TokenDigest d) {
    StringBuilder rest = new StringBuilder();
    for (char ch : d.hex().substring(16).toCharArray()) {
      rest.append(ch == 'f' ? '0' : 'f');
    }
    return TokenDigest.fromHex(d.hex().substring(0, 16) + rest);
  }

  private long count(String sql) {
    try (java.sql.Connection c = db.dataSource().getConnection();
        java.sql.Statement st = c.createStatement();
        java.sql.ResultSet rs = st.executeQuery(sql)) {
      rs.next();
      return rs.getLong(1);
    } catch (java.sql.SQLException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void updateGrantStatusIsCompareAndSet() {
    User alice = store.createUser("alice", false, T0);
    User bob = store.createUser("bob", false, T0);
    Organization acme = store.createOrganization("acme", null, alice.id(), T0);
    AccessToken t =
        fineGrained(
            bob, acme, RepositorySelection.ALL, Set.of(), Map.of("metadata", PermissionLevel.READ));
    Grant g = store.insertToken(t, acme.id(), GrantStatus.PENDING, null).grant();

    assertFalse(
        store.updateGrantStatus(
            g.id(), GrantStatus.APPROVED, GrantStatus.REVOKED, alice.id(), null, T0),
        "not approved yet");
    assertEquals(GrantStatus.PENDING, store.grantById(g.id()).orElseThrow().status());

    Instant reviewed = T0.plusSeconds(60);
    assertTrue(
        store.updateGrantStatus(
            g.id(), GrantStatus.PENDING, GrantStatus.APPROVED, alice.id(), "fine", reviewed));
    Grant approved = store.grantById(g.id()).orElseThrow();
    assertEquals(GrantStatus.APPROVED, approved.status());
    assertEquals(reviewed, approved.reviewedAt());
    assertEquals("fine", approved.reviewReason());
    assertEquals(reviewed, approved.accessGrantedAt());

    assertFalse(
        store.updateGrantStatus(
            g.id(), GrantStatus.PENDING, GrantStatus.DENIED, alice.id(), null, T0),
        "a second reviewer loses");
    assertEquals(GrantStatus.APPROVED, store.grantById(g.id()).orElseThrow().status());

    Instant revoked = T0.plusSeconds(120);
    assertTrue(
        store.updateGrantStatus(
            g.id(), GrantStatus.APPROVED, GrantStatus.REVOKED, null, null, revoked));
    Grant r = store.grantById(g.id()).orElseThrow();
    assertEquals(GrantStatus.REVOKED, r.status());
    assertEquals(reviewed, r.accessGrantedAt(), "revoking keeps when access was granted");
    assertEquals(revoked, r.reviewedAt());
    assertFalse(
        store.updateGrantStatus(424242, GrantStatus.PENDING, GrantStatus.APPROVED, null, null, T0),
        "no such grant");
  }

  @Test
  void denyLeavesAccessGrantedAtEmpty() {
    User alice = store.createUser("alice", false, T0);
    Organization acme = store.createOrganization("acme", null, alice.id(), T0);
    AccessToken t =
        fineGrained(
            alice,
            acme,
            RepositorySelection.ALL,
            Set.of(),
            Map.of("metadata", PermissionLevel.READ));
    Grant g = store.insertToken(t, acme.id(), GrantStatus.PENDING, null).grant();
    assertTrue(
        store.updateGrantStatus(
            g.id(),
            GrantStatus.PENDING,
            GrantStatus.DENIED,
            alice.id(),
            "too broad",
            T0.plusSeconds(5)));
    Grant d = store.grantById(g.id()).orElseThrow();
    assertEquals(GrantStatus.DENIED, d.status());
    assertNull(d.accessGrantedAt());
    assertEquals("too broad", d.reviewReason());
  }

  @Test
  void concurrentReviewersOnlyOneWins() throws Exception {
    User alice = store.createUser("alice", false, T0);
    Organization acme = store.createOrganization("acme", null, alice.id(), T0);
    AccessToken t =
        fineGrained(
            alice,
            acme,
            RepositorySelection.ALL,
            Set.of(),
            Map.of("metadata", PermissionLevel.READ));
    Grant g = store.insertToken(t, acme.id(), GrantStatus.PENDING, null).grant();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<Boolean>> results = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        GrantStatus next = i % 2 == 0 ? GrantStatus.APPROVED : GrantStatus.DENIED;
        Callable<Boolean> review =
            () -> {
              go.await();
              return store.updateGrantStatus(
                  g.id(), GrantStatus.PENDING, next, alice.id(), null, T0);
            };
        results.add(pool.submit(review));
      }
      go.countDown();
      int winners = 0;
      for (Future<Boolean> f : results) {
        winners += f.get(30, TimeUnit.SECONDS) ? 1 : 0;
      }
      assertEquals(1, winners);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void grantListingsSeeLiveTokensOfOneOrganizationInOneStateOnly() {
    User alice = store.createUser("alice", false, T0);
    User bob = store.createUser("Bob", false, T0);
    Organization acme = store.createOrganization("acme", null, alice.id(), T0);
    Organization other = store.createOrganization("other", null, alice.id(), T0);
    Repository app = repo(acme, "app", Visibility.PRIVATE);
    Repository lib = repo(acme, "lib", Visibility.PRIVATE);
    repo(acme, "unreached", Visibility.PRIVATE);
    Map<String, PermissionLevel> read = Map.of("contents", PermissionLevel.READ);
    Map<String, PermissionLevel> write = Map.of("contents", PermissionLevel.WRITE);
    PolicyStore.StoredToken a =
        store.insertToken(
            fineGrained(alice, acme, RepositorySelection.SUBSET, Set.of(app.id()), read),
            acme.id(),
            GrantStatus.PENDING,
            null);
    PolicyStore.StoredToken b =
        store.insertToken(
            fineGrained(bob, acme, RepositorySelection.SUBSET, Set.of(lib.id()), write),
            acme.id(),
            GrantStatus.PENDING,
            null);
    PolicyStore.StoredToken approved =
        store.insertToken(
            fineGrained(alice, acme, RepositorySelection.ALL, Set.of(), read),
            acme.id(),
            GrantStatus.APPROVED,
            null);
    PolicyStore.StoredToken gone =
        store.insertToken(
            fineGrained(alice, acme, RepositorySelection.ALL, Set.of(), write),
            acme.id(),
            GrantStatus.PENDING,
            null);
    store.insertToken(
        fineGrained(alice, other, RepositorySelection.ALL, Set.of(), read),
        other.id(),
        GrantStatus.PENDING,
        null);
    store.deleteToken(gone.token().id(), T0);

    assertEquals(
        List.of(a.token().id(), b.token().id()),
        keys(acme, PolicyStore.GrantFilter.NONE),
        "pending, live and acme's only");
    assertEquals(
        List.of(b.token().id()),
        keys(acme, new PolicyStore.GrantFilter(List.of("BOB"), null, null, null, null)),
        "owner logins match in any case");
    assertEquals(
        List.of(a.token().id()),
        keys(acme, new PolicyStore.GrantFilter(null, app.id(), null, null, null)));
    assertEquals(
        List.of(a.token().id(), b.token().id()),
        keys(acme, new PolicyStore.GrantFilter(null, null, "contents", PermissionLevel.READ, null)),
        "write includes read");
    assertEquals(
        List.of(b.token().id()),
        keys(
            acme,
            new PolicyStore.GrantFilter(null, null, "contents", PermissionLevel.WRITE, null)));
    assertEquals(
        List.of(),
        keys(acme, new PolicyStore.GrantFilter(null, null, null, null, List.of())),
        "an empty id list matches nothing");
    assertEquals(
        List.of(
            new PolicyStore.GrantRow(b.grant(), b.token()),
            new PolicyStore.GrantRow(a.grant(), a.token())),
        store.grantRows(List.of(b.grant().id(), 424242L, a.grant().id())),
        "in the order asked, missing ids left out");

    PolicyStore.GrantFacets pending = store.grantFacets(acme.id(), GrantStatus.PENDING);
    assertEquals(List.of("alice", "Bob"), pending.ownerLogins());
    assertEquals(List.of("app", "lib"), pending.repositoryNames());
    assertEquals(Set.of(read, write), Set.copyOf(pending.permissionSets()));
    assertEquals(
        List.of("app", "lib", "unreached"),
        store.grantFacets(acme.id(), GrantStatus.APPROVED).repositoryNames(),
        "selection all reaches every repository");
    assertEquals(
        new PolicyStore.GrantFacets(List.of(), List.of(), List.of()),
        store.grantFacets(acme.id(), GrantStatus.REVOKED));
    assertEquals(
        Map.of(acme.id(), 2, other.id(), 1),
        store.grantCounts(List.of(acme.id(), other.id()), GrantStatus.PENDING));
    assertEquals(Map.of(acme.id(), 1), store.grantCounts(List.of(acme.id()), GrantStatus.APPROVED));
    assertEquals(
        List.of(approved.token().id()),
        store.grantKeys(acme.id(), GrantStatus.APPROVED, PolicyStore.GrantFilter.NONE).stream()
            .map(PolicyStore.GrantKey::tokenId)
            .toList());
  }

  private List<Long> keys(Organization org, PolicyStore.GrantFilter f) {
    return store.grantKeys(org.id(), GrantStatus.PENDING, f).stream()
        .map(PolicyStore.GrantKey::tokenId)
        .sorted()
        .toList();
  }

  @Test
  void enterpriseOwnersAreAddedOnceAndRemoved() {
    User alice = store.createUser("alice", false, T0);
    Enterprise e = store.createEnterprise("globex", T0);
    assertTrue(store.addEnterpriseOwner(e.id(), alice.id(), T0));
    assertFalse(store.addEnterpriseOwner(e.id(), alice.id(), T0), "already an owner");
    assertEquals(
        List.of(e.slug()),
        store.enterprisesOwnedBy(alice.id()).stream().map(Enterprise::slug).toList());
    assertTrue(store.removeEnterpriseOwner(e.id(), alice.id()));
    assertFalse(store.removeEnterpriseOwner(e.id(), alice.id()));
    assertEquals(List.of(), store.enterprisesOwnedBy(alice.id()));
  }

  @Test
  void repositoriesOfOwnerByName() {
    User alice = store.createUser("alice", false, T0);
    Repository b = repo(alice, "beta", Visibility.PUBLIC);
    Repository a = repo(alice, "Alpha", Visibility.PRIVATE);
    Repository c = repo(alice, "gamma", Visibility.PRIVATE);
    User bob = store.createUser("bob", false, T0);
    repo(bob, "zeta", Visibility.PUBLIC);
    assertEquals(List.of(a, b, c), store.repositoriesOfOwner(alice.id()));
    assertEquals(List.of(), store.repositoriesOfOwner(424242));
  }

  @Test
  void recordLastUsedOnlyMovesForward() {
    lastUsedMovesForward(store, db.dataSource());
  }

  /** Shared with the PostgreSQL test: the two stores write last-used times with different SQL. */
  static void lastUsedMovesForward(PolicyStore store, javax.sql.DataSource dataSource) {
    User alice = store.createUser("alice", false, T0);
    AccessToken a = store.insertToken(classic(alice, T0, null), null, null, null).token();
    AccessToken b = store.insertToken(classic(alice, T0, null), null, null, null).token();
    AccessToken idle = store.insertToken(classic(alice, T0, null), null, null, null).token();
    store.recordLastUsed(Map.of());
    store.recordLastUsed(Map.of(a.id(), T0.plusSeconds(100), b.id(), T0.plusSeconds(50)));
    assertEquals(T0.plusSeconds(100), store.tokenById(a.id()).orElseThrow().lastUsedAt());
    assertEquals(T0.plusSeconds(50), store.tokenById(b.id()).orElseThrow().lastUsedAt());
    assertEquals(
        T0.plusSeconds(100),
        store.tokenByDigest(a.digest()).orElseThrow().lastUsedAt(),
        "by digest too");
    store.recordLastUsed(Map.of(a.id(), T0.plusSeconds(10), b.id(), T0.plusSeconds(70)));
    assertEquals(
        T0.plusSeconds(100),
        store.tokenById(a.id()).orElseThrow().lastUsedAt(),
        "an older time never overwrites");
    assertEquals(T0.plusSeconds(70), store.tokenById(b.id()).orElseThrow().lastUsedAt());
    store.recordLastUsed(Map.of(a.id(), T0.plusSeconds(100)));
    assertEquals(T0.plusSeconds(100), store.tokenById(a.id()).orElseThrow().lastUsedAt());
    assertNull(store.tokenById(idle.id()).orElseThrow().lastUsedAt(), "an unused token has none");
    long unknown = idle.id() + 1000;
    store.recordLastUsed(
        Map.of(
            unknown,
            T0,
            a.id(),
            T0.plusSeconds(200))); // an unknown id is ignored, the rest written
    assertEquals(T0.plusSeconds(200), store.tokenById(a.id()).orElseThrow().lastUsedAt());
    try (java.sql.Connection c = dataSource.getConnection();
        java.sql.Statement st = c.createStatement();
        java.sql.ResultSet rs =
            st.executeQuery("SELECT token_id FROM token_last_used ORDER BY token_id")) {
      List<Long> rows = new ArrayList<>();
      while (rs.next()) {
        rows.add(rs.getLong(1));
      }
      assertEquals(List.of(a.id(), b.id()), rows, "a row per used token, none for the unknown id");
    } catch (java.sql.SQLException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void lastUsedTimesSurviveTheMoveToTheirOwnTable() throws Exception {
    // The schema as of V3 (last_used_at on the tokens row), a used and an unused token, then the
    // rest.
    String url =
        "jdbc:h2:file:"
            + dir.resolve("old").toAbsolutePath().resolve("portcullis")
            + ";DB_CLOSE_ON_EXIT=FALSE";
    org.flywaydb.core.Flyway.configure()
        .dataSource(url, "sa", "")
        .locations("classpath:db/migration")
        .target("3")
        .load()
        .migrate();
    try (java.sql.Connection c = java.sql.DriverManager.getConnection(url, "sa", "");
        java.sql.Statement st = c.createStatement()) {
      st.execute(
          "INSERT INTO accounts (id, login, login_key, type, created_at) VALUES (7, 'alice', 'alice', 'User', TIMESTAMP WITH TIME ZONE '2025-03-01 10:00:00Z')");
      st.execute(
          "INSERT INTO tokens (id, user_id, kind, digest, name, created_at, last_used_at, scopes, permissions) VALUES "
              + "(1, 7, 'classic', '"
              + "a".repeat(64)
              + "', 'used', TIMESTAMP WITH TIME ZONE '2025-03-01 10:00:00Z', "
              + "TIMESTAMP WITH TIME ZONE '2025-03-02 11:30:00Z', 'repo', ''), "
              + "(2, 7, 'classic', '"
              + "b".repeat(64)
              + "', 'unused', TIMESTAMP WITH TIME ZONE '2025-03-01 10:00:00Z', NULL, 'repo', '')");
    }
    try (Database migrated = Database.embedded(dir.resolve("old"))) {
      PolicyStore old = PolicyStores.jdbc(migrated.dataSource());
      assertEquals(
          Instant.parse("2025-03-02T11:30:00Z"), old.tokenById(1).orElseThrow().lastUsedAt());
      assertNull(old.tokenById(2).orElseThrow().lastUsedAt());
      old.recordLastUsed(
          Map.of(
              1L,
              Instant.parse("2025-03-03T09:00:00Z"),
              2L,
              Instant.parse("2025-03-03T09:00:00Z")));
      assertEquals(
          Instant.parse("2025-03-03T09:00:00Z"), old.tokenById(1).orElseThrow().lastUsedAt());
      assertEquals(
          Instant.parse("2025-03-03T09:00:00Z"), old.tokenById(2).orElseThrow().lastUsedAt());
    }
  }

  @Test
  void tokensMoveToLookupKeysWithTheirIdsGrantsAndRepositories() throws Exception {
    String url =
        "jdbc:h2:file:"
            + dir.resolve("v4").toAbsolutePath().resolve("portcullis")
            + ";DB_CLOSE_ON_EXIT=FALSE";
    tokensMoveToLookupKeys(url, "sa", () -> Database.embedded(dir.resolve("v4")));
  }

  /**
   * Schema version 4 with tokens (ids from the identity, one with a repository, one with a grant)
   * at {@code url}, then every migration through {@code open}: each token is found by its digest
   * with its id, repositories and grant; the foreign keys still hold; new tokens get new ids; equal
   * lookup keys are refused. Shared with {@code PostgresStoreTest}.
   */
  static void tokensMoveToLookupKeys(
      String url, String user, java.util.function.Supplier<Database> open) throws Exception {
    List<TokenDigest> digests = v4WithTokens(url, user);
    try (Database migrated = open.get()) {
      assertMovedToLookupKeys(migrated, digests);
    }
  }

  @Test
  void anInterruptedMoveToLookupKeysIsFinishedAtTheNextStart() throws Exception {
    // Stopped while copying: a partial tokens_keyed beside the whole old table.
    String copying =
        "jdbc:h2:file:"
            + dir.resolve("copying").toAbsolutePath().resolve("portcullis")
            + ";DB_CLOSE_ON_EXIT=FALSE";
    List<TokenDigest> a = v4WithTokens(copying, "sa");
    try (java.sql.Connection c = java.sql.DriverManager.getConnection(copying, "sa", "");
        java.sql.Statement st = c.createStatement()) {
      st.execute("CREATE TABLE tokens_keyed (lookup_key BIGINT PRIMARY KEY, id BIGINT)");
      st.execute("INSERT INTO tokens_keyed VALUES (1, 1)");
    }
    try (Database migrated = Database.embedded(dir.resolve("copying"))) {
      assertMovedToLookupKeys(migrated, a);
    }
    // Stopped after the copy replaced the old table, before the rename.
    String copied =
        "jdbc:h2:file:"
            + dir.resolve("copied").toAbsolutePath().resolve("portcullis")
            + ";DB_CLOSE_ON_EXIT=FALSE";
    List<TokenDigest> b = v4WithTokens(copied, "sa");
    try (java.sql.Connection c = java.sql.DriverManager.getConnection(copied, "sa", "")) {
      TokensByLookupKey.rebuild(c);
    }
    try (Database migrated = Database.embedded(dir.resolve("copied"))) {
      assertMovedToLookupKeys(migrated, b);
    }
  }

  /**
   * Schema version 4 at {@code url} with three tokens of alice's on acme's repositories; their
   * digests.
   */
  private static List<TokenDigest> v4WithTokens(String url, String user) throws Exception {
    org.flywaydb.core.Flyway.configure()
        .dataSource(url, user, "")
        .locations("classpath:db/migration")
        .target("4")
        .load()
        .migrate();
    List<TokenDigest> digests = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      digests.add(TokenDigest.of(TokenFormat.generate(TokenKind.FINE_GRAINED, RANDOM)));
    }
    try (java.sql.Connection c = java.sql.DriverManager.getConnection(url, user, "");
        java.sql.Statement st = c.createStatement()) {
      String at = "TIMESTAMP WITH TIME ZONE '2025-03-01 10:00:00+00:00'";
      st.execute(
          "INSERT INTO accounts (login, login_key, type, created_at) VALUES ('alice', 'alice', 'User', "
              + at
              + ")");
      st.execute(
          "INSERT INTO accounts (login, login_key, type, base_permission, fine_grained_access, classic_access, "
              + "fine_grained_approval, created_at) VALUES ('acme', 'acme', 'Organization', 'read', 'allowed', 'allowed', 'required', "
              + at
              + ")");
      st.execute(
          "INSERT INTO repositories (owner_id, name, name_key, visibility, created_at) "
              + "SELECT id, 'app', 'app', 'private', "
              + at
              + " FROM accounts WHERE login = 'acme'");
      for (int i = 0; i < 3; i++) {
        st.execute(
            "INSERT INTO tokens (user_id, kind, digest, name, created_at, scopes, resource_owner_id, repository_selection, permissions) "
                + "SELECT u.id, 'fine_grained', '"
                + digests.get(i).hex()
                + "', 'token"
                + i
                + "', "
                + at
                + ", '', o.id, "
                + (i == 1 ? "'subset'" : "'all'")
                + ", 'contents:read' FROM accounts u, accounts o WHERE u.login = 'alice' AND o.login = 'acme'");
      }
      st.execute(
          "INSERT INTO token_repositories (token_id, repo_id) SELECT t.id, r.id FROM tokens t, repositories r WHERE t.name = 'token1'");
      st.execute(
          "INSERT INTO token_grants (token_id, org_id, status, created_at) "
              + "SELECT t.id, t.resource_owner_id, 'pending', "
              + at
              + " FROM tokens t WHERE t.name = 'token2'");
    }
    return digests;
  }

  private static void assertMovedToLookupKeys(Database migrated, List<TokenDigest> digests)
      throws Exception {
    PolicyStore s = PolicyStores.jdbc(migrated.dataSource());
    long repoId = s.repositoriesOfOwner(s.ownerByLogin("acme").orElseThrow().id()).get(0).id();
    long maxId = 0;
    for (int i = 0; i < 3; i++) {
      AccessToken t =
          s.tokenByDigest(digests.get(i))
              .orElseThrow(() -> new AssertionError("a migrated token is found by its digest"));
      assertEquals("token" + i, t.name());
      assertEquals(t, s.tokenById(t.id()).orElseThrow(), "and by its id");
      assertEquals(i == 1 ? Set.of(repoId) : Set.of(), t.repositoryIds());
      maxId = Math.max(maxId, t.id());
    }
    long grantOf = s.tokenByDigest(digests.get(2)).orElseThrow().id();
    assertEquals(
        List.of(grantOf),
        java.util.Arrays.stream(GrantStatus.values())
            .flatMap(
                st ->
                    s
                        .grantKeys(
                            s.ownerByLogin("acme").orElseThrow().id(),
                            st,
                            PolicyStore.GrantFilter.NONE)
                        .stream())
            .map(PolicyStore.GrantKey::tokenId)
            .toList(),
        "the grant is still the token's");
    User alice = s.userById(s.ownerByLogin("alice").orElseThrow().id()).orElseThrow();
    AccessToken fresh = s.insertToken(classic(alice, T0, null, "repo"), null, null, null).token();
    assertTrue(
        fresh.id() > maxId,
        "a new token's id " + fresh.id() + " comes after the migrated ones (" + maxId + ")");
    AccessToken twin =
        new AccessToken(
            0,
            alice.id(),
            TokenKind.CLASSIC,
            sameLookupKey(digests.get(0)),
            "twin",
            null,
            T0,
            null,
            null,
            null,
            Set.of("repo"),
            null,
            null,
            Set.of(),
            Map.of());
    assertThrows(
        PolicyStore.LookupKeyTaken.class,
        () -> s.insertToken(twin, null, null, null),
        "lookup keys are unique");
    try (java.sql.Connection c = migrated.dataSource().getConnection();
        java.sql.Statement st = c.createStatement()) {
      java.sql.SQLException e =
          assertThrows(
              java.sql.SQLException.class,
              () ->
                  st.execute(
                      "INSERT INTO token_repositories (token_id, repo_id) VALUES ("
                          + (fresh.id() + 1000)
                          + ", "
                          + repoId
                          + ")"));
      assertTrue(
          e.getSQLState().startsWith("23"),
          "the foreign key to tokens still holds: " + e.getSQLState());
    }
  }

  @Test
  void h2DoesNotInternWhatItDecodes() {
    // Set by Database's class initializer before H2 loads (see there: the cold lookup's cost).
    assertEquals("false", System.getProperty("h2.objectCache"));
  }

  @Test
  void dataSurvivesReopening() {
    User alice = store.createUser("alice", false, T0);
    AccessToken t = store.insertToken(classic(alice, T0, null, "repo"), null, null, null).token();
    db.close();
    db = Database.embedded(dir.resolve("db"));
    store = PolicyStores.jdbc(db.dataSource());
    assertEquals(Optional.of(alice), store.userById(alice.id()));
    assertEquals(t, store.tokenByDigest(t.digest()).orElseThrow());
  }

  @Test
  void unreachableStoreIsStoreUnavailable() {
    db.close();
    assertThrows(StoreUnavailableException.class, () -> store.userById(1));
    // Reopen so @AfterEach has something to close.
    db = Database.embedded(dir.resolve("db"));
  }
}
