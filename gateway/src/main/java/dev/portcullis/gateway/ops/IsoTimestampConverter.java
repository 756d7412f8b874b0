package dev.portcullis.gateway.ops;

import ch.qos.logback.classic.pattern.ClassicConverter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;

/**
 * {@code %isoTime} in a log pattern: the event's time as ISO-8601 with milliseconds and the offset
 * of the system's zone ({@code 2026-12-06T04:04:17.930Z}), the same text as {@code
 * %d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX}}. Logback's date converter formats the whole time again for each
 * new millisecond (the fraction through {@code BigDecimal}); under load every git request's line is
 * in a millisecond of its own. This one formats the date, time and offset once per second (an
 * offset changes only on a second's boundary) and appends the milliseconds.
 */
public final class IsoTimestampConverter extends ClassicConverter {
  private static final DateTimeFormatter SECONDS =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss");
  private static final DateTimeFormatter OFFSET = DateTimeFormatter.ofPattern("XXX");

  /** The text of one second: the date and time before the fraction, and the offset after it. */
  private record Second(long epochSecond, String dateTime, String offset) {}

  private final ZoneId zone;
  private volatile Second last;

  public IsoTimestampConverter() {
    this(ZoneId.systemDefault());
  }

  IsoTimestampConverter(ZoneId zone) {
    this.zone = zone;
  }

  @Override
  public String convert(ILoggingEvent event) {
    return format(event.getTimeStamp());
  }

  String format(long epochMillis) {
    long epochSecond = Math.floorDiv(epochMillis, 1000L);
    Second s = last;
    if (s == null || s.epochSecond() != epochSecond) {
      ZonedDateTime t = Instant.ofEpochSecond(epochSecond).atZone(zone);
      s = new Second(epochSecond, SECONDS.format(t), OFFSET.format(t));
      last = s;
    }
    int millis = (int) Math.floorMod(epochMillis, 1000L);
    StringBuilder b = new StringBuilder(s.dateTime().length() + 4 + s.offset().length());
    b.append(s.dateTime()).append('.');
    if (millis < 100) {
      b.append('0');
    }
    if (millis < 10) {
      b.append('0');
    }
    return b.append(millis).append(s.offset()).toString();
  }
}
