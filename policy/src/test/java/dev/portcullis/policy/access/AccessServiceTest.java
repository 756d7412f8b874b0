package dev.portcullis.policy.access;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.policy.decision.AccessEvaluator;
import dev.portcullis.policy.decision.Credential;
import dev.portcullis.policy.decision.Decision;
import dev.portcullis.policy.decision.Decision.Reason;
import dev.portcullis.policy.model.AccessToken;
import dev.portcullis.policy.model.Enterprise;
import dev.portcullis.policy.model.GitOperation;
import dev.portcullis.policy.model.Grant;
import dev.portcullis.policy.model.GrantStatus;
import dev.portcullis.policy.model.NetworkList;
import dev.portcullis.policy.model.OrgRole;
import dev.portcullis.policy.model.Organization;
import dev.portcullis.policy.model.PermissionLevel;
import dev.portcullis.policy.model.Repository;
import dev.portcullis.policy.model.RepositorySelection;
import dev.portcullis.policy.model.User;
import dev.portcullis.policy.model.Visibility;
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
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The access service over a real H2 store (behind a counting proxy), the real caches on a fake
 * ticker, a hand-moved clock and a real last-used recorder: authentication of every kind of header,
 * the gateway's {@code decide} (cold and warm) against {@code authenticate} + {@code check}, a
 * change applied through the cache holding on the next request, and the uses handed to the
 * recorder.
 *
 * <p>The world: enterprise {@code globex} with organization {@code acme} (owner alice, member bob)
 * holding {@code app} (private) and {@code site} (public); carol belongs to no organization.
 */
class AccessServiceTest {
  private static final Instant T0 = Instant.parse("2025-03-01T10:00:00Z");
  private static final SecureRandom RANDOM = new SecureRandom();

  @TempDir Path dir;
  private Database db;
  private PolicyStore store;
  private CountingStore counting;
  private final FakeTicker ticker = new FakeTicker();
  private final TestClock clock = new TestClock(T0);
  private PolicyCache cache;
  private ChangeBus bus;
  private LastUsedRecorder recorder;
  private AccessService service;

  private User alice;
  private User bob;
  private User carol;
  private Organization acme;
  private Repository app;
  private Repository site;

  @BeforeEach
  void open() {
    db = Database.embedded(dir.resolve("db"));
    store = PolicyStores.jdbc(db.dataSource());
    counting = new CountingStore(store);
    cache = new PolicyCache(counting.store(), CacheSettings.DEFAULT, ticker);
    bus = ChangeBus.local(cache);
    recorder = new LastUsedRecorder(store, Duration.ofMinutes(1));
    service = new AccessService(cache, new AccessEvaluator(true), recorder, clock);

    alice = store.createUser("alice", false, T0);
    bob = store.createUser("bob", false, T0);
    carol = store.createUser("carol", false, T0);
    Enterprise globex = store.createEnterprise("globex", T0);
    acme = store.createOrganization("acme", globex.id(), alice.id(), T0);
    store.setMembership(acme.id(), bob.id(), OrgRole.MEMBER, T0);
    app = store.createRepository(acme.id(), "app", Visibility.PRIVATE, T0, r -> {});
    site = store.createRepository(acme.id(), "site", Visibility.PUBLIC, T0, r -> {});
  }

  @AfterEach
  void close() {
    bus.close();
    db.close();
  }

  // ---------------------------------------------------------------- tokens and headers

  /** A stored token with the plaintext it was issued as. */
  private record Issued(String plaintext, AccessToken token, Grant grant) {}

  private Issued classic(User u, Instant expiresAt, String... scopes) {
    return classic(u, expiresAt, null, scopes);
  }

  private Issued classic(User u, Instant expiresAt, NetworkList networks, String... scopes) {
    String plaintext = TokenFormat.generate(TokenKind.CLASSIC, RANDOM);
    AccessToken t =
        new AccessToken(
            0,
            u.id(),
            TokenKind.CLASSIC,
            TokenDigest.of(plaintext),
            "laptop",
            null,
            T0,
            expiresAt,
            null,
            null,
            Set.of(scopes),
            null,
            null,
            Set.of(),
            Map.of(),
            networks);
    PolicyStore.StoredToken st = store.insertToken(t, null, null, null);
    return new Issued(plaintext, st.token(), st.grant());
  }

  /** A fine-grained token on acme, all repositories, {@code contents: read}. */
  private Issued fineGrainedOnAcme(User u, GrantStatus grant) {
    String plaintext = TokenFormat.generate(TokenKind.FINE_GRAINED, RANDOM);
    AccessToken t =
        new AccessToken(
            0,
            u.id(),
            TokenKind.FINE_GRAINED,
            TokenDigest.of(plaintext),
            "ci",
            null,
            T0,
            null,
            null,
            null,
            Set.of(),
            acme.id(),
            RepositorySelection.ALL,
            Set.of(),
            Map.of("metadata", PermissionLevel.READ, "contents", PermissionLevel.READ));
    PolicyStore.StoredToken st = store.insertToken(t, acme.id(), grant, "for CI");
    return new Issued(plaintext, st.token(), st.grant());
  }

  private static AuthorizationHeader basic(String username, String password) {
    return AuthorizationHeader.parse(
        "Basic "
            + Base64.getEncoder()
                .encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8)));
  }

  private static AuthorizationHeader basic(String plaintext) {
    return basic("git", plaintext);
  }

  /** The plaintext with its last (checksum) character changed: a typo. */
  private static String typo(String plaintext) {
    char last = plaintext.charAt(plaintext.length() - 1);
    return plaintext.substring(0, plaintext.length() - 1) + (last == 'a' ? 'b' : 'a');
  }

  /** Every call the caches made to the store so far. */
  private int storeCalls() {
    int n = 0;
    for (Method m : PolicyStore.class.getMethods()) {
      n += counting.calls(m.getName());
    }
    return n;
  }

  private AccessService.AccessCheck decide(Issued t, String owner, String name, GitOperation op) {
    return service.decide(basic(t.plaintext()), owner, name, op, null);
  }

  /**
   * The decision through both paths, asserting they agree: the gateway's {@code decide} and {@code
   * authenticate} + {@code check}.
   */
  private Decision bothPaths(Issued t, String name, GitOperation op) {
    AuthorizationHeader h = basic(t.plaintext());
    Decision joined = service.decide(h, "acme", name, op, null).decision();
    Decision separate = service.check(service.authenticate(h), "acme", name, op).decision();
    assertEquals(separate, joined, "decide and authenticate + check disagree");
    return joined;
  }

  private void assertDenied(Decision d, int status, Reason reason) {
    Decision.Denied denied = assertInstanceOf(Decision.Denied.class, d);
    assertEquals(reason, denied.reason(), denied::toString);
    assertEquals(status, denied.status(), denied::toString);
  }

  /** Two allowed requests through decide; the second is served without asking the store. */
  private void warm(Issued t, String name, GitOperation op) {
    assertTrue(decide(t, "acme", name, op).decision().allowed());
    int calls = storeCalls();
    assertTrue(decide(t, "acme", name, op).decision().allowed());
    assertEquals(calls, storeCalls(), "the second request is served from the caches");
  }

  // ---------------------------------------------------------------- authenticate

  @Test
  void noHeaderIsNoCredential() {
    assertSame(Credential.NONE, service.authenticate(AuthorizationHeader.ABSENT));
    assertSame(Credential.NONE, service.authenticate(AuthorizationHeader.parse(null)));
    assertEquals(0, storeCalls());
  }

  @Test
  void malformedHeadersAreInvalidWithoutALookup() {
    for (String h :
        List.of(
            "Negotiate abc",
            "Basic %%%",
            "Basic " + Base64.getEncoder().encodeToString("no-colon".getBytes()),
            "Bearer nonsense",
            "token",
            "garbage")) {
      assertSame(Credential.INVALID, service.authenticate(AuthorizationHeader.parse(h)), h);
    }
    assertSame(Credential.INVALID, service.authenticate(basic("git", "password123")));
    assertSame(Credential.INVALID, service.authenticateToken("password123"));
    assertSame(Credential.INVALID, service.authenticateToken(null));
    assertEquals(0, storeCalls(), "nothing malformed reaches a cache or the store");
  }

  @Test
  void aMistypedTokenIsInvalidWithoutALookup() {
    Issued t = classic(bob, null, "repo");
    String typo = typo(t.plaintext());
    assertSame(Credential.INVALID, service.authenticate(basic(typo)));
    assertSame(
        Credential.INVALID, service.authenticate(AuthorizationHeader.parse("Bearer " + typo)));
    assertSame(Credential.INVALID, service.authenticateToken(typo));
    assertEquals(0, counting.calls("tokenByDigest"), "the checksum is checked before any lookup");
  }

  @Test
  void aValidTokenWithoutAUsernameIsInvalid() {
    Issued t = classic(bob, null, "repo");
    assertSame(Credential.INVALID, service.authenticate(basic("", t.plaintext())));
    assertEquals(0, counting.calls("tokenByDigest"));
  }

  @Test
  void anUnknownWellFormedTokenIsInvalidAndLookedUpOnce() {
    String unknown = TokenFormat.generate(TokenKind.FINE_GRAINED, RANDOM);
    for (int i = 0; i < 3; i++) {
      assertSame(Credential.INVALID, service.authenticate(basic(unknown)));
      assertSame(Credential.INVALID, service.authenticateToken(unknown));
    }
    assertEquals(1, counting.calls("tokenByDigest"), "the unknown digest is cached");
  }

  @Test
  void aValidTokenAuthenticatesAsItsTokenAndUserWhateverTheScheme() {
    Issued t = classic(bob, null, "repo");
    Credential expected = new Credential.Token(t.token(), bob);
    assertEquals(expected, service.authenticate(basic(t.plaintext())));
    assertEquals(expected, service.authenticate(basic("anything", t.plaintext())));
    assertEquals(
        expected, service.authenticate(AuthorizationHeader.parse("Bearer " + t.plaintext())));
    assertEquals(
        expected, service.authenticate(AuthorizationHeader.parse("token " + t.plaintext())));
    assertEquals(expected, service.authenticateToken(t.plaintext()));
    Issued other = classic(carol, null, "repo");
    assertEquals(
        new Credential.Token(other.token(), carol), service.authenticateToken(other.plaintext()));
  }

  @Test
  void aDeletedTokenStillAuthenticatesSoTheDecisionCanSayWhy() {
    Issued t = classic(bob, null, "repo");
    store.deleteToken(t.token().id(), T0);
    bus.publish(new Invalidation.TokenChanged(t.token().digest(), t.token().id()));
    Credential.Token c =
        assertInstanceOf(Credential.Token.class, service.authenticate(basic(t.plaintext())));
    assertTrue(c.token().deleted());
    assertDenied(bothPaths(t, "site", GitOperation.READ), 401, Reason.TOKEN_DELETED);
  }

  // ---------------------------------------------------------------- decide and check agree

  @Test
  void decideColdAndWarmGivesWhatCheckGives() {
    List<Issued> tokens =
        List.of(
            classic(alice, null, "repo"),
            classic(bob, null, "repo"),
            classic(bob, null),
            classic(carol, null, "repo"),
            classic(bob, T0, "repo"), // expired from the start
            fineGrainedOnAcme(bob, GrantStatus.APPROVED),
            fineGrainedOnAcme(bob, GrantStatus.PENDING));
    List<String[]> addresses =
        List.of(
            new String[] {"acme", "app"},
            new String[] {"acme", "site"},
            new String[] {"ACME", "App"},
            new String[] {"acme", "nope"},
            new String[] {"ghost", "app"});
    List<AuthorizationHeader> headers = new ArrayList<>();
    for (Issued t : tokens) {
      headers.add(basic(t.plaintext()));
    }
    headers.add(AuthorizationHeader.ABSENT);
    headers.add(AuthorizationHeader.parse("Negotiate x"));
    headers.add(basic(TokenFormat.generate(TokenKind.CLASSIC, RANDOM)));
    int allowed = 0;
    int denied = 0;
    for (AuthorizationHeader h : headers) {
      for (String[] a : addresses) {
        for (GitOperation op : GitOperation.values()) {
          String what = h + " " + a[0] + "/" + a[1] + " " + op;
          AccessService.AccessCheck cold = service.decide(h, a[0], a[1], op, null);
          AccessService.AccessCheck warm = service.decide(h, a[0], a[1], op, null);
          AccessService.AccessCheck checked =
              service.check(service.authenticate(h), a[0], a[1], op);
          assertEquals(checked.decision(), cold.decision(), what);
          assertEquals(checked.decision(), warm.decision(), what);
          assertEquals(checked.credential(), cold.credential(), what);
          assertEquals(checked.credential(), warm.credential(), what);
          assertEquals(checked.repository(), cold.repository(), what);
          assertEquals(checked.repository(), warm.repository(), what);
          assertEquals(T0, warm.at(), what);
          if (cold.decision().allowed()) {
            allowed++;
          } else {
            denied++;
          }
        }
      }
    }
    assertTrue(allowed > 0 && denied > 0, allowed + " allowed, " + denied + " denied");
  }

  /**
   * A warm request matches an allow list of up to two IPv4 blocks in its kept entry and any longer
   * one through the list: both give, for every client, what the list and the separate path give.
   */
  @Test
  void aWarmRequestMatchesTheAllowListAsTheListDoes() {
    List<List<String>> lists =
        List.of(
            List.of("192.0.2.0/24"),
            List.of("198.51.100.0/24", "192.0.2.128/25"),
            List.of("198.51.100.7", "192.0.2.0/24", "2001:db8::/32"),
            List.of("10.0.0.0/8", "172.16.0.0/12", "192.0.2.0/24"),
            List.of("2001:db8::/32"),
            List.of("0.0.0.0/0"));
    List<String> clients =
        List.of(
            "192.0.2.1",
            "192.0.2.200",
            "198.51.100.7",
            "198.51.100.8",
            "10.1.2.3",
            "172.31.0.1",
            "203.0.113.9",
            "[192.0.2.1]",
            "::ffff:192.0.2.1",
            "2001:db8::1",
            "[2001:db8::1]",
            "2001:db9::1",
            "192.0.2.01",
            "not an address");
    int allowed = 0;
    int refused = 0;
    for (List<String> networks : lists) {
      Issued t = classic(bob, null, NetworkList.of(networks), "repo");
      NetworkList list = t.token().allowedNetworks();
      AuthorizationHeader h = basic(t.plaintext());
      service.decide(h, "acme", "app", GitOperation.READ, "192.0.2.1");
      for (String client : clients) {
        String what = networks + " from " + client;
        int calls = storeCalls();
        Decision warm = service.decide(h, "acme", "app", GitOperation.READ, client).decision();
        assertEquals(calls, storeCalls(), what + ": served from the kept entry");
        Decision separate =
            service
                .check(service.authenticate(h), "acme", "app", GitOperation.READ, client)
                .decision();
        assertEquals(separate, warm, what);
        assertEquals(list.contains(client), warm.allowed(), what);
        if (warm.allowed()) {
          allowed++;
        } else {
          assertDenied(warm, 403, Reason.NETWORK_NOT_ALLOWED);
          refused++;
        }
      }
    }
    assertTrue(allowed > 10 && refused > 10, allowed + " allowed, " + refused + " refused");
  }

  @Test
  void theCheckNamesTheRepositoryOnlyWhenItExists() {
    Issued t = classic(bob, null, "repo");
    assertEquals(app, decide(t, "Acme", "APP", GitOperation.READ).repository());
    assertEquals(site, decide(t, "acme", "site", GitOperation.WRITE).repository());
    assertNull(decide(t, "acme", "nope", GitOperation.READ).repository());
    assertNull(decide(t, "ghost", "app", GitOperation.READ).repository());
    assertEquals(
        app, service.check(Credential.NONE, "acme", "app", GitOperation.READ).repository());
  }

  @Test
  void aWarmDecideAsksTheStoreNothingWhateverTheCaseOfTheNames() {
    Issued t = classic(bob, null, "repo");
    assertTrue(decide(t, "acme", "app", GitOperation.READ).decision().allowed());
    int calls = storeCalls();
    for (int i = 0; i < 10; i++) {
      assertTrue(decide(t, "ACME", "App", GitOperation.READ).decision().allowed());
      assertDenied(
          decide(t, "acme", "app", GitOperation.WRITE).decision(), 403, Reason.NO_PUSH_PERMISSION);
    }
    assertEquals(calls, storeCalls());
  }

  @Test
  void invalidCredentialsAreRefusedWithoutLookingUpTheRepository() {
    AccessService.AccessCheck malformed =
        service.decide(
            AuthorizationHeader.parse("Negotiate x"), "acme", "app", GitOperation.READ, null);
    assertDenied(malformed.decision(), 401, Reason.INVALID_CREDENTIALS);
    assertSame(Credential.INVALID, malformed.credential());
    assertNull(malformed.repository());
    assertEquals(0, storeCalls());

    String unknown = TokenFormat.generate(TokenKind.CLASSIC, RANDOM);
    AccessService.AccessCheck c =
        service.decide(basic(unknown), "acme", "site", GitOperation.READ, null);
    assertDenied(c.decision(), 401, Reason.INVALID_CREDENTIALS);
    assertEquals(1, counting.calls("tokenByDigest"));
    assertEquals(0, counting.calls("ownerByLogin"), "no repository lookup for an unknown token");
    assertEquals(0, counting.calls("repository"));
  }

  @Test
  void noCredentialsReadPublicRepositoriesOnly() {
    AccessService.AccessCheck pub =
        service.decide(AuthorizationHeader.ABSENT, "acme", "site", GitOperation.READ, null);
    assertEquals(new Decision.Allowed(Reason.ANONYMOUS_PUBLIC_READ), pub.decision());
    assertSame(Credential.NONE, pub.credential());
    assertDenied(
        service
            .decide(AuthorizationHeader.ABSENT, "acme", "app", GitOperation.READ, null)
            .decision(),
        401,
        Reason.NO_CREDENTIALS);
    assertDenied(
        service
            .decide(AuthorizationHeader.ABSENT, "acme", "site", GitOperation.WRITE, null)
            .decision(),
        401,
        Reason.NO_CREDENTIALS);
  }

  // ---------------------------------------------------------------- a change holds on the next
  // request

  @Test
  void aDeletedTokenIsRefusedOnTheNextRequest() {
    Issued t = classic(bob, null, "repo");
    warm(t, "app", GitOperation.READ);
    store.deleteToken(t.token().id(), T0);
    assertTrue(
        decide(t, "acme", "app", GitOperation.READ).decision().allowed(),
        "served from the caches until the change is applied");
    bus.publish(new Invalidation.TokenChanged(t.token().digest(), t.token().id()));
    assertDenied(bothPaths(t, "app", GitOperation.READ), 401, Reason.TOKEN_DELETED);
    assertDenied(bothPaths(t, "site", GitOperation.READ), 401, Reason.TOKEN_DELETED);
  }

  @Test
  void aRevokedGrantIsRefusedOnTheNextRequest() {
    Issued t = fineGrainedOnAcme(bob, GrantStatus.APPROVED);
    warm(t, "app", GitOperation.READ);
    assertTrue(
        store.updateGrantStatus(
            t.grant().id(), GrantStatus.APPROVED, GrantStatus.REVOKED, alice.id(), null, T0));
    assertTrue(decide(t, "acme", "app", GitOperation.READ).decision().allowed());
    bus.publish(new Invalidation.GrantChanged(t.token().id()));
    assertDenied(bothPaths(t, "app", GitOperation.READ), 403, Reason.GRANT_REVOKED);
    assertTrue(bothPaths(t, "site", GitOperation.READ).allowed(), "public reads need no grant");
  }

  @Test
  void aSuspendedUserIsRefusedOnTheNextRequestAndAllowedAfterTheSuspensionEnds() {
    Issued t = classic(bob, null, "repo");
    warm(t, "app", GitOperation.READ);
    store.setSuspended(bob.id(), T0);
    bus.publish(new Invalidation.UserChanged(bob.id()));
    assertDenied(bothPaths(t, "app", GitOperation.READ), 403, Reason.USER_SUSPENDED);
    store.setSuspended(bob.id(), null);
    bus.publish(new Invalidation.UserChanged(bob.id()));
    assertTrue(bothPaths(t, "app", GitOperation.READ).allowed());
  }

  @Test
  void aRemovedMembershipIsRefusedOnTheNextRequest() {
    Issued t = classic(bob, null, "repo");
    warm(t, "app", GitOperation.READ);
    store.removeMembership(acme.id(), bob.id());
    bus.publish(new Invalidation.MembershipChanged(bob.id()));
    assertDenied(bothPaths(t, "app", GitOperation.READ), 404, Reason.REPOSITORY_NOT_FOUND);
  }

  @Test
  void aTokenExpiringBetweenTwoWarmRequestsIsRefusedWithoutAnEvent() {
    Issued t = classic(bob, T0.plus(Duration.ofHours(1)), "repo");
    warm(t, "app", GitOperation.READ);
    clock.advance(Duration.ofHours(1));
    assertDenied(bothPaths(t, "app", GitOperation.READ), 401, Reason.TOKEN_EXPIRED);
    clock.set(T0);
    assertTrue(
        decide(t, "acme", "app", GitOperation.READ).decision().allowed(),
        "a clock set back is decided again");
  }

  // ---------------------------------------------------------------- uses

  @Test
  void aWarmUseIsHandedToTheRecorderOncePerGranularity() {
    Issued t = classic(bob, null, "repo");
    long id = t.token().id();
    for (int i = 0; i < 3; i++) {
      service.recordUse(decide(t, "acme", "app", GitOperation.READ));
    }
    assertEquals(T0, recorder.pendingFor(id));
    clock.advance(Duration.ofSeconds(30));
    service.recordUse(decide(t, "acme", "app", GitOperation.READ));
    assertEquals(
        T0, recorder.pendingFor(id), "within the granularity the use is not handed over again");
    clock.advance(Duration.ofSeconds(30));
    service.recordUse(decide(t, "acme", "app", GitOperation.READ));
    assertEquals(T0.plusSeconds(60), recorder.pendingFor(id), "a granularity later it is");
    assertEquals(1, recorder.flush(clock.instant()));
    assertEquals(T0.plusSeconds(60), store.tokenById(id).orElseThrow().lastUsedAt());
  }

  @Test
  void decideRecordsNoUseByItself() {
    Issued t = classic(bob, null, "repo");
    assertTrue(decide(t, "acme", "app", GitOperation.READ).decision().allowed());
    assertNull(recorder.pendingFor(t.token().id()));
  }

  @Test
  void checkHandsEveryAllowedUseOver() {
    Issued t = classic(bob, null, "repo");
    Credential c = service.authenticate(basic(t.plaintext()));
    service.check(c, "acme", "app", GitOperation.READ);
    assertEquals(T0, recorder.pendingFor(t.token().id()));
    clock.advance(Duration.ofSeconds(30));
    service.check(c, "acme", "app", GitOperation.READ);
    assertEquals(T0.plusSeconds(30), recorder.pendingFor(t.token().id()));
  }

  @Test
  void deniedAndTokenlessRequestsAreNoUse() {
    Issued outsider = classic(carol, null, "repo");
    AccessService.AccessCheck denied = decide(outsider, "acme", "app", GitOperation.READ);
    assertFalse(denied.decision().allowed());
    service.recordUse(denied);
    service.check(
        service.authenticate(basic(outsider.plaintext())), "acme", "app", GitOperation.READ);
    assertNull(recorder.pendingFor(outsider.token().id()));
    AccessService.AccessCheck anonymous =
        service.decide(AuthorizationHeader.ABSENT, "acme", "site", GitOperation.READ, null);
    assertTrue(anonymous.decision().allowed());
    service.recordUse(anonymous);
    assertEquals(0, recorder.flush(T0), "nothing was handed over");
  }
}
