package dev.portcullis.gateway.console;

import jakarta.servlet.http.HttpServletRequest;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * The filters and page of an owner's listing, as its URL carries them, so that a filtered view can
 * be bookmarked and a form posted from it returns to it. Empty filters are null.
 *
 * @param lastUsedBefore {@code yyyy-mm-dd} (grants only)
 * @param lastUsedAfter {@code yyyy-mm-dd} (grants only)
 */
public record ListingFilters(
    String owner,
    String repository,
    String permission,
    String lastUsedBefore,
    String lastUsedAfter,
    int page) {

  static ListingFilters of(HttpServletRequest req) {
    int page;
    try {
      page = Math.max(1, Integer.parseInt(String.valueOf(req.getParameter("page"))));
    } catch (NumberFormatException e) {
      page = 1;
    }
    return new ListingFilters(
        value(req, "owner"),
        value(req, "repository"),
        value(req, "permission"),
        value(req, "last_used_before"),
        value(req, "last_used_after"),
        page);
  }

  private static String value(HttpServletRequest req, String name) {
    String v = req.getQueryString() == null ? null : req.getParameter(name);
    return v == null || v.isBlank() ? null : v.strip();
  }

  /** The query string of this view on another page ({@code ?…}, or empty). */
  public String query(int otherPage) {
    List<String> q = new ArrayList<>();
    add(q, "owner", owner);
    add(q, "repository", repository);
    add(q, "permission", permission);
    add(q, "last_used_before", lastUsedBefore);
    add(q, "last_used_after", lastUsedAfter);
    if (otherPage > 1) {
      q.add("page=" + otherPage);
    }
    return q.isEmpty() ? "" : "?" + String.join("&", q);
  }

  private static void add(List<String> q, String name, String value) {
    if (value != null) {
      q.add(name + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8));
    }
  }

  /** Whether any filter is set. */
  public boolean filtered() {
    return owner != null
        || repository != null
        || permission != null
        || lastUsedBefore != null
        || lastUsedAfter != null;
  }

  /** A date filter as the start of that day (UTC); an unparsable one throws. */
  static Instant day(String yyyyMmDd) {
    if (yyyyMmDd == null) {
      return null;
    }
    return LocalDate.parse(yyyyMmDd).atStartOfDay(ZoneOffset.UTC).toInstant();
  }

  /** Whether the date filters, when set, are dates. */
  boolean datesValid() {
    try {
      day(lastUsedBefore);
      day(lastUsedAfter);
      return true;
    } catch (DateTimeParseException e) {
      return false;
    }
  }
}
