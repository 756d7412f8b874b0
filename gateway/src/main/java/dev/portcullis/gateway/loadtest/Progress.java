package dev.portcullis.gateway.loadtest;

import java.util.Locale;

/**
 * The one-line progress report printed every second, e.g.
 *
 * <pre>
 * [  12s] 2140 req/s | ls-remote 980/s 1.2/6.1 ms | clone 260/s 5.0/21 ms | push 130/s 9.8/40 ms | bad-token 160/s 0.6/2.9 ms | non-2xx 401=210 403=35 | errors 0 | revoked 240 | violations 0
 * </pre>
 *
 * Latencies are p50/p99 of the second.
 */
final class Progress {
  private Progress() {}

  static String line(Stats.Second s, Revoker revoker, RevocationLedger ledger) {
    StringBuilder sb = new StringBuilder(200);
    double secs = Math.max(s.seconds(), 1e-3);
    sb.append(String.format(Locale.ROOT, "[%5.0fs] %5.0f req/s", s.at(), s.requests() / secs));
    for (Stats.Category c : Stats.Category.values()) {
      Stats.Point p = s.points().get(c);
      if (c == Stats.Category.REVOKED) {
        continue;
      }
      sb.append(" | ")
          .append(c.label)
          .append(' ')
          .append(String.format(Locale.ROOT, "%.0f/s", p.count() / secs));
      if (p.count() > 0) {
        sb.append(' ').append(ms(p.p50())).append('/').append(ms(p.p99())).append(" ms");
      }
    }
    sb.append(" | non-2xx");
    if (s.nonSuccess().isEmpty()) {
      sb.append(" 0");
    }
    s.nonSuccess().forEach((status, n) -> sb.append(' ').append(status).append('=').append(n));
    sb.append(" | errors ").append(s.errors());
    if (revoker != null) {
      sb.append(" | revoked ").append(revoker.succeeded());
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
