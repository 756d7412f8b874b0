package dev.portcullis.policy.admin;

import dev.portcullis.policy.model.AccessToken;
import dev.portcullis.policy.model.Grant;
import java.time.Instant;

/**
 * One of a user's own tokens as their settings list it: the token (never its secret), its resource
 * owner's login, its organization grant when it has one, and its last use (including uses not yet
 * written to the store).
 *
 * @param reviewer the login of who last approved, denied or revoked its grant, or {@code null}
 */
public record OwnToken(
    AccessToken token, String resourceOwner, Grant grant, Instant lastUsedAt, String reviewer) {

  /**
   * {@code active}, {@code pending approval}, {@code denied}, {@code revoked}, {@code approval
   * expired} (a time-bound approval that lapsed) or {@code expired}: the first that applies of
   * expiry, then the grant's state.
   */
  public String status(Instant now) {
    if (token.expired(now)) {
      return "expired";
    }
    if (grant == null) {
      return "active";
    }
    return switch (grant.status()) {
      case PENDING -> "pending approval";
      case DENIED -> "denied";
      case REVOKED -> "revoked";
      case APPROVED -> grant.approvalLapsed(now) ? "approval expired" : "active";
    };
  }
}
