package dev.portcullis.gateway.console;

import dev.portcullis.policy.admin.OwnToken;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * A row of the token list, formatted for display.
 *
 * @param path the token's own page; its regenerate page is below it
 */
public record TokenRow(
    long id,
    String name,
    String resourceOwner,
    String status,
    String statusDetail,
    String expires,
    String lastUsed,
    String path) {
  static final DateTimeFormatter DAY =
      DateTimeFormatter.ofPattern("MMM d, yyyy", Locale.ENGLISH).withZone(ZoneOffset.UTC);

  static TokenRow of(OwnToken t, Instant now) {
    String status = t.status(now);
    String detail = null;
    if (status.equals("denied")) {
      // The reason the owner gave, shared with the token's owner.
      detail = t.grant().reviewReason();
    } else if (status.equals("revoked") && t.grant().reviewedAt() != null) {
      detail =
          "by "
              + (t.reviewer() == null ? "the gateway" : t.reviewer())
              + " on "
              + DAY.format(t.grant().reviewedAt());
    }
    return new TokenRow(
        t.token().id(),
        t.token().name(),
        t.resourceOwner(),
        status,
        detail,
        t.token().expiresAt() == null ? "never" : DAY.format(t.token().expiresAt()),
        t.lastUsedAt() == null ? "never used" : DAY.format(t.lastUsedAt()),
        TokenPages.base(t.token().kind()) + "/" + t.token().id());
  }
}
