package dev.portcullis.gateway.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** {@code %isoTime} writes exactly what {@code %d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX}} would. */
class IsoTimestampConverterTest {
  private static final String PATTERN = "yyyy-MM-dd'T'HH:mm:ss.SSSXXX";

  private static void sameAsLogbackPattern(ZoneId zone, long... millis) {
    IsoTimestampConverter converter = new IsoTimestampConverter(zone);
    DateTimeFormatter expected = DateTimeFormatter.ofPattern(PATTERN).withZone(zone);
    for (long m : millis) {
      assertEquals(expected.format(Instant.ofEpochMilli(m)), converter.format(m), zone + " " + m);
    }
  }

  @Test
  void utcWithEveryWidthOfMilliseconds() {
    long base = Instant.parse("2026-12-06T04:04:17Z").toEpochMilli();
    sameAsLogbackPattern(ZoneId.of("UTC"), base, base + 7, base + 42, base + 930, base + 999);
    assertEquals(
        "2026-12-06T04:04:17.007Z", new IsoTimestampConverter(ZoneId.of("UTC")).format(base + 7));
  }

  @Test
  void offsetsAcrossDaylightSavingChangesAndSecondsGoingBack() {
    ZoneId berlin = ZoneId.of("Europe/Berlin");
    long change = Instant.parse("2026-03-29T01:00:00Z").toEpochMilli();
    sameAsLogbackPattern(berlin, change - 1, change, change + 1, change - 1001, change + 3_600_000);
    sameAsLogbackPattern(ZoneId.of("Asia/Kolkata"), 0L, -1L, -999L, 1_000L);
  }

  @Test
  void randomTimesInOneConverter() {
    SplittableRandom random = new SplittableRandom(7);
    long[] times = new long[10_000];
    long t = Instant.parse("2026-01-01T00:00:00Z").toEpochMilli();
    for (int i = 0; i < times.length; i++) {
      t += random.nextInt(-500, 2_000);
      times[i] = t;
    }
    sameAsLogbackPattern(ZoneId.of("America/New_York"), times);
  }
}
