package dev.portcullis.gateway;

import dev.portcullis.policy.access.FailedAuthLimiter;
import java.time.Duration;

/**
 * Request limits: push sizes (JGit's receive-pack limits), the failed-authentication limiter, the
 * slowest a client may send or read before its connection is dropped, and what one client address
 * may hold of the server at a time.
 *
 * @param maxPackBytes largest pack a push may send, 0 = no limit
 * @param maxObjectBytes largest single object in a push, 0 = no limit
 * @param auditEachRead write an audit row for every allowed read and every refusal of a request
 *     without a valid credential, instead of one counted row per token (or reason), repository,
 *     client and minute
 * @param maxRequestDuration the longest one git request may take before its connection is closed
 * @param minDataRateBytesPerSecond slowest acceptable request body / response read rate, 0 = off
 *     (the default: Jetty measures the rate from the start of the request, so under load it also
 *     cuts small requests that merely waited in a queue; the idle timeout bounds a stalled client)
 * @param maxRequestsPerClient requests one client address (as {@code RequestOrigin} decides it) may
 *     have in flight at once; past it the gateway answers 429. 0 = no cap
 * @param minBodyRateBytesPerSecond slowest acceptable rate of the bodies anyone may send without a
 *     credential (REST API calls, {@code git-upload-pack} requests), measured from the start of the
 *     body; 0 = off
 * @param apiBodyTimeout the longest an API request body (at most 1 MiB) may take to arrive
 * @param maxApiRequestDuration the longest one API request may take before its connection is closed
 */
public record Limits(
    long maxPackBytes,
    long maxObjectBytes,
    FailedAuthLimiter.Settings failedAuth,
    long minDataRateBytesPerSecond,
    Duration idleTimeout,
    Duration maxRequestDuration,
    boolean auditEachRead,
    int maxRequestsPerClient,
    long minBodyRateBytesPerSecond,
    Duration apiBodyTimeout,
    Duration maxApiRequestDuration) {
  /** Default of {@link #maxRequestsPerClient}: a quarter of the default 200 worker threads. */
  public static final int DEFAULT_MAX_REQUESTS_PER_CLIENT = 50;

  /** Default of {@link #minBodyRateBytesPerSecond}. */
  public static final long DEFAULT_MIN_BODY_RATE = 1024;

  /** Default of {@link #apiBodyTimeout}. */
  public static final Duration DEFAULT_API_BODY_TIMEOUT = Duration.ofSeconds(10);

  /** Default of {@link #maxApiRequestDuration}. */
  public static final Duration DEFAULT_MAX_API_REQUEST_DURATION = Duration.ofSeconds(60);

  public static final Limits DEFAULT =
      new Limits(
          2L * 1024 * 1024 * 1024,
          512L * 1024 * 1024,
          FailedAuthLimiter.Settings.DEFAULT,
          0,
          Duration.ofSeconds(60),
          Duration.ofHours(1),
          false);

  public Limits {
    if (maxPackBytes < 0
        || maxObjectBytes < 0
        || minDataRateBytesPerSecond < 0
        || maxRequestsPerClient < 0
        || minBodyRateBytesPerSecond < 0) {
      throw new IllegalArgumentException("limits are 0 (off) or positive");
    }
    if (apiBodyTimeout.isNegative() || apiBodyTimeout.isZero()) {
      throw new IllegalArgumentException("the API body timeout must be positive");
    }
    if (maxApiRequestDuration.isNegative() || maxApiRequestDuration.isZero()) {
      throw new IllegalArgumentException("the longest API request duration must be positive");
    }
    if (idleTimeout.isNegative() || idleTimeout.isZero()) {
      throw new IllegalArgumentException("the idle timeout must be positive");
    }
    if (maxRequestDuration.isNegative() || maxRequestDuration.isZero()) {
      throw new IllegalArgumentException("the longest request duration must be positive");
    }
  }

  /** Limits with the default longest request duration (one hour). */
  public Limits(
      long maxPackBytes,
      long maxObjectBytes,
      FailedAuthLimiter.Settings failedAuth,
      long minDataRateBytesPerSecond,
      Duration idleTimeout) {
    this(
        maxPackBytes,
        maxObjectBytes,
        failedAuth,
        minDataRateBytesPerSecond,
        idleTimeout,
        Duration.ofHours(1),
        false);
  }

  /** Limits with the given longest request duration, allowed reads counted per minute. */
  public Limits(
      long maxPackBytes,
      long maxObjectBytes,
      FailedAuthLimiter.Settings failedAuth,
      long minDataRateBytesPerSecond,
      Duration idleTimeout,
      Duration maxRequestDuration) {
    this(
        maxPackBytes,
        maxObjectBytes,
        failedAuth,
        minDataRateBytesPerSecond,
        idleTimeout,
        maxRequestDuration,
        false);
  }

  /** Limits with the default per-client cap, body rate and API deadlines. */
  public Limits(
      long maxPackBytes,
      long maxObjectBytes,
      FailedAuthLimiter.Settings failedAuth,
      long minDataRateBytesPerSecond,
      Duration idleTimeout,
      Duration maxRequestDuration,
      boolean auditEachRead) {
    this(
        maxPackBytes,
        maxObjectBytes,
        failedAuth,
        minDataRateBytesPerSecond,
        idleTimeout,
        maxRequestDuration,
        auditEachRead,
        DEFAULT_MAX_REQUESTS_PER_CLIENT,
        DEFAULT_MIN_BODY_RATE,
        DEFAULT_API_BODY_TIMEOUT,
        DEFAULT_MAX_API_REQUEST_DURATION);
  }

  /**
   * These limits with another per-client cap (0 = none: a load test driving thousands of clients
   * from one machine).
   */
  public Limits withMaxRequestsPerClient(int max) {
    return new Limits(
        maxPackBytes,
        maxObjectBytes,
        failedAuth,
        minDataRateBytesPerSecond,
        idleTimeout,
        maxRequestDuration,
        auditEachRead,
        max,
        minBodyRateBytesPerSecond,
        apiBodyTimeout,
        maxApiRequestDuration);
  }
}
