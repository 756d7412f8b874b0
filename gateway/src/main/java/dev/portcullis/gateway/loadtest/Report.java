package dev.portcullis.gateway.loadtest;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * The results of a run: the JSON report (token ids only, never a secret), the text summary, and the
 * files they are written to.
 */
final class Report {
  private static final double[] PERCENTILES = {50, 90, 99, 99.9};

  /** Where the reports went. */
  record Written(Path json, Path html) {}

  private final LoadtestConfig config;
  private final String target;
  private final Instant startedAt;
  private final Setup.Fixture fixture;
  private final double seconds;
  private final Stats stats;
  private final RevocationLedger ledger;
  private final Revoker revoker;

  /**
   * @param revoker {@code null} when nothing was revoked
   */
  Report(
      LoadtestConfig config,
      String target,
      Instant startedAt,
      Setup.Fixture fixture,
      double seconds,
      Stats stats,
      RevocationLedger ledger,
      Revoker revoker) {
    this.config = config;
    this.target = target;
    this.startedAt = startedAt;
    this.fixture = fixture;
    this.seconds = seconds;
    this.stats = stats;
    this.ledger = ledger;
    this.revoker = revoker;
  }

  long violations() {
    return ledger.violations();
  }

  /** Whether the gateway held: no revocation violation and no bad token accepted. */
  boolean held() {
    return ledger.violations() == 0 && stats.badTokenAccepted() == 0;
  }

  // ------------------------------------------------------------------ JSON

  ObjectNode json() {
    ObjectNode o = AdminApi.JSON.createObjectNode();
    o.put("tool", "portcullis loadtest");
    o.put("started_at", startedAt.toString());
    o.put("target", target);
    ObjectNode c = o.putObject("config");
    c.put("tokens", config.tokens());
    c.put("clients", config.clients());
    c.put("duration_seconds", config.duration().toMillis() / 1000.0);
    c.put("max_requests", config.maxRequests());
    c.put("mix", config.mix().toString());
    c.put("revoke_rate", config.revokeRate());
    c.put("bad_token_rate", config.badTokenRate());
    c.put("classic_share", config.classicShare());
    c.put("pending_share", config.pendingShare());
    c.put("org", config.org());
    c.put("reuse", config.reuse());
    c.put("cleanup", config.cleanup());
    c.put("connect_timeout_ms", config.connectTimeout().toMillis());
    c.put("request_timeout_ms", config.requestTimeout().toMillis());

    ObjectNode s = o.putObject("setup");
    s.put("users", fixture.users());
    ArrayNode repos = s.putArray("content_repositories");
    fixture.contentRepos().forEach(repos::add);
    s.put("push_repository", fixture.pushRepo());
    ObjectNode kinds = s.putObject("tokens");
    kinds.put("total", fixture.tokens().size());
    for (PoolToken.Kind k : PoolToken.Kind.values()) {
      kinds.put(k.label(), fixture.tokens().stream().filter(t -> t.kind() == k).count());
    }
    s.put("calls_in_flight", config.setupConcurrency());
    s.put("accounts_seconds", round(fixture.timings().accounts()));
    s.put("tokens_seconds", round(fixture.timings().tokens()));
    s.put("tokens_per_second", round(fixture.timings().tokensPerSecond(fixture.tokens().size())));
    s.put("seeding_seconds", round(fixture.timings().seeding()));
    s.put("total_seconds", round(fixture.timings().total()));

    ObjectNode run = o.putObject("run");
    run.put("seconds", round(seconds));
    run.put("http_requests", stats.requests());
    run.put("requests_per_second", round(stats.requests() / seconds));
    ObjectNode statuses = run.putObject("statuses");
    stats.statuses().forEach((k, v) -> statuses.put(Integer.toString(k), v));
    run.put("unexpected_errors", stats.errorCount());
    ObjectNode errors = run.putObject("errors");
    stats.errors().forEach(errors::put);

    ObjectNode ops = o.putObject("operations");
    for (Stats.Category cat : Stats.Category.values()) {
      Histogram h = stats.total(cat);
      ObjectNode op = ops.putObject(cat.label);
      op.put("count", h.getTotalCount());
      op.put("per_second", round(h.getTotalCount() / seconds));
      op.put("bytes", stats.bytes(cat));
      op.set("latency_ms", latency(h));
    }

    ObjectNode bad = o.putObject("bad_tokens");
    bad.put("rate", config.badTokenRate());
    bad.put("refused", stats.total(Stats.Category.BAD_TOKEN).getTotalCount());
    ObjectNode badStatuses = bad.putObject("statuses");
    stats
        .refusals(Stats.Category.BAD_TOKEN)
        .forEach((k, v) -> badStatuses.put(Integer.toString(k), v));
    bad.put("accepted", stats.badTokenAccepted());

    o.set("revocation", revocation());
    o.set("timeline", timeline());

    ObjectNode verdict = o.putObject("verdict");
    verdict.put("revocation_violations", ledger.violations());
    verdict.put("bad_tokens_accepted", stats.badTokenAccepted());
    verdict.put("unexpected_errors", stats.errorCount());
    verdict.put("held", held());
    return o;
  }

  private ObjectNode revocation() {
    ObjectNode r = AdminApi.JSON.createObjectNode();
    r.put("rate_per_second", config.revokeRate());
    if (revoker != null) {
      r.put("requested", revoker.requested());
      r.put("succeeded", revoker.succeeded());
      r.put("failed", revoker.failed());
      r.put("skipped_ticks", revoker.skipped());
      ObjectNode by = r.putObject("by_action");
      revoker.byAction().forEach((k, v) -> by.put(k.label, v));
      ArrayNode failures = r.putArray("failure_samples");
      revoker.failureSamples().forEach(failures::add);
      r.set("call_latency_ms", latency(revoker.latency()));
    } else {
      r.put("requested", 0);
      r.put("succeeded", 0);
    }
    r.put("requests_after_revocation", ledger.checkedRequests());
    ObjectNode after = r.putObject("after_revocation_statuses");
    ledger.checkedStatuses().forEach((k, v) -> after.put(Integer.toString(k), v));
    ObjectNode denied = r.putObject("revoked_operations_refused");
    stats.refusals(Stats.Category.REVOKED).forEach((k, v) -> denied.put(Integer.toString(k), v));
    r.put("violations", ledger.violations());
    ArrayNode samples = r.putArray("violation_samples");
    for (RevocationLedger.Violation v : ledger.violationSamples()) {
      ObjectNode x = samples.addObject();
      x.put("token_id", v.tokenId());
      x.put("status", v.status());
      x.put("sent_after_revocation_ms", v.sentAfterRevocationMicros() / 1000.0);
    }
    ArrayNode ids = r.putArray("revoked_token_ids");
    ledger.revokedTokenIds().forEach(ids::add);
    return r;
  }

  private ObjectNode timeline() {
    ObjectNode t = AdminApi.JSON.createObjectNode();
    List<Stats.Second> seconds = stats.timeline();
    ArrayNode at = t.putArray("seconds");
    ArrayNode rps = t.putArray("requests_per_second");
    ArrayNode errs = t.putArray("errors");
    ObjectNode series = t.putObject("series");
    for (Stats.Second s : seconds) {
      double len = Math.max(s.seconds(), 1e-3);
      at.add(round(s.at()));
      rps.add(round(s.requests() / len));
      errs.add(s.errors());
    }
    for (Stats.Category c : Stats.Category.values()) {
      ObjectNode x = series.putObject(c.label);
      ArrayNode n = x.putArray("ops_per_second");
      ArrayNode p50 = x.putArray("p50_ms");
      ArrayNode p99 = x.putArray("p99_ms");
      for (Stats.Second s : seconds) {
        Stats.Point p = s.points().get(c);
        n.add(round(p.count() / Math.max(s.seconds(), 1e-3)));
        if (p.count() == 0) {
          p50.addNull();
          p99.addNull();
        } else {
          p50.add(round(p.p50()));
          p99.add(round(p.p99()));
        }
      }
    }
    return t;
  }

  private static ObjectNode latency(Histogram h) {
    ObjectNode l = AdminApi.JSON.createObjectNode();
    if (h.getTotalCount() == 0) {
      return l;
    }
    l.put("min", round(h.getMinValue() / 1000.0));
    l.put("mean", round(h.getMean() / 1000.0));
    for (double p : PERCENTILES) {
      l.put(
          "p" + (p == 99.9 ? "999" : Integer.toString((int) p)),
          round(h.getValueAtPercentile(p) / 1000.0));
    }
    l.put("max", round(h.getMaxValue() / 1000.0));
    return l;
  }

  private static double round(double v) {
    return Double.isFinite(v) ? Math.round(v * 1000) / 1000.0 : 0;
  }

  // ------------------------------------------------------------------ text

  /** The summary printed at the end of a run. */
  String summary(Written files) {
    StringBuilder sb = new StringBuilder(2048);
    sb.append('\n')
        .append(
            String.format(
                Locale.ROOT,
                "Portcullis load test against %s: %.1f s, %d clients, %d tokens, mix %s%n",
                target,
                seconds,
                config.clients(),
                fixture.tokens().size(),
                config.mix()));
    Setup.Timings t = fixture.timings();
    sb.append(
        String.format(
            Locale.ROOT,
            "setup: %d tokens in %.1f s (%.0f tokens/s, %d API calls in flight); accounts %.1f s, "
                + "seeding %.1f s, total %.1f s%n%n",
            fixture.tokens().size(),
            t.tokens(),
            t.tokensPerSecond(fixture.tokens().size()),
            config.setupConcurrency(),
            t.accounts(),
            t.seeding(),
            t.total()));
    sb.append(
        String.format(
            Locale.ROOT,
            "%-15s %9s %9s %8s %8s %8s %8s %8s %9s%n",
            "operation",
            "count",
            "per s",
            "p50 ms",
            "p90 ms",
            "p99 ms",
            "p99.9 ms",
            "max ms",
            "MiB read"));
    for (Stats.Category c : Stats.Category.values()) {
      Histogram h = stats.total(c);
      long n = h.getTotalCount();
      sb.append(
          String.format(
              Locale.ROOT,
              "%-15s %9d %9.1f %8s %8s %8s %8s %8s %9.1f%n",
              c.label,
              n,
              n / seconds,
              pct(h, 50),
              pct(h, 90),
              pct(h, 99),
              pct(h, 99.9),
              n == 0 ? "-" : Progress.ms(h.getMaxValue() / 1000.0),
              stats.bytes(c) / 1048576.0));
    }
    sb.append(
        String.format(
            Locale.ROOT,
            "%nHTTP requests: %d (%.0f/s); statuses: %s%n",
            stats.requests(),
            stats.requests() / seconds,
            join(stats.statuses())));
    sb.append("unexpected errors: ").append(stats.errorCount());
    stats.errors().entrySet().stream()
        .limit(8)
        .forEach(e -> sb.append("\n  ").append(e.getValue()).append("  ").append(e.getKey()));
    sb.append('\n');
    if (stats.errors().keySet().stream()
        .anyMatch(k -> k.startsWith("push: protocol: push rejected: fetch first"))) {
      sb.append(
          "  note: every client pushes to its own branch, so a 'fetch first' refusal means the branch moved after the\n"
              + "  client read it: most often its own earlier push, which timed out here but which the server still completed\n");
    }
    if (stats.statuses().containsKey(429)) {
      sb.append(
          "  note: 429 answers come from the failed-authentication limiter (bad tokens) or from the gateway's cap on\n"
              + "  requests in flight per client address: a load test from one machine needs the gateway started with\n"
              + "  --max-requests-per-client 0 (or above --clients)\n");
    }
    sb.append(
        String.format(
            Locale.ROOT,
            "bad tokens (rate %.2f): %d refused (%s), accepted: %d%n",
            config.badTokenRate(),
            stats.total(Stats.Category.BAD_TOKEN).getTotalCount(),
            join(stats.refusals(Stats.Category.BAD_TOKEN)),
            stats.badTokenAccepted()));
    if (revoker != null) {
      Histogram lat = revoker.latency();
      StringBuilder actions = new StringBuilder();
      revoker
          .byAction()
          .forEach(
              (k, v) ->
                  actions
                      .append(actions.length() == 0 ? "" : ", ")
                      .append(k.label)
                      .append(' ')
                      .append(v));
      sb.append(
          String.format(
              Locale.ROOT,
              "revocations (%.1f/s): %d done (%s), %d failed; call p50 %s ms, p99 %s ms%n",
              config.revokeRate(),
              revoker.succeeded(),
              actions,
              revoker.failed(),
              pct(lat, 50),
              pct(lat, 99)));
      revoker.failureSamples().forEach(f -> sb.append("  failed: ").append(f).append('\n'));
      sb.append(
          String.format(
              Locale.ROOT,
              "requests sent after their token's revocation returned: %d (%s)%n",
              ledger.checkedRequests(),
              join(ledger.checkedStatuses())));
    }
    String line =
        "REVOCATION VIOLATIONS (2xx after the revocation returned): "
            + ledger.violations()
            + (ledger.violations() == 0 ? "  ok" : "  FAILED");
    String bar = "=".repeat(line.length() + 4);
    sb.append('\n').append(bar).append("\n= ").append(line).append(" =\n").append(bar).append('\n');
    for (RevocationLedger.Violation v : ledger.violationSamples().stream().limit(10).toList()) {
      sb.append(
          String.format(
              Locale.ROOT,
              "  token id %d answered %d to a request sent %.1f ms after its revocation%n",
              v.tokenId(),
              v.status(),
              v.sentAfterRevocationMicros() / 1000.0));
    }
    if (files != null) {
      sb.append("\nreports: ")
          .append(files.json())
          .append("\n         ")
          .append(files.html())
          .append('\n');
    }
    return sb.toString();
  }

  private static String pct(Histogram h, double p) {
    return h.getTotalCount() == 0 ? "-" : Progress.ms(h.getValueAtPercentile(p) / 1000.0);
  }

  private static String join(Map<Integer, Long> m) {
    if (m.isEmpty()) {
      return "none";
    }
    StringBuilder sb = new StringBuilder();
    m.forEach((k, v) -> sb.append(sb.length() == 0 ? "" : " ").append(k).append('=').append(v));
    return sb.toString();
  }

  // ------------------------------------------------------------------ files

  /** Writes {@code loadtest-<time>.json} and {@code .html} into {@code dir}. */
  Written write(Path dir) throws IOException {
    Files.createDirectories(dir);
    String stamp =
        DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", Locale.ROOT)
            .withZone(ZoneOffset.UTC)
            .format(startedAt);
    Path json = dir.resolve("loadtest-" + stamp + ".json");
    Path html = dir.resolve("loadtest-" + stamp + ".html");
    ObjectNode report = json();
    Files.write(json, AdminApi.JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(report));
    Files.writeString(html, HtmlReport.render(report), StandardCharsets.UTF_8);
    return new Written(json, html);
  }
}
