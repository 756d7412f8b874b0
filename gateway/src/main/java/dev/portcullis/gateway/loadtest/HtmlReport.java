package dev.portcullis.gateway.loadtest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The HTML report: one self-contained file (no CDN, no external script or style) holding the JSON
 * report in a {@code <script type="application/json">} element and a few lines of inline script
 * that draw SVG charts from it: p50 and p99 latency per second per operation (log scale), and
 * operations per second.
 */
final class HtmlReport {
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
    return PAGE.replace("@DATA@", data);
  }

  private static final String PAGE =
      """
      <!doctype html>
      <html lang="en">
      <head>
      <meta charset="utf-8">
      <title>Portcullis load test</title>
      <style>
      body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222;max-width:1100px}
      table{border-collapse:collapse;margin:8px 0}
      td,th{padding:3px 10px;border-bottom:1px solid #ddd;text-align:right}
      td:first-child,th:first-child{text-align:left}
      .ok{color:#060;font-weight:bold}.bad{color:#b00;font-weight:bold}
      svg{background:#fcfcfc;border:1px solid #ddd}
      .verdict{font-size:18px;padding:8px 12px;border:2px solid;display:inline-block}
      </style>
      </head>
      <body>
      <h1>Portcullis load test</h1>
      <p id="meta"></p>
      <p id="verdict"></p>
      <h2>Latency per second (ms, log scale; p50 solid, p99 dashed)</h2>
      <div id="latency"></div>
      <h2>Operations per second</h2>
      <div id="throughput"></div>
      <h2>Operations</h2>
      <table id="ops"></table>
      <h2>Revocation</h2>
      <table id="rev"></table>
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
      document.getElementById('meta').innerHTML = esc(`${D.target}, started ${D.started_at}: ${D.run.seconds} s, ${D.config.clients} clients, ` +
        `${D.setup.tokens.total} tokens (created in ${D.setup.tokens_seconds} s, ${D.setup.tokens_per_second}/s), mix ${D.config.mix}, ` +
        `${D.run.http_requests} HTTP requests (${D.run.requests_per_second}/s), unexpected errors ${D.run.unexpected_errors}`);
      const v = D.verdict;
      document.getElementById('verdict').innerHTML = `<span class="verdict ${v.held ? 'ok' : 'bad'}">revocation violations: ${v.revocation_violations}` +
        ` &middot; bad tokens accepted: ${v.bad_tokens_accepted}</span>`;
      const cols = ['count', 'per_second'], pcs = ['p50', 'p90', 'p99', 'p999', 'max'];
      document.getElementById('ops').innerHTML = '<tr><th>operation</th><th>count</th><th>per s</th>' + pcs.map(p => `<th>${p} ms</th>`).join('') + '<th>MiB read</th></tr>' +
        Object.entries(D.operations).map(([k, o]) => `<tr><td>${esc(k)}</td>` + cols.map(c => `<td>${o[c]}</td>`).join('') +
          pcs.map(p => `<td>${o.latency_ms[p] ?? '-'}</td>`).join('') + `<td>${(o.bytes / 1048576).toFixed(1)}</td></tr>`).join('');
      const r = D.revocation;
      document.getElementById('rev').innerHTML = [['rate per second', r.rate_per_second], ['revoked', r.succeeded], ['failed', r.failed ?? 0],
        ['by action', JSON.stringify(r.by_action || {})], ['requests after revocation', r.requests_after_revocation],
        ['their statuses', JSON.stringify(r.after_revocation_statuses)], ['violations', r.violations]]
        .map(([k, x]) => `<tr><td>${esc(k)}</td><td>${esc(x)}</td></tr>`).join('');
      </script>
      </body>
      </html>
      """;
}
