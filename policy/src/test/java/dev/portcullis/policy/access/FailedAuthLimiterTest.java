package dev.portcullis.policy.access;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.policy.testing.FakeTicker;
import dev.portcullis.policy.token.TokenDigest;
import dev.portcullis.policy.token.TokenFormat;
import dev.portcullis.policy.token.TokenKind;
import java.security.SecureRandom;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * The failed-authentication limiter on a fake ticker: when an address or a token digest is blocked,
 * for how long, what the 429 says, what a success resets, and the settings it refuses.
 */
class FailedAuthLimiterTest {
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Duration WINDOW = Duration.ofMinutes(5);
  private static final String ADDRESS = "192.0.2.10";
  private static final String OTHER_ADDRESS = "198.51.100.7";

  private final FakeTicker ticker = new FakeTicker();
  private final FailedAuthLimiter limiter =
      new FailedAuthLimiter(new FailedAuthLimiter.Settings(3, WINDOW, 1000), ticker);

  private static TokenDigest digest() {
    return TokenDigest.of(TokenFormat.generate(TokenKind.CLASSIC, RANDOM));
  }

  private void fail(String address, TokenDigest digest, int times) {
    for (int i = 0; i < times; i++) {
      limiter.failure(address, digest);
    }
  }

  // ---------------------------------------------------------------- addresses

  @Test
  void anAddressIsBlockedOnceItReachesMaxFailures() {
    fail(ADDRESS, null, 2);
    assertNull(limiter.addressRefusal(ADDRESS), "two failures of three allowed");
    limiter.failure(ADDRESS, null);
    assertTrue(limiter.addressBlocked(ADDRESS));
    assertEquals(
        "Too many failed authentication attempts from 192.0.2.10: this address is temporarily"
            + " blocked. Try again in 300 seconds.",
        limiter.addressRefusal(ADDRESS));
    assertNull(limiter.addressRefusal(OTHER_ADDRESS), "other addresses are not blocked");
  }

  @Test
  void anAddressIsFreeAgainWhenTheWindowEnds() {
    fail(ADDRESS, null, 3);
    ticker.advance(WINDOW.minusSeconds(1));
    assertTrue(limiter.addressBlocked(ADDRESS), "still inside the window");
    ticker.advance(Duration.ofSeconds(1));
    assertFalse(limiter.addressBlocked(ADDRESS), "the window has ended");
    assertNull(limiter.addressRefusal(ADDRESS));
    fail(ADDRESS, null, 2);
    assertFalse(limiter.addressBlocked(ADDRESS), "the count started again from zero");
  }

  @Test
  void failuresSpreadOverMoreThanAWindowDoNotAddUp() {
    fail(ADDRESS, null, 2);
    ticker.advance(WINDOW);
    limiter.failure(ADDRESS, null);
    assertFalse(limiter.addressBlocked(ADDRESS), "the first two failures have expired");
  }

  @Test
  void eachFailureRestartsTheWindow() {
    limiter.failure(ADDRESS, null);
    ticker.advance(WINDOW.minusSeconds(10));
    limiter.failure(ADDRESS, null);
    ticker.advance(WINDOW.minusSeconds(10));
    limiter.failure(ADDRESS, null);
    assertTrue(
        limiter.addressBlocked(ADDRESS), "three failures, each within a window of the one before");
    ticker.advance(WINDOW.minusSeconds(1));
    assertTrue(limiter.addressBlocked(ADDRESS), "the block lasts a window from the last failure");
    ticker.advance(Duration.ofSeconds(1));
    assertFalse(limiter.addressBlocked(ADDRESS));
  }

  @Test
  void aSuccessResetsTheAddressCount() {
    fail(ADDRESS, null, 2);
    limiter.success(ADDRESS);
    fail(ADDRESS, null, 2);
    assertFalse(limiter.addressBlocked(ADDRESS), "two failures since the success");
    limiter.failure(ADDRESS, null);
    assertTrue(limiter.addressBlocked(ADDRESS), "the third failure since the success blocks");
  }

  @Test
  void aSuccessFromAnotherAddressResetsNothing() {
    fail(ADDRESS, null, 2);
    limiter.success(OTHER_ADDRESS);
    limiter.failure(ADDRESS, null);
    assertTrue(limiter.addressBlocked(ADDRESS));
  }

  // ---------------------------------------------------------------- token digests

  @Test
  void aDigestIsBlockedAfterMaxFailuresFromAnyAddresses() {
    TokenDigest d = digest();
    limiter.failure("203.0.113.1", d);
    limiter.failure("203.0.113.2", d);
    assertNull(limiter.tokenRefusal(d));
    limiter.failure("203.0.113.3", d);
    assertEquals(
        "Too many failed authentication attempts with this token: it is temporarily blocked."
            + " Try again in 300 seconds.",
        limiter.tokenRefusal(d));
    assertNull(limiter.tokenRefusal(digest()), "another token is not blocked");
    assertNull(limiter.addressRefusal("203.0.113.1"), "no address failed three times");
  }

  @Test
  void aDigestIsFreeAgainWhenTheWindowEnds() {
    TokenDigest d = digest();
    fail(ADDRESS, d, 3);
    ticker.advance(WINDOW.minusSeconds(1));
    assertTrue(limiter.digestBlocked(d));
    ticker.advance(Duration.ofSeconds(1));
    assertFalse(limiter.digestBlocked(d));
    assertNull(limiter.tokenRefusal(d));
  }

  @Test
  void aSuccessFromTheAddressLeavesTheDigestCount() {
    TokenDigest d = digest();
    fail(ADDRESS, d, 2);
    limiter.success(ADDRESS);
    limiter.failure(OTHER_ADDRESS, d);
    assertTrue(limiter.digestBlocked(d), "success resets the address only");
    assertFalse(limiter.addressBlocked(ADDRESS));
  }

  @Test
  void failuresWithoutADigestCountForTheAddressOnly() {
    fail(ADDRESS, null, 3);
    assertTrue(limiter.addressBlocked(ADDRESS));
    assertNull(limiter.tokenRefusal(null), "no digest, no token refusal");
  }

  // ---------------------------------------------------------------- settings

  @Test
  void maxFailuresZeroSwitchesTheLimiterOff() {
    FailedAuthLimiter off =
        new FailedAuthLimiter(new FailedAuthLimiter.Settings(0, WINDOW, 1000), ticker);
    TokenDigest d = digest();
    for (int i = 0; i < 1000; i++) {
      off.failure(ADDRESS, d);
    }
    assertNull(off.addressRefusal(ADDRESS));
    assertNull(off.tokenRefusal(d));
    assertFalse(off.addressBlocked(ADDRESS));
    assertFalse(off.digestBlocked(d));
  }

  @Test
  void retryAfterIsTheWindowInWholeSecondsAndAtLeastOne() {
    assertEquals(300, limiter.retryAfterSeconds());
    FailedAuthLimiter subSecond =
        new FailedAuthLimiter(
            new FailedAuthLimiter.Settings(1, Duration.ofMillis(500), 1000), ticker);
    assertEquals(1, subSecond.retryAfterSeconds());
    subSecond.failure(ADDRESS, null);
    assertTrue(
        subSecond.addressRefusal(ADDRESS).endsWith("Try again in 1 seconds."),
        subSecond.addressRefusal(ADDRESS));
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
    assertEquals(limiter.settings(), new FailedAuthLimiter.Settings(3, WINDOW, 1000));
  }

  @Test
  void theDefaultsAreFiftyFailuresInFiveMinutes() {
    FailedAuthLimiter defaults = new FailedAuthLimiter(FailedAuthLimiter.Settings.DEFAULT, ticker);
    for (int i = 0; i < 49; i++) {
      defaults.failure(ADDRESS, null);
    }
    assertNull(defaults.addressRefusal(ADDRESS));
    defaults.failure(ADDRESS, null);
    assertTrue(defaults.addressBlocked(ADDRESS));
    assertEquals(300, defaults.retryAfterSeconds());
  }
}
