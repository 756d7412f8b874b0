package dev.portcullis.gateway.api;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A raw query string, parsed the way GitHub clients send it: arrays as {@code a=x,y} (Octokit),
 * {@code a[]=x&a[]=y} or repeated {@code a=x&a=y}. Bad values are 422s naming the parameter.
 */
final class QueryParams {
  private final Map<String, List<String>> values = new LinkedHashMap<>();

  QueryParams(String raw) {
    if (raw == null || raw.isEmpty()) {
      return;
    }
    for (String pair : raw.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String k = decode(eq < 0 ? pair : pair.substring(0, eq));
      String v = eq < 0 ? "" : decode(pair.substring(eq + 1));
      if (k.endsWith("[]")) {
        k = k.substring(0, k.length() - 2);
      }
      values.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
    }
  }

  private static String decode(String s) {
    String d;
    try {
      d = URLDecoder.decode(s, StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new ApiException(400, "Malformed percent-encoding in the query string");
    }
    for (int i = 0; i < d.length(); i++) {
      if (Character.isISOControl(d.charAt(i))) {
        throw new ApiException(400, "Control characters are not allowed in the query string");
      }
    }
    return d;
  }

  private static ApiException invalid(String name, String message) {
    return ApiException.invalid("Query", name, "invalid", message);
  }

  /** The single value of {@code name}, or null. */
  String single(String name) {
    List<String> v = values.get(name);
    if (v == null) {
      return null;
    }
    if (v.size() > 1) {
      throw invalid(name, name + " may be given once");
    }
    return v.get(0);
  }

  int integer(String name, int dflt, int min) {
    String s = single(name);
    if (s == null) {
      return dflt;
    }
    try {
      int v = Integer.parseInt(s);
      if (v < min) {
        throw invalid(name, name + " must be at least " + min + ", not " + v);
      }
      return v;
    } catch (NumberFormatException e) {
      throw invalid(name, name + " must be an integer, not '" + s + "'");
    }
  }

  /** {@code per_page}: default 30; above 100 is clamped to 100 as GitHub does. */
  int perPage() {
    return Math.min(100, integer("per_page", 30, 1));
  }

  int page() {
    return integer("page", 1, 1);
  }

  /** {@code page}, with anything invalid taken as the default. */
  int lenientPage() {
    try {
      return page();
    } catch (ApiException e) {
      return 1;
    }
  }

  /** {@code per_page}, with anything invalid taken as the default. */
  int lenientPerPage() {
    try {
      return perPage();
    } catch (ApiException e) {
      return 30;
    }
  }

  /** An array parameter in any of the three forms, or null when absent. */
  List<String> array(String name, int maxItems) {
    List<String> raw = values.get(name);
    if (raw == null) {
      return null;
    }
    List<String> out = new ArrayList<>();
    for (String v : raw) {
      for (String part : v.split(",")) {
        String p = part.strip();
        if (!p.isEmpty()) {
          out.add(p);
        }
      }
    }
    if (out.size() > maxItems) {
      throw invalid(name, name + " takes at most " + maxItems + " values, not " + out.size());
    }
    return out;
  }

  List<Long> longArray(String name, int maxItems) {
    List<String> s = array(name, maxItems);
    if (s == null) {
      return null;
    }
    List<Long> out = new ArrayList<>();
    for (String v : s) {
      try {
        out.add(Long.parseLong(v));
      } catch (NumberFormatException e) {
        throw invalid(name, name + " values must be integers, not '" + v + "'");
      }
    }
    return out;
  }

  Instant dateTime(String name) {
    String s = single(name);
    if (s == null) {
      return null;
    }
    try {
      return OffsetDateTime.parse(s).toInstant();
    } catch (DateTimeParseException e) {
      throw invalid(
          name,
          name + " must be an ISO 8601 date-time such as 2026-01-31T12:00:00Z, not '" + s + "'");
    }
  }

  String oneOf(String name, String dflt, String... allowed) {
    String s = single(name);
    if (s == null) {
      return dflt;
    }
    for (String a : allowed) {
      if (a.equals(s)) {
        return s;
      }
    }
    throw invalid(
        name, name + " must be one of " + String.join(", ", allowed) + ", not '" + s + "'");
  }
}
