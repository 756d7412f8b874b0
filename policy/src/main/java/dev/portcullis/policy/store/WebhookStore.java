package dev.portcullis.policy.store;

import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Organization webhooks: the hooks, their delivery outbox and its log. Events about token requests
 * are written by the policy store's own writes, in the transaction of the change (see {@link
 * PolicyStore#insertToken}, {@link PolicyStore#updateGrantStatus} and {@link
 * PolicyStore#deleteToken}), and the {@link #PAT_EVENT} of a token's expiry with its reminder (see
 * {@link NotificationOutbox#remind}); senders claim due deliveries with a lease, as the mail outbox
 * does, so that with several nodes each is attempted by one of them at a time. Every method is one
 * transaction.
 */
public interface WebhookStore {
  /** The event of token requests (GitHub's). */
  String PAT_REQUEST_EVENT = "personal_access_token_request";

  /**
   * The event about a token itself: a Portcullis extension whose only action is {@link
   * #EXPIRING_ACTION}, written with the token's expiry reminders.
   */
  String PAT_EVENT = "personal_access_token";

  /** The action of {@link #PAT_EVENT}: the token reached a reminder's stage. */
  String EXPIRING_ACTION = "expiring";

  /** A delivery waiting for (or past) its attempts. */
  String PENDING = "pending";

  String DELIVERED = "delivered";
  String FAILED = "failed";

  /**
   * A hook. {@code sealedSecret} is the secret as the gateway encrypted it (null: no secret).
   *
   * @param events the events it subscribes to
   */
  record Hook(
      long id,
      long orgId,
      String url,
      String contentType,
      boolean insecureSsl,
      String sealedSecret,
      List<String> events,
      boolean active,
      Instant createdAt,
      Instant updatedAt) {
    public Hook {
      Objects.requireNonNull(url, "url");
      events = List.copyOf(events);
    }
  }

  /**
   * One event for one hook, as a sender claims it.
   *
   * @param grantId the token request the event is about (null for a ping)
   * @param senderId who caused it (null when unknown)
   * @param payload the body, once rendered (null before the first attempt of an event)
   * @param tokenId the token a {@link #PAT_EVENT} is about (null for other events)
   * @param tokenStage and {@code tokenExpiresAt}: the reminder an {@link #EXPIRING_ACTION} event is
   *     (its stage, {@code 7_days}, {@code 1_day} or {@code expired}, and the expiry it is about);
   *     null for other events and for redeliveries
   */
  record Delivery(
      long id,
      long hookId,
      String guid,
      String event,
      String action,
      Long grantId,
      Long senderId,
      String payload,
      boolean redelivery,
      int attempts,
      Instant createdAt,
      Long tokenId,
      String tokenStage,
      Instant tokenExpiresAt) {}

  /**
   * One attempt, as the delivery log keeps it.
   *
   * @param statusCode the receiver's HTTP status, 0 when there was no answer
   * @param status {@code OK}, or what went wrong
   * @param requestHeaders and {@code responseHeaders}: one {@code name: value} a line
   */
  record Attempt(
      long id,
      long deliveryId,
      long hookId,
      String guid,
      String event,
      String action,
      boolean redelivery,
      Instant attemptedAt,
      long durationMillis,
      int statusCode,
      String status,
      String requestHeaders,
      String payload,
      String responseHeaders,
      String responseBody) {}

  /** What an attempt wrote to the log (its delivery, hook, event come from the claimed row). */
  record Outcome(
      Instant attemptedAt,
      long durationMillis,
      int statusCode,
      String status,
      String requestHeaders,
      String responseHeaders,
      String responseBody) {}

  Hook create(Hook hook);

  List<Hook> hooksOf(long orgId);

  /** The hook {@code hookId} of {@code orgId}. */
  Optional<Hook> hook(long orgId, long hookId);

  /** The hook {@code hookId}, whatever its organization (for senders). */
  Optional<Hook> hookById(long hookId);

  /** Replaces the settings of a hook (by its id and organization); false when it is gone. */
  boolean update(Hook hook);

  /** Deletes the hook with its deliveries and their log; false when it was not there. */
  boolean delete(long orgId, long hookId);

  /**
   * Queues a delivery of a ready payload (a ping, a redelivery) for {@code hookId}; returns its id.
   */
  long enqueue(
      long hookId,
      String guid,
      String event,
      String action,
      Long grantId,
      Long tokenId,
      Long senderId,
      String payload,
      boolean redelivery,
      Instant now);

  /**
   * Claims up to {@code limit} pending deliveries due at {@code now} and not claimed by a live
   * lease, for {@code node} until {@code leaseUntil} ({@code FOR UPDATE SKIP LOCKED} on PostgreSQL,
   * and a compare-and-set on the lease everywhere).
   */
  List<Delivery> claimDue(Instant now, String node, Instant leaseUntil, int limit);

  /** Keeps the rendered body of a claimed delivery; false if the claim was lost. */
  boolean setPayload(long deliveryId, String node, String payload);

  /**
   * Logs an attempt of a claimed delivery and settles it: {@code status} {@link #DELIVERED}, {@link
   * #FAILED}, or {@link #PENDING} again at {@code nextAttemptAt}. False (and nothing written) when
   * the claim was lost.
   */
  boolean finish(
      long deliveryId, String node, Outcome outcome, String status, Instant nextAttemptAt);

  /** A hook's attempts, newest first, older than {@code before} (null: from the newest). */
  List<Attempt> attempts(long hookId, Long before, int limit);

  /** One attempt of a hook. */
  Optional<Attempt> attempt(long hookId, long attemptId);

  /** A delivery with its payload. */
  Optional<Delivery> delivery(long deliveryId);

  /** How many deliveries are in {@code status}. */
  long count(String status);
}
