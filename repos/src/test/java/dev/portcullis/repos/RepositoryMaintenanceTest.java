package dev.portcullis.repos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.policy.model.Repository;
import dev.portcullis.policy.model.Visibility;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.eclipse.jgit.internal.storage.file.FileRepository;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the push limit and the interval start: a consolidation or a full collection. */
class RepositoryMaintenanceTest {
  @TempDir Path dir;

  private static int packs(RepositoryStorage storage, Repository repo) throws IOException {
    try (org.eclipse.jgit.lib.Repository db = storage.open(repo)) {
      return ((FileRepository) db).getObjectDatabase().getPacks().size();
    }
  }

  /**
   * One more pack with a commit on main, as a push leaves (reachable: GC keeps unreachable packs an
   * hour).
   */
  private static void addPack(RepositoryStorage storage, Repository repo, int i)
      throws IOException {
    try (org.eclipse.jgit.lib.Repository db = storage.open(repo)) {
      TestPushes.push((FileRepository) db, i);
    }
  }

  /** acme/app with a seeded README (loose objects, which only a full collection packs). */
  private static Repository seeded(RepositoryStorage storage) throws IOException {
    Repository repo = new Repository(1, 1, "acme", "app", Visibility.PRIVATE, Instant.now());
    storage.create(repo);
    storage.seedReadme(repo, "hello\n");
    return repo;
  }

  private static int looseObjects(RepositoryStorage storage, Repository repo) throws IOException {
    try (java.util.stream.Stream<Path> files =
        java.nio.file.Files.walk(storage.pathOf(repo).resolve("objects"))) {
      return (int)
          files.filter(f -> f.getParent().getFileName().toString().matches("[0-9a-f]{2}")).count();
    }
  }

  @Test
  void consolidatesARepositoryAtThePushLimitAndCollectsItAtTheInterval() throws Exception {
    RepositoryStorage storage = new RepositoryStorage(dir);
    Repository repo = seeded(storage);
    java.util.concurrent.ScheduledExecutorService thread =
        java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
    try (RepositoryMaintenance maintenance =
        new RepositoryMaintenance(storage, Duration.ofHours(1), 4, thread)) {
      for (int i = 0; i < 3; i++) {
        addPack(storage, repo, i);
        maintenance.touched(repo);
      }
      assertEquals(3, packs(storage, repo), "below the limit, nothing runs");
      addPack(storage, repo, 3);
      maintenance.touched(repo);
      // The job the fourth push queued has run once the maintenance thread runs a later task.
      thread
          .schedule(() -> {}, 0, java.util.concurrent.TimeUnit.SECONDS)
          .get(30, java.util.concurrent.TimeUnit.SECONDS);
      assertEquals(
          1,
          packs(storage, repo),
          "the fourth push queued a consolidation of the four packs into one");
      assertTrue(
          looseObjects(storage, repo) > 0,
          "a consolidation leaves loose objects to the collection");
      assertEquals(
          1,
          maintenance.runOnce(),
          "the interval still collects a repository pushed to since its last collection");
      assertEquals(0, looseObjects(storage, repo), "the collection packed the loose objects");
      assertEquals(0, maintenance.runOnce(), "nothing pushed since");
      addPack(storage, repo, 4);
      maintenance.touched(repo);
      assertTrue(
          maintenance.runOnce() == 1 && packs(storage, repo) == 1,
          "the interval collects what is left");
    }
  }

  @Test
  void theIntervalCollectsARepositoryWhoseConsolidationIsWaiting() throws Exception {
    RepositoryStorage storage = new RepositoryStorage(dir);
    Repository repo = seeded(storage);
    java.util.concurrent.ScheduledExecutorService thread =
        java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
    java.util.concurrent.CountDownLatch release = new java.util.concurrent.CountDownLatch(1);
    try (RepositoryMaintenance maintenance =
        new RepositoryMaintenance(storage, Duration.ofHours(1), 2, thread)) {
      // The maintenance thread is busy, so the consolidation the pushes queue waits.
      thread.submit(
          () -> {
            release.await();
            return null;
          });
      for (int i = 0; i < 2; i++) {
        addPack(storage, repo, i);
        maintenance.touched(repo);
      }
      assertEquals(2, packs(storage, repo), "the consolidation is waiting");
      assertEquals(1, maintenance.runOnce(), "the interval collects it all the same");
      assertEquals(1, packs(storage, repo));
      assertEquals(0, looseObjects(storage, repo), "a full collection ran");
      release.countDown();
      thread.submit(() -> {}).get(30, java.util.concurrent.TimeUnit.SECONDS);
      assertEquals(1, packs(storage, repo), "still one pack once the waiting job has had its turn");
      for (int i = 2; i < 4; i++) {
        addPack(storage, repo, i);
        maintenance.touched(repo);
      }
      assertEquals(3, packs(storage, repo));
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (packs(storage, repo) > 2 && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertTrue(
          packs(storage, repo) <= 2,
          "later pushes queue a consolidation again (the two new packs rolled up)");
    }
  }

  @Test
  void whereNodesShareTheRepositoriesThePushLimitCollectsInstead() throws Exception {
    RepositoryStorage storage = new RepositoryStorage(dir, Duration.ofHours(1));
    Repository repo = seeded(storage);
    try (RepositoryMaintenance maintenance =
        new RepositoryMaintenance(storage, Duration.ofHours(1), 2)) {
      for (int i = 0; i < 2; i++) {
        addPack(storage, repo, i);
        maintenance.touched(repo);
      }
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (looseObjects(storage, repo) > 0 && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertEquals(
          0,
          looseObjects(storage, repo),
          "a full collection ran (it packs the loose objects; a consolidation does not)");
      assertEquals(0, maintenance.runOnce(), "and counts as the interval's collection");
    }
  }

  private static int looseRefs(RepositoryStorage storage, Repository repo) throws IOException {
    try (org.eclipse.jgit.lib.Repository db = storage.open(repo)) {
      return (int)
          db.getRefDatabase().getRefs().stream()
              .filter(r -> !r.isSymbolic() && r.getStorage().isLoose())
              .count();
    }
  }

  private static void awaitNoLooseRefs(RepositoryStorage storage, Repository repo)
      throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (looseRefs(storage, repo) > 0 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
  }

  /**
   * A maintenance whose collections never start by themselves, packing refs after {@code delay}.
   */
  private static RepositoryMaintenance refPackingOnly(RepositoryStorage storage, Duration delay) {
    return new RepositoryMaintenance(
        storage,
        Duration.ofHours(1),
        1000,
        java.util.concurrent.Executors.newSingleThreadScheduledExecutor(),
        java.util.concurrent.Executors.newSingleThreadScheduledExecutor(),
        delay);
  }

  @Test
  void packsARepositorysRefsShortlyAfterItsLastPushWithoutRepacking() throws Exception {
    RepositoryStorage storage = new RepositoryStorage(dir);
    Repository repo = seeded(storage);
    try (RepositoryMaintenance maintenance = refPackingOnly(storage, Duration.ofMillis(50))) {
      addPack(storage, repo, 0);
      addPack(storage, repo, 1);
      assertEquals(1, looseRefs(storage, repo), "a push leaves main as a loose file");
      maintenance.touched(repo);
      awaitNoLooseRefs(storage, repo);
      assertEquals(0, looseRefs(storage, repo), "main was packed");
      assertEquals(2, packs(storage, repo), "no object was repacked");
      try (org.eclipse.jgit.lib.Repository db = storage.open(repo)) {
        assertTrue(
            java.nio.file.Files.readString(storage.pathOf(repo).resolve("packed-refs"))
                .contains(db.exactRef("refs/heads/main").getObjectId().name() + " refs/heads/main"),
            "packed-refs holds main at its current commit");
      }
    }
  }

  @Test
  void neverPacksRefsWhileAPushToTheRepositoryIsReceived() throws Exception {
    RepositoryStorage storage = new RepositoryStorage(dir);
    Repository repo = seeded(storage);
    try (RepositoryMaintenance maintenance = refPackingOnly(storage, Duration.ofMillis(10))) {
      addPack(storage, repo, 0);
      RepositoryMaintenance.Receiving receiving = maintenance.receiving(repo);
      maintenance.touched(repo);
      // Many times the delay: the packing job runs and finds the push still being received.
      Thread.sleep(300);
      assertEquals(1, looseRefs(storage, repo), "not packed while a push is received");
      receiving.close();
      awaitNoLooseRefs(storage, repo);
      assertEquals(0, looseRefs(storage, repo), "packed once the push is over");
    }
  }
}
