package dev.portcullis.policy.access;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.portcullis.policy.token.TokenDigest;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Counts failed authentications per client address and per token digest within a window and blocks
 * a key that passed the limit until the window ends. A success from an address resets its count.
 * Bounded in memory: Caffeine evicts the oldest keys past {@code maximumKeys}.
 *
 * <p>Callers never count git's first, credential-less request (it is how git learns to send
 * credentials), only requests whose credentials were refused.
 */
public final class FailedAuthLimiter {
  /** Limits; {@code maxFailures} of 0 switches the limiter off. */
  public record Settings(int maxFailures, Duration window, long maximumKeys) {
    public static final Settings DEFAULT = new Settings(50, Duration.ofMinutes(5), 100_000);

    public Settings {
      if (maxFailures < 0) {
        throw new IllegalArgumentException("max failures must be 0 (off) or more");
      }
      if (window.isNegative() || window.isZero()) {
        throw new IllegalArgumentException("the failure window must be positive");
      }
      if (maximumKeys < 1) {
        throw new IllegalArgumentException("the limiter needs room for at least one key");
      }
    }
  }

  private final Settings settings;
  private final Cache<String, AtomicInteger> byAddress;
  private final Cache<TokenDigest, AtomicInteger> byDigest;

  public FailedAuthLimiter(Settings settings, Ticker ticker) {
    this.settings = settings;
    this.byAddress =
        Caffeine.newBuilder()
            .maximumSize(settings.maximumKeys())
            .expireAfterWrite(settings.window())
            .ticker(ticker)
            .build();
    this.byDigest =
        Caffeine.newBuilder()
            .maximumSize(settings.maximumKeys())
            .expireAfterWrite(settings.window())
            .ticker(ticker)
            .build();
  }

  public Settings settings() {
    return settings;
  }

  /**
   * The 429 message for a request from {@code address} while the address is blocked, or {@code
   * null} when it is not: git and the API say the same.
   */
  public String addressRefusal(String address) {
    return addressBlocked(address)
        ? "Too many failed authentication attempts from "
            + address
            + ": this address is temporarily blocked. Try again in "
            + retryAfterSeconds()
            + " seconds."
        : null;
  }

  /** The 429 message for a token while it is blocked, or {@code null} when it is not. */
  public String tokenRefusal(TokenDigest digest) {
    return digestBlocked(digest)
        ? "Too many failed authentication attempts with this token: it is temporarily blocked. Try again in "
            + retryAfterSeconds()
            + " seconds."
        : null;
  }

  /** Whether requests from {@code address} are blocked now. */
  boolean addressBlocked(String address) {
    if (settings.maxFailures() == 0) {
      return false;
    }
    AtomicInteger n = byAddress.getIfPresent(address);
    return n != null && n.get() >= settings.maxFailures();
  }

  /** Whether a token digest is blocked now ({@code digest} may be null). */
  boolean digestBlocked(TokenDigest digest) {
    if (settings.maxFailures() == 0 || digest == null) {
      return false;
    }
    AtomicInteger n = byDigest.getIfPresent(digest);
    return n != null && n.get() >= settings.maxFailures();
  }

  /**
   * Counts a refused credential. The window restarts with each failure, so a key keeps being
   * blocked while it keeps failing.
   */
  public void failure(String address, TokenDigest digest) {
    if (settings.maxFailures() == 0) {
      return;
    }
    byAddress
        .asMap()
        .compute(
            address,
            (k, v) -> {
              AtomicInteger n = v == null ? new AtomicInteger() : v;
              n.incrementAndGet();
              return n;
            });
    if (digest != null) {
      byDigest
          .asMap()
          .compute(
              digest,
              (k, v) -> {
                AtomicInteger n = v == null ? new AtomicInteger() : v;
                n.incrementAndGet();
                return n;
              });
    }
  }

  /** A valid credential from {@code address}: its count starts again. */
  public void success(String address) {
    if (settings.maxFailures() != 0 && byAddress.getIfPresent(address) != null) {
      byAddress.invalidate(address);
    }
  }

  /** Seconds a blocked key should wait, for {@code Retry-After}. */
  public long retryAfterSeconds() {
    return Math.max(1, settings.window().toSeconds());
  }
}
