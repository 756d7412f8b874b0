package dev.portcullis.repos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.policy.Repository;
import dev.portcullis.policy.Visibility;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.eclipse.jgit.internal.storage.file.FileRepository;
import org.eclipse.jgit.internal.storage.file.PackInserter;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.TreeFormatter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A repository is collected once it has received the push limit's worth of pushes, without waiting for the interval. */
class RepositoryMaintenanceTest {
  @TempDir Path dir;

  private static int packs(RepositoryStorage storage, Repository repo) throws IOException {
    try (org.eclipse.jgit.lib.Repository db = storage.open(repo)) {
      return ((FileRepository) db).getObjectDatabase().getPacks().size();
    }
  }

  /** One more pack with a commit on main, as a push leaves (reachable: GC keeps unreachable packs an hour). */
  private static void addPack(RepositoryStorage storage, Repository repo, int i) throws IOException {
    try (org.eclipse.jgit.lib.Repository db = storage.open(repo);
        PackInserter ins = ((FileRepository) db).getObjectDatabase().newPackInserter()) {
      ObjectId parent = db.resolve("refs/heads/main");
      ObjectId blob = ins.insert(Constants.OBJ_BLOB, ("change " + i + "\n").getBytes(StandardCharsets.UTF_8));
      TreeFormatter tree = new TreeFormatter();
      tree.append("file" + i, FileMode.REGULAR_FILE, blob);
      CommitBuilder commit = new CommitBuilder();
      commit.setTreeId(ins.insert(tree));
      commit.setParentId(parent);
      PersonIdent who = new PersonIdent("Test", "test@localhost");
      commit.setAuthor(who);
      commit.setCommitter(who);
      commit.setMessage("change " + i + "\n");
      ObjectId id = ins.insert(commit);
      ins.flush();
      RefUpdate ru = db.updateRef("refs/heads/main");
      ru.setNewObjectId(id);
      ru.setExpectedOldObjectId(parent);
      assertEquals(RefUpdate.Result.FAST_FORWARD, ru.update());
    }
  }

  @Test
  void collectsARepositoryAtThePushLimit() throws Exception {
    RepositoryStorage storage = new RepositoryStorage(dir);
    Repository repo = new Repository(1, 1, "acme", "app", Visibility.PRIVATE, Instant.now());
    storage.create(repo);
    storage.seedReadme(repo, "hello\n");
    try (RepositoryMaintenance maintenance = new RepositoryMaintenance(storage, Duration.ofHours(1), 4)) {
      for (int i = 0; i < 3; i++) {
        addPack(storage, repo, i);
        maintenance.touched(repo);
      }
      assertEquals(3, packs(storage, repo), "below the limit, the interval decides");
      addPack(storage, repo, 3);
      maintenance.touched(repo);
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (packs(storage, repo) != 1 && System.nanoTime() < deadline) {
        Thread.sleep(50);
      }
      assertEquals(1, packs(storage, repo), "the fourth push queued a collection into one pack");
      assertEquals(0, maintenance.runOnce(), "nothing pushed since");
      addPack(storage, repo, 4);
      maintenance.touched(repo);
      assertTrue(maintenance.runOnce() == 1 && packs(storage, repo) == 1, "the interval collects what is left");
    }
  }
}
