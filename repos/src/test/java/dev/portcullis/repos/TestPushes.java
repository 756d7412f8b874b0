package dev.portcullis.repos;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.eclipse.jgit.internal.storage.file.FileRepository;
import org.eclipse.jgit.internal.storage.file.PackInserter;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.TreeFormatter;

/**
 * What a push leaves in a repository, without the protocol: one more pack and {@code main} moved
 * forward.
 */
final class TestPushes {
  private TestPushes() {}

  /**
   * A pack with one commit (its tree and a blob of {@code i}'s size) on {@code main}; returns the
   * commit.
   */
  static ObjectId push(FileRepository db, int i) throws IOException {
    try (PackInserter ins = db.getObjectDatabase().newPackInserter()) {
      ObjectId parent = db.resolve("refs/heads/main");
      ObjectId blob =
          ins.insert(
              Constants.OBJ_BLOB,
              ("change " + i + "\n").repeat(1 + i % 7).getBytes(StandardCharsets.UTF_8));
      TreeFormatter tree = new TreeFormatter();
      tree.append("file" + i, FileMode.REGULAR_FILE, blob);
      CommitBuilder commit = new CommitBuilder();
      commit.setTreeId(ins.insert(tree));
      if (parent != null) {
        commit.setParentId(parent);
      }
      PersonIdent who = new PersonIdent("Test", "test@localhost");
      commit.setAuthor(who);
      commit.setCommitter(who);
      commit.setMessage("change " + i + "\n");
      ObjectId id = ins.insert(commit);
      ins.flush();
      RefUpdate ru = db.updateRef("refs/heads/main");
      ru.setNewObjectId(id);
      ru.setExpectedOldObjectId(parent == null ? ObjectId.zeroId() : parent);
      RefUpdate.Result r = ru.update();
      assertTrue(
          r == RefUpdate.Result.NEW || r == RefUpdate.Result.FAST_FORWARD, "main moved: " + r);
      return id;
    }
  }
}
