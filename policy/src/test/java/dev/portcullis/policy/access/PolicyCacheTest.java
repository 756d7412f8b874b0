package dev.portcullis.policy.access;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.policy.model.AccessToken;
import dev.portcullis.policy.model.BasePermission;
import dev.portcullis.policy.model.EffectivePolicy;
import dev.portcullis.policy.model.Enterprise;
import dev.portcullis.policy.model.EnterprisePolicy;
import dev.portcullis.policy.model.Grant;
import dev.portcullis.policy.model.GrantStatus;
import dev.portcullis.policy.model.OrgPolicy;
import dev.portcullis.policy.model.OrgRole;
import dev.portcullis.policy.model.Organization;
import dev.portcullis.policy.model.PermissionLevel;
import dev.portcullis.policy.model.RepoPermission;
import dev.portcullis.policy.model.Repository;
import dev.portcullis.policy.model.RepositorySelection;
import dev.portcullis.policy.model.User;
import dev.portcullis.policy.model.Visibility;
import dev.portcullis.policy.store.Database;
import dev.portcullis.policy.store.PolicyStore;
import dev.portcullis.policy.store.PolicyStores;
import dev.portcullis.policy.testing.CountingStore;
import dev.portcullis.policy.testing.FakeTicker;
import dev.portcullis.policy.token.TokenDigest;
import dev.portcullis.policy.token.TokenFormat;
import dev.portcullis.policy.token.TokenKind;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The decision-input caches over a real H2 store wrapped in a counting proxy, with a fake ticker:
 * how often the store is asked, expiry, negative entries, and that each invalidation event drops
 * what it names.
 */
class PolicyCacheTest {
  private static final Instant T0 = Instant.parse("2025-03-01T10:00:00Z");
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final CacheSettings SETTINGS =
      new CacheSettings(1000, 1000, Duration.ofSeconds(30));

  @TempDir Path dir;
  private Database db;
  private PolicyStore real;
  private CountingStore counting;
  private final FakeTicker ticker = new FakeTicker();
  private PolicyCache cache;
  private final ExecutorService threads = Executors.newCachedThreadPool();

  private User alice;
  private User bob;
  private Enterprise globex;
  private Organization acme;
  private Repository app;

  @BeforeEach
  void open() {
    db = Database.embedded(dir.resolve("db"));
    real = PolicyStores.jdbc(db.dataSource());
    counting = new CountingStore(real);
    cache = new PolicyCache(counting.store(), SETTINGS, ticker);
    alice = real.createUser("alice", false, T0);
    bob = real.createUser("bob", false, T0);
    globex = real.createEnterprise("globex", T0);
    acme = real.createOrganization("acme", globex.id(), alice.id(), T0);
    real.setMembership(acme.id(), bob.id(), OrgRole.MEMBER, T0);
    app = real.createRepository(acme.id(), "app", Visibility.PRIVATE, T0, r -> {});
  }

  @AfterEach
  void close() {
    threads.shutdownNow();
    db.close();
  }

  private AccessToken insertClassic(User u) {
    AccessToken t =
        new AccessToken(
            0,
            u.id(),
            TokenKind.CLASSIC,
            TokenDigest.of(TokenFormat.generate(TokenKind.CLASSIC, RANDOM)),
            "t",
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
    return real.insertToken(t, null, null, null).token();
  }

  // ---------------------------------------------------------------- negative entries and expiry

  @Test
  void unknownDigestAsksTheStoreOnce() {
    TokenDigest unknown = TokenDigest.of(TokenFormat.generate(TokenKind.FINE_GRAINED, RANDOM));
    for (int i = 0; i < 1000; i++) {
      assertEquals(Optional.empty(), cache.token(unknown));
    }
    assertEquals(1, counting.calls("tokenByDigest"), "negative entries are cached");
    ticker.advance(Duration.ofSeconds(30));
    assertEquals(Optional.empty(), cache.token(unknown));
    assertEquals(2, counting.calls("tokenByDigest"), "until the backstop expiry");
  }

  @Test
  void knownTokenAsksTheStoreOnceUntilExpiry() {
    AccessToken t = insertClassic(alice);
    for (int i = 0; i < 100; i++) {
      assertEquals(Optional.of(t), cache.token(t.digest()));
    }
    assertEquals(1, counting.calls("tokenByDigest"));
    ticker.advance(Duration.ofSeconds(29));
    cache.token(t.digest());
    assertEquals(1, counting.calls("tokenByDigest"));
    ticker.advance(Duration.ofSeconds(1));
    cache.token(t.digest());
    assertEquals(2, counting.calls("tokenByDigest"), "expired after the configured 30 s");
  }

  @Test
  void everyCacheExpiresAfterTheBackstop() {
    AccessToken t = insertClassic(bob);
    Runnable all =
        () -> {
          cache.user(alice.id());
          cache.owner("acme");
          cache.organization(acme.id());
          cache.repository(acme.id(), "app");
          cache.memberships(bob.id());
          cache.collaborations(bob.id());
          cache.grant(t.id());
        };
    all.run();
    all.run();
    ticker.advance(Duration.ofSeconds(29));
    all.run();
    String[] methods = {
      "userById",
      "ownerByLogin",
      "organizationById",
      "repository",
      "membershipsOfUser",
      "collaborationsOfUser",
      "grantOfToken"
    };
    for (String m : methods) {
      assertEquals(1, counting.calls(m), m);
    }
    ticker.advance(Duration.ofSeconds(1));
    all.run();
    for (String m : methods) {
      assertEquals(2, counting.calls(m), m);
    }
  }

  @Test
  void unknownLoginRepoUserAndGrantAreCachedToo() {
    for (int i = 0; i < 50; i++) {
      assertEquals(Optional.empty(), cache.owner("nobody"));
      assertEquals(Optional.empty(), cache.repository(acme.id(), "nothing"));
      assertEquals(Optional.empty(), cache.user(999_999));
      assertEquals(
          Optional.empty(), cache.organization(alice.id()), "a user id is no organization");
      assertEquals(Optional.empty(), cache.grant(999_999));
    }
    assertEquals(1, counting.calls("ownerByLogin"));
    assertEquals(1, counting.calls("repository"));
    assertEquals(1, counting.calls("userById"));
    assertEquals(1, counting.calls("organizationById"));
    assertEquals(1, counting.calls("grantOfToken"));
  }

  @Test
  void loginsAndRepositoryNamesShareOneEntryWhateverTheCase() {
    assertEquals(Optional.of(new PolicyCache.OwnerRef(acme.id(), true)), cache.owner("acme"));
    assertEquals(Optional.of(new PolicyCache.OwnerRef(acme.id(), true)), cache.owner("ACME"));
    assertEquals(Optional.of(new PolicyCache.OwnerRef(alice.id(), false)), cache.owner("Alice"));
    assertEquals(2, counting.calls("ownerByLogin"));
    assertEquals(Optional.of(app), cache.repository(acme.id(), "APP"));
    assertEquals(Optional.of(app), cache.repository(acme.id(), "app"));
    assertEquals(1, counting.calls("repository"));
  }

  @Test
  void organizationEntryCarriesTheEffectivePolicy() {
    real.updateEnterprisePolicy(
        globex.id(),
        new EnterprisePolicy(
            EnterprisePolicy.Access.RESTRICTED,
            EnterprisePolicy.Access.ORG_CONFIGURES,
            EnterprisePolicy.Approval.DISABLED,
            10,
            null));
    PolicyCache.OrgEntry e = cache.organization(acme.id()).orElseThrow();
    assertEquals(acme.id(), e.organization().id());
    assertEquals(
        EffectivePolicy.of(e.organization(), real.enterpriseById(globex.id()).orElseThrow()),
        e.policy());
    assertTrue(e.policy().fineGrainedRestrictedByEnterprise());
    assertEquals("globex", e.policy().enterpriseSlug());
  }

  // ---------------------------------------------------------------- invalidation events

  @Test
  void tokenChangedDropsTheTokenAndItsGrant() {
    AccessToken t = insertClassic(alice);
    AccessToken other = insertClassic(bob);
    cache.token(t.digest());
    cache.token(other.digest());
    cache.grant(t.id());
    real.deleteToken(t.id(), T0.plusSeconds(1));
    assertFalse(cache.token(t.digest()).orElseThrow().deleted(), "still cached before the event");
    cache.apply(new Invalidation.TokenChanged(t.digest(), t.id()));
    assertTrue(cache.token(t.digest()).orElseThrow().deleted());
    cache.grant(t.id());
    cache.token(other.digest());
    assertEquals(3, counting.calls("tokenByDigest"), "only the changed token was reloaded");
    assertEquals(2, counting.calls("grantOfToken"));
  }

  @Test
  void userChangedDropsTheUser() {
    cache.user(alice.id());
    cache.user(bob.id());
    real.setSuspended(alice.id(), T0);
    assertFalse(cache.user(alice.id()).orElseThrow().suspended());
    cache.apply(new Invalidation.UserChanged(alice.id()));
    assertTrue(cache.user(alice.id()).orElseThrow().suspended());
    cache.user(bob.id());
    assertEquals(3, counting.calls("userById"));
  }

  @Test
  void ownerCreatedDropsTheNegativeEntryWhateverTheCase() {
    assertEquals(Optional.empty(), cache.owner("NewBie"));
    real.createUser("newbie", false, T0);
    assertEquals(
        Optional.empty(), cache.owner("newbie"), "the negative entry still holds before the event");
    cache.apply(new Invalidation.OwnerCreated("NEWBIE"));
    assertTrue(cache.owner("newBIE").isPresent());
  }

  @Test
  void repositoryChangedDropsTheNegativeEntryWhateverTheCase() {
    assertEquals(Optional.empty(), cache.repository(acme.id(), "Lib"));
    Repository lib = real.createRepository(acme.id(), "lib", Visibility.PUBLIC, T0, r -> {});
    assertEquals(Optional.empty(), cache.repository(acme.id(), "lib"));
    cache.apply(new Invalidation.RepositoryChanged(acme.id(), "LIB"));
    assertEquals(Optional.of(lib), cache.repository(acme.id(), "lib"));
  }

  @Test
  void organizationChangedDropsThatOrganizationOnly() {
    Organization solo = real.createOrganization("solo", null, alice.id(), T0);
    cache.organization(acme.id());
    cache.organization(solo.id());
    real.setBasePermission(acme.id(), BasePermission.NONE);
    real.updateOrgPolicy(
        acme.id(),
        new OrgPolicy(
            OrgPolicy.Access.RESTRICTED,
            OrgPolicy.Access.ALLOWED,
            OrgPolicy.Approval.REQUIRED,
            null,
            null));
    assertEquals(
        BasePermission.READ,
        cache.organization(acme.id()).orElseThrow().organization().basePermission());
    cache.apply(new Invalidation.OrganizationChanged(acme.id()));
    PolicyCache.OrgEntry e = cache.organization(acme.id()).orElseThrow();
    assertEquals(BasePermission.NONE, e.organization().basePermission());
    assertTrue(e.policy().fineGrainedRestricted());
    cache.organization(solo.id());
    assertEquals(3, counting.calls("organizationById"));
  }

  @Test
  void enterpriseChangedDropsEveryOrganization() {
    Organization widgets = real.createOrganization("widgets", globex.id(), alice.id(), T0);
    cache.organization(acme.id());
    cache.organization(widgets.id());
    real.updateEnterprisePolicy(
        globex.id(),
        new EnterprisePolicy(
            EnterprisePolicy.Access.ORG_CONFIGURES,
            EnterprisePolicy.Access.RESTRICTED,
            EnterprisePolicy.Approval.ORG_CONFIGURES,
            null,
            null));
    assertFalse(cache.organization(acme.id()).orElseThrow().policy().classicRestricted());
    cache.apply(new Invalidation.EnterpriseChanged(globex.id()));
    assertTrue(cache.organization(acme.id()).orElseThrow().policy().classicRestricted());
    assertTrue(
        cache.organization(widgets.id()).orElseThrow().policy().classicRestrictedByEnterprise());
    assertEquals(4, counting.calls("organizationById"));
  }

  @Test
  void membershipCollaboratorAndGrantEvents() {
    real.setCollaborator(app.id(), bob.id(), RepoPermission.WRITE);
    AccessToken fg =
        real.insertToken(
                new AccessToken(
                    0,
                    bob.id(),
                    TokenKind.FINE_GRAINED,
                    TokenDigest.of(TokenFormat.generate(TokenKind.FINE_GRAINED, RANDOM)),
                    "fg",
                    null,
                    T0,
                    null,
                    null,
                    null,
                    Set.of(),
                    acme.id(),
                    RepositorySelection.ALL,
                    Set.of(),
                    Map.of("metadata", PermissionLevel.READ)),
                acme.id(),
                GrantStatus.PENDING,
                null)
            .token();
    assertEquals(OrgRole.MEMBER, cache.memberships(bob.id()).get(acme.id()));
    assertEquals(RepoPermission.WRITE, cache.collaborations(bob.id()).get(app.id()));
    Grant g = cache.grant(fg.id()).orElseThrow();
    assertEquals(GrantStatus.PENDING, g.status());

    real.removeMembership(acme.id(), bob.id());
    real.removeCollaborator(app.id(), bob.id());
    real.updateGrantStatus(g.id(), GrantStatus.PENDING, GrantStatus.DENIED, alice.id(), null, T0);
    assertEquals(
        OrgRole.MEMBER, cache.memberships(bob.id()).get(acme.id()), "cached until the event");

    cache.apply(new Invalidation.MembershipChanged(bob.id()));
    assertEquals(Map.of(), cache.memberships(bob.id()));
    cache.apply(new Invalidation.CollaboratorChanged(bob.id()));
    assertEquals(Map.of(), cache.collaborations(bob.id()));
    cache.apply(new Invalidation.GrantChanged(fg.id()));
    assertEquals(GrantStatus.DENIED, cache.grant(fg.id()).orElseThrow().status());
  }

  @Test
  void invalidateAllDropsEverything() {
    AccessToken t = insertClassic(alice);
    Runnable all =
        () -> {
          cache.token(t.digest());
          cache.user(alice.id());
          cache.owner("acme");
          cache.organization(acme.id());
          cache.repository(acme.id(), "app");
          cache.memberships(bob.id());
          cache.collaborations(bob.id());
          cache.grant(t.id());
        };
    all.run();
    cache.invalidateAll();
    all.run();
    for (String m :
        new String[] {
          "tokenByDigest",
          "userById",
          "ownerByLogin",
          "organizationById",
          "repository",
          "membershipsOfUser",
          "collaborationsOfUser",
          "grantOfToken"
        }) {
      assertEquals(2, counting.calls(m), m);
    }
  }

  /**
   * The floor through the real cache: an organization load that read the store before an enterprise
   * policy change is held in flight while the change commits and its event is applied; the stale
   * entry is never served afterwards.
   */
  @Test
  void enterpriseChangeDuringAnInFlightLoadIsNotLost() throws Exception {
    CountDownLatch loaded = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    AtomicBoolean holdNext = new AtomicBoolean(true);
    counting.afterRead(
        m -> {
          if (m.equals("enterpriseById") && holdNext.compareAndSet(true, false)) {
            loaded.countDown();
            try {
              release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        });
    Future<PolicyCache.OrgEntry> stale =
        threads.submit(() -> cache.organization(acme.id()).orElseThrow());
    assertTrue(loaded.await(10, TimeUnit.SECONDS));

    real.updateEnterprisePolicy(
        globex.id(),
        new EnterprisePolicy(
            EnterprisePolicy.Access.RESTRICTED,
            EnterprisePolicy.Access.ORG_CONFIGURES,
            EnterprisePolicy.Approval.ORG_CONFIGURES,
            null,
            null));
    cache.apply(new Invalidation.EnterpriseChanged(globex.id()));

    release.countDown();
    assertTrue(
        stale.get(10, TimeUnit.SECONDS).policy().fineGrainedRestricted(),
        "the in-flight caller reloads past the floor");
    assertTrue(cache.organization(acme.id()).orElseThrow().policy().fineGrainedRestricted());
  }
}
