package dev.portcullis.policy.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.portcullis.policy.decision.Decision.Reason;
import dev.portcullis.policy.model.Actor;
import dev.portcullis.policy.model.GitOperation;
import dev.portcullis.policy.model.Grant;
import dev.portcullis.policy.model.GrantStatus;
import dev.portcullis.policy.model.PolicyException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * {@link OrgTokenReviews}: approving, denying and revoking an organization's token requests and
 * grants, one or several at once; and that each holds on the very next check.
 */
class OrgTokenReviewsTest extends AdminFixture {
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

  @Nested
  @DisplayName("a narrowing change holds on the very next check")
  class Narrowing {
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
  }
}
