package dev.portcullis.policy.model;

/**
 * The bounds of a token lifetime in days, shared by {@code expires_in} and the max-lifetime
 * policies.
 */
public final class MaxLifetime {
  public static final int MIN_DAYS = 1;
  public static final int MAX_DAYS = 366;

  private MaxLifetime() {}

  static void check(Integer days, String field) {
    if (days != null && (days < MIN_DAYS || days > MAX_DAYS)) {
      throw new IllegalArgumentException(field + " must be null or 1–366, not " + days);
    }
  }

  /** The stricter of two optional limits (null = none). */
  static Integer stricter(Integer a, Integer b) {
    if (a == null) {
      return b;
    }
    if (b == null) {
      return a;
    }
    return Math.min(a, b);
  }
}
