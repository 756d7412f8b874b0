package dev.portcullis.gateway.notify;

import dev.portcullis.policy.admin.Notifications;
import dev.portcullis.policy.admin.RequestDigests;
import dev.portcullis.policy.model.Notification;
import dev.portcullis.policy.model.NotificationKind;
import jakarta.mail.MessagingException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's sender: claims the due notifications of the outbox (a lease, so another node's sender
 * never sends the same one meanwhile), mails each and reports the outcome, which marks it sent or
 * schedules the next attempt (failed for good after 24 h). The gateway runs {@link #deliverDue} on
 * its scheduler; the clock is injected so tests move time instead of sleeping.
 *
 * <p>Logs name the notification, its kind and the recipient's login, never an address's password or
 * a server's credentials.
 */
public final class NotificationSender {
  private static final Logger LOG = LoggerFactory.getLogger("portcullis.notify");

  private final Notifications outbox;
  private final Mailer mailer;
  private final Clock clock;
  private final Supplier<String> baseUrl;
  private final String node;
  private final AtomicLong sent = new AtomicLong();
  private final AtomicLong failedAttempts = new AtomicLong();

  NotificationSender(
      Notifications outbox, Mailer mailer, Clock clock, Supplier<String> baseUrl, String node) {
    this.outbox = outbox;
    this.mailer = mailer;
    this.clock = clock;
    this.baseUrl = baseUrl;
    this.node = node;
  }

  /**
   * A sender mailing over SMTP as {@code settings} say.
   *
   * @param baseUrl the gateway's public URL ({@code --public-url}, or its listener), for links
   */
  public static NotificationSender smtp(
      MailSettings settings, Notifications outbox, Clock clock, Supplier<String> baseUrl) {
    if (!settings.enabled()) {
      throw new IllegalArgumentException("mail is off: there is no SMTP server to send to");
    }
    return new NotificationSender(outbox, new SmtpMailer(settings), clock, baseUrl, nodeId());
  }

  /** This process among the nodes: its pid and a random part (pids repeat across hosts). */
  private static String nodeId() {
    byte[] r = new byte[6];
    new SecureRandom().nextBytes(r);
    return "node-" + ProcessHandle.current().pid() + "-" + HexFormat.of().formatHex(r);
  }

  /**
   * Writes the notices of approvals that lapsed by now, then claims and sends what is due; returns
   * how many went out. Never throws: a store that cannot be reached is tried again at the next run.
   */
  public int deliverDue() {
    List<Notification> due;
    Instant claimedAt = clock.instant();
    try {
      // Approvals given for a limited time that lapsed since the last run: their notices first.
      // Two nodes writing the same notice at once: one of them fails, and the notice is written.
      outbox.noticeLapsedApprovals(claimedAt);
    } catch (RuntimeException e) {
      LOG.warn("could not look for lapsed approvals: {}", e.toString());
    }
    try {
      due = outbox.claimDue(node, claimedAt);
    } catch (RuntimeException e) {
      LOG.warn("could not read the notification outbox: {}", e.toString());
      return 0;
    }
    // Past half the lease, the rest of the batch is left alone: its claim ends, another run (here
    // or on another node) takes it then, and no row is sent under a claim about to be lost.
    Instant stopAt = claimedAt.plus(Notifications.LEASE.dividedBy(2));
    int count = 0;
    for (int i = 0; i < due.size(); i++) {
      Notification n = due.get(i);
      if (clock.instant().isAfter(stopAt)) {
        LOG.warn(
            "the mail server is slow: {} notification(s) wait for their claim to end",
            due.size() - i);
        break;
      }
      try {
        if (deliver(n)) {
          count++;
        }
      } catch (RuntimeException e) {
        // The store failed after the mail went out, or before: the lease ends and the row is
        // claimed again then.
        LOG.warn("could not record notification {}: {}", n.id(), e.toString());
      }
    }
    return count;
  }

  /** Mails {@code n} and records the outcome; true when it went out. */
  private boolean deliver(Notification n) {
    String problem;
    if (n.recipientEmail() == null || n.recipientEmail().isBlank()) {
      problem = "the recipient " + n.recipientLogin() + " has no e-mail address";
    } else {
      try {
        RequestDigests.Pending pending = null;
        if (n.kind() == NotificationKind.REQUEST_DIGEST) {
          pending = outbox.pendingRequests(n, clock.instant());
          if (pending.total() == 0) {
            // Reviewed since the digest was queued: there is nothing to tell.
            outbox.sent(n, node, clock.instant());
            LOG.info("notification {} (digest) not mailed: nothing is pending any more", n.id());
            return false;
          }
        }
        mailer.send(NotificationMail.of(n, baseUrl.get(), pending));
        outbox.sent(n, node, clock.instant());
        sent.incrementAndGet();
        LOG.info(
            "notification {} ({}) mailed to {}", n.id(), n.kind().apiName(), n.recipientLogin());
        return true;
      } catch (MessagingException e) {
        problem = describe(e);
      }
    }
    failedAttempts.incrementAndGet();
    boolean gaveUp = outbox.attemptFailed(n, node, clock.instant(), problem);
    if (gaveUp) {
      LOG.warn(
          "notification {} ({}) to {} failed for good after {} attempts: {}",
          n.id(),
          n.kind().apiName(),
          n.recipientLogin(),
          n.attempts() + 1,
          problem);
    } else {
      LOG.warn(
          "notification {} ({}) to {} not sent (attempt {}), will retry: {}",
          n.id(),
          n.kind().apiName(),
          n.recipientLogin(),
          n.attempts() + 1,
          problem);
    }
    return false;
  }

  /** The failure and its causes, one line (Jakarta Mail nests the socket's error). */
  private static String describe(Exception e) {
    StringBuilder out = new StringBuilder();
    for (Throwable t = e; t != null && out.length() < 400; t = t.getCause()) {
      if (out.length() > 0) {
        out.append(": ");
      }
      out.append(t.getClass().getSimpleName());
      if (t.getMessage() != null) {
        out.append(' ').append(t.getMessage().replaceAll("\\s+", " ").strip());
      }
    }
    return out.toString();
  }

  /** Mails sent by this node since it started (a metric). */
  public long sent() {
    return sent.get();
  }

  /** Failed delivery attempts on this node since it started (a metric). */
  public long failedAttempts() {
    return failedAttempts.get();
  }
}
