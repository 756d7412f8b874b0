package dev.portcullis.policy.admin;

import dev.portcullis.policy.access.Invalidation;
import dev.portcullis.policy.model.Actor;
import dev.portcullis.policy.model.Grant;
import dev.portcullis.policy.model.GrantStatus;
import dev.portcullis.policy.model.NotificationKind;
import dev.portcullis.policy.model.Organization;
import dev.portcullis.policy.model.PermissionLevel;
import dev.portcullis.policy.model.PolicyException;
import dev.portcullis.policy.store.NotificationOutbox;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * An organization's review of fine-grained tokens: approve or deny pending requests, revoke
 * approved grants. Every id is checked before anything changes, and each change is a
 * compare-and-set.
 */
public final class OrgTokenReviews extends UseCase {
  OrgTokenReviews(AdminContext context) {
    super(context);
  }

  /** Approves or denies a pending request of {@code org}. */
  public void reviewRequest(
      Actor actor, String orgLogin, long requestId, boolean approve, String reason) {
    reviewRequests(actor, orgLogin, List.of(requestId), approve, reason);
  }

  /**
   * Approves or denies pending requests of {@code org}: all of them are checked first, so a bad id
   * changes nothing.
   */
  public void reviewRequests(
      Actor actor, String orgLogin, List<Long> requestIds, boolean approve, String reason) {
    reviewRequests(actor, orgLogin, requestIds, approve, reason, null);
  }

  /**
   * {@link #reviewRequests(Actor, String, List, boolean, String)} with an approval for a limited
   * time: {@code expiresAt} (ISO-8601 with an offset, {@code 2026-12-31T17:00:00Z}; {@code null}
   * for no end) must be in the future, and only an approval takes it. The grant lapses by itself
   * then: git and the API refuse the token on the organization's resources ("approval expired"),
   * and its owner is told once.
   */
  public void reviewRequests(
      Actor actor,
      String orgLogin,
      List<Long> requestIds,
      boolean approve,
      String reason,
      String expiresAt) {
    Organization org = organization(orgLogin);
    requireOrgOwner(
        actor, org, "organization_personal_access_token_requests", PermissionLevel.WRITE);
    if (reason != null && reason.length() > 1024) {
      throw PolicyException.invalid(
          "PersonalAccessTokenRequest",
          "reason",
          "invalid",
          "reason must be at most 1024 characters");
    }
    Instant end = approvalEnd(approve, expiresAt);
    List<Grant> grants = new ArrayList<>();
    for (long requestId : requestIds) {
      Grant g =
          store
              .grantById(requestId)
              .filter(x -> x.orgId() == org.id())
              // A deleted token's request is gone, as it is from the listings.
              .filter(x -> store.tokenById(x.tokenId()).map(t -> !t.deleted()).orElse(false))
              .orElseThrow(
                  () ->
                      PolicyException.notFound(
                          "No personal access token request with id "
                              + requestId
                              + " in '"
                              + org.login()
                              + "'."));
      if (g.status() != GrantStatus.PENDING) {
        throw PolicyException.invalid(
            "PersonalAccessTokenRequest",
            "pat_request_id",
            "invalid",
            "request " + requestId + " is not pending (it is " + g.status().apiName() + ")");
      }
      grants.add(g);
    }
    Long reviewer = actor.system() ? null : actor.user().id();
    for (Grant g : grants) {
      // Compare-and-set: a request another reviewer decided meanwhile keeps that decision. The
      // creator's notification is written with the decision, in its transaction.
      boolean changed =
          store.updateGrantStatus(
              g.id(),
              GrantStatus.PENDING,
              approve ? GrantStatus.APPROVED : GrantStatus.DENIED,
              reviewer,
              reason,
              now(),
              notice(
                  approve ? NotificationKind.REQUEST_APPROVED : NotificationKind.REQUEST_DENIED,
                  g,
                  reason),
              end);
      publish.accept(new Invalidation.GrantChanged(g.tokenId()));
      if (changed) {
        audit(
            actor,
            approve ? "token_request.approve" : "token_request.deny",
            "org:" + org.login() + "/request:" + g.id(),
            JsonText.object("status", "pending"),
            end == null
                ? JsonText.object("status", approve ? "approved" : "denied", "reason", reason)
                : JsonText.object(
                    "status", "approved", "reason", reason, "expires_at", end.toString()));
      }
    }
  }

  /**
   * The end of an approval: {@code expiresAt} parsed (ISO-8601 with an offset, to the second), in
   * the future; {@code null} when none is given. A denial takes none.
   */
  private Instant approvalEnd(boolean approve, String expiresAt) {
    if (expiresAt == null) {
      return null;
    }
    if (!approve) {
      throw PolicyException.invalid(
          "PersonalAccessTokenRequest",
          "expires_at",
          "invalid",
          "expires_at is given only with action approve");
    }
    Instant end;
    try {
      end = OffsetDateTime.parse(expiresAt).toInstant().truncatedTo(ChronoUnit.SECONDS);
    } catch (DateTimeParseException e) {
      throw PolicyException.invalid(
          "PersonalAccessTokenRequest",
          "expires_at",
          "invalid",
          "expires_at must be an ISO-8601 date and time with an offset, such as"
              + " 2026-12-31T17:00:00Z");
    }
    if (!end.isAfter(clock.instant())) {
      throw PolicyException.invalid(
          "PersonalAccessTokenRequest",
          "expires_at",
          "invalid",
          "expires_at must be in the future");
    }
    return end;
  }

  /** Revokes an approved token's access to {@code org}; {@code tokenId} is the {@code pat_id}. */
  public void revokeGrant(Actor actor, String orgLogin, long tokenId) {
    revokeGrants(actor, orgLogin, List.of(tokenId));
  }

  /** Revokes approved tokens' access to {@code org}; all ids are checked first. */
  public void revokeGrants(Actor actor, String orgLogin, List<Long> tokenIds) {
    Organization org = organization(orgLogin);
    requireOrgOwner(actor, org, "organization_personal_access_tokens", PermissionLevel.WRITE);
    List<Grant> grants = new ArrayList<>();
    for (long tokenId : tokenIds) {
      grants.add(
          store
              .grantOfToken(tokenId)
              .filter(x -> x.orgId() == org.id() && x.status() == GrantStatus.APPROVED)
              .filter(x -> store.tokenById(tokenId).map(t -> !t.deleted()).orElse(false))
              .orElseThrow(
                  () ->
                      PolicyException.notFound(
                          "No personal access token with id "
                              + tokenId
                              + " has access to '"
                              + org.login()
                              + "'.")));
    }
    Long reviewer = actor.system() ? null : actor.user().id();
    for (Grant g : grants) {
      boolean changed =
          store.updateGrantStatus(
              g.id(),
              GrantStatus.APPROVED,
              GrantStatus.REVOKED,
              reviewer,
              null,
              now(),
              notice(NotificationKind.GRANT_REVOKED, g, null));
      publish.accept(new Invalidation.GrantChanged(g.tokenId()));
      if (changed) {
        audit(
            actor,
            "token_grant.revoke",
            "org:" + org.login() + "/token:" + g.tokenId(),
            JsonText.object("status", "approved"),
            JsonText.object("status", "revoked"));
      }
    }
  }

  /**
   * The notification of a grant's change, to the token's owner (the request's creator). A grant
   * leaves each state once, so the kind and the grant name it uniquely.
   */
  private NotificationOutbox.Notice notice(NotificationKind kind, Grant g, String reason) {
    long owner =
        store
            .tokenById(g.tokenId())
            .orElseThrow(() -> new IllegalStateException("grant " + g.id() + " has no token"))
            .userId();
    return new NotificationOutbox.Notice(
        kind, kind.apiName() + ":grant:" + g.id(), owner, g.orgId(), g.tokenId(), g.id(), reason);
  }
}
