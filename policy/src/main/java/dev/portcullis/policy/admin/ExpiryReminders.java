package dev.portcullis.policy.admin;

import dev.portcullis.policy.model.NotificationKind;
import dev.portcullis.policy.store.NotificationOutbox;
import dev.portcullis.policy.store.NotificationOutbox.ExpiringToken;
import java.time.Duration;
import java.time.Instant;

/**
 * Reminders of a token's expiry, to its owner: it expires within 7 days, within a day, or has
 * expired. A periodic {@link #scan} finds the tokens at a stage and {@link #remind} enqueues each
 * notice; the outbox's dedupe key (the stage, the token and its expiry) makes each one go out once
 * per token, whatever the number of nodes scanning and however often they do. Owners who turned
 * reminders off get none. A fine-grained token targeting an organization is also announced to the
 * organization's hooks subscribed to {@code personal_access_token} (action {@code expiring}), in
 * the same transaction, once per hook, stage and expiry, whether or not its owner wants the mail.
 * Times come from the caller's clock, so tests move time instead of waiting.
 */
public final class ExpiryReminders extends UseCase {
  /**
   * How long after its expiry a token still gets its "expired" notice: a node that was down at the
   * moment still sends it, and tokens that expired long before are left alone.
   */
  public static final Duration EXPIRED_WINDOW = Duration.ofDays(7);

  /** A reminder's stage, with its notice's kind. */
  public enum Stage {
    /** The token expires within 7 days (sent only to tokens made to last longer than that). */
    IN_7_DAYS(Duration.ofDays(7), NotificationKind.TOKEN_EXPIRES_IN_7_DAYS, "7_days"),
    /** The token expires within a day (sent only to tokens made to last longer than that). */
    TOMORROW(Duration.ofDays(1), NotificationKind.TOKEN_EXPIRES_TOMORROW, "1_day"),
    /** The token has expired. */
    EXPIRED(Duration.ZERO, NotificationKind.TOKEN_EXPIRED, "expired");

    private final Duration before;
    private final NotificationKind kind;
    private final String webhookName;

    Stage(Duration before, NotificationKind kind, String webhookName) {
      this.before = before;
      this.kind = kind;
      this.webhookName = webhookName;
    }

    /** The stage as the {@code personal_access_token} webhook event names it. */
    public String webhookName() {
      return webhookName;
    }

    /** How long before the expiry the stage begins. */
    public Duration before() {
      return before;
    }

    public NotificationKind kind() {
      return kind;
    }
  }

  private final NotificationOutbox outbox;

  ExpiryReminders(AdminContext context) {
    super(context);
    this.outbox = store.notifications();
  }

  /**
   * Enqueues the reminders due at {@code now} that were not sent yet; returns how many reminders (a
   * token at a stage) it wrote a mail or webhook events for.
   */
  public int scan(Instant now) {
    int queued = 0;
    for (ExpiringToken t :
        outbox.expiringTokens(
            now.minus(EXPIRED_WINDOW), now.plus(Stage.IN_7_DAYS.before()).plusSeconds(1))) {
      Stage stage = stageOf(t, now);
      if (stage != null
          && remind(t.tokenId(), t.userId(), t.expiresAt(), stage, t.expiryReminders(), now)) {
        queued++;
      }
    }
    return queued;
  }

  /**
   * The stage {@code t} is at, at {@code now}, or null. A token made to last no longer than a
   * stage's lead time gets no reminder of it (a 5-day token is not told at its creation that it
   * expires within 7 days).
   */
  static Stage stageOf(ExpiringToken t, Instant now) {
    if (!t.expiresAt().isAfter(now)) {
      return Stage.EXPIRED;
    }
    Duration left = Duration.between(now, t.expiresAt());
    Duration lifetime = Duration.between(t.createdAt(), t.expiresAt());
    for (Stage s : new Stage[] {Stage.TOMORROW, Stage.IN_7_DAYS}) {
      if (left.compareTo(s.before()) <= 0) {
        return lifetime.compareTo(s.before()) > 0 ? s : null;
      }
    }
    return null;
  }

  /**
   * Enqueues the notice of {@code stage} for the token to its owner when {@code mail} (they want
   * reminders), and the organization's webhook event when the token targets one, each once per
   * token, expiry and stage (a regenerated token keeps its id and gets a new expiry, whose
   * reminders are new), in one transaction; false when nothing was left to enqueue (it was before,
   * here or on another node).
   */
  public boolean remind(
      long tokenId, long ownerId, Instant expiresAt, Stage stage, boolean mail, Instant now) {
    NotificationOutbox.Notice notice =
        mail
            ? new NotificationOutbox.Notice(
                stage.kind(),
                stage.kind().apiName() + ":token:" + tokenId + ":" + expiresAt.getEpochSecond(),
                ownerId,
                null,
                tokenId,
                null,
                null)
            : null;
    return outbox.remind(notice, tokenId, stage.webhookName(), expiresAt, now);
  }
}
