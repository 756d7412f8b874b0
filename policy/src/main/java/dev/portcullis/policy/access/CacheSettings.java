package dev.portcullis.policy.access;

import java.time.Duration;

/**
 * Sizes and lifetime of the decision-input caches. Expiry is a backstop only: every write that
 * changes an input invalidates its entries at once.
 *
 * @param maximumTokens token-by-digest entries (known and unknown digests)
 * @param maximumEntries entries of each other cache (users, organizations, repositories,
 *     memberships…)
 * @param expireAfterWrite the longest any entry lives (default 5 minutes: a backstop for changes
 *     made around the gateway, such as SQL run against the store; with 10,000 active tokens, 30 s
 *     meant over 600 reloads a second)
 */
public record CacheSettings(long maximumTokens, long maximumEntries, Duration expireAfterWrite) {
  public static final CacheSettings DEFAULT =
      new CacheSettings(200_000, 50_000, Duration.ofMinutes(5));

  public CacheSettings {
    if (maximumTokens < 1 || maximumEntries < 1) {
      throw new IllegalArgumentException("cache sizes must be positive");
    }
    if (expireAfterWrite.isNegative()
        || expireAfterWrite.isZero()
        || expireAfterWrite.compareTo(Duration.ofHours(1)) > 0) {
      throw new IllegalArgumentException(
          "cache expiry must be between 1 ms and 1 h, not " + expireAfterWrite);
    }
  }
}
