package dev.portcullis.policy.access;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.policy.testing.FakeTicker;
import dev.portcullis.policy.token.TokenDigest;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The limiter's rules, on a ticker the test advances (no test here waits for time to pass). */
class FailedAuthLimiterTest {
  private static final Duration WINDOW = Duration.ofSeconds(100);
  private final FakeTicker ticker = new FakeTicker();
  private final FailedAuthLimiter limiter =
      new FailedAuthLimiter(new FailedAuthLimiter.Settings(5, WINDOW, 1000), ticker);

  /** {@code n} failures from {@code address}; returns the last answer. */
  private String fail(String address, int n) {
    String last = null;
    for (int i = 0; i < n; i++) {
      last = limiter.failure(address, null);
    }
    return last;
  }

  @Test
  void theFailurePastTheLimitIsRefusedWithTheAddressAndTheWait() {
    assertNull(fail("192.0.2.1", 5), "5 failures are allowed");
    assertEquals(
        "Too many failed authentication attempts from 192.0.2.1: this address is temporarily"
            + " blocked. Try again in 100 seconds.",
        limiter.failure("192.0.2.1", null));
    assertEquals(100, limiter.retryAfterSeconds());
    // Further failures stay refused, and another address is not affected.
    assertNotNull(limiter.failure("192.0.2.1", null));
    assertNull(limiter.failure("192.0.2.2", null));
  }

  @Test
  void failuresSpreadBetweenSuccessesAddUp() {
    // The review's case: rounds of (limit - 1) failures, each followed by a success (which the
    // limiter is not even told about): the second round passes the limit.
    assertNull(fail("192.0.2.3", 4));
    ticker.advance(Duration.ofSeconds(10));
    assertNull(limiter.failure("192.0.2.3", null), "the 5th failure is still allowed");
    assertNotNull(limiter.failure("192.0.2.3", null), "the 6th within the window is refused");
  }

  @Test
  void eachFailureExpiresOnItsOwnAfterTheWindow() {
    assertNull(fail("192.0.2.4", 3)); // t = 0
    ticker.advance(Duration.ofSeconds(50));
    assertNull(fail("192.0.2.4", 2)); // t = 50: 5 within the window
    ticker.advance(Duration.ofSeconds(49));
    assertNotNull(limiter.failure("192.0.2.4", null), "t = 99: all 6 count");
    ticker.advance(Duration.ofSeconds(1));
    // t = 100: the three of t = 0 expired; those of t = 50 and 99 (the refused one too) count.
    assertNull(limiter.failure("192.0.2.4", null), "t = 100: 4 within the window");
    assertNull(limiter.failure("192.0.2.4", null), "t = 100: 5 within the window");
    assertNotNull(limiter.failure("192.0.2.4", null), "t = 100: 6 within the window");
    ticker.advance(Duration.ofSeconds(100));
    assertNull(limiter.failure("192.0.2.4", null), "a whole window later nothing counts");
  }

  @Test
  void aFailureCountsForAtLeastNineTenthsOfTheWindow() {
    ticker.advance(Duration.ofMillis(9_999)); // the end of a bucket: the worst case
    assertNull(fail("192.0.2.5", 5));
    ticker.advance(Duration.ofSeconds(90));
    assertNotNull(limiter.failure("192.0.2.5", null), "90 s later the five still count");
  }

  @Test
  void aTokenIsLimitedOnItsOwnFromEveryAddress() {
    TokenDigest digest = TokenDigest.of("pcc_" + "B".repeat(38));
    for (int i = 0; i < 5; i++) {
      assertNull(limiter.failure("198.51.100." + i, digest));
    }
    assertEquals(
        "Too many failed authentication attempts with this token: it is temporarily blocked. Try"
            + " again in 100 seconds.",
        limiter.failure("198.51.100.9", digest));
    // The address that made the sixth attempt is not blocked itself; another token is not either.
    assertNull(limiter.failure("198.51.100.9", TokenDigest.of("pcc_" + "C".repeat(38))));
  }

  @Test
  void maxFailuresZeroSwitchesItOff() {
    FailedAuthLimiter off =
        new FailedAuthLimiter(new FailedAuthLimiter.Settings(0, WINDOW, 10), ticker);
    for (int i = 0; i < 1000; i++) {
      assertNull(off.failure("192.0.2.6", null));
    }
    assertEquals(0, off.keys());
  }

  @Test
  void memoryStaysBounded() {
    FailedAuthLimiter small =
        new FailedAuthLimiter(new FailedAuthLimiter.Settings(5, WINDOW, 50), ticker);
    for (int i = 0; i < 5_000; i++) {
      small.failure("10.0." + (i / 256) + "." + (i % 256), null);
    }
    assertTrue(small.keys() <= 50, () -> "keys: " + small.keys());
    ticker.advance(WINDOW);
    assertEquals(0, small.keys(), "keys expire a window after their last failure");
  }

  @Test
  void settingsRefuseNegativeFailuresANonPositiveWindowAndNoRoom() {
    assertThrows(
        IllegalArgumentException.class,
        () -> new FailedAuthLimiter.Settings(-1, WINDOW, 1000),
        "negative max failures");
    assertThrows(
        IllegalArgumentException.class,
        () -> new FailedAuthLimiter.Settings(5, Duration.ZERO, 1000),
        "zero window");
    assertThrows(
        IllegalArgumentException.class,
        () -> new FailedAuthLimiter.Settings(5, Duration.ofSeconds(-1), 1000),
        "negative window");
    assertThrows(
        IllegalArgumentException.class,
        () -> new FailedAuthLimiter.Settings(5, WINDOW, 0),
        "no room for a key");
    FailedAuthLimiter.Settings smallest = new FailedAuthLimiter.Settings(0, Duration.ofNanos(1), 1);
    assertEquals(0, smallest.maxFailures());
  }
}
