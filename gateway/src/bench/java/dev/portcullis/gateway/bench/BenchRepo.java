package dev.portcullis.gateway.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.stream.Stream;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.lib.TreeFormatter;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;

/**
 * Fills an empty bare repository with a deterministic history: {@code commits} commits on {@code
 * main} over 300 text files (20 directories × 15 files of about 3 KB), each commit after the first
 * changing one to three files, then packs it (JGit GC, with bitmaps) as a server repository would
 * be.
 */
final class BenchRepo {
  private static final int DIRS = 20;
  private static final int FILES = 15;
  private static final String[] WORDS =
      ("access token policy gateway repository commit branch merge review approve deny revoke grant scope "
              + "organization enterprise member owner admin read write push fetch clone pack index object tree blob "
              + "cache digest header request response latency throughput store lookup session cluster node")
          .split(" ");

  private BenchRepo() {}

  /** What was built. */
  record Built(ObjectId head, int commits, long packBytes, long looseObjects, double seconds) {}

  static Built build(Path bareDir, int commits, long seed) throws IOException, GitAPIException {
    long t0 = System.nanoTime();
    Random random = new Random(seed);
    String[][] content = new String[DIRS][FILES];
    ObjectId[][] blobs = new ObjectId[DIRS][FILES];
    ObjectId[] dirTrees = new ObjectId[DIRS];
    ObjectId head;
    try (Repository db =
            new FileRepositoryBuilder().setGitDir(bareDir.toFile()).setMustExist(true).build();
        ObjectInserter ins = db.newObjectInserter()) {
      ObjectId readme =
          ins.insert(
              Constants.OBJ_BLOB,
              "# big\n\nA benchmark repository.\n".getBytes(StandardCharsets.UTF_8));
      for (int d = 0; d < DIRS; d++) {
        for (int f = 0; f < FILES; f++) {
          content[d][f] = text(random, 60);
          blobs[d][f] =
              ins.insert(Constants.OBJ_BLOB, content[d][f].getBytes(StandardCharsets.UTF_8));
        }
        dirTrees[d] = dirTree(ins, blobs[d]);
      }
      ObjectId parent = null;
      long time = 1_600_000_000_000L;
      for (int c = 0; c < commits; c++) {
        StringBuilder message = new StringBuilder();
        if (c == 0) {
          message.append("Initial import\n");
        } else {
          int changes = 1 + random.nextInt(3);
          message
              .append("Change ")
              .append(changes)
              .append(" file(s), step ")
              .append(c)
              .append("\n\n");
          for (int k = 0; k < changes; k++) {
            int d = random.nextInt(DIRS);
            int f = random.nextInt(FILES);
            content[d][f] = edit(random, content[d][f]);
            blobs[d][f] =
                ins.insert(Constants.OBJ_BLOB, content[d][f].getBytes(StandardCharsets.UTF_8));
            dirTrees[d] = dirTree(ins, blobs[d]);
            message.append("- d").append(pad(d, 2)).append("/f").append(pad(f, 3)).append(".txt\n");
          }
        }
        TreeFormatter root = new TreeFormatter();
        root.append("README.md", FileMode.REGULAR_FILE, readme);
        for (int d = 0; d < DIRS; d++) {
          root.append("d" + pad(d, 2), FileMode.TREE, dirTrees[d]);
        }
        ObjectId tree = ins.insert(root);
        PersonIdent who =
            new PersonIdent("Bench Author", "bench@example.com", time + c * 600_000L, 0);
        CommitBuilder cb = new CommitBuilder();
        cb.setTreeId(tree);
        if (parent != null) {
          cb.setParentId(parent);
        }
        cb.setAuthor(who);
        cb.setCommitter(who);
        cb.setMessage(message.toString());
        parent = ins.insert(cb);
      }
      ins.flush();
      head = parent;
      RefUpdate ru = db.updateRef("refs/heads/main");
      ru.setNewObjectId(head);
      ru.setForceUpdate(true);
      RefUpdate.Result r = ru.update();
      if (r != RefUpdate.Result.NEW && r != RefUpdate.Result.FORCED) {
        throw new IOException("could not set main: " + r);
      }
      try (Git git = Git.wrap(db)) {
        git.gc().setExpire(new java.util.Date(System.currentTimeMillis() + 60_000)).call();
      }
    }
    long pack = 0;
    long loose = 0;
    try (Stream<Path> files = Files.walk(bareDir.resolve("objects"))) {
      for (Path p : files.filter(Files::isRegularFile).toList()) {
        String name = p.getFileName().toString();
        if (name.endsWith(".pack")) {
          pack += Files.size(p);
        } else if (p.getParent().getFileName().toString().length() == 2) {
          loose++;
        }
      }
    }
    return new Built(head, commits, pack, loose, (System.nanoTime() - t0) / 1e9);
  }

  private static ObjectId dirTree(ObjectInserter ins, ObjectId[] blobs) throws IOException {
    TreeFormatter t = new TreeFormatter();
    for (int f = 0; f < blobs.length; f++) {
      t.append("f" + pad(f, 3) + ".txt", FileMode.REGULAR_FILE, blobs[f]);
    }
    return ins.insert(t);
  }

  private static String pad(int n, int width) {
    String s = Integer.toString(n);
    return "0".repeat(Math.max(0, width - s.length())) + s;
  }

  private static String line(Random random) {
    StringBuilder sb = new StringBuilder();
    int words = 6 + random.nextInt(8);
    for (int w = 0; w < words; w++) {
      sb.append(w == 0 ? "" : " ").append(WORDS[random.nextInt(WORDS.length)]);
    }
    return sb.append('\n').toString();
  }

  private static String text(Random random, int lines) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < lines; i++) {
      sb.append(line(random));
    }
    return sb.toString();
  }

  /** Replaces one line and sometimes appends one. */
  private static String edit(Random random, String text) {
    String[] lines = text.split("\n", -1);
    int n = lines.length - 1;
    lines[random.nextInt(n)] = line(random).stripTrailing();
    String out = String.join("\n", lines);
    return random.nextInt(4) == 0 ? out + line(random) : out;
  }
}
