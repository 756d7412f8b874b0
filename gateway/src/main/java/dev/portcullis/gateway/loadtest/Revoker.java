package dev.portcullis.gateway.loadtest;

import java.util.EnumMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Takes tokens away through the admin API at a steady rate while the load runs, and records in the
 * {@link RevocationLedger} when each call was sent and when it returned. A token is revoked at most
 * once, picked at random among those not yet revoked:
 *
 * <ul>
 *   <li>classic: {@code DELETE /admin/personal-access-tokens/{id}} (then 401);
 *   <li>fine-grained, approved: the org revokes the grant, {@code POST
 *       /orgs/{org}/personal-access-tokens/{id} {"action":"revoke"}} (then 403), or the token is
 *       deleted, half and half;
 *   <li>fine-grained with a pending request: the org denies it, {@code POST
 *       /orgs/{org}/personal-access-token-requests/{request} {"action":"deny"}} (then 403).
 * </ul>
 */
final class Revoker {
  /** How a token is taken away. */
  enum Action {
    DELETE("delete"),
    ORG_REVOKE("org_revoke"),
    ORG_DENY("org_deny");

    final String label;

    Action(String label) {
      this.label = label;
    }
  }

  private final AdminApi api;
  private final String org;
  private final List<PoolToken> tokens;
  private final RevocationLedger ledger;
  private final double ratePerSecond;
  private final int maxInFlight;
  private final AtomicInteger inFlight = new AtomicInteger();
  private final LongAdder requested = new LongAdder();
  private final LongAdder failed = new LongAdder();
  private final LongAdder skipped = new LongAdder();
  private final Map<Action, LongAdder> done = new EnumMap<>(Action.class);
  private final Set<String> failures = java.util.Collections.synchronizedSet(new LinkedHashSet<>());
  private final Recorder latency = new Recorder(3);
  private final Histogram latencyTotal = new Histogram(3);
  private volatile boolean exhausted;
  private ScheduledFuture<?> schedule;

  /**
   * @param ratePerSecond revocations started per second
   * @param maxInFlight revocation calls allowed in flight; a tick finding that many is skipped
   */
  Revoker(
      AdminApi api,
      String org,
      List<PoolToken> tokens,
      RevocationLedger ledger,
      double ratePerSecond,
      int maxInFlight) {
    if (ratePerSecond <= 0 || maxInFlight < 1) {
      throw new IllegalArgumentException("a revoker needs a positive rate and room for one call");
    }
    this.api = api;
    this.org = org;
    this.tokens = tokens;
    this.ledger = ledger;
    this.ratePerSecond = ratePerSecond;
    this.maxInFlight = maxInFlight;
    for (Action a : Action.values()) {
      done.put(a, new LongAdder());
    }
  }

  /** Starts revoking on {@code scheduler}. */
  synchronized void start(ScheduledExecutorService scheduler) {
    long period = Math.max(1_000L, Math.round(1e9 / ratePerSecond));
    schedule = scheduler.scheduleAtFixedRate(this::tick, period, period, TimeUnit.NANOSECONDS);
  }

  /** Stops starting revocations; calls in flight still complete. */
  synchronized void stop() {
    if (schedule != null) {
      schedule.cancel(false);
    }
  }

  /** Waits up to {@code millis} for the calls in flight. */
  void awaitIdle(long millis) throws InterruptedException {
    long end = System.currentTimeMillis() + millis;
    while (inFlight.get() > 0 && System.currentTimeMillis() < end) {
      Thread.sleep(10);
    }
  }

  private void tick() {
    if (exhausted) {
      return;
    }
    if (inFlight.get() >= maxInFlight) {
      skipped.increment();
      return;
    }
    int n = tokens.size();
    int from = ThreadLocalRandom.current().nextInt(n);
    for (int k = 0; k < n; k++) {
      int i = (from + k) % n;
      if (ledger.claim(i)) {
        revoke(tokens.get(i));
        return;
      }
    }
    exhausted = true;
  }

  private void revoke(PoolToken t) {
    Action action =
        switch (t.kind()) {
          case CLASSIC -> Action.DELETE;
          case FINE_GRAINED ->
              ThreadLocalRandom.current().nextBoolean() ? Action.ORG_REVOKE : Action.DELETE;
          case FINE_GRAINED_PENDING -> Action.ORG_DENY;
        };
    inFlight.incrementAndGet();
    requested.increment();
    long sent = Ticks.now();
    var call =
        switch (action) {
          case DELETE -> api.call("DELETE", "/admin/personal-access-tokens/" + t.id(), null);
          case ORG_REVOKE ->
              api.call(
                  "POST",
                  "/orgs/" + org + "/personal-access-tokens/" + t.id(),
                  Map.of("action", "revoke"));
          case ORG_DENY ->
              api.call(
                  "POST",
                  "/orgs/" + org + "/personal-access-token-requests/" + t.requestId(),
                  Map.of("action", "deny"));
        };
    call.whenComplete(
        (r, e) -> {
          try {
            if (e == null && r.ok()) {
              ledger.returned(t.index());
              done.get(action).increment();
              latency.recordValue(Math.max(0, (Ticks.now() - sent) / 1000));
            } else {
              failed.increment();
              String why =
                  e != null
                      ? SmartHttpClient.reason(e.getCause() == null ? e : e.getCause())
                      : r.message();
              if (failures.size() < 10) {
                failures.add(action.label + ": " + why);
              }
            }
          } finally {
            inFlight.decrementAndGet();
          }
        });
  }

  long requested() {
    return requested.sum();
  }

  long succeeded() {
    return done.values().stream().mapToLong(LongAdder::sum).sum();
  }

  long failed() {
    return failed.sum();
  }

  /** Ticks skipped because {@code maxInFlight} calls were still running. */
  long skipped() {
    return skipped.sum();
  }

  /** Successful revocations by action. */
  Map<Action, Long> byAction() {
    Map<Action, Long> m = new EnumMap<>(Action.class);
    done.forEach((k, v) -> m.put(k, v.sum()));
    return m;
  }

  /** A few distinct failure messages. */
  List<String> failureSamples() {
    synchronized (failures) {
      return List.copyOf(failures);
    }
  }

  /** Latency of the successful revocation calls, microseconds. */
  synchronized Histogram latency() {
    latencyTotal.add(latency.getIntervalHistogram());
    return latencyTotal.copy();
  }
}
