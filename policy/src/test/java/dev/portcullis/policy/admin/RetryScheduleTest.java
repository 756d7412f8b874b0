package dev.portcullis.policy.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The backoff of failed notifications, computed from given times (no clock, no sleep). */
class RetryScheduleTest {
  private static final Instant CREATED = Instant.parse("2025-03-01T10:00:00Z");

  @ParameterizedTest(name = "failure {0} at +{1}s: next in {2}s")
  @CsvSource({
    "1, 0, 30",
    "2, 30, 60",
    "3, 90, 120",
    "4, 210, 240",
    "7, 1000, 1920",
    "8, 3000, 3600",
    "30, 40000, 3600",
    // The last try is at the 24 h deadline, not past it.
    "25, 84000, 2400",
  })
  void exponentialFromThirtySecondsCappedAtAnHour(int failures, long atSeconds, long delaySeconds) {
    Instant now = CREATED.plusSeconds(atSeconds);
    assertEquals(
        now.plusSeconds(delaySeconds), RetrySchedule.next(CREATED, failures, now), "next attempt");
  }

  @ParameterizedTest(name = "failure at +{0}s is given up")
  @CsvSource({"86400", "86401", "200000"})
  void givenUpTwentyFourHoursAfterCreation(long atSeconds) {
    assertNull(RetrySchedule.next(CREATED, 12, CREATED.plusSeconds(atSeconds)));
    assertEquals(Duration.ofHours(24), RetrySchedule.GIVE_UP_AFTER);
  }
}
