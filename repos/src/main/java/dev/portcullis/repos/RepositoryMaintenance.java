package dev.portcullis.repos;

import dev.portcullis.policy.model.Repository;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Background maintenance of the repositories that received pushes: every push adds a pack, and
 * every pack is one more index to search for each object a later fetch or push looks up, so a busy
 * repository slows down pack by pack.
 *
 * <ul>
 *   <li>After {@code pushLimit} pushes (as git's {@code gc.autoPackLimit}, 50 by default) a
 *       repository's small packs are rolled into one ({@link RepositoryStorage#consolidate}, as
 *       {@code git repack --geometric=2 -d}): work in proportion to those packs, not to the
 *       repository. Where nodes share the repositories (no consolidation), it is collected instead.
 *   <li>Every {@code interval}, each repository pushed to since its last collection is collected:
 *       JGit's full GC (one pack, packed refs, bitmaps, unreachable objects pruned).
 *   <li>A push-triggered consolidation starts no sooner than the last one's duration after it (at
 *       most half the thread's time); a push-triggered collection no sooner than nine times the
 *       last collection's duration.
 * </ul>
 *
 * Runs on its own thread, one repository at a time, never inside a push.
 *
 * <p>Apart from those, a repository's refs are packed {@code refPackingDelay} after its last push
 * ({@link RepositoryStorage#packRefs}), on a thread of their own so that a long collection of
 * another repository never delays it, and never while a push to the repository is being received on
 * this node ({@link #receiving}): packing deletes loose ref files under their locks, and an update
 * of the same ref at that instant would fail to lock.
 */
public final class RepositoryMaintenance implements AutoCloseable {
  /** Pushes after which a repository is collected without waiting for the interval. */
  public static final int DEFAULT_PUSH_LIMIT = 50;

  /** How long after a repository's last push its refs are packed, by default. */
  public static final Duration DEFAULT_REF_PACKING_DELAY = Duration.ofSeconds(1);

  private static final Logger LOG = LoggerFactory.getLogger(RepositoryMaintenance.class);

  /**
   * How much longer than a collection took to wait before the next push-triggered collection of the
   * same repository (where nodes share the repositories and pushes trigger full collections): a
   * collection repacks every object, so on a repository that takes pushes faster than it can be
   * collected, collections take at most a tenth of the maintenance thread's time.
   */
  private static final int SPACING = 9;

  /** No job of the repository is queued or running. */
  private static final int IDLE = 0;

  /** A push-triggered job is queued (it may be waiting for its spacing). */
  private static final int QUEUED = 1;

  /** A job (push-triggered or the interval's collection) is running. */
  private static final int RUNNING = 2;

  /** A repository's pushes since its last job, and whether a job is queued or running. */
  private static final class Pushed {
    final Repository repo;

    /** Pushes since the last consolidation or collection. */
    final AtomicInteger pushes = new AtomicInteger();

    /** Whether it was pushed to since its last (full) collection. */
    final AtomicBoolean uncollected = new AtomicBoolean();

    /**
     * {@link #IDLE}, {@link #QUEUED} or {@link #RUNNING}. A job runs only after moving it to
     * RUNNING, so two never work on one repository at once; the interval's collection may take over
     * a queued job (the queued one then finds it taken and does nothing).
     */
    final AtomicInteger state = new AtomicInteger(IDLE);

    /** {@code System.nanoTime()} before which no push-triggered collection starts. */
    volatile long notBefore = System.nanoTime();

    /** Pushes to the repository being received on this node now. */
    final AtomicInteger receiving = new AtomicInteger();

    /** Whether packing its refs is scheduled. */
    final AtomicBoolean refPackingQueued = new AtomicBoolean();

    /**
     * Held while its refs are packed or it is collected (a collection packs refs too): both take
     * {@code packed-refs.lock}, and whichever came second would fail to.
     */
    final java.util.concurrent.locks.ReentrantLock packingRefs =
        new java.util.concurrent.locks.ReentrantLock();

    /** {@code System.nanoTime()} of the last push applied. */
    volatile long lastPush;

    Pushed(Repository repo) {
      this.repo = repo;
    }
  }

  private final RepositoryStorage storage;
  private final int pushLimit;
  private final ConcurrentHashMap<Long, Pushed> pushed = new ConcurrentHashMap<>();
  private final ScheduledExecutorService thread;
  private final ScheduledExecutorService refPacker;
  private final long refPackingDelayNanos;

  public RepositoryMaintenance(RepositoryStorage storage, Duration interval) {
    this(storage, interval, DEFAULT_PUSH_LIMIT);
  }

  public RepositoryMaintenance(RepositoryStorage storage, Duration interval, int pushLimit) {
    this(storage, interval, pushLimit, daemon("portcullis-repo-gc"));
  }

  /** With the single thread that runs every job (shut down by {@link #close}). */
  RepositoryMaintenance(
      RepositoryStorage storage,
      Duration interval,
      int pushLimit,
      ScheduledExecutorService thread) {
    this(
        storage,
        interval,
        pushLimit,
        thread,
        daemon("portcullis-pack-refs"),
        DEFAULT_REF_PACKING_DELAY);
  }

  /**
   * With the threads that run the collections and the ref packing (both shut down by {@link
   * #close}).
   */
  RepositoryMaintenance(
      RepositoryStorage storage,
      Duration interval,
      int pushLimit,
      ScheduledExecutorService thread,
      ScheduledExecutorService refPacker,
      Duration refPackingDelay) {
    if (pushLimit < 1) {
      throw new IllegalArgumentException("the push limit must be positive, not " + pushLimit);
    }
    this.storage = storage;
    this.pushLimit = pushLimit;
    this.thread = thread;
    this.refPacker = refPacker;
    this.refPackingDelayNanos = refPackingDelay.toNanos();
    long ms = interval.toMillis();
    thread.scheduleWithFixedDelay(this::runOnce, ms, ms, TimeUnit.MILLISECONDS);
  }

  private static ScheduledExecutorService daemon(String name) {
    return Executors.newSingleThreadScheduledExecutor(
        r -> {
          Thread t = new Thread(r, name);
          t.setDaemon(true);
          t.setPriority(Thread.MIN_PRIORITY);
          return t;
        });
  }

  /**
   * Notes that a push to {@code repo} is being received until the returned handle is closed; its
   * refs are not packed meanwhile.
   */
  public Receiving receiving(Repository repo) {
    Pushed p = pushed.computeIfAbsent(repo.id(), k -> new Pushed(repo));
    p.receiving.incrementAndGet();
    return p.receiving::decrementAndGet;
  }

  /** A push being received; closing it says it is over. */
  @FunctionalInterface
  public interface Receiving extends AutoCloseable {
    @Override
    void close();
  }

  /**
   * Notes that {@code repo} received a push: its refs are packed shortly after, and past the push
   * limit its packs are consolidated or it is collected.
   */
  public void touched(Repository repo) {
    Pushed p = pushed.computeIfAbsent(repo.id(), k -> new Pushed(repo));
    p.uncollected.set(true);
    p.lastPush = System.nanoTime();
    if (p.refPackingQueued.compareAndSet(false, true)) {
      scheduleRefPacking(p, refPackingDelayNanos);
    }
    if (p.pushes.incrementAndGet() >= pushLimit && p.state.compareAndSet(IDLE, QUEUED)) {
      try {
        thread.schedule(
            () -> pushJob(p), Math.max(0, p.notBefore - System.nanoTime()), TimeUnit.NANOSECONDS);
      } catch (java.util.concurrent.RejectedExecutionException e) {
        p.state.set(IDLE); // closed
      }
    }
  }

  private void scheduleRefPacking(Pushed p, long delayNanos) {
    try {
      refPacker.schedule(() -> packRefs(p), delayNanos, TimeUnit.NANOSECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      p.refPackingQueued.set(false); // closed
    }
  }

  /**
   * Packs a repository's refs once no push has come for {@code refPackingDelay}, none is being
   * received here and it is not being collected; otherwise waits that long again. A push applied
   * while packing queues another.
   */
  private void packRefs(Pushed p) {
    long quietFor = System.nanoTime() - p.lastPush;
    if (p.receiving.get() > 0 || quietFor < refPackingDelayNanos || !p.packingRefs.tryLock()) {
      // Not sooner than 10 ms: a push being received may take a while.
      scheduleRefPacking(
          p,
          Math.max(
              refPackingDelayNanos - quietFor, Math.max(refPackingDelayNanos / 4, 10_000_000L)));
      return;
    }
    p.refPackingQueued.set(false);
    try {
      int packed = storage.packRefs(p.repo);
      LOG.debug("packed {} loose ref(s) of {}", packed, p.repo.fullName());
    } catch (IOException | RuntimeException e) {
      LOG.warn("packing the refs of {} failed: {}", p.repo.fullName(), e.getMessage());
    } finally {
      p.packingRefs.unlock();
    }
  }

  /** The job a push queued, unless the interval's collection took it over meanwhile. */
  private void pushJob(Pushed p) {
    if (!p.state.compareAndSet(QUEUED, RUNNING)) {
      return;
    }
    try {
      if (storage.consolidates()) {
        consolidate(p);
      } else {
        collect(p);
      }
    } finally {
      p.state.set(IDLE);
    }
  }

  /**
   * Collects every repository pushed to since its last collection now, including one whose
   * push-triggered job is queued (the collection does all that job would); returns how many were
   * collected. A repository whose job is running at this moment waits for the next interval (on the
   * maintenance thread, where the interval runs, none is).
   */
  public int runOnce() {
    int done = 0;
    for (Pushed p : pushed.values()) {
      if (p.uncollected.get()
          && (p.state.compareAndSet(IDLE, RUNNING) || p.state.compareAndSet(QUEUED, RUNNING))) {
        try {
          if (collect(p)) {
            done++;
          }
        } finally {
          p.state.set(IDLE);
        }
      }
    }
    return done;
  }

  /** Rolls up the small packs of a repository at its push limit. */
  private void consolidate(Pushed p) {
    try {
      int pushes = p.pushes.getAndSet(0);
      long start = System.nanoTime();
      PackConsolidation.Result r = storage.consolidate(p.repo);
      long end = System.nanoTime();
      // Its cost follows the packs that piled up: waiting longer after a long one would let more
      // pile up. At most half the maintenance thread's time.
      p.notBefore = end + (end - start);
      LOG.info(
          "consolidated {} after {} push(es): {} pack(s) → {}, {} ms",
          p.repo.fullName(),
          pushes,
          r.packsBefore(),
          r.packsAfter(),
          (end - start) / 1_000_000);
    } catch (IOException | RuntimeException e) {
      LOG.warn("pack consolidation of {} failed: {}", p.repo.fullName(), e.getMessage());
    }
  }

  private boolean collect(Pushed p) {
    try {
      // Pushes from here on count toward the next collection.
      int pushes = p.pushes.getAndSet(0);
      p.uncollected.set(false);
      long start = System.nanoTime();
      int packs;
      p.packingRefs.lock();
      try {
        packs = storage.gc(p.repo);
      } finally {
        p.packingRefs.unlock();
      }
      long end = System.nanoTime();
      p.notBefore = end + SPACING * (end - start);
      LOG.info(
          "gc {} after {} push(es): {} pack(s) left, {} ms",
          p.repo.fullName(),
          pushes,
          packs,
          (end - start) / 1_000_000);
      return true;
    } catch (IOException | RuntimeException e) {
      p.uncollected.set(true);
      LOG.warn("gc {} failed: {}", p.repo.fullName(), e.getMessage());
      return false;
    }
  }

  @Override
  public void close() {
    thread.shutdownNow();
    refPacker.shutdownNow();
  }
}
