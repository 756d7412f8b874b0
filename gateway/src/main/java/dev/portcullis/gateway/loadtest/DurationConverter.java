package dev.portcullis.gateway.loadtest;

import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import picocli.CommandLine;

/**
 * Parses durations the way operators write them: {@code 500ms}, {@code 30s}, {@code 5m}, {@code
 * 1h}, a bare number of seconds, or ISO-8601 ({@code PT30S}).
 */
public final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
  @Override
  public Duration convert(String value) {
    try {
      return parse(value);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.TypeConversionException(e.getMessage());
    }
  }

  /**
   * The duration {@code value} names; throws {@link IllegalArgumentException} naming it otherwise.
   */
  static Duration parse(String value) {
    String v = value == null ? "" : value.strip().toLowerCase(Locale.ROOT);
    try {
      if (v.startsWith("pt") || v.startsWith("p")) {
        return Duration.parse(v.toUpperCase(Locale.ROOT));
      }
      if (v.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2).strip()));
      }
      long unit =
          switch (v.isEmpty() ? ' ' : v.charAt(v.length() - 1)) {
            case 's' -> 1_000;
            case 'm' -> 60_000;
            case 'h' -> 3_600_000;
            default -> 0;
          };
      String number = unit == 0 ? v : v.substring(0, v.length() - 1).strip();
      double amount = Double.parseDouble(number);
      if (!Double.isFinite(amount)) {
        throw new NumberFormatException();
      }
      return Duration.ofMillis(Math.round(amount * (unit == 0 ? 1_000 : unit)));
    } catch (NumberFormatException | DateTimeParseException e) {
      throw new IllegalArgumentException(
          "'" + value + "' is not a duration such as 500ms, 30s, 5m or 1h");
    }
  }
}
