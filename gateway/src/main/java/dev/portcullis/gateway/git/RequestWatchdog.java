package dev.portcullis.gateway.git;

import jakarta.servlet.http.HttpServletRequest;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.eclipse.jetty.ee10.servlet.ServletContextRequest;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Ends requests that run past their longest duration (git requests handed to JGit, REST API calls).
 * A client that keeps trickling bytes never trips the idle timeout: past its deadline the request's
 * connection is closed, which ends the blocked read or write.
 *
 * <p>One sweep over the requests in flight runs four times per the shortest duration watched for
 * (at most each second), instead of a timer scheduled and cancelled per request.
 */
public final class RequestWatchdog {
  private static final Logger LOG = LoggerFactory.getLogger("portcullis.watchdog");

  /** Requests being watched and not yet finished. */
  private final Set<Watched> inFlight = ConcurrentHashMap.newKeySet();

  /**
   * @param shortest the shortest duration any request will be watched for: the sweep runs at a
   *     quarter of it (between 10 ms and 1 s)
   */
  public RequestWatchdog(ScheduledExecutorService scheduler, Duration shortest) {
    long period = Math.max(10_000_000L, Math.min(1_000_000_000L, shortest.toNanos() / 4));
    scheduler.scheduleWithFixedDelay(this::sweep, period, period, TimeUnit.NANOSECONDS);
  }

  /**
   * Watches a request started at {@code start} ({@link System#nanoTime}) that may run for {@code
   * longest}; {@code what} names it in the warning (never a credential), built only then. Pass the
   * result to {@link #done} when it finishes.
   */
  public Watched watch(
      HttpServletRequest request, Supplier<String> what, long start, Duration longest) {
    Watched running = new Watched(request, what, start + longest.toNanos());
    inFlight.add(running);
    return running;
  }

  /** The request has finished: it is no longer watched. */
  public void done(Watched running) {
    inFlight.remove(running);
  }

  /** A watched request, with the time (nanoTime) past which its connection is closed. */
  public static final class Watched {
    private final HttpServletRequest request;
    private final Supplier<String> what;
    private final long deadline;

    private Watched(HttpServletRequest request, Supplier<String> what, long deadline) {
      this.request = request;
      this.what = what;
      this.deadline = deadline;
    }
  }

  /** Closes the connection of every request past its deadline (run by the scheduler). */
  private void sweep() {
    long now = System.nanoTime();
    for (Watched r : inFlight) {
      if (now - r.deadline >= 0 && inFlight.remove(r)) {
        try {
          abort(r.request, r.what.get());
        } catch (RuntimeException e) {
          LOG.warn("could not close an overlong request's connection: {}", e.toString());
        }
      }
    }
  }

  private static void abort(HttpServletRequest request, String what) {
    LOG.warn("{} exceeded its longest duration; closing its connection", what);
    ServletContextRequest core = ServletContextRequest.getServletContextRequest(request);
    if (core != null) {
      core.getConnectionMetaData().getConnection().getEndPoint().close();
    }
  }
}
