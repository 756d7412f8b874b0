package dev.portcullis.policy.store;

import dev.portcullis.policy.model.Notification;
import dev.portcullis.policy.model.NotificationKind;
import dev.portcullis.policy.model.Page;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * The durable outbox of notifications. Rows are written by the store's own writes (in the
 * transaction of the change they report, see {@link PolicyStore#updateGrantStatus(long,
 * dev.portcullis.policy.model.GrantStatus, dev.portcullis.policy.model.GrantStatus, Long, String,
 * Instant, Notice)}); senders claim due rows with a lease, so that with several nodes each row is
 * delivered by one of them, then mark each one sent, rescheduled or failed. Every method is one
 * transaction.
 */
public interface NotificationOutbox {

  /**
   * What a change reports, written with it.
   *
   * @param dedupeKey unique per thing reported (a second row with the same key is not written)
   * @param recipientId the user the message goes to
   * @param reason the reviewer's reason, or what else the mail reports (where a leaked token was
   *     pushed), or null; never a secret
   */
  record Notice(
      NotificationKind kind,
      String dedupeKey,
      long recipientId,
      Long orgId,
      Long tokenId,
      Long grantId,
      String reason) {
    public Notice {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(dedupeKey, "dedupeKey");
    }
  }

  /**
   * Writes {@code notice} in a transaction of its own, for what is not a change of the store (a
   * pushed token, a reminder, a digest); false when a row with its dedupe key exists already,
   * written before or by another node at the same time.
   */
  boolean enqueue(Notice notice, Instant now);

  /**
   * Writes a token's expiry reminder in one transaction: the mail {@code notice} (null when its
   * owner wants no reminders) unless a row with its key exists, and the {@link
   * WebhookStore#PAT_EVENT} {@link WebhookStore#EXPIRING_ACTION} event of {@code stage} and {@code
   * expiresAt} for each subscribed hook of the organization the token targets that did not get it
   * yet. Each has its own unique key, so the event goes out once even when no mail is written, and
   * each goes out once whatever the nodes and scans. False when nothing was written (all of it was,
   * before or by another node at the same time).
   */
  boolean remind(Notice notice, long tokenId, String stage, Instant expiresAt, Instant now);

  /**
   * A live token expiring in a window, with what its reminders need.
   *
   * @param expiryReminders whether its owner wants expiry reminders
   */
  record ExpiringToken(
      long tokenId, long userId, Instant createdAt, Instant expiresAt, boolean expiryReminders) {}

  /**
   * The tokens that are not deleted and expire in {@code [from, to)}, with their owner's choice of
   * reminders; tokens of suspended users are left out.
   */
  List<ExpiringToken> expiringTokens(Instant from, Instant to);

  /**
   * An owner of an organization that has pending token requests.
   *
   * @param digest whether the owner wants the daily digest
   */
  record DigestRecipient(long orgId, long ownerId, boolean digest) {}

  /**
   * The owners of every organization with at least one pending request of a live token (neither
   * deleted nor expired at {@code now}).
   */
  List<DigestRecipient> digestRecipients(Instant now);

  /**
   * Claims up to {@code limit} pending rows due at {@code now} and not claimed by a live lease, for
   * {@code node} until {@code leaseUntil}. On PostgreSQL rows another node is claiming are skipped
   * ({@code FOR UPDATE SKIP LOCKED}); every claim is also a compare-and-set on the lease, so no row
   * is claimed twice at once.
   */
  List<Notification> claimDue(Instant now, String node, Instant leaseUntil, int limit);

  /** Marks a row this node claimed as sent; false if the claim was lost. */
  boolean markSent(long id, String node, Instant now);

  /**
   * Records a failed attempt of a claimed row and when to try again; false if the claim was lost.
   */
  boolean reschedule(long id, String node, int attempts, Instant nextAttemptAt, String error);

  /** Gives up on a claimed row: it is failed for good; false if the claim was lost. */
  boolean markFailed(long id, String node, int attempts, String error);

  /** Rows in {@code status} (every row when null), newest first. */
  Page<Notification> list(String status, int page, int perPage);

  /** How many rows are in {@code status}. */
  long count(String status);
}
