package dev.portcullis.repos;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.policy.model.Repository;
import dev.portcullis.policy.model.Visibility;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.eclipse.jgit.internal.storage.file.FileRepository;
import org.eclipse.jgit.internal.storage.file.Pack;
import org.eclipse.jgit.internal.storage.file.PackIndex;
import org.eclipse.jgit.internal.storage.pack.PackExt;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PackConsolidationTest {
  @TempDir Path dir;

  @Test
  void rollsUpTheSmallestPrefixUntilEachPackLeftOutweighsAllBelowIt() {
    assertEquals(0, PackConsolidation.rollUpCount(new long[] {}, 2));
    assertEquals(0, PackConsolidation.rollUpCount(new long[] {5}, 2));
    assertEquals(
        4, PackConsolidation.rollUpCount(new long[] {3, 3, 3, 3}, 2), "equal packs: all of them");
    assertEquals(
        3,
        PackConsolidation.rollUpCount(new long[] {3, 3, 3, 10_000}, 2),
        "the big base pack stays");
    assertEquals(
        0,
        PackConsolidation.rollUpCount(new long[] {1, 2, 6, 20}, 2),
        "already geometric: nothing");
    assertEquals(
        3,
        PackConsolidation.rollUpCount(new long[] {1, 2, 5, 20}, 2),
        "5 < 2 × (1 + 2): the first three");
    assertEquals(2, PackConsolidation.rollUpCount(new long[] {4, 4, 100, 1_000}, 2));
  }

  /** Packs before and after a consolidation. */
  private static int[] packs(PackConsolidation.Result r) {
    return new int[] {r.packsBefore(), r.packsAfter()};
  }

  private static Set<ObjectId> objects(FileRepository db) throws IOException {
    Set<ObjectId> all = new HashSet<>();
    for (Pack p : db.getObjectDatabase().getPacks()) {
      for (PackIndex.MutableEntry e : p) {
        all.add(e.toObjectId());
      }
    }
    return all;
  }

  private static List<String> packFiles(FileRepository db) throws IOException {
    try (var files = Files.list(db.getObjectDatabase().getPackDirectory().toPath())) {
      return files
          .map(p -> p.getFileName().toString())
          .filter(n -> n.endsWith(".pack"))
          .sorted()
          .toList();
    }
  }

  private static String gitFsck(Path repo) throws Exception {
    Process p =
        new ProcessBuilder("git", "--git-dir", repo.toString(), "fsck", "--full", "--strict")
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    assertEquals(0, p.exitValue(), "git fsck: " + out);
    return out;
  }

  @Test
  void rollsThePushPacksIntoOneLeavingTheBaseAndKeptPacksAndLosingNothing() throws Exception {
    RepositoryStorage storage = new RepositoryStorage(dir);
    Repository repo = new Repository(1, 1, "acme", "app", Visibility.PRIVATE, Instant.now());
    storage.create(repo);
    Path path = storage.pathOf(repo);
    List<ObjectId> commits = new ArrayList<>();
    try (org.eclipse.jgit.lib.Repository opened = storage.open(repo)) {
      FileRepository db = (FileRepository) opened;
      for (int i = 0; i < 100; i++) {
        commits.add(TestPushes.push(db, i));
      }
    }
    // A base pack: the full GC puts everything so far into one pack of 300 objects.
    storage.gc(repo);
    FileRepository db = (FileRepository) storage.open(repo);
    try {
      assertEquals(1, db.getObjectDatabase().getPacks().size());
      for (int i = 100; i < 130; i++) {
        commits.add(TestPushes.push(db, i));
      }
      // A push still receiving holds a .keep file: its pack is never touched.
      commits.add(TestPushes.push(db, 130));
      Pack newest =
          db.getObjectDatabase().getPacks().stream()
              .filter(
                  p -> {
                    try {
                      return p.getIndex().hasObject(commits.get(130));
                    } catch (IOException e) {
                      throw new java.io.UncheckedIOException(e);
                    }
                  })
              .findFirst()
              .orElseThrow();
      Path keep = newest.getPackFile().create(PackExt.KEEP).toPath();
      Files.writeString(keep, "receiving\n");
      Set<ObjectId> before = objects(db);
      List<String> filesBefore = packFiles(db);
      assertEquals(32, filesBefore.size());

      assertArrayEquals(
          new int[] {32, 3},
          packs(storage.consolidate(repo)),
          "the base pack, the kept pack and one for the 30 other pushes");
      assertEquals(before, objects(db), "every object is still in a pack");
      List<String> filesAfter = packFiles(db);
      assertEquals(3, filesAfter.size(), filesAfter::toString);
      assertTrue(filesAfter.contains(newest.getPackFile().getName()), "the kept pack is untouched");
      try (var files = Files.list(path.resolve("objects").resolve("pack"))) {
        assertEquals(
            List.of(),
            files
                .map(p -> p.getFileName().toString())
                .filter(n -> n.contains("_tmp") || n.startsWith("consolidate_"))
                .toList(),
            "no temporary files left");
      }
      // Every commit readable, through the already-open repository and a fresh one, and git agrees.
      for (ObjectId c : commits) {
        assertEquals(Constants.OBJ_COMMIT, db.open(c).getType());
      }
      try (FileRepository fresh = new FileRepository(path.toFile())) {
        for (ObjectId c : commits) {
          assertTrue(fresh.getObjectDatabase().has(c));
        }
      }
      Files.delete(keep);
      gitFsck(path);

      assertArrayEquals(
          new int[] {3, 3},
          packs(storage.consolidate(repo)),
          "3, 90 and 300 objects: already geometric, nothing to do");
      commits.add(TestPushes.push(db, 131));
      commits.add(TestPushes.push(db, 132));
      assertArrayEquals(
          new int[] {5, 3},
          packs(storage.consolidate(repo)),
          "the three small packs become one; 90 and 300 stay");
      for (ObjectId c : commits) {
        assertEquals(Constants.OBJ_COMMIT, db.open(c).getType());
      }
      gitFsck(path);
    } finally {
      db.close();
    }
  }

  @Test
  void nodesSharingTheRepositoriesDoNotConsolidate() throws Exception {
    RepositoryStorage storage = new RepositoryStorage(dir, java.time.Duration.ofHours(1));
    Repository repo = new Repository(1, 1, "acme", "app", Visibility.PRIVATE, Instant.now());
    storage.create(repo);
    assertEquals(null, storage.consolidate(repo));
  }
}
