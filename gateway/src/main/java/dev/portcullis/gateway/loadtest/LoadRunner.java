package dev.portcullis.gateway.loadtest;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Drives the load: {@code clients} closed-loop simulated git clients, each starting its next
 * operation as soon as the last one finished, until the duration or the operation cap is reached; a
 * progress line per second; the revoker running alongside.
 *
 * <p>Client {@code c} uses the pool tokens {@code c, c + clients, c + 2·clients, …} in turn
 * (including the ones revoked meanwhile, which must then be refused), lists and clones content
 * repository {@code c mod repos}, and pushes to its own branch {@code loadtest/c<c>} of the push
 * repository, so pushes never conflict. No thread waits on a client: each is a chain of futures.
 */
final class LoadRunner {
  private final LoadtestConfig config;
  private final Setup.Fixture fixture;
  private final SmartHttpClient git;
  private final Stats stats;
  private final RevocationLedger ledger;
  private final Revoker revoker;
  private final Executor executor;
  private final ScheduledExecutorService scheduler;
  private final PrintWriter out;
  private final AtomicLong started = new AtomicLong();
  private volatile long deadline;
  private volatile boolean stopping;

  LoadRunner(
      LoadtestConfig config,
      Setup.Fixture fixture,
      SmartHttpClient git,
      Stats stats,
      RevocationLedger ledger,
      Revoker revoker,
      Executor executor,
      ScheduledExecutorService scheduler,
      PrintWriter out) {
    this.config = config;
    this.fixture = fixture;
    this.git = git;
    this.stats = stats;
    this.ledger = ledger;
    this.revoker = revoker;
    this.executor = executor;
    this.scheduler = scheduler;
    this.out = out;
  }

  /** Runs the load; returns its length in seconds. */
  double run() throws InterruptedException {
    List<Client> clients = new ArrayList<>(config.clients());
    for (int c = 0; c < config.clients(); c++) {
      clients.add(new Client(c));
    }
    stats.begin();
    long start = Ticks.now();
    deadline = start + config.duration().toNanos();
    ScheduledFuture<?> progress =
        scheduler.scheduleAtFixedRate(this::progress, 1, 1, TimeUnit.SECONDS);
    if (revoker != null) {
      revoker.start(scheduler);
    }
    clients.forEach(c -> executor.execute(c::step));
    CompletableFuture<Void> all =
        CompletableFuture.allOf(
            clients.stream().map(c -> c.finished).toArray(CompletableFuture<?>[]::new));
    long waitMillis =
        config.duration().toMillis() + 2 * config.requestTimeout().toMillis() + 10_000;
    try {
      all.get(waitMillis, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      out.println(
          "warning: some clients did not finish within "
              + waitMillis / 1000
              + " s; reporting what finished");
    } catch (java.util.concurrent.ExecutionException e) {
      throw new IllegalStateException("a client failed", e.getCause());
    } finally {
      stopping = true;
      if (revoker != null) {
        revoker.stop();
        revoker.awaitIdle(config.requestTimeout().toMillis());
      }
      progress.cancel(false);
    }
    double seconds = (Ticks.now() - start) / 1e9;
    stats.tick();
    return seconds;
  }

  private void progress() {
    Stats.Second s = stats.tick();
    if (config.progress()) {
      out.println(Progress.line(s, revoker, ledger));
      out.flush();
    }
  }

  /** One simulated git client. */
  private final class Client {
    final int index;
    final int[] tokens;
    final String repo;
    final String branch;
    final CompletableFuture<Void> finished = new CompletableFuture<>();
    int cursor;
    int pushes;

    Client(int index) {
      this.index = index;
      int n = fixture.tokens().size();
      int clients = config.clients();
      int mine = n >= clients ? (n - index + clients - 1) / clients : 1;
      this.tokens = new int[mine];
      for (int k = 0; k < mine; k++) {
        tokens[k] = n >= clients ? index + k * clients : index % n;
      }
      this.repo = fixture.contentRepos().get(index % fixture.contentRepos().size());
      this.branch = Setup.BRANCH_PREFIX + index;
    }

    void step() {
      if (stopping || Ticks.now() >= deadline) {
        finished.complete(null);
        return;
      }
      if (config.maxRequests() > 0 && started.incrementAndGet() > config.maxRequests()) {
        stopping = true;
        finished.complete(null);
        return;
      }
      ThreadLocalRandom r = ThreadLocalRandom.current();
      Operation op = config.mix().pick(r.nextDouble());
      Credential c =
          r.nextDouble() < config.badTokenRate()
              ? BadTokens.next()
              : fixture.tokens().get(tokens[cursor++ % tokens.length]).credential();
      CompletableFuture<SmartHttpClient.Result> f;
      try {
        f =
            switch (op) {
              case LS_REMOTE -> git.lsRemote(c, repo);
              case CLONE -> git.clone(c, repo);
              case PUSH -> push(c);
            };
      } catch (RuntimeException e) {
        long now = Ticks.now();
        f =
            CompletableFuture.completedFuture(
                new SmartHttpClient.Result(op, c, now, now, 0, SmartHttpClient.reason(e), 0));
      }
      f.whenComplete(
          (result, t) -> {
            if (result != null) {
              stats.record(result);
            }
            executor.execute(this::step);
          });
    }

    private CompletableFuture<SmartHttpClient.Result> push(Credential c) {
      int n = ++pushes;
      return git.push(
          c,
          fixture.pushRepo(),
          branch,
          old ->
              PushPackBuilder.singleCommit(
                  old,
                  "client-" + index + ".txt",
                  "push " + n + " by client " + index + " at " + System.nanoTime() + "\n",
                  "load test push " + n + " by client " + index + "\n"));
    }
  }
}
