package dev.portcullis.gateway.loadtest;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.http.HttpClient;
import java.time.Instant;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One load test run from start to end: HTTP clients, setup, the load with its revoker, the reports.
 * {@link LoadtestCommand} is its command-line face; tests call {@link #run} directly too.
 */
final class LoadTest {
  /** Revocation calls allowed in flight at once. */
  private static final int REVOCATIONS_IN_FLIGHT = 16;

  /**
   * What a run produced.
   *
   * @param cleanedUp false when the cleanup was asked for and left something behind
   */
  record Outcome(Report report, Report.Written files, Setup.Fixture fixture, boolean cleanedUp) {}

  private LoadTest() {}

  /**
   * Runs a load test against {@code target}, printing progress and the summary on {@code out}.
   *
   * @throws AdminApi.CallFailed when setup fails
   * @throws IOException when the reports cannot be written
   */
  static Outcome run(LoadtestConfig config, Target target, PrintWriter out)
      throws IOException, InterruptedException {
    Instant startedAt = Instant.now();
    int threads = Math.max(4, 2 * Runtime.getRuntime().availableProcessors());
    ExecutorService executor = Executors.newFixedThreadPool(threads, daemon("loadtest-io"));
    ScheduledExecutorService scheduler =
        Executors.newScheduledThreadPool(2, daemon("loadtest-timer"));
    try {
      HttpClient gitHttp = http(config, target, executor);
      AdminApi api =
          new AdminApi(
              http(config, target, executor),
              target.apiRoot(),
              target.adminToken(),
              config.requestTimeout());
      out.printf(
          "load test against %s: %d tokens, %d clients, %d s, mix %s, revoke rate %s/s, bad-token rate %s%n",
          target.base(),
          config.tokens(),
          config.clients(),
          config.duration().toSeconds(),
          config.mix(),
          config.revokeRate(),
          config.badTokenRate());
      out.flush();
      SmartHttpClient setupGit =
          new SmartHttpClient(
              gitHttp, target.base(), config.requestTimeout(), (c, at, status) -> {});
      Cleanup cleanup = new Cleanup(api, out);
      // Interrupted (Ctrl-C, SIGTERM), the run still deletes what it made: the hook runs while the
      // HTTP clients' daemon threads are still alive.
      Thread hook = config.cleanup() ? new Thread(cleanup::run, "loadtest-cleanup") : null;
      if (hook != null) {
        Runtime.getRuntime().addShutdownHook(hook);
      }
      try {
        Setup.Fixture fixture = new Setup(config, api, setupGit, out, cleanup).run();
        RevocationLedger ledger =
            new RevocationLedger(fixture.tokens().stream().mapToLong(PoolToken::id).toArray());
        Stats stats = new Stats(ledger);
        SmartHttpClient git =
            new SmartHttpClient(
                gitHttp,
                target.base(),
                config.requestTimeout(),
                (c, sentAt, status) -> {
                  stats.response(status);
                  ledger.check(c.pool(), sentAt, status);
                });
        Revoker revoker =
            config.revokeRate() > 0
                ? new Revoker(
                    api,
                    fixture.org(),
                    fixture.tokens(),
                    ledger,
                    config.revokeRate(),
                    REVOCATIONS_IN_FLIGHT)
                : null;
        double seconds =
            new LoadRunner(config, fixture, git, stats, ledger, revoker, executor, scheduler, out)
                .run();
        Report report =
            new Report(
                config,
                target.base().toString(),
                startedAt,
                fixture,
                seconds,
                stats,
                ledger,
                revoker);
        Report.Written files = report.write(config.reportDir());
        out.print(report.summary(files));
        out.flush();
        return new Outcome(report, files, fixture, !config.cleanup() || cleanup.run());
      } finally {
        // After a failure too; a second run() does nothing.
        if (hook != null) {
          cleanup.run();
          try {
            Runtime.getRuntime().removeShutdownHook(hook);
          } catch (IllegalStateException shuttingDown) {
            // The JVM is stopping: the hook runs the same cleanup, which has run already.
          }
        }
      }
    } finally {
      scheduler.shutdownNow();
      executor.shutdownNow();
    }
  }

  /**
   * An HTTP/1.1 client with keep-alive, the configured connect timeout and the target's TLS trust.
   */
  private static HttpClient http(LoadtestConfig config, Target target, ExecutorService executor) {
    HttpClient.Builder b =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(config.connectTimeout())
            .followRedirects(HttpClient.Redirect.NEVER)
            .executor(executor);
    if (target.ssl() != null) {
      b.sslContext(target.ssl());
    }
    return b.build();
  }

  private static ThreadFactory daemon(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
