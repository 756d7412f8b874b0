package dev.portcullis.gateway.git;

import jakarta.servlet.http.HttpServletRequest;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends git requests that run past the longest request duration. A client that keeps trickling bytes
 * never trips the idle timeout: past its deadline the request's connection is closed, which ends
 * the blocked read or write.
 *
 * <p>One sweep over the requests in flight runs a few times per longest duration (at most each
 * second), instead of a timer scheduled and cancelled per request.
 */
final class RequestWatchdog {
  private static final Logger LOG = LoggerFactory.getLogger("portcullis.git");

  private final long maxRequestNanos;

  /** Requests handed to JGit and not yet finished. */
  private final Set<Watched> inFlight = ConcurrentHashMap.newKeySet();

  RequestWatchdog(ScheduledExecutorService scheduler, Duration maxRequestDuration) {
    this.maxRequestNanos = maxRequestDuration.toNanos();
    long period = Math.max(10_000_000L, Math.min(1_000_000_000L, maxRequestNanos / 4));
    scheduler.scheduleWithFixedDelay(this::sweep, period, period, TimeUnit.NANOSECONDS);
  }

  /**
   * Watches a request about to be handed to JGit, started at {@code start} ({@link
   * System#nanoTime}); pass the result to {@link #done} when it finishes.
   */
  Watched watch(HttpServletRequest request, GitRequest git, long start) {
    Watched running = new Watched(request, git, start + maxRequestNanos);
    inFlight.add(running);
    return running;
  }

  /** The request has finished: it is no longer watched. */
  void done(Watched running) {
    inFlight.remove(running);
  }

  /**
   * A request handed to JGit, with the time (nanoTime) past which its connection is closed;
   * identity equality.
   */
  static final class Watched {
    private final HttpServletRequest request;
    private final GitRequest git;
    private final long deadline;

    private Watched(HttpServletRequest request, GitRequest git, long deadline) {
      this.request = request;
      this.git = git;
      this.deadline = deadline;
    }
  }

  /** Closes the connection of every request past its deadline (run by the scheduler). */
  private void sweep() {
    long now = System.nanoTime();
    for (Watched r : inFlight) {
      if (now - r.deadline >= 0 && inFlight.remove(r)) {
        try {
          abort(r.request, r.git);
        } catch (RuntimeException e) {
          LOG.warn("could not close an overlong git request's connection: {}", e.toString());
        }
      }
    }
  }

  private static void abort(HttpServletRequest request, GitRequest git) {
    LOG.warn(
        "git {} {}/{} exceeded the longest request duration; closing its connection",
        git.service(),
        git.owner(),
        git.name());
    ServletContextRequest core = ServletContextRequest.getServletContextRequest(request);
    if (core != null) {
      core.getConnectionMetaData().getConnection().getEndPoint().close();
    }
  }
}
