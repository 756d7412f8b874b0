package dev.portcullis.repos;

import dev.portcullis.policy.Repository;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Background garbage collection of the repositories that received pushes: every push adds a pack,
 * and clones are fastest from one pack with bitmaps. Runs on its own thread, one repository at a
 * time, never inside a push.
 */
public final class RepositoryMaintenance implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RepositoryMaintenance.class);

  private final RepositoryStorage storage;
  private final ConcurrentHashMap<Long, Repository> touched = new ConcurrentHashMap<>();
  private final ScheduledExecutorService thread;

  public RepositoryMaintenance(RepositoryStorage storage, Duration interval) {
    this.storage = storage;
    this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "portcullis-repo-gc");
      t.setDaemon(true);
      t.setPriority(Thread.MIN_PRIORITY);
      return t;
    });
    long ms = interval.toMillis();
    thread.scheduleWithFixedDelay(this::runOnce, ms, ms, TimeUnit.MILLISECONDS);
  }

  /** Notes that {@code repo} received a push. */
  public void touched(Repository repo) {
    touched.put(repo.id(), repo);
  }

  /** Collects every touched repository now; returns how many were collected. */
  public int runOnce() {
    List<Repository> due = new ArrayList<>();
    for (Long id : touched.keySet()) {
      Repository r = touched.remove(id);
      if (r != null) {
        due.add(r);
      }
    }
    int done = 0;
    for (Repository r : due) {
      try {
        long start = System.nanoTime();
        int packs = storage.gc(r);
        done++;
        LOG.info("gc {}: {} pack(s) left, {} ms", r.fullName(), packs, (System.nanoTime() - start) / 1_000_000);
      } catch (IOException | RuntimeException e) {
        LOG.warn("gc {} failed: {}", r.fullName(), e.getMessage());
      }
    }
    return done;
  }

  @Override
  public void close() {
    thread.shutdownNow();
  }
}
