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
 * {@link MailSettings#SCAN_INTERVAL} on nodes that send mail, and only the reminders' part ({@link
 * #reminders}, which also writes their webhook events) on nodes that deliver webhooks without mail.
 * The clock is injected so tests move time instead of waiting.
 */
public final class MailSchedule {
  private static final Logger LOG = LoggerFactory.getLogger("portcullis.notify");

  private final ExpiryReminders reminders;
  private final RequestDigests digests;
  private final Clock clock;
  private final LocalTime digestTime;

  public MailSchedule(
      ExpiryReminders reminders, RequestDigests digests, Clock clock, LocalTime digestTime) {
    this.reminders = reminders;
    this.digests = digests;
    this.clock = clock;
    this.digestTime = digestTime;
  }

  /**
   * Enqueues only the expiry reminders due now (their mails and the organizations' {@code
   * personal_access_token} webhook events), for nodes that deliver webhooks without sending mail;
   * returns how many it wrote. Never throws.
   */
  public static int reminders(ExpiryReminders reminders, Instant now) {
    try {
      int reminded = reminders.scan(now);
      if (reminded > 0) {
        LOG.info("queued {} expiry reminder(s)", reminded);
      }
      return reminded;
    } catch (RuntimeException e) {
      LOG.warn("could not look for due reminders: {}", e.toString());
      return 0;
    }
  }

  /**
   * Enqueues what is due now; returns how many notices it wrote. Never throws: a store that cannot
   * be reached is tried again at the next run.
   */
  public int run() {
    Instant now = clock.instant();
    try {
      int reminded = reminders.scan(now);
      int digested = digests.scheduled(now, digestTime);
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
