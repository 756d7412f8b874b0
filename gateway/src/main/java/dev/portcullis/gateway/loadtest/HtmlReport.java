package dev.portcullis.gateway.loadtest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;

/**
 * The HTML report: one self-contained file (no CDN, no external script or style). What it is, the
 * run, the verdict and the tables are written into the page, with rounded numbers and readable
 * dates, so it reads without JavaScript; a few lines of inline script draw SVG charts from the JSON
 * report held in a {@code <script type="application/json">} element: p50 and p99 latency per second
 * per operation (log scale), and operations per second.
 */
final class HtmlReport {
  private static final DateTimeFormatter READABLE =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss 'UTC'", Locale.ROOT)
          .withZone(ZoneOffset.UTC);

  private HtmlReport() {}

  static String render(ObjectNode report) {
    String data;
    try {
      data = AdminApi.JSON.writeValueAsString(report);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize the report", e);
    }
    // Inside a script element only "</" (and "<!--") could end or confuse it; JSON allows "\/".
    data = data.replace("</", "<\\/").replace("<!--", "<\\!--");
    return PAGE.replace("@ABOUT@", about(report))
        .replace("@VERDICT@", verdict(report))
        .replace("@RUN@", run(report))
        .replace("@OPS@", operations(report))
        .replace("@REV@", revocation(report))
        .replace("@DATA@", data);
  }

  private static String about(JsonNode r) {
    return "The report of a <code>gateway loadtest</code> run against "
        + esc(r.path("target").asText())
        + ", started "
        + esc(date(r.path("started_at").asText()))
        + ": simulated git clients (ls-remote, clone, push over smart HTTP) with tokens made for the"
        + " run, some revoked while the load ran. The figures below are in the JSON report written"
        + " beside this file too.";
  }

  private static String verdict(JsonNode r) {
    JsonNode v = r.path("verdict");
    boolean held = v.path("held").asBoolean();
    return "<span class=\"verdict "
        + (held ? "ok" : "bad")
        + "\">"
        + (held ? "The gateway held" : "The gateway did not hold")
        + ": revocation violations "
        + v.path("revocation_violations").asLong()
        + " &middot; bad tokens accepted "
        + v.path("bad_tokens_accepted").asLong()
        + "</span>";
  }

  private static String run(JsonNode r) {
    JsonNode c = r.path("config");
    JsonNode s = r.path("setup");
    JsonNode run = r.path("run");
    StringBuilder t = new StringBuilder();
    row(t, "target", esc(r.path("target").asText()));
    row(t, "started", esc(date(r.path("started_at").asText())));
    row(t, "duration", number(run.path("seconds").asDouble(), 1) + " s");
    row(t, "clients", Long.toString(c.path("clients").asLong()));
    row(t, "operation mix", esc(c.path("mix").asText()));
    row(
        t,
        "organization",
        esc(c.path("org").asText())
            + (c.path("cleanup").asBoolean()
                ? " (the run deletes it, with its users, when it ends)"
                : " (kept: --no-cleanup)"));
    row(
        t,
        "tokens",
        s.path("tokens").path("total").asLong()
            + " created in "
            + number(s.path("tokens_seconds").asDouble(), 1)
            + " s ("
            + number(s.path("tokens_per_second").asDouble(), 0)
            + " tokens/s), for "
            + s.path("users").asLong()
            + (s.path("users").asLong() == 1 ? " user" : " users"));
    row(
        t,
        "HTTP requests",
        run.path("http_requests").asLong()
            + " ("
            + number(run.path("requests_per_second").asDouble(), 0)
            + " req/s)");
    row(t, "statuses", esc(counts(run.path("statuses"))));
    row(t, "unexpected errors", Long.toString(run.path("unexpected_errors").asLong()));
    return t.toString();
  }

  private static String operations(JsonNode r) {
    String[] pcs = {"p50", "p90", "p99", "p999", "max"};
    StringBuilder t = new StringBuilder("<tr><th>operation</th><th>count</th><th>per second</th>");
    for (String p : pcs) {
      t.append("<th>").append(p.equals("p999") ? "p99.9" : p).append(" (ms)</th>");
    }
    t.append("<th>read (MiB)</th></tr>");
    r.path("operations")
        .fields()
        .forEachRemaining(
            e -> {
              JsonNode o = e.getValue();
              t.append("<tr><td>")
                  .append(esc(e.getKey()))
                  .append("</td><td>")
                  .append(o.path("count").asLong())
                  .append("</td><td>")
                  .append(number(o.path("per_second").asDouble(), 1))
                  .append("</td>");
              for (String p : pcs) {
                JsonNode v = o.path("latency_ms").path(p);
                t.append("<td>")
                    .append(v.isNumber() ? Progress.ms(v.asDouble()) : "-")
                    .append("</td>");
              }
              t.append("<td>")
                  .append(number(o.path("bytes").asLong() / 1048576.0, 1))
                  .append("</td></tr>");
            });
    return t.toString();
  }

  private static String revocation(JsonNode r) {
    JsonNode v = r.path("revocation");
    StringBuilder t = new StringBuilder();
    row(t, "rate", number(v.path("rate_per_second").asDouble(), 1) + " tokens/s");
    row(t, "revoked", Long.toString(v.path("succeeded").asLong()));
    row(t, "failed", Long.toString(v.path("failed").asLong()));
    row(t, "by action", esc(counts(v.path("by_action"))));
    row(
        t,
        "requests sent after their token's revocation returned",
        Long.toString(v.path("requests_after_revocation").asLong()));
    row(t, "their statuses", esc(counts(v.path("after_revocation_statuses"))));
    row(t, "violations (2xx after revocation)", Long.toString(v.path("violations").asLong()));
    return t.toString();
  }

  private static void row(StringBuilder t, String label, String html) {
    t.append("<tr><th>").append(esc(label)).append("</th><td>").append(html).append("</td></tr>");
  }

  /** {@code {"401": 3, "403": 1}} as {@code 401: 3, 403: 1}; {@code none} when empty. */
  private static String counts(JsonNode o) {
    StringBuilder sb = new StringBuilder();
    o.fields()
        .forEachRemaining(
            e ->
                sb.append(sb.length() == 0 ? "" : ", ")
                    .append(e.getKey())
                    .append(": ")
                    .append(e.getValue().asLong()));
    return sb.length() == 0 ? "none" : sb.toString();
  }

  private static String number(double v, int decimals) {
    return String.format(Locale.ROOT, "%,." + decimals + "f", v);
  }

  private static String date(String iso) {
    try {
      return READABLE.format(Instant.parse(iso));
    } catch (DateTimeParseException e) {
      return iso;
    }
  }

  private static String esc(String s) {
    return s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }

  private static final String PAGE =
      """
      <!doctype html>
      <html lang="en">
      <head>
      <meta charset="utf-8">
      <title>Portcullis load test report</title>
      <style>
      body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}
      table{border-collapse:collapse;margin:8px 0}
      td,th{padding:3px 10px;border-bottom:1px solid #ddd;text-align:right}
      td:first-child,th:first-child{text-align:left}
      th{font-weight:600}
      .ok{color:#060;font-weight:bold}.bad{color:#b00;font-weight:bold}
      svg{background:#fcfcfc;border:1px solid #ddd}
      .verdict{font-size:18px;padding:8px 12px;border:2px solid;display:inline-block}
      </style>
      </head>
      <body>
      <h1>Portcullis load test report</h1>
      <p>@ABOUT@</p>
      <p>@VERDICT@</p>
      <h2>Run</h2>
      <table>@RUN@</table>
      <h2>Operations</h2>
      <table>@OPS@</table>
      <h2>Revocation</h2>
      <table>@REV@</table>
      <h2>Latency per second (ms, log scale; p50 solid, p99 dashed)</h2>
      <div id="latency"><noscript>The charts are drawn by the page's script, which is off; the tables above hold the figures.</noscript></div>
      <h2>Operations per second</h2>
      <div id="throughput"></div>
      <script type="application/json" id="data">@DATA@</script>
      <script>
      const D = JSON.parse(document.getElementById('data').textContent);
      const T = D.timeline, COLORS = {'ls-remote':'#1f77b4','clone':'#2ca02c','push':'#d62728','bad-token':'#9467bd','revoked-denied':'#8c564b'};
      const esc = s => String(s).replace(/[&<>"]/g, c => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]));
      function chart(id, lines, log) {
        const W = 1000, H = 320, L = 60, R = 150, TOP = 10, B = 30, xs = T.seconds, maxX = Math.max(1, ...xs);
        const vals = lines.flatMap(l => l.v.filter(v => v != null && (!log || v > 0)));
        let lo = log ? Math.pow(10, Math.floor(Math.log10(Math.min(...vals, 1)))) : 0;
        let hi = Math.max(...vals, log ? 1 : 1e-9), p = Math.pow(10, Math.floor(Math.log10(hi / 4))), q = hi / 4 / p;
        hi = log ? Math.pow(10, Math.ceil(Math.log10(hi))) : 4 * p * (q <= 1 ? 1 : q <= 2 ? 2 : q <= 2.5 ? 2.5 : q <= 5 ? 5 : 10);
        const f = v => log ? Math.log10(v) : v, x = t => L + (W - L - R) * t / maxX;
        const y = v => H - B - (H - B - TOP) * (f(v) - f(lo)) / ((f(hi) - f(lo)) || 1);
        let s = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-size="11">`;
        const ticks = log ? [...Array(Math.round(f(hi) - f(lo)) + 1).keys()].map(i => lo * Math.pow(10, i)) : [0, 1, 2, 3, 4].map(i => hi * i / 4);
        ticks.forEach(v => s += `<line x1="${L}" x2="${W - R}" y1="${y(v)}" y2="${y(v)}" stroke="#e4e4e4"/><text x="${L - 5}" y="${y(v) + 4}" text-anchor="end">${+v.toPrecision(3)}</text>`);
        for (let i = 0; i <= 10; i++) { const t = maxX * i / 10; s += `<text x="${x(t)}" y="${H - 10}" text-anchor="middle">${Math.round(t)}s</text>`; }
        lines.forEach((l, k) => {
          const pts = l.v.map((v, j) => v == null || (log && v <= 0) ? null : `${x(xs[j]).toFixed(1)},${y(v).toFixed(1)}`).filter(p => p);
          s += `<polyline fill="none" stroke="${l.c}" stroke-width="1.6"${l.dash ? ' stroke-dasharray="5,3"' : ''} points="${pts.join(' ')}"/>`;
          s += `<line x1="${W - R + 10}" x2="${W - R + 30}" y1="${TOP + 8 + k * 15}" y2="${TOP + 8 + k * 15}" stroke="${l.c}" stroke-width="2"${l.dash ? ' stroke-dasharray="5,3"' : ''}/><text x="${W - R + 35}" y="${TOP + 12 + k * 15}">${esc(l.n)}</text>`;
        });
        document.getElementById(id).innerHTML = s + '</svg>';
      }
      const used = Object.keys(T.series).filter(k => T.series[k].ops_per_second.some(v => v > 0));
      chart('latency', used.flatMap(k => [{n: k + ' p50', v: T.series[k].p50_ms, c: COLORS[k]}, {n: k + ' p99', v: T.series[k].p99_ms, c: COLORS[k], dash: true}]), true);
      chart('throughput', used.map(k => ({n: k, v: T.series[k].ops_per_second, c: COLORS[k]})).concat([{n: 'HTTP requests', v: T.requests_per_second, c: '#999', dash: true}]), false);
      </script>
      </body>
      </html>
      """;
}
