package dev.portcullis.policy.admin;

import java.time.Duration;

/**
 * How long a console session lasts: it ends after {@code idleTimeout} without a request, and in any
 * case {@code absoluteTimeout} after sign-in.
 */
public record SessionSettings(Duration idleTimeout, Duration absoluteTimeout) {
  public static final SessionSettings DEFAULT =
      new SessionSettings(Duration.ofHours(8), Duration.ofDays(14));

  public SessionSettings {
    if (idleTimeout == null || idleTimeout.isNegative() || idleTimeout.isZero()) {
      throw new IllegalArgumentException("the session idle timeout must be positive");
    }
    if (absoluteTimeout == null || absoluteTimeout.compareTo(idleTimeout) < 0) {
      throw new IllegalArgumentException(
          "the session's absolute timeout must be at least its idle timeout");
    }
  }
}
