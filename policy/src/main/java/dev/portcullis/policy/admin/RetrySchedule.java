package dev.portcullis.policy.admin;

import java.time.Duration;
import java.time.Instant;

/**
 * When a notification whose delivery failed is tried again: exponential backoff from {@link
 * #FIRST_DELAY}, doubling per failed attempt up to {@link #MAX_DELAY}, and never a retry past
 * {@link #GIVE_UP_AFTER} from its creation (it is then failed for good). A pure function of its
 * inputs, so tests need no clock.
 */
final class RetrySchedule {
  static final Duration FIRST_DELAY = Duration.ofSeconds(30);
  static final Duration MAX_DELAY = Duration.ofHours(1);
  static final Duration GIVE_UP_AFTER = Duration.ofHours(24);

  private RetrySchedule() {}

  /**
   * The time of the next attempt after the {@code failures}-th failed one (1 for the first) at
   * {@code now}, or null when the notification is to be given up.
   */
  static Instant next(Instant createdAt, int failures, Instant now) {
    if (failures < 1) {
      throw new IllegalArgumentException("failures must be at least 1, not " + failures);
    }
    Instant deadline = createdAt.plus(GIVE_UP_AFTER);
    if (!now.isBefore(deadline)) {
      return null;
    }
    // 30 s · 2^(failures-1), capped: the shift stops growing long before it could overflow.
    Duration delay = FIRST_DELAY.multipliedBy(1L << Math.min(failures - 1, 20));
    if (delay.compareTo(MAX_DELAY) > 0) {
      delay = MAX_DELAY;
    }
    Instant next = now.plus(delay);
    // The last try is at the deadline, not an hour past it.
    return next.isAfter(deadline) ? deadline : next;
  }
}
