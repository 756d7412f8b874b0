package dev.portcullis.gateway.loadtest;

import java.util.Locale;

/**
 * The one-line progress report printed every second, e.g.
 *
 * <pre>
 * [12 s] HTTP 2140 req/s | ls-remote 980 ops/s p50 1.2 ms p99 6.1 ms | clone 260 ops/s p50 5.0 ms p99 21 ms | push 130 ops/s p50 9.8 ms p99 40 ms | bad-token 160 ops/s p50 0.6 ms p99 2.9 ms | non-2xx statuses 401: 210, 403: 35 | errors 0 | tokens revoked 240 | violations 0
 * </pre>
 *
 * Rates are of the last second; latencies are that second's p50 and p99.
 */
final class Progress {
  private Progress() {}

  static String line(Stats.Second s, Revoker revoker, RevocationLedger ledger) {
    StringBuilder sb = new StringBuilder(200);
    double secs = Math.max(s.seconds(), 1e-3);
    sb.append(String.format(Locale.ROOT, "[%.0f s] HTTP %.0f req/s", s.at(), s.requests() / secs));
    for (Stats.Category c : Stats.Category.values()) {
      Stats.Point p = s.points().get(c);
      if (c == Stats.Category.REVOKED) {
        continue;
      }
      sb.append(" | ")
          .append(c.label)
          .append(' ')
          .append(String.format(Locale.ROOT, "%.0f ops/s", p.count() / secs));
      if (p.count() > 0) {
        sb.append(" p50 ").append(ms(p.p50())).append(" ms p99 ").append(ms(p.p99())).append(" ms");
      }
    }
    sb.append(" | non-2xx statuses");
    if (s.nonSuccess().isEmpty()) {
      sb.append(" none");
    }
    StringBuilder statuses = new StringBuilder();
    s.nonSuccess()
        .forEach(
            (status, n) ->
                statuses
                    .append(statuses.length() == 0 ? " " : ", ")
                    .append(status)
                    .append(": ")
                    .append(n));
    sb.append(statuses);
    sb.append(" | errors ").append(s.errors());
    if (revoker != null) {
      sb.append(" | tokens revoked ").append(revoker.succeeded());
    }
    sb.append(" | violations ").append(ledger.violations());
    return sb.toString();
  }

  /** Milliseconds: one decimal below 10, whole numbers above. */
  static String ms(double v) {
    if (Double.isNaN(v)) {
      return "-";
    }
    return v < 10 ? String.format(Locale.ROOT, "%.1f", v) : String.format(Locale.ROOT, "%.0f", v);
  }
}
