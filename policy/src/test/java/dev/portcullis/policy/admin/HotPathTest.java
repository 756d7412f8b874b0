package dev.portcullis.policy.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.policy.access.AccessService;
import dev.portcullis.policy.access.CacheSettings;
import dev.portcullis.policy.decision.AccessEvaluator;
import dev.portcullis.policy.decision.Credential;
import dev.portcullis.policy.decision.Decision;
import dev.portcullis.policy.decision.Decision.Reason;
import dev.portcullis.policy.model.Actor;
import dev.portcullis.policy.model.GitOperation;
import dev.portcullis.policy.model.User;
import dev.portcullis.policy.token.AuthorizationHeader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * The {@link AccessService} over the world the use cases built: authentication of headers, the
 * last-used times a request notes, the joined inputs of the gateway's one-lookup path, and a
 * decision that needs memberships of several organizations.
 */
class HotPathTest extends AdminFixture {
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
      service.recordUse(service.decide(h, "acme", "app", GitOperation.READ, null));
      service.recordUse(service.decide(d, "acme", "app", GitOperation.READ, null));
    }
    assertEquals(START, recorder.pendingFor(id));
    assertNull(recorder.pendingFor(denied.token().id()), "a denied request is no use");
    assertEquals(1, recorder.flush(START));
    clock.advance(Duration.ofSeconds(30));
    service.recordUse(service.decide(h, "acme", "app", GitOperation.READ, null));
    assertNull(recorder.pendingFor(id), "within a minute of the written use");
    clock.advance(Duration.ofSeconds(31));
    service.recordUse(service.decide(h, "acme", "app", GitOperation.READ, null));
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

  @Nested
  @DisplayName("joined inputs (the gateway's one-lookup path)")
  class JoinedInputs {
    private Decision decide(String plaintext, String repo) {
      return service
          .decide(
              AuthorizationHeader.parse(basic(plaintext)), "acme", repo, GitOperation.READ, null)
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
}
