package dev.portcullis.gateway.loadtest;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.eclipse.jgit.internal.storage.dfs.DfsRepositoryDescription;
import org.eclipse.jgit.internal.storage.dfs.InMemoryRepository;
import org.eclipse.jgit.internal.storage.pack.PackWriter;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.NullProgressMonitor;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.TreeFormatter;
import org.eclipse.jgit.revwalk.RevObject;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.pack.PackConfig;

/**
 * Builds the packs the load tester pushes, with JGit's {@link ObjectInserter} and {@link
 * PackWriter} in a scratch in-memory repository that is thrown away afterwards.
 *
 * <p>A pack holds exactly the new objects: the parent commit of a push is named by id only (the
 * server has it), so nothing of the server's history is needed here.
 */
final class PushPackBuilder {
  private static final String NAME = "Portcullis load test";
  private static final String EMAIL = "loadtest@portcullis.invalid";

  /** A pack and the commit it makes the new tip. */
  record PushPack(ObjectId commit, byte[] pack) {}

  private PushPackBuilder() {}

  /**
   * One commit on top of {@code parent} (none when it is the zero id) whose tree holds one file.
   */
  static PushPack singleCommit(ObjectId parent, String path, String content, String message)
      throws IOException {
    InMemoryRepository repo =
        new InMemoryRepository(new DfsRepositoryDescription("loadtest-scratch"));
    List<ObjectId> objects = new ArrayList<>(3);
    ObjectId commit;
    try (ObjectInserter ins = repo.newObjectInserter()) {
      ObjectId blob = ins.insert(Constants.OBJ_BLOB, content.getBytes(StandardCharsets.UTF_8));
      TreeFormatter tree = new TreeFormatter();
      tree.append(path, FileMode.REGULAR_FILE, blob);
      ObjectId treeId = ins.insert(tree);
      commit = ins.insert(commit(treeId, parent, message, Instant.now()));
      ins.flush();
      objects.add(commit);
      objects.add(treeId);
      objects.add(blob);
    }
    return new PushPack(commit, pack(repo, objects, false));
  }

  /**
   * A history of {@code commits} commits (the first a root commit) touching {@code files} text
   * files, about {@code totalBytes} of file content in all, reproducible from {@code seed}: what
   * the load test's repositories are seeded with so that a clone transfers a real pack.
   */
  static PushPack history(int commits, int files, int totalBytes, long seed) throws IOException {
    if (commits < 1 || files < 1) {
      throw new IllegalArgumentException("a history needs at least one commit and one file");
    }
    InMemoryRepository repo = new InMemoryRepository(new DfsRepositoryDescription("loadtest-seed"));
    Random random = new Random(seed);
    int perCommit = Math.max(16, totalBytes / commits);
    TreeMap<String, ObjectId> current = new TreeMap<>();
    List<ObjectId> objects = new ArrayList<>();
    ObjectId parent = ObjectId.zeroId();
    // One second apart, the last one now.
    Instant first = Instant.now().minusSeconds(commits - 1L);
    try (ObjectInserter ins = repo.newObjectInserter()) {
      for (int i = 0; i < commits; i++) {
        String path = "data/file-" + (i % files) + ".txt";
        ObjectId blob = ins.insert(Constants.OBJ_BLOB, text(random, perCommit));
        current.put(path, blob);
        objects.add(blob);
        ObjectId tree = insertTree(ins, current, objects);
        parent =
            ins.insert(
                commit(
                    tree, parent, "load test seed commit " + (i + 1) + "\n", first.plusSeconds(i)));
        objects.add(parent);
      }
      ins.flush();
    }
    return new PushPack(parent, pack(repo, objects, true));
  }

  /** Inserts the tree of {@code files} ({@code data/…} paths, one level deep) and its subtree. */
  private static ObjectId insertTree(
      ObjectInserter ins, TreeMap<String, ObjectId> files, List<ObjectId> objects)
      throws IOException {
    TreeFormatter data = new TreeFormatter();
    for (var e : files.entrySet()) {
      data.append(e.getKey().substring("data/".length()), FileMode.REGULAR_FILE, e.getValue());
    }
    ObjectId dataTree = ins.insert(data);
    TreeFormatter root = new TreeFormatter();
    root.append("data", FileMode.TREE, dataTree);
    ObjectId rootTree = ins.insert(root);
    objects.add(dataTree);
    objects.add(rootTree);
    return rootTree;
  }

  /**
   * A commit made {@code when}, as a git client makes it. Commits all made at one instant (as they
   * were when one identity served them all) are not what clients send, and they defeat the
   * date-ordered walks of the server: JGit's connectivity check of every push then walked the
   * repository's whole history, since it cannot stop while the next commit is as new as the last.
   */
  private static CommitBuilder commit(
      ObjectId tree, ObjectId parent, String message, Instant when) {
    CommitBuilder c = new CommitBuilder();
    c.setTreeId(tree);
    if (!ObjectId.zeroId().equals(parent)) {
      c.setParentId(parent);
    }
    PersonIdent who = new PersonIdent(NAME, EMAIL, when, ZoneOffset.UTC);
    c.setAuthor(who);
    c.setCommitter(who);
    c.setMessage(message);
    return c;
  }

  /** Lines of pseudo-random words: compresses like source code rather than like noise. */
  private static byte[] text(Random random, int size) {
    String[] words = {
      "gate", "token", "policy", "clone", "push", "org", "grant", "revoke", "cache", "digest",
      "branch", "commit", "tree", "blob", "pack", "ref", "scope", "owner", "member", "approve"
    };
    StringBuilder sb = new StringBuilder(size + 16);
    while (sb.length() < size) {
      sb.append(words[random.nextInt(words.length)]).append(random.nextInt(100000));
      sb.append(random.nextInt(8) == 0 ? '\n' : ' ');
    }
    sb.setLength(size - 1);
    sb.append('\n');
    return sb.toString().getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] pack(InMemoryRepository repo, List<ObjectId> ids, boolean deltas)
      throws IOException {
    PackConfig config = new PackConfig(repo);
    config.setDeltaCompress(deltas);
    try (ObjectReader reader = repo.newObjectReader();
        RevWalk walk = new RevWalk(reader);
        PackWriter writer = new PackWriter(config, reader)) {
      List<RevObject> objects = new ArrayList<>(ids.size());
      for (ObjectId id : new LinkedHashSet<>(ids)) {
        objects.add(walk.parseAny(id));
      }
      writer.preparePack(objects.iterator());
      ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
      writer.writePack(NullProgressMonitor.INSTANCE, NullProgressMonitor.INSTANCE, out);
      return out.toByteArray();
    }
  }
}
