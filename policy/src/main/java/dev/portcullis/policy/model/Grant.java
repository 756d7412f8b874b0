package dev.portcullis.policy.model;

import java.time.Instant;
import java.util.Objects;

/**
 * A fine-grained token's access request to, and grant from, one organization. Every fine-grained
 * token whose resource owner is an organization has exactly one; tokens that needed no approval
 * start {@link GrantStatus#APPROVED}.
 *
 * @param id the request id ({@code pat_request_id}), distinct from the token id
 * @param reason the creator's justification, or {@code null}
 * @param accessGrantedAt when it became approved, or {@code null}
 * @param reviewedBy the user who approved, denied or revoked it last, or {@code null} (the gateway
 *     itself, or not reviewed)
 * @param approvalExpiresAt when an approval given for a limited time lapses by itself, or {@code
 *     null} for an approval without an end (and any grant not approved)
 */
public record Grant(
    long id,
    long tokenId,
    long orgId,
    GrantStatus status,
    String reason,
    Instant createdAt,
    Instant reviewedAt,
    String reviewReason,
    Instant accessGrantedAt,
    Long reviewedBy,
    Instant approvalExpiresAt) {
  public Grant {
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(createdAt, "createdAt");
  }

  /** A grant whose approval, if any, has no end. */
  public Grant(
      long id,
      long tokenId,
      long orgId,
      GrantStatus status,
      String reason,
      Instant createdAt,
      Instant reviewedAt,
      String reviewReason,
      Instant accessGrantedAt,
      Long reviewedBy) {
    this(
        id,
        tokenId,
        orgId,
        status,
        reason,
        createdAt,
        reviewedAt,
        reviewReason,
        accessGrantedAt,
        reviewedBy,
        null);
  }

  /**
   * Whether the grant is approved only until an instant that {@code now} has reached: the approval
   * has lapsed.
   */
  public boolean approvalLapsed(Instant now) {
    return status == GrantStatus.APPROVED
        && approvalExpiresAt != null
        && !now.isBefore(approvalExpiresAt);
  }
}
