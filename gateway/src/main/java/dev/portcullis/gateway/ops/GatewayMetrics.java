package dev.portcullis.gateway.ops;

import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.HikariPoolMXBean;
import dev.portcullis.policy.access.PolicyCache;
import dev.portcullis.policy.decision.Decision;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;
import java.util.function.ToDoubleFunction;
import javax.sql.DataSource;

/**
 * The gateway's Prometheus metrics (Micrometer). Tags are fixed vocabularies (outcome, reason,
 * service, status, cache): never a token, a login or a repository name.
 */
public final class GatewayMetrics {
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Map<Decision.Reason, Counter> decisions = new EnumMap<>(Decision.Reason.class);
  private final Timer decisionTime;
  private final Map<String, Counter> gitRequests = new ConcurrentHashMap<>();
  private final Map<String, Counter> gitBytes = new ConcurrentHashMap<>();
  // [0] in, [1] out: looked up without a key string or a lambda per request.
  private final Counter[] uploadPackBytes = new Counter[2];
  private final Counter[] receivePackBytes = new Counter[2];
  private final Counter[] uploadPackRequests = new Counter[500];
  private final Counter[] receivePackRequests = new Counter[500];
  private final Counter throttled;
  private final Counter clientCapped;
  private final Counter storeUnavailable;
  private volatile List<LongSupplier> notificationSources = List.of();
  private volatile List<LongSupplier> webhookSources = List.of();

  public GatewayMetrics(PolicyCache cache, DataSource store) {
    for (Decision.Reason r : Decision.Reason.values()) {
      boolean allowed =
          r == Decision.Reason.ANONYMOUS_PUBLIC_READ
              || r == Decision.Reason.PUBLIC_READ
              || r == Decision.Reason.AUTHORIZED;
      decisions.put(
          r,
          Counter.builder("portcullis.decisions")
              .description("Access decisions by outcome and reason")
              .tag("outcome", allowed ? "allow" : "deny")
              .tag("reason", r.label())
              .register(registry));
    }
    decisionTime =
        Timer.builder("portcullis.decision")
            .description(
                "Time to authenticate and decide one git request (header parse to decision)")
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofNanos(500))
            .maximumExpectedValue(Duration.ofSeconds(5))
            .register(registry);
    throttled =
        Counter.builder("portcullis.auth.throttled")
            .description("Requests refused by the failed-authentication limiter")
            .register(registry);
    clientCapped =
        Counter.builder("portcullis.client.capped")
            .description("Requests refused 429 because their client had too many in flight")
            .register(registry);
    storeUnavailable =
        Counter.builder("portcullis.store.unavailable")
            .description("Requests answered 503 because the store was unreachable")
            .register(registry);
    for (String name : cache.stats().keySet()) {
      Gauge.builder("portcullis.cache.hit.ratio", cache, c -> c.stats().get(name)[0])
          .tag("cache", name)
          .description("Hit ratio of a decision-input cache since start")
          .register(registry);
      Gauge.builder("portcullis.cache.size", cache, c -> c.stats().get(name)[1])
          .tag("cache", name)
          .description("Estimated entries of a decision-input cache")
          .register(registry);
    }
    if (store instanceof HikariDataSource h) {
      pool("active", h, HikariPoolMXBean::getActiveConnections);
      pool("idle", h, HikariPoolMXBean::getIdleConnections);
      pool("total", h, HikariPoolMXBean::getTotalConnections);
      pool("pending", h, HikariPoolMXBean::getThreadsAwaitingConnection);
      Gauge.builder("portcullis.store.pool.max", h, HikariDataSource::getMaximumPoolSize)
          .register(registry);
    }
  }

  private void pool(String state, HikariDataSource h, ToDoubleFunction<HikariPoolMXBean> f) {
    Gauge.builder(
            "portcullis.store.pool.connections",
            h,
            ds -> {
              HikariPoolMXBean bean = ds.getHikariPoolMXBean();
              return bean == null ? 0 : f.applyAsDouble(bean);
            })
        .tag("state", state)
        .description("Store connection pool")
        .register(registry);
  }

  public void decided(Decision d, long nanos) {
    decisions.get(d.reason()).increment();
    decisionTime.record(nanos, java.util.concurrent.TimeUnit.NANOSECONDS);
  }

  public void throttled() {
    throttled.increment();
  }

  /** A request refused because its client address had too many requests in flight. */
  public void clientCapped() {
    clientCapped.increment();
  }

  public void storeUnavailable() {
    storeUnavailable.increment();
  }

  /** A git request served (or refused) with its HTTP status and bytes each way. */
  public void gitRequest(String service, int status, long bytesIn, long bytesOut) {
    // Counters by service and status without building a key string per request.
    Counter[] byStatus =
        service.equals("git-receive-pack") ? receivePackRequests : uploadPackRequests;
    int slot = status >= 100 && status < 600 ? status - 100 : 499;
    Counter c = byStatus[slot];
    if (c == null) {
      c =
          gitRequests.computeIfAbsent(
              service + "|" + status,
              k ->
                  Counter.builder("portcullis.git.requests")
                      .description("Git requests by service and HTTP status")
                      .tag("service", service)
                      .tag("status", Integer.toString(status))
                      .register(registry));
      byStatus[slot] = c;
    }
    c.increment();
    if (bytesIn > 0) {
      bytes(service, 0).increment(bytesIn);
    }
    if (bytesOut > 0) {
      bytes(service, 1).increment(bytesOut);
    }
  }

  private Counter bytes(String service, int direction) {
    Counter[] byDirection = service.equals("git-receive-pack") ? receivePackBytes : uploadPackBytes;
    Counter c = byDirection[direction];
    if (c == null) {
      c = bytesCounter(service, direction == 0 ? "in" : "out");
      byDirection[direction] = c;
    }
    return c;
  }

  private Counter bytesCounter(String service, String direction) {
    return gitBytes.computeIfAbsent(
        service + "|" + direction,
        k ->
            Counter.builder("portcullis.git.bytes")
                .description("Git payload bytes by service and direction")
                .baseUnit("bytes")
                .tag("service", service)
                .tag("direction", direction)
                .register(registry));
  }

  /** The Prometheus text exposition. */
  public String scrape() {
    return registry.scrape();
  }

  /**
   * Registers the notification metrics: those failed for good (in the store, so every node reports
   * the same number), and this node's mails sent and failed attempts. The suppliers are held here:
   * Micrometer keeps only a weak reference, and a lambda nobody else holds would be collected (the
   * metric then reads NaN).
   */
  public void notifications(LongSupplier failed, LongSupplier sent, LongSupplier failedAttempts) {
    notificationSources = List.of(failed, sent, failedAttempts);
    Gauge.builder("portcullis.notifications.failed", failed, f -> f.getAsLong())
        .description("Notifications given up after 24 h of failed delivery (all nodes)")
        .register(registry);
    FunctionCounter.builder("portcullis.notifications.sent", sent, s -> s.getAsLong())
        .description("Notification mails this node sent")
        .register(registry);
    FunctionCounter.builder(
            "portcullis.notifications.attempts.failed", failedAttempts, f -> f.getAsLong())
        .description("Notification deliveries that failed on this node (each is retried)")
        .register(registry);
  }

  /** Organization webhooks: given up (all nodes), delivered and failed attempts (this node). */
  public void webhooks(LongSupplier failed, LongSupplier delivered, LongSupplier failedAttempts) {
    webhookSources = List.of(failed, delivered, failedAttempts);
    Gauge.builder("portcullis.webhooks.failed", failed, f -> f.getAsLong())
        .description("Webhook deliveries given up after their retries (all nodes)")
        .register(registry);
    FunctionCounter.builder("portcullis.webhooks.delivered", delivered, s -> s.getAsLong())
        .description("Webhook deliveries this node made (a 2xx answer)")
        .register(registry);
    FunctionCounter.builder(
            "portcullis.webhooks.attempts.failed", failedAttempts, f -> f.getAsLong())
        .description("Webhook attempts that failed on this node")
        .register(registry);
  }
}
