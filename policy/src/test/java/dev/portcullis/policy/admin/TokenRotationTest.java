package dev.portcullis.policy.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.policy.audit.AuditEvent;
import dev.portcullis.policy.decision.Credential;
import dev.portcullis.policy.decision.Decision.Reason;
import dev.portcullis.policy.model.AccessToken;
import dev.portcullis.policy.model.Actor;
import dev.portcullis.policy.model.GitOperation;
import dev.portcullis.policy.model.GrantStatus;
import dev.portcullis.policy.model.PolicyException;
import dev.portcullis.policy.store.PolicyStore;
import dev.portcullis.policy.token.AuthorizationHeader;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Rotation with overlap ({@link TokenIssuance#rotateToken}, {@link TokenIssuance#rotateOwnSecret},
 * the console's regeneration): both secrets work inside the overlap, the old one is refused once
 * the injected clock reaches its end without reading the store, the token keeps its id and grant,
 * and a rotated secret presented to rotate again revokes the whole token.
 */
class TokenRotationTest extends AdminFixture {

  /** The token as its secret {@code plaintext} presents it (what the API's caller is). */
  private AccessToken presented(String plaintext) {
    Credential c = service.authenticate(AuthorizationHeader.parse(basic(plaintext)));
    return assertInstanceOf(Credential.Token.class, c).token();
  }

  @Test
  void theOldSecretWorksUntilTheOverlapEndsThenIsRefusedWithoutAStoreRead() {
    CreatedToken t = mgmt.tokens().createOwnToken(Actor.web(bob), fineGrainedOn("acme", "read"));
    mgmt.reviews().reviewRequest(Actor.SYSTEM, "acme", t.grant().id(), true, null);
    warm(t.plaintext(), "app", GitOperation.READ);
    clock.advance(Duration.ofDays(1));

    CreatedToken next = mgmt.tokens().rotateToken(Actor.SYSTEM, t.token().id(), 3600);
    assertNotEquals(t.plaintext(), next.plaintext());
    assertEquals(t.token().id(), next.token().id(), "the token keeps its id");
    assertEquals(GrantStatus.APPROVED, next.grant().status(), "and its grant");
    assertEquals(
        clock.instant().plus(Duration.ofDays(30)),
        next.token().expiresAt(),
        "the new secret gets the token's lifetime again");

    assertAllowed(t.plaintext(), "app", GitOperation.READ);
    assertAllowed(next.plaintext(), "app", GitOperation.READ);
    int loads = cacheStore.calls("tokenByDigest");
    clock.advance(Duration.ofSeconds(3599));
    assertAllowed(t.plaintext(), "app", GitOperation.READ);
    clock.advance(Duration.ofSeconds(1));
    assertDenied(t.plaintext(), "app", GitOperation.READ, 401, Reason.TOKEN_EXPIRED);
    assertAllowed(next.plaintext(), "app", GitOperation.READ);
    assertEquals(
        loads,
        cacheStore.calls("tokenByDigest"),
        "the overlap ends by the clock: no store read on the warm path");

    List<PolicyStore.TokenSecret> secrets = store.rotatedSecrets(t.token().id());
    assertEquals(1, secrets.size());
    assertEquals(t.token().digest(), secrets.get(0).digest());
    assertEquals(clock.instant(), secrets.get(0).validUntil());
  }

  @Test
  void aRotationOnTheConsoleCutsEarlierOverlapsToItsOwn() {
    Actor web = Actor.web(bob);
    CreatedToken first = create("bob", classic(30, "repo"));
    CreatedToken second = mgmt.tokens().regenerateOwnToken(web, first.token().id(), 7, true, 3600);
    assertEquals(clock.instant().plus(Duration.ofDays(7)), second.token().expiresAt());
    assertAllowed(first.plaintext(), "app", GitOperation.READ);
    assertAllowed(second.plaintext(), "app", GitOperation.READ);

    clock.advance(Duration.ofMinutes(1));
    CreatedToken third = mgmt.tokens().regenerateOwnToken(web, first.token().id(), 7, true, 0);
    assertDenied(first.plaintext(), "app", GitOperation.READ, 401, Reason.TOKEN_EXPIRED);
    assertDenied(second.plaintext(), "app", GitOperation.READ, 401, Reason.TOKEN_EXPIRED);
    assertAllowed(third.plaintext(), "app", GitOperation.READ);
  }

  @Test
  void aRotatedSecretPresentedToRotateRevokesTheWholeToken() {
    List<AuditEvent> events = new ArrayList<>();
    Admin audited = newAdmin(new SecureRandom(), events::add);
    CreatedToken t = create("bob", classic(30, "repo"));
    CreatedToken next = audited.tokens().rotateOwnSecret(actor(bob, t), 3600);
    assertAllowed(t.plaintext(), "app", GitOperation.READ);
    assertAllowed(next.plaintext(), "app", GitOperation.READ);

    AccessToken old = presented(t.plaintext());
    assertNotNull(old.rotated(), "the old secret presents itself as rotated");
    assertPolicyException(
        PolicyException.Kind.FORBIDDEN,
        () -> audited.tokens().rotateOwnSecret(Actor.of(bob, old), 60));
    audited.tokens().rotatedSecretPresented(old);

    assertDenied(t.plaintext(), "app", GitOperation.READ, 401, Reason.TOKEN_DELETED);
    assertDenied(next.plaintext(), "app", GitOperation.READ, 401, Reason.TOKEN_DELETED);
    assertTrue(
        events.stream().anyMatch(e -> "token.rotate".equals(e.operation())),
        "the rotation audited");
    assertTrue(
        events.stream().anyMatch(e -> "token.revoke_reused".equals(e.operation())),
        "the revocation audited");
    for (AuditEvent e : events) {
      assertFalse(String.valueOf(e).contains(t.plaintext()), "no secret in the audit log");
      assertFalse(String.valueOf(e).contains(next.plaintext()), "no secret in the audit log");
    }
  }

  @Test
  void aRotatedSecretAfterItsOverlapStillCountsAsReuse() {
    CreatedToken t = create("bob", classic(30, "repo"));
    CreatedToken next = mgmt.tokens().rotateOwnSecret(actor(bob, t), 0);
    assertDenied(t.plaintext(), "app", GitOperation.READ, 401, Reason.TOKEN_EXPIRED);
    mgmt.tokens().rotatedSecretPresented(presented(t.plaintext()));
    assertDenied(next.plaintext(), "app", GitOperation.READ, 401, Reason.TOKEN_DELETED);
  }

  @Test
  void deletingATokenRefusesEverySecretOfIt() {
    CreatedToken t = create("bob", classic(30, "repo"));
    CreatedToken next = mgmt.tokens().rotateToken(Actor.SYSTEM, t.token().id(), 600);
    warm(t.plaintext(), "app", GitOperation.READ);
    mgmt.tokens().deleteToken(Actor.SYSTEM, t.token().id());
    assertDenied(t.plaintext(), "app", GitOperation.READ, 401, Reason.TOKEN_DELETED);
    assertDenied(next.plaintext(), "app", GitOperation.READ, 401, Reason.TOKEN_DELETED);
  }

  @Test
  void aLeakedRotatedSecretRevokedByAnyoneRefusesTheCurrentOneToo() {
    CreatedToken t = create("bob", classic(30, "repo"));
    CreatedToken next = mgmt.tokens().rotateToken(Actor.SYSTEM, t.token().id(), 600);
    warm(next.plaintext(), "app", GitOperation.READ);
    mgmt.tokens().revokeCredentials(List.of(t.plaintext()));
    assertDenied(next.plaintext(), "app", GitOperation.READ, 401, Reason.TOKEN_DELETED);
    assertDenied(t.plaintext(), "app", GitOperation.READ, 401, Reason.TOKEN_DELETED);
  }

  @ParameterizedTest
  @NullSource
  @ValueSource(ints = {-1, 86_401, Integer.MAX_VALUE})
  void anOverlapOutOfRangeIsAFieldError(Integer overlap) {
    CreatedToken t = create("bob", classic(30, "repo"));
    assertFieldError(
        assertPolicyException(
            PolicyException.Kind.INVALID,
            () -> mgmt.tokens().rotateToken(Actor.SYSTEM, t.token().id(), overlap)),
        "overlap_seconds");
    assertFieldError(
        assertPolicyException(
            PolicyException.Kind.INVALID,
            () -> mgmt.tokens().rotateOwnSecret(actor(bob, t), overlap)),
        "overlap_seconds");
    assertFieldError(
        assertPolicyException(
            PolicyException.Kind.INVALID,
            () ->
                mgmt.tokens().regenerateOwnToken(Actor.web(bob), t.token().id(), 7, true, overlap)),
        "overlap_seconds");
    assertAllowed(t.plaintext(), "app", GitOperation.READ);
  }

  @Test
  void theAdminRotationIsMissingToAnyoneButASiteAdmin() {
    CreatedToken t = create("bob", classic(30, "repo"));
    assertPolicyException(
        PolicyException.Kind.NOT_FOUND,
        () -> mgmt.tokens().rotateToken(actor(bob, t), t.token().id(), 0));
    assertPolicyException(
        PolicyException.Kind.NOT_FOUND,
        () -> mgmt.tokens().rotateToken(Actor.web(bob), t.token().id(), 0));
    assertPolicyException(
        PolicyException.Kind.NOT_FOUND,
        () -> mgmt.tokens().rotateToken(Actor.SYSTEM, t.token().id() + 1000, 0));
    assertAllowed(t.plaintext(), "app", GitOperation.READ);
  }

  @Test
  void eachSecretKeepsItsOwnLastUse() {
    CreatedToken t = create("bob", classic(30, "repo"));
    assertAllowed(t.plaintext(), "app", GitOperation.READ);
    Instant beforeRotation = clock.instant();
    recorder.flush(clock.instant());
    clock.advance(Duration.ofMinutes(5));
    CreatedToken next = mgmt.tokens().rotateToken(Actor.SYSTEM, t.token().id(), 3600);
    assertNull(store.tokenById(t.token().id()).orElseThrow().lastUsedAt(), "the new secret unused");
    assertEquals(
        beforeRotation,
        store.rotatedSecrets(t.token().id()).get(0).lastUsedAt(),
        "the old secret's last use goes with it");

    clock.advance(Duration.ofMinutes(5));
    Instant oldUse = clock.instant();
    assertAllowed(t.plaintext(), "app", GitOperation.READ);
    clock.advance(Duration.ofMinutes(5));
    Instant newUse = clock.instant();
    assertAllowed(next.plaintext(), "app", GitOperation.READ);
    recorder.flush(clock.instant());
    assertEquals(oldUse, store.rotatedSecrets(t.token().id()).get(0).lastUsedAt());
    assertEquals(newUse, store.tokenById(t.token().id()).orElseThrow().lastUsedAt());
  }
}
