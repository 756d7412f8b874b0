package dev.portcullis.policy.access;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.portcullis.policy.token.TokenDigest;
import java.time.Duration;
import java.util.Arrays;

/**
 * Counts refused credentials per client address and per token digest (per login for the console's
 * sign-in) over a sliding window, and answers a refused credential with a 429 message once its
 * address, token or login is past the limit.
 *
 * <p>Only refusals count and only refusals are answered: a valid credential from a blocked address
 * goes through, and so does a request without credentials (git's first request, anonymous reads of
 * public repositories); callers never count those. A success erases nothing: each failure counts
 * for the window (to within a tenth of it: the window is kept as ten buckets) and then expires on
 * its own, so failures spread between successes add up.
 *
 * <p>Bounded in memory: ten counters per key, and Caffeine evicts the oldest keys past {@code
 * maximumKeys} and every key whose last failure is older than the window.
 */
public final class FailedAuthLimiter {
  /**
   * Slices of the window; a failure counts for at least 9/10 of the window and at most all of it.
   */
  static final int BUCKETS = 10;

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
  private final Ticker ticker;
  private final long bucketNanos;
  private final Cache<String, Window> byAddress;
  private final Cache<TokenDigest, Window> byDigest;
  private final Cache<String, Window> byLogin;

  public FailedAuthLimiter(Settings settings, Ticker ticker) {
    this.settings = settings;
    this.ticker = ticker;
    this.bucketNanos = Math.max(1, settings.window().toNanos() / BUCKETS);
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
    this.byLogin =
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
   * Counts a refused credential from {@code address} ({@code digest}: the token's, when one was
   * found, else null) and returns the 429 message when the address or the token now has more than
   * {@code maxFailures} failures within the window, or {@code null} when the refusal stays a 401.
   * Git and the API say the same.
   */
  public String failure(String address, TokenDigest digest) {
    if (settings.maxFailures() == 0) {
      return null;
    }
    long bucket = Math.floorDiv(ticker.read(), bucketNanos);
    boolean addressBlocked = count(byAddress, address, bucket) > settings.maxFailures();
    boolean digestBlocked =
        digest != null && count(byDigest, digest, bucket) > settings.maxFailures();
    if (addressBlocked) {
      return addressMessage(address);
    }
    if (digestBlocked) {
      return "Too many failed authentication attempts with this token: it is temporarily blocked. Try again in "
          + retryAfterSeconds()
          + " seconds.";
    }
    return null;
  }

  /**
   * The 429 message when {@code address} or {@code login} is already past the limit, else null.
   * Unlike a token, a password can be guessed: the console asks this before checking a password, so
   * a blocked address or login learns nothing, not even whether its next guess was right. Counts
   * nothing.
   */
  public String signInBlocked(String address, String login) {
    if (settings.maxFailures() == 0) {
      return null;
    }
    long bucket = Math.floorDiv(ticker.read(), bucketNanos);
    if (total(byAddress, address, bucket) > settings.maxFailures()) {
      return addressMessage(address);
    }
    if (total(byLogin, loginKey(login), bucket) > settings.maxFailures()) {
      return loginMessage();
    }
    return null;
  }

  /**
   * Counts a refused console sign-in from {@code address} for {@code login} (whether or not such a
   * user exists) and returns the 429 message when either is now past the limit, else null.
   */
  public String signInFailure(String address, String login) {
    if (settings.maxFailures() == 0) {
      return null;
    }
    long bucket = Math.floorDiv(ticker.read(), bucketNanos);
    boolean addressBlocked = count(byAddress, address, bucket) > settings.maxFailures();
    boolean loginBlocked = count(byLogin, loginKey(login), bucket) > settings.maxFailures();
    if (addressBlocked) {
      return addressMessage(address);
    }
    return loginBlocked ? loginMessage() : null;
  }

  private static String loginKey(String login) {
    return login == null ? "" : login.toLowerCase(java.util.Locale.ROOT);
  }

  private String addressMessage(String address) {
    return "Too many failed authentication attempts from "
        + address
        + ": this address is temporarily blocked. Try again in "
        + retryAfterSeconds()
        + " seconds.";
  }

  private String loginMessage() {
    return "Too many failed sign-in attempts for this account: it is temporarily blocked. Try again in "
        + retryAfterSeconds()
        + " seconds.";
  }

  /** The failures within {@code key}'s window as of {@code bucket}, adding none. */
  private static <K> int total(Cache<K, Window> cache, K key, long bucket) {
    Window w = cache.getIfPresent(key);
    return w == null ? 0 : w.sum(bucket);
  }

  /** Adds one failure to {@code key}'s window and returns the failures within it. */
  private static <K> int count(Cache<K, Window> cache, K key, long bucket) {
    int[] total = new int[1];
    cache
        .asMap()
        .compute(
            key,
            (k, w) -> {
              Window window = w == null ? new Window(bucket) : w;
              total[0] = window.add(bucket);
              return window;
            });
    return total[0];
  }

  /**
   * Seconds a blocked key should wait, for {@code Retry-After}: after a whole window without
   * failures, none of its failures counts any more.
   */
  public long retryAfterSeconds() {
    return Math.max(1, settings.window().toSeconds());
  }

  /** Keys held now (tests: memory stays bounded). */
  long keys() {
    byAddress.cleanUp();
    byDigest.cleanUp();
    byLogin.cleanUp();
    return byAddress.estimatedSize() + byDigest.estimatedSize() + byLogin.estimatedSize();
  }

  /**
   * One key's failures in {@link #BUCKETS} slices of the window: slot {@code i % BUCKETS} holds
   * bucket {@code i} for the last {@code BUCKETS} buckets up to {@code newest}. Written inside the
   * cache's per-key {@code compute}; synchronized so that a read outside it sees whole updates.
   */
  private static final class Window {
    private final int[] counts = new int[BUCKETS];
    private long newest;

    Window(long bucket) {
      this.newest = bucket;
    }

    /** The failures within the window as of {@code bucket}, changing nothing. */
    synchronized int sum(long bucket) {
      long sum = 0;
      for (long b = Math.max(newest - BUCKETS + 1, bucket - BUCKETS + 1); b <= newest; b++) {
        sum += counts[slot(b)];
      }
      return (int) Math.min(Integer.MAX_VALUE, sum);
    }

    synchronized int add(long bucket) {
      if (bucket > newest) {
        if (bucket - newest >= BUCKETS) {
          Arrays.fill(counts, 0);
        } else {
          for (long b = newest + 1; b <= bucket; b++) {
            counts[slot(b)] = 0;
          }
        }
        newest = bucket;
      }
      int slot = slot(newest);
      if (counts[slot] < Integer.MAX_VALUE) {
        counts[slot]++;
      }
      long sum = 0;
      for (int c : counts) {
        sum += c;
      }
      return (int) Math.min(Integer.MAX_VALUE, sum);
    }

    private static int slot(long bucket) {
      return (int) Math.floorMod(bucket, (long) BUCKETS);
    }
  }
}
