package dev.portcullis.gateway.loadtest;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * What the load test measured: a latency recorder per {@link Category} (HdrHistogram, microseconds,
 * lock-free for the recording threads), HTTP statuses, errors, and a snapshot per second for the
 * progress line and the latency-over-time chart.
 */
final class Stats {
  /** Where an operation's latency goes. */
  enum Category {
    LS_REMOTE("ls-remote"),
    CLONE("clone"),
    PUSH("push"),
    /** Operations with a garbage or unknown token, refused with 401 (or 429). */
    BAD_TOKEN("bad-token"),
    /**
     * Operations with a token whose revocation was sent, refused (401, 403, 429) as they should be.
     */
    REVOKED("revoked-denied");

    final String label;

    Category(String label) {
      this.label = label;
    }

    static Category of(Operation op) {
      return switch (op) {
        case LS_REMOTE -> LS_REMOTE;
        case CLONE -> CLONE;
        case PUSH -> PUSH;
      };
    }
  }

  /**
   * One category in one second: operations and latency percentiles in ms ({@code NaN} when none).
   */
  record Point(long count, double p50, double p99) {}

  /**
   * One second of the run.
   *
   * @param at seconds since the start of the run, at the end of this interval
   * @param seconds the interval's length
   * @param requests HTTP answers received
   * @param nonSuccess non-2xx HTTP answers by status
   * @param errors unexpected outcomes (not counting refusals of bad or revoked tokens)
   */
  record Second(
      double at,
      double seconds,
      long requests,
      Map<Category, Point> points,
      Map<Integer, Long> nonSuccess,
      long errors) {}

  private final Map<Category, Recorder> recorders = new EnumMap<>(Category.class);
  private final Map<Category, Histogram> recycled = new EnumMap<>(Category.class);
  private final Map<Category, Histogram> totals = new EnumMap<>(Category.class);
  private final Map<Category, LongAdder> bytes = new EnumMap<>(Category.class);
  private final Map<Integer, LongAdder> statuses = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> errors = new ConcurrentHashMap<>();
  private final Map<Category, Map<Integer, LongAdder>> refusals = new EnumMap<>(Category.class);
  private final LongAdder requests = new LongAdder();
  private final LongAdder errorCount = new LongAdder();
  private final LongAdder badTokenAccepted = new LongAdder();
  private final RevocationLedger ledger;
  private final List<Second> timeline = new ArrayList<>();
  private final Map<Integer, Long> lastStatuses = new TreeMap<>();
  private long lastRequests;
  private long lastErrors;
  private long start;
  private long lastTick;

  Stats(RevocationLedger ledger) {
    this.ledger = ledger;
    for (Category c : Category.values()) {
      recorders.put(c, new Recorder(3));
      totals.put(c, new Histogram(3));
      bytes.put(c, new LongAdder());
    }
    refusals.put(Category.BAD_TOKEN, new ConcurrentHashMap<>());
    refusals.put(Category.REVOKED, new ConcurrentHashMap<>());
  }

  /** Marks the start of the measured run (setup traffic before it is not in the timeline). */
  synchronized void begin() {
    start = Ticks.now();
    lastTick = start;
    recorders.values().forEach(Recorder::reset);
  }

  /** Counts one HTTP answer (every request, including both of a clone or push). */
  void response(int status) {
    requests.increment();
    statuses.computeIfAbsent(status, s -> new LongAdder()).increment();
  }

  /** Files one finished operation under its category, or as an error. */
  void record(SmartHttpClient.Result r) {
    Category category = categoryOf(r);
    if (category == null) {
      errorCount.increment();
      String reason = r.error().length() > 90 ? r.error().substring(0, 90) + "…" : r.error();
      String who = r.credential().bad() ? "bad-token" : r.op().label();
      errors.computeIfAbsent(who + ": " + reason, k -> new LongAdder()).increment();
      return;
    }
    recorders.get(category).recordValue(r.micros());
    bytes.get(category).add(r.bytes());
    Map<Integer, LongAdder> byStatus = refusals.get(category);
    if (byStatus != null) {
      byStatus.computeIfAbsent(r.status(), k -> new LongAdder()).increment();
    }
  }

  /**
   * The statuses that refused the operations of {@link Category#BAD_TOKEN} or {@link
   * Category#REVOKED}.
   */
  Map<Integer, Long> refusals(Category c) {
    Map<Integer, Long> m = new TreeMap<>();
    refusals.getOrDefault(c, Map.of()).forEach((k, v) -> m.put(k, v.sum()));
    return m;
  }

  /** The category of a result, or {@code null} for an unexpected outcome. */
  private Category categoryOf(SmartHttpClient.Result r) {
    boolean refused = r.status() == 401 || r.status() == 403 || r.status() == 429;
    if (r.credential().bad()) {
      if (r.status() == 401 || r.status() == 429) {
        return Category.BAD_TOKEN;
      }
      if (r.ok()) {
        badTokenAccepted.increment();
      }
      return null;
    }
    if (r.ok()) {
      return Category.of(r.op());
    }
    return refused && ledger.revocationSent(r.credential().pool()) ? Category.REVOKED : null;
  }

  /** Closes the current interval: adds it to the totals and the timeline and returns it. */
  synchronized Second tick() {
    long now = Ticks.now();
    Map<Category, Point> points = new EnumMap<>(Category.class);
    for (Category c : Category.values()) {
      Histogram h = recorders.get(c).getIntervalHistogram(recycled.get(c));
      recycled.put(c, h);
      totals.get(c).add(h);
      long n = h.getTotalCount();
      points.put(
          c,
          new Point(
              n,
              n == 0 ? Double.NaN : h.getValueAtPercentile(50) / 1000.0,
              n == 0 ? Double.NaN : h.getValueAtPercentile(99) / 1000.0));
    }
    long req = requests.sum();
    long err = errorCount.sum();
    Map<Integer, Long> non2xx = new TreeMap<>();
    statuses.forEach(
        (status, count) -> {
          long total = count.sum();
          long delta = total - lastStatuses.getOrDefault(status, 0L);
          lastStatuses.put(status, total);
          if ((status < 200 || status > 299) && delta > 0) {
            non2xx.put(status, delta);
          }
        });
    Second s =
        new Second(
            (now - start) / 1e9,
            (now - lastTick) / 1e9,
            req - lastRequests,
            points,
            non2xx,
            err - lastErrors);
    lastRequests = req;
    lastErrors = err;
    lastTick = now;
    timeline.add(s);
    return s;
  }

  synchronized List<Second> timeline() {
    return Collections.unmodifiableList(new ArrayList<>(timeline));
  }

  /** Everything recorded in a category so far (up to the last {@link #tick()}). */
  synchronized Histogram total(Category c) {
    return totals.get(c).copy();
  }

  long bytes(Category c) {
    return bytes.get(c).sum();
  }

  long requests() {
    return requests.sum();
  }

  Map<Integer, Long> statuses() {
    Map<Integer, Long> m = new TreeMap<>();
    statuses.forEach((k, v) -> m.put(k, v.sum()));
    return m;
  }

  long errorCount() {
    return errorCount.sum();
  }

  /** Unexpected outcomes by {@code operation: reason}, most frequent first. */
  Map<String, Long> errors() {
    Map<String, Long> m = new java.util.LinkedHashMap<>();
    errors.entrySet().stream()
        .sorted((a, b) -> Long.compare(b.getValue().sum(), a.getValue().sum()))
        .forEach(e -> m.put(e.getKey(), e.getValue().sum()));
    return m;
  }

  /** Bad tokens that got a 2xx: must be 0. */
  long badTokenAccepted() {
    return badTokenAccepted.sum();
  }
}
