package dev.portcullis.policy.model;

import dev.portcullis.policy.token.TokenKind;
import java.time.Instant;
import java.util.Objects;

/**
 * A notification of the outbox with what its message needs: the recipient (login and e-mail, which
 * may be missing), the organization and token it is about and the reviewer's reason. Never a
 * token's plaintext.
 *
 * @param status {@code pending}, {@code sent} or {@code failed}
 * @param attempts delivery attempts that failed so far
 * @param nextAttemptAt when a pending notification is next due
 * @param sentAt when it was sent, or null
 * @param lastError why the last attempt failed, or null
 * @param recipientEmail the recipient's address, or null when they have none
 * @param orgLogin the organization, or null
 * @param tokenId the token, or null
 * @param tokenName the token's name, or null
 * @param reason the reviewer's reason (a denial's), or what else the mail reports (where a leaked
 *     token was pushed), or null
 * @param tokenKind the token's kind, or null
 * @param tokenExpiresAt when the token expires (or expired), or null
 */
public record Notification(
    long id,
    NotificationKind kind,
    String status,
    int attempts,
    Instant createdAt,
    Instant nextAttemptAt,
    Instant sentAt,
    String lastError,
    long recipientId,
    String recipientLogin,
    String recipientEmail,
    String orgLogin,
    Long tokenId,
    String tokenName,
    String reason,
    TokenKind tokenKind,
    Instant tokenExpiresAt) {
  public static final String PENDING = "pending";
  public static final String SENT = "sent";
  public static final String FAILED = "failed";

  public Notification {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(createdAt, "createdAt");
  }
}
