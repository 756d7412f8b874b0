package dev.portcullis.policy.admin;

import dev.portcullis.policy.model.Actor;
import dev.portcullis.policy.model.Notification;
import dev.portcullis.policy.model.NotificationKind;
import dev.portcullis.policy.model.Page;
import dev.portcullis.policy.model.PolicyException;
import dev.portcullis.policy.store.NotificationOutbox;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * The notification outbox as its senders and site administrators use it. Rows are written by the
 * changes they report (approvals, denials, revocations, in the same transaction), by pushes that
 * carry a live token, and by the periodic {@link ExpiryReminders} and {@link RequestDigests}; a
 * sender claims due ones, delivers them and reports each outcome here, which applies the {@link
 * RetrySchedule}. Times come from the sender's clock, so its retries can be tested without waiting.
 */
public final class Notifications extends UseCase {
  /**
   * How long a sender's claim on a row holds. A sender stops its batch at half of it (the rest wait
   * for the claim to end), so a slow server cannot make a row go out under a lost claim; a sender
   * that dies leaves its rows to another after it.
   */
  public static final Duration LEASE = Duration.ofMinutes(15);

  /** The most rows one claim takes. */
  public static final int BATCH = 10;

  private final NotificationOutbox outbox;
  private final RequestDigests digests;

  Notifications(AdminContext context, RequestDigests digests) {
    super(context);
    this.outbox = store.notifications();
    this.digests = digests;
  }

  /**
   * What the digest {@code n} lists, as it is at {@code now}: the pending requests of its
   * organization.
   */
  public RequestDigests.Pending pendingRequests(Notification n, Instant now) {
    if (n.kind() != NotificationKind.REQUEST_DIGEST) {
      throw new IllegalArgumentException("not a digest: " + n.kind());
    }
    return digests.pendingRequests(n.orgLogin(), now);
  }

  /** Claims the due notifications for {@code node} at {@code now}. */
  public List<Notification> claimDue(String node, Instant now) {
    return outbox.claimDue(now, node, now.plus(LEASE), BATCH);
  }

  /**
   * Writes a notice to the owner of each token whose time-bound approval lapsed by {@code now},
   * once per grant (the senders run this before each claim); returns how many were written.
   */
  public int noticeLapsedApprovals(Instant now) {
    return store.noticeLapsedApprovals(now);
  }

  /** The notification went out. */
  public void sent(Notification n, String node, Instant now) {
    outbox.markSent(n.id(), node, now);
  }

  /**
   * An attempt to deliver {@code n} failed at {@code now}: it is tried again later, or, 24 hours
   * after its creation, failed for good. Returns true when it was given up.
   */
  public boolean attemptFailed(Notification n, String node, Instant now, String error) {
    int failures = n.attempts() + 1;
    Instant next = RetrySchedule.next(n.createdAt(), failures, now);
    if (next == null) {
      outbox.markFailed(n.id(), node, failures, error);
      return true;
    }
    outbox.reschedule(n.id(), node, failures, next, error);
    return false;
  }

  /**
   * The notifications in {@code status} ({@code pending}, {@code sent}, {@code failed}, or null for
   * all), newest first: site administrators only.
   */
  public Page<Notification> list(Actor actor, String status, int page, int perPage) {
    requireSiteAdmin(actor);
    if (status != null
        && !List.of(Notification.PENDING, Notification.SENT, Notification.FAILED)
            .contains(status)) {
      throw PolicyException.invalid(
          "Notification", "status", "invalid", "status must be pending, sent or failed");
    }
    return outbox.list(status, page, perPage);
  }

  /** How many notifications were given up (a metric). */
  public long failedCount() {
    return outbox.count(Notification.FAILED);
  }
}
