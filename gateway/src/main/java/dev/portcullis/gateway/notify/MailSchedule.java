package dev.portcullis.gateway.notify;

import dev.portcullis.policy.admin.ExpiryReminders;
import dev.portcullis.policy.admin.RequestDigests;
import java.time.Clock;
import java.time.Instant;
import java.time.LocalTime;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The periodic part of notifications: each run enqueues the expiry reminders that are due and, once
 * the digest time has passed, the day's digests of pending requests. The outbox's dedupe keys make
 * each notice one row, so every node may run it as often as it likes; the gateway runs it every
 * {@link MailSettings#SCAN_INTERVAL} on every node that sends mail or delivers webhooks. A node
 * without mail has no digests to send and looks for the reminders only (their webhook events go out
 * from any node; their mails wait in the outbox for a node with mail). The clock is injected so
 * tests move time instead of waiting.
 */
public final class MailSchedule {
  private static final Logger LOG = LoggerFactory.getLogger("portcullis.notify");

  private final ExpiryReminders reminders;
  private final RequestDigests digests;
  private final Clock clock;
  private final LocalTime digestTime;

  /** With {@code digests} null on a node that sends no mail: reminders only. */
  public MailSchedule(
      ExpiryReminders reminders, RequestDigests digests, Clock clock, LocalTime digestTime) {
    this.reminders = reminders;
    this.digests = digests;
    this.clock = clock;
    this.digestTime = digestTime;
  }

  /**
   * Enqueues what is due now; returns how many notices it wrote. Never throws: a store that cannot
   * be reached is tried again at the next run.
   */
  public int run() {
    Instant now = clock.instant();
    try {
      int reminded = reminders.scan(now);
      int digested = digests == null ? 0 : digests.scheduled(now, digestTime);
      if (reminded + digested > 0) {
        LOG.info("queued {} expiry reminder(s) and {} digest(s)", reminded, digested);
      }
      return reminded + digested;
    } catch (RuntimeException e) {
      LOG.warn("could not look for due reminders and digests: {}", e.toString());
      return 0;
    }
  }
}
