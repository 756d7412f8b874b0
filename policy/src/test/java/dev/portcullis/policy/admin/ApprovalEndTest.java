package dev.portcullis.policy.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.policy.audit.AuditEvent;
import dev.portcullis.policy.decision.Decision.Reason;
import dev.portcullis.policy.model.Actor;
import dev.portcullis.policy.model.GitOperation;
import dev.portcullis.policy.model.Notification;
import dev.portcullis.policy.model.NotificationKind;
import dev.portcullis.policy.model.PolicyException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Approvals for a limited time: validated, kept on the grant, lapsing on the warm path by the
 * injected clock alone, and told to the token's owner once.
 */
class ApprovalEndTest extends AdminFixture {

  CreatedToken pending() {
    CreatedToken t = create("bob", fineGrainedOn("acme", "write"));
    return t;
  }

  void approve(CreatedToken t, String expiresAt) {
    mgmt.reviews()
        .reviewRequests(Actor.SYSTEM, "acme", List.of(t.grant().id()), true, null, expiresAt);
  }

  @Test
  void anEndMustBeAnIsoInstantInTheFutureAndOnlyWithAnApproval() {
    CreatedToken t = pending();
    for (String bad : List.of("tomorrow", "2025-05-02", "2025-05-02T10:00:00", "")) {
      assertFieldError(
          assertPolicyException(PolicyException.Kind.INVALID, () -> approve(t, bad)), "expires_at");
    }
    assertFieldError(
        assertPolicyException(
            PolicyException.Kind.INVALID, () -> approve(t, START.minusSeconds(1).toString())),
        "expires_at");
    assertFieldError(
        assertPolicyException(PolicyException.Kind.INVALID, () -> approve(t, START.toString())),
        "expires_at");
    assertFieldError(
        assertPolicyException(
            PolicyException.Kind.INVALID,
            () ->
                mgmt.reviews()
                    .reviewRequests(
                        Actor.SYSTEM,
                        "acme",
                        List.of(t.grant().id()),
                        false,
                        null,
                        START.plusSeconds(60).toString())),
        "expires_at");
    // Nothing changed: the request is still pending.
    assertDenied(t.plaintext(), "app", GitOperation.READ, 403, Reason.GRANT_PENDING);
  }

  @Test
  void theApprovalLapsesByTheClockAloneAndTheOwnerIsToldOnce() {
    CreatedToken t = pending();
    Instant end = START.plus(Duration.ofHours(2));
    approve(t, "2025-05-01T12:00:00+01:00");
    assertEquals(end, store.grantById(t.grant().id()).orElseThrow().approvalExpiresAt());
    warm(t.plaintext(), "app", GitOperation.READ);
    assertEquals(0, mgmt.notifications().noticeLapsedApprovals(clock.instant()));

    clock.set(end.minusSeconds(1));
    int loads = cacheStore.calls("tokenByDigest") + cacheStore.calls("grantOfToken");
    assertTrue(check(t.plaintext(), "acme", "app", GitOperation.READ).allowed());
    clock.set(end);
    assertDenied(t.plaintext(), "app", GitOperation.READ, 403, Reason.GRANT_EXPIRED);
    assertDenied(t.plaintext(), "app", GitOperation.WRITE, 403, Reason.GRANT_EXPIRED);
    assertEquals(
        loads,
        cacheStore.calls("tokenByDigest") + cacheStore.calls("grantOfToken"),
        "the end is compared on the cached grant: no store read");
    assertEquals(
        "approval expired",
        mgmt.tokens().ownTokens(Actor.web(bob)).get(0).status(clock.instant()),
        "the owner's token list says so");
    // A public repository stays readable.
    assertTrue(check(t.plaintext(), "acme", "site", GitOperation.READ).allowed());

    assertEquals(1, mgmt.notifications().noticeLapsedApprovals(clock.instant()));
    assertEquals(0, mgmt.notifications().noticeLapsedApprovals(clock.instant().plusSeconds(60)));
    List<Notification> rows =
        mgmt.notifications().list(Actor.SYSTEM, Notification.PENDING, 1, 100).items().stream()
            .filter(n -> n.kind() == NotificationKind.GRANT_EXPIRED)
            .toList();
    assertEquals(1, rows.size());
    assertEquals("bob", rows.get(0).recipientLogin());
    assertEquals(t.token().id(), rows.get(0).tokenId());
  }

  @Test
  void anApprovalWithoutAnEndNeverLapsesAndARevocationClearsTheEnd() {
    CreatedToken forever = pending();
    approve(forever, null);
    clock.advance(Duration.ofDays(20));
    assertTrue(check(forever.plaintext(), "acme", "app", GitOperation.READ).allowed());
    CreatedToken limited = pending();
    approve(limited, clock.instant().plusSeconds(30).toString());
    mgmt.reviews().revokeGrant(Actor.SYSTEM, "acme", limited.token().id());
    assertEquals(null, store.grantById(limited.grant().id()).orElseThrow().approvalExpiresAt());
    clock.advance(Duration.ofMinutes(1));
    assertEquals(0, mgmt.notifications().noticeLapsedApprovals(clock.instant()));
  }

  @Test
  void theApprovalsAuditRowCarriesItsEndAndAnApprovalWithoutOneNone() {
    List<AuditEvent> events = new ArrayList<>();
    Admin audited = newAdmin(new SecureRandom(), events::add);
    CreatedToken limited = pending();
    audited
        .reviews()
        .reviewRequests(
            Actor.SYSTEM,
            "acme",
            List.of(limited.grant().id()),
            true,
            "until the release",
            "2025-05-01T12:00:00+01:00");
    CreatedToken forever = pending();
    audited
        .reviews()
        .reviewRequests(Actor.SYSTEM, "acme", List.of(forever.grant().id()), true, null, null);

    List<AuditEvent> approvals =
        events.stream().filter(e -> "token_request.approve".equals(e.operation())).toList();
    assertEquals(2, approvals.size(), events::toString);
    AuditEvent first = approvals.get(0);
    assertEquals("org:acme/request:" + limited.grant().id(), first.target());
    assertEquals("{\"status\":\"pending\"}", first.before());
    // The end as stored: an instant in UTC, to the second.
    assertEquals(
        "{\"status\":\"approved\",\"reason\":\"until the release\","
            + "\"expires_at\":\"2025-05-01T11:00:00Z\"}",
        first.after());
    assertEquals(
        Instant.parse("2025-05-01T11:00:00Z"),
        store.grantById(limited.grant().id()).orElseThrow().approvalExpiresAt());
    AuditEvent second = approvals.get(1);
    assertEquals("org:acme/request:" + forever.grant().id(), second.target());
    assertFalse(second.after().contains("expires_at"), second::after);
    assertFalse(first.after().contains(limited.plaintext()));
  }
}
