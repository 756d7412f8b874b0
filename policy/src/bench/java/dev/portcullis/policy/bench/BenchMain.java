package dev.portcullis.policy.bench;

import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.infra.BenchmarkParams;
import org.openjdk.jmh.results.Result;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.results.format.ResultFormatType;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.CommandLineOptions;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.util.Statistics;

/**
 * Runs one JMH suite with short defaults for a small machine, then prints a result table with
 * percentiles and the ratios the targets are stated in. Usage:
 *
 * <pre>
 *   BenchMain decision [JMH options…]   DecisionBenchmark (warm decision vs SHA-256+CHM baseline)
 *   BenchMain cold     [JMH options…]   ColdLookupBenchmark (store size 10,000 vs 1,000,000)
 *   BenchMain writes   [JMH options…]   BackgroundWritesBenchmark (a minute's background writes)
 * </pre>
 *
 * Defaults, each replaced by the matching JMH option when given: {@code -f 1 -wi 3 -w 2s -i 5 -r
 * 2s}, JSON results in {@code target/bench/<suite>.json} (property {@code bench.dir}). Any other
 * JMH option passes through ({@code -p storeSize=10000}, {@code -t 2}, {@code -prof gc}, a
 * benchmark regex…).
 */
public final class BenchMain {
  private BenchMain() {}

  private static final Map<String, String> SUITES =
      Map.of(
          "decision",
          DecisionBenchmark.class.getName(),
          "cold",
          ColdLookupBenchmark.class.getName(),
          "writes",
          BackgroundWritesBenchmark.class.getName());

  public static void main(String[] args) throws Exception {
    if (args.length == 0 || !SUITES.containsKey(args[0])) {
      System.err.println(
          "usage: BenchMain decision|cold|writes [JMH options…]   (JMH's own help: BenchMain decision -h)");
      System.exit(2);
    }
    String suite = args[0];
    String[] jmhArgs = java.util.Arrays.copyOfRange(args, 1, args.length);
    for (String a : jmhArgs) {
      if (Set.of("-h", "-l", "-lp", "-lrf", "-lprof").contains(a)) {
        org.openjdk.jmh.Main.main(jmhArgs);
        return;
      }
    }
    CommandLineOptions cmd = new CommandLineOptions(jmhArgs);
    Path dir = Path.of(System.getProperty("bench.dir", "target/bench"));
    Files.createDirectories(dir);
    ChainedOptionsBuilder b = new OptionsBuilder().parent(cmd);
    if (cmd.getIncludes().isEmpty()) {
      b.include("^" + java.util.regex.Pattern.quote(SUITES.get(suite)) + "\\.");
    }
    if (!cmd.getForkCount().hasValue()) {
      b.forks(1);
    }
    if (!cmd.getWarmupIterations().hasValue()) {
      b.warmupIterations(3);
    }
    if (!cmd.getWarmupTime().hasValue()) {
      b.warmupTime(TimeValue.seconds(2));
    }
    if (!cmd.getMeasurementIterations().hasValue()) {
      b.measurementIterations(5);
    }
    if (!cmd.getMeasurementTime().hasValue()) {
      b.measurementTime(TimeValue.seconds(2));
    }
    if (!cmd.getResult().hasValue()) {
      b.result(dir.resolve(suite + ".json").toString());
    }
    if (!cmd.getResultFormat().hasValue()) {
      b.resultFormat(ResultFormatType.JSON);
    }
    // The cold suite's forks share one store per size, built by the first fork that needs it.
    Path worlds = dir.resolve("worlds").toAbsolutePath();
    deleteTree(worlds);
    if (!cmd.getJvmArgsPrepend().hasValue()) {
      b.jvmArgsPrepend("-D" + BenchWorld.SHARED_DIR_PROPERTY + "=" + worlds);
    }
    Collection<RunResult> results;
    try {
      results = new Runner(b.build()).run();
    } finally {
      deleteTree(worlds);
    }
    String table =
        switch (suite) {
          case "decision" -> decisionTable(results);
          case "cold" -> coldTable(results);
          default -> writesTable(results);
        };
    System.out.println();
    System.out.print(table);
    Files.writeString(dir.resolve(suite + ".txt"), table, StandardCharsets.UTF_8);
    System.out.println(
        "(table saved to "
            + dir.resolve(suite + ".txt")
            + ", JMH JSON to "
            + (cmd.getResult().hasValue() ? cmd.getResult().get() : dir.resolve(suite + ".json"))
            + ")");
  }

  private static void deleteTree(Path p) {
    BenchWorld.deleteTree(p);
  }

  // ---------------------------------------------------------------- tables

  /** One row of a result table. */
  private record Row(
      String name,
      String params,
      Mode mode,
      long n,
      double score,
      double error,
      String unit,
      double p50,
      double p99,
      double p999) {
    static Row of(RunResult r) {
      BenchmarkParams bp = r.getParams();
      Result<?> res = r.getPrimaryResult();
      Statistics s = res.getStatistics();
      String name = bp.getBenchmark().substring(bp.getBenchmark().lastIndexOf('.') + 1);
      StringBuilder params = new StringBuilder();
      for (String k : bp.getParamsKeys()) {
        params.append(params.length() == 0 ? "" : ",").append(k).append('=').append(bp.getParam(k));
      }
      boolean sample = bp.getMode() == Mode.SampleTime;
      return new Row(
          name,
          params.toString(),
          bp.getMode(),
          s.getN(),
          res.getScore(),
          res.getScoreError(),
          res.getScoreUnit(),
          sample ? s.getPercentile(50) : Double.NaN,
          sample ? s.getPercentile(99) : Double.NaN,
          sample ? s.getPercentile(99.9) : Double.NaN);
    }
  }

  private static String num(double v) {
    if (Double.isNaN(v)) {
      return "-";
    }
    return Math.abs(v) >= 100
        ? String.format(Locale.ROOT, "%,.0f", v)
        : String.format(Locale.ROOT, "%.2f", v);
  }

  private static String ratio(double a, double b) {
    return Double.isNaN(a) || Double.isNaN(b) || b == 0
        ? "-"
        : String.format(Locale.ROOT, "%.2f×", a / b);
  }

  private static void header(PrintStream out) {
    out.printf(
        Locale.ROOT,
        "%-20s %-18s %-7s %10s %12s %10s %-10s %10s %10s %10s%n",
        "benchmark",
        "params",
        "mode",
        "samples",
        "score",
        "± error",
        "unit",
        "p50",
        "p99",
        "p99.9");
  }

  private static void line(PrintStream out, Row r) {
    out.printf(
        Locale.ROOT,
        "%-20s %-18s %-7s %10d %12s %10s %-10s %10s %10s %10s%n",
        r.name,
        r.params,
        r.mode.shortLabel(),
        r.n,
        num(r.score),
        num(r.error),
        r.unit,
        num(r.p50),
        num(r.p99),
        num(r.p999));
  }

  private static List<Row> rows(Collection<RunResult> results) {
    List<Row> rows = new ArrayList<>();
    for (RunResult r : results) {
      rows.add(Row.of(r));
    }
    return rows;
  }

  static String decisionTable(Collection<RunResult> results) {
    java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
    PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
    List<Row> rows = rows(results);
    out.println("== Warm decision (DecisionBenchmark) ==");
    header(out);
    rows.forEach(r -> line(out, r));
    Row base =
        rows.stream().filter(r -> r.name.equals("baseline_sha256_chm")).findFirst().orElse(null);
    if (base != null) {
      out.println();
      out.println(
          "Ratios to baseline_sha256_chm (SHA-256 + one ConcurrentHashMap lookup), same run:");
      out.printf(Locale.ROOT, "%-20s %10s %10s %10s%n", "benchmark", "mean", "p50", "p99");
      for (Row r : rows) {
        out.printf(
            Locale.ROOT,
            "%-20s %10s %10s %10s%n",
            r.name,
            ratio(r.score, base.score),
            ratio(r.p50, base.p50),
            ratio(r.p99, base.p99));
      }
    }
    rows.stream()
        .filter(r -> r.name.equals("decision") && r.mode == Mode.SampleTime)
        .forEach(
            r -> {
              double p99ns = toNanos(r.p99, r.unit);
              out.println();
              out.printf(
                  Locale.ROOT,
                  "Target: warm decision p99 ≤ 2 µs → measured p99 %.2f µs: %s%n",
                  p99ns / 1000,
                  p99ns <= 2000 ? "MET" : "NOT MET");
              rows.stream()
                  .filter(b -> b.name.startsWith("bad_") && b.mode == Mode.SampleTime)
                  .forEach(
                      b ->
                          out.printf(
                              Locale.ROOT,
                              "Bad token %-15s p50 %.0f ns, p99 %.0f ns: %s of the warm decision at p50, %s at p99 (refused with 401; no store call in any iteration)%n",
                              b.name.substring(4),
                              toNanos(b.p50, b.unit),
                              toNanos(b.p99, b.unit),
                              ratio(b.p50, r.p50),
                              ratio(b.p99, r.p99)));
            });
    return buf.toString(StandardCharsets.UTF_8);
  }

  static String writesTable(Collection<RunResult> results) {
    java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
    PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
    List<Row> rows = rows(results);
    out.println("== One minute's background writes (BackgroundWritesBenchmark) ==");
    header(out);
    rows.forEach(r -> line(out, r));
    out.println();
    out.println("Share of one minute of a two-core machine (each op is one minute's writes):");
    for (Row r : rows) {
      double ms = toNanos(r.score, r.unit) / 1e6;
      out.printf(
          Locale.ROOT, "  %-20s %-12s %8.0f ms  %5.2f %%%n", r.name, r.params, ms, ms / 1200);
    }
    return buf.toString(StandardCharsets.UTF_8);
  }

  static String coldTable(Collection<RunResult> results) {
    java.io.ByteArrayOutputStream buf = new java.io.ByteArrayOutputStream();
    PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
    List<Row> rows = rows(results);
    out.println("== Cold path vs store size (ColdLookupBenchmark) ==");
    header(out);
    rows.forEach(r -> line(out, r));
    Map<String, Map<String, Row>> byName = new LinkedHashMap<>();
    for (Row r : rows) {
      byName.computeIfAbsent(r.name, k -> new LinkedHashMap<>()).put(r.params, r);
    }
    out.println();
    out.println("Store size 1,000,000 vs 10,000 (same run):");
    out.printf(
        Locale.ROOT,
        "%-16s %-8s %14s %14s %8s%n",
        "benchmark",
        "metric",
        "10,000",
        "1,000,000",
        "ratio");
    for (Map.Entry<String, Map<String, Row>> e : byName.entrySet()) {
      Row small = e.getValue().get("storeSize=10000");
      Row large = e.getValue().get("storeSize=1000000");
      if (small == null || large == null) {
        continue;
      }
      if (small.mode == Mode.SampleTime) {
        out.printf(
            Locale.ROOT,
            "%-16s %-8s %14s %14s %8s%n",
            e.getKey(),
            "p50 " + small.unit,
            num(small.p50),
            num(large.p50),
            ratio(large.p50, small.p50));
        out.printf(
            Locale.ROOT,
            "%-16s %-8s %14s %14s %8s%n",
            e.getKey(),
            "p99 " + small.unit,
            num(small.p99),
            num(large.p99),
            ratio(large.p99, small.p99));
      } else {
        out.printf(
            Locale.ROOT,
            "%-16s %-8s %14s %14s %8s%n",
            e.getKey(),
            small.unit,
            num(small.score),
            num(large.score),
            ratio(large.score, small.score));
      }
    }
    out.println();
    out.println(
        "Targets: cold p99 ≤ 1 ms per lookup; at 1,000,000 tokens warm throughput unchanged and cold p99 within 2× of 10,000.");
    for (Row r : rows) {
      if (r.mode == Mode.SampleTime) {
        double p99us = toNanos(r.p99, r.unit) / 1000;
        out.printf(
            Locale.ROOT,
            "  %-14s %-18s p99 %8.1f µs  %s%n",
            r.name,
            r.params,
            p99us,
            p99us <= 1000 ? "≤ 1 ms: MET" : "≤ 1 ms: NOT MET");
      }
    }
    return buf.toString(StandardCharsets.UTF_8);
  }

  private static double toNanos(double v, String unit) {
    if (unit.startsWith("ns")) {
      return v;
    }
    if (unit.startsWith("us") || unit.startsWith("µs")) {
      return v * 1e3;
    }
    if (unit.startsWith("ms")) {
      return v * 1e6;
    }
    if (unit.startsWith("s/")) {
      return v * 1e9;
    }
    return Double.NaN;
  }
}
