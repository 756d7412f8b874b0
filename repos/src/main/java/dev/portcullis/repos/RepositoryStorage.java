package dev.portcullis.repos;

import dev.portcullis.policy.model.Repository;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.api.errors.GitAPIException;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.lib.RepositoryCache;
import org.eclipse.jgit.lib.StoredConfig;
import org.eclipse.jgit.lib.TreeFormatter;
import org.eclipse.jgit.storage.file.WindowCacheConfig;
import org.eclipse.jgit.transport.ObjectInfoRequest;
import org.eclipse.jgit.transport.ProtocolV2Hook;
import org.eclipse.jgit.transport.ReceivePack;
import org.eclipse.jgit.transport.ServiceMayNotContinueException;
import org.eclipse.jgit.transport.UploadPack;
import org.eclipse.jgit.util.FS;

/**
 * Bare repositories on disk under one root: {@code <root>/<owner>/<name>.git}, lowercase.
 *
 * <p>Paths are built only from a {@link Repository} record of the store, whose owner login and name
 * were validated at creation (letters, digits, {@code . - _}, never {@code .} or {@code ..}); the
 * resolved path is checked to lie under the root all the same. Nothing a URL says reaches the file
 * system.
 */
public final class RepositoryStorage {
  private final Path root;
  private final java.time.Duration replacedPackGrace;

  /** Repositories under {@code root}, used by this process alone. */
  public RepositoryStorage(Path root) {
    this(root, java.time.Duration.ZERO);
  }

  /**
   * Repositories under {@code root}; a repack deletes the packs it replaced once they are {@code
   * replacedPackGrace} old: zero when only this process reads them, longer when other nodes share
   * the storage (over NFS, a node deleting a pack another node is reading breaks that read).
   */
  public RepositoryStorage(Path root, java.time.Duration replacedPackGrace) {
    this.replacedPackGrace = replacedPackGrace;
    try {
      Files.createDirectories(root);
      this.root = root.toRealPath();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create the repositories directory " + root, e);
    }
  }

  /**
   * Raises JGit's desktop-sized window cache defaults to server sizes, once per process.
   *
   * @param packedGitLimitBytes how much pack data JGit may keep mapped
   */
  public static void configureJGit(long packedGitLimitBytes) {
    WindowCacheConfig cfg = new WindowCacheConfig();
    cfg.setPackedGitLimit(packedGitLimitBytes);
    cfg.setPackedGitWindowSize(64 * 1024);
    cfg.setDeltaBaseCacheLimit(32 * 1024 * 1024);
    cfg.setStreamFileThreshold(16 * 1024 * 1024);
    cfg.install();
  }

  public Path root() {
    return root;
  }

  /** Where {@code repo} lives. */
  public Path pathOf(Repository repo) {
    String owner = repo.ownerLogin().toLowerCase(Locale.ROOT);
    String name = repo.name().toLowerCase(Locale.ROOT);
    if (!safe(owner) || !safe(name)) {
      throw new IllegalArgumentException("unsafe repository path component in " + repo.fullName());
    }
    // safe() leaves single names of [a-z0-9._-] other than "." and "..": the path is normal as
    // resolved (no normalize() per request); the check below stays as a second line.
    Path p = root.resolve(owner).resolve(name + ".git");
    if (!p.startsWith(root)) {
      throw new IllegalArgumentException("repository path escapes the root: " + repo.fullName());
    }
    return p;
  }

  private static boolean safe(String s) {
    if (s.isEmpty() || s.equals(".") || s.equals("..")) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean ok =
          (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_';
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  /**
   * Creates the bare repository (default branch {@code main}). A directory left by an earlier
   * creation whose store transaction rolled back is reused if it holds no refs.
   */
  public void create(Repository repo) {
    Path p = pathOf(repo);
    try {
      if (Files.exists(p)) {
        try (org.eclipse.jgit.lib.Repository existing = openUncached(p)) {
          if (!existing.getRefDatabase().getRefs().isEmpty()) {
            throw new IllegalStateException(
                "a repository with refs already exists at " + root.relativize(p));
          }
        }
        return;
      }
      Files.createDirectories(p.getParent());
      try (Git git =
          Git.init().setBare(true).setDirectory(p.toFile()).setInitialBranch("main").call()) {
        StoredConfig cfg = git.getRepository().getConfig();
        cfg.setBoolean("receive", null, "fsckObjects", true);
        cfg.setBoolean("uploadpack", null, "allowFilter", true);
        cfg.setBoolean("repack", null, "writeBitmaps", true);
        // No garbage collection inside a push: it packs refs under locks that racing pushes then
        // hit. The gateway runs it in the background instead (see gc()).
        cfg.setBoolean("receive", null, "autogc", false);
        cfg.save();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create repository " + repo.fullName(), e);
    } catch (GitAPIException e) {
      throw new IllegalStateException(
          "cannot create repository " + repo.fullName() + ": " + e.getMessage(), e);
    }
  }

  /**
   * Removes the bare repository of a repository the store no longer has: JGit's cached handle is
   * dropped, the directory is moved aside at once (so a repository created under the same name
   * starts empty even if the removal below fails part-way) and then deleted, with its owner's
   * directory once that is empty. Nothing to do when it is not on disk.
   */
  public void delete(Repository repo) {
    Path p = pathOf(repo);
    RepositoryCache.unregister(RepositoryCache.FileKey.exact(p.toFile(), FS.DETECTED));
    if (!Files.exists(p)) {
      return;
    }
    try {
      // Logins never start with a dot, so no owner's directory is named like this one.
      Path trash = Files.createDirectories(root.resolve(".deleted"));
      Path aside = trash.resolve(repo.id() + "-" + p.getFileName());
      Files.move(p, aside, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
      try (var files = Files.walk(aside)) {
        for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
          Files.delete(f);
        }
      }
      // The owner's directory goes with its last repository (it is made again when needed).
      try (var left = Files.list(p.getParent())) {
        if (left.findAny().isEmpty()) {
          Files.deleteIfExists(p.getParent());
        }
      }
    } catch (java.nio.file.DirectoryNotEmptyException e) {
      // A repository of the same owner was created meanwhile: its directory stays.
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot remove repository " + repo.fullName() + " from disk", e);
    }
  }

  private static org.eclipse.jgit.lib.Repository openUncached(Path p) throws IOException {
    return RepositoryCache.FileKey.exact(p.toFile(), FS.DETECTED).open(true);
  }

  /**
   * Opens {@code repo} through JGit's {@link RepositoryCache}, so handles (and their pack indexes)
   * are shared between requests. The caller closes the handle it got.
   */
  public org.eclipse.jgit.lib.Repository open(Repository repo) throws IOException {
    return RepositoryCache.open(
        RepositoryCache.FileKey.exact(pathOf(repo).toFile(), FS.DETECTED), true);
  }

  /**
   * Commits a single {@code README.md} to {@code main} of an empty repository (demo data); does
   * nothing if the repository already has commits.
   */
  public void seedReadme(Repository repo, String text) throws IOException {
    try (org.eclipse.jgit.lib.Repository db = open(repo);
        ObjectInserter ins = db.newObjectInserter()) {
      if (db.exactRef("refs/heads/main") != null) {
        return;
      }
      ObjectId blob = ins.insert(Constants.OBJ_BLOB, text.getBytes(StandardCharsets.UTF_8));
      TreeFormatter tree = new TreeFormatter();
      tree.append("README.md", FileMode.REGULAR_FILE, blob);
      ObjectId treeId = ins.insert(tree);
      PersonIdent who = new PersonIdent("Portcullis", "portcullis@localhost");
      CommitBuilder commit = new CommitBuilder();
      commit.setTreeId(treeId);
      commit.setAuthor(who);
      commit.setCommitter(who);
      commit.setMessage("Initial commit\n");
      ObjectId commitId = ins.insert(commit);
      ins.flush();
      RefUpdate ru = db.updateRef("refs/heads/main");
      ru.setNewObjectId(commitId);
      ru.setExpectedOldObjectId(ObjectId.zeroId());
      RefUpdate.Result r = ru.update();
      if (r != RefUpdate.Result.NEW) {
        throw new IOException("could not create main in " + repo.fullName() + ": " + r);
      }
    }
  }

  /**
   * Repacks a repository with bitmaps and packs its refs (JGit's GC, safe while it is being served:
   * readers keep open packs, and a pack being received is kept). Returns the number of packs
   * afterwards.
   */
  public int gc(Repository repo) throws IOException {
    try (org.eclipse.jgit.lib.Repository db = open(repo)) {
      if (!(db instanceof org.eclipse.jgit.internal.storage.file.FileRepository file)) {
        return -1;
      }
      org.eclipse.jgit.internal.storage.file.GC gc =
          new org.eclipse.jgit.internal.storage.file.GC(file);
      gc.setAuto(false);
      // On a single node the packs the new one replaces are deleted at once, as `git repack -d`
      // does,
      // not an hour later (JGit's default): every pack left is one more index each object lookup of
      // a push searches. A push still receiving holds its pack's .keep file, which GC never
      // deletes.
      gc.setPackExpire(java.time.Instant.now().minus(replacedPackGrace));
      try {
        gc.gc().get();
      } catch (java.util.concurrent.ExecutionException e) {
        throw new IOException(
            "gc of " + repo.fullName() + " failed: " + e.getCause(), e.getCause());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("gc of " + repo.fullName() + " interrupted", e);
      } catch (java.text.ParseException | GitAPIException e) {
        throw new IOException("gc of " + repo.fullName() + " failed: " + e.getMessage(), e);
      }
      return file.getObjectDatabase().getPacks().size();
    }
  }

  /**
   * Packs every loose ref into {@code packed-refs} with its peeled value (JGit's {@code pack-refs
   * --all}), as a full collection does, without repacking any object. A repository as a push leaves
   * it has a loose file per updated ref, and advertising its refs then costs a directory scan and a
   * file check per ref on every fetch; packed, it costs one check of {@code packed-refs}. Safe
   * while served: JGit takes {@code packed-refs.lock}, and a ref whose loose file another update
   * holds locked stays loose. Returns how many refs were loose.
   */
  public int packRefs(Repository repo) throws IOException {
    try (org.eclipse.jgit.lib.Repository db = open(repo)) {
      long loose =
          db.getRefDatabase().getRefs().stream()
              .filter(r -> !r.isSymbolic() && r.getStorage().isLoose())
              .count();
      if (loose > 0) {
        Git.wrap(db).packRefs().setAll(true).call();
      }
      return (int) loose;
    } catch (GitAPIException e) {
      throw new IOException(
          "packing the refs of " + repo.fullName() + " failed: " + e.getMessage(), e);
    }
  }

  /**
   * Whether pushes are answered with {@link #consolidate}: only on a single node, since the packs a
   * consolidation replaces are deleted at once, while nodes sharing the repositories keep replaced
   * packs for the grace period and collect them with a full GC.
   */
  public boolean consolidates() {
    return replacedPackGrace.isZero();
  }

  /**
   * Rolls the repository's small packs into one ({@link PackConsolidation}, factor 2); returns what
   * it did, or null where it does not apply (see {@link #consolidates}).
   */
  PackConsolidation.Result consolidate(Repository repo) throws IOException {
    if (!consolidates()) {
      return null;
    }
    try (org.eclipse.jgit.lib.Repository db = open(repo)) {
      if (!(db instanceof org.eclipse.jgit.internal.storage.file.FileRepository file)) {
        return null;
      }
      return PackConsolidation.run(file, 2);
    }
  }

  /**
   * Removes lock files older than {@code olderThan}: a process killed in the middle of a ref update
   * or a pack receipt leaves {@code refs/heads/x.lock}, {@code packed-refs.lock} or {@code
   * pack-….keep.lock} behind, and JGit, like git, then refuses every later update of that ref.
   * Returns how many were removed.
   */
  public int removeStaleLocks(java.time.Duration olderThan) throws IOException {
    long cutoff = System.currentTimeMillis() - olderThan.toMillis();
    int[] removed = {0};
    try (java.util.stream.Stream<Path> files = Files.walk(root)) {
      for (Path p : (Iterable<Path>) files::iterator) {
        String name = p.getFileName().toString();
        // JGit's lock files: refs, packed-refs, config, and a pack's .keep while it is received.
        if (name.endsWith(".lock")
            && Files.isRegularFile(p)
            && Files.getLastModifiedTime(p).toMillis() <= cutoff) {
          Files.deleteIfExists(p);
          removed[0]++;
        }
      }
    }
    return removed[0];
  }

  /**
   * Server settings for fetches. Protocol v2's {@code object-info} is refused: JGit answers it for
   * any object the repository holds, reachable or not, so a reader could learn the size of an
   * object pushed to a branch that was deleted since (and that it still exists). JGit does not
   * advertise it unless {@code uploadpack.advertiseObjectInfo} is set, but serves it all the same;
   * git clients ask for it only when it is advertised.
   */
  public static void configure(UploadPack up) {
    up.setTimeout(600);
    up.setProtocolV2Hook(NO_OBJECT_INFO);
  }

  /** Status of the refusal of {@code object-info}: the client asked for what was not offered. */
  private static final int BAD_REQUEST = 400;

  private static final ProtocolV2Hook NO_OBJECT_INFO =
      new ProtocolV2Hook() {
        @Override
        public void onObjectInfo(ObjectInfoRequest req) throws ServiceMayNotContinueException {
          throw new ServiceMayNotContinueException(
              "object-info is not served: fetch the objects you need", BAD_REQUEST);
        }
      };

  /** Server settings for pushes: objects are checked, updates are atomic when the client asks. */
  public static void configure(ReceivePack rp) {
    rp.setTimeout(600);
    rp.setCheckReceivedObjects(true);
    rp.setAllowCreates(true);
    rp.setAllowDeletes(true);
    rp.setAllowNonFastForwards(true);
    rp.setAtomic(true);
  }
}
