package dev.portcullis.repos;

import java.io.File;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.eclipse.jgit.internal.storage.file.FileRepository;
import org.eclipse.jgit.internal.storage.file.ObjectDirectory;
import org.eclipse.jgit.internal.storage.file.Pack;
import org.eclipse.jgit.internal.storage.file.PackIndex;
import org.eclipse.jgit.internal.storage.pack.PackExt;
import org.eclipse.jgit.internal.storage.pack.PackWriter;
import org.eclipse.jgit.lib.NullProgressMonitor;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.revwalk.RevObject;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.pack.PackConfig;

/**
 * Geometric pack consolidation, as {@code git repack --geometric=2 -d}: every push adds a small
 * pack, and rolling the small ones into one keeps the pack count logarithmic in the number of
 * pushes at a cost proportional to the small packs only, where a full repack (JGit's GC) reads and
 * writes every object of the repository. Under a push-heavy load the full repack of a busy
 * repository took longer the more packs it found (a 150 s repack of 931 packs in a 10-minute load
 * test), during which pushes piled up more packs and every object lookup searched all their
 * indexes.
 *
 * <p>The packs, smallest first (by object count), keep their order; the smallest prefix is rolled
 * up so that each pack left is at least {@code factor} times as large as all the packs below it
 * together, counting the new one. Packs with a {@code .keep} file (a push still receiving) are left
 * alone. The new pack is written beside the others under a temporary name, renamed into place pack
 * first and index last (as JGit's GC does), checked to hold every object of the packs it replaces,
 * registered, and only then are the replaced packs deleted. A reader that still holds one of those
 * finds it gone and carries on with the new pack, as after a GC. Nothing is pruned: unreachable
 * objects wait for the next full GC.
 */
final class PackConsolidation {
  /** What one consolidation did. */
  record Result(int packsBefore, int packsRolledUp, long objects, int packsAfter) {}

  private record Sized(Pack pack, long objects) {}

  private PackConsolidation() {}

  /**
   * Indices {@code 0..m} of {@code counts} (ascending) to roll up; fewer than 2 means nothing to
   * do.
   */
  static int rollUpCount(long[] counts, int factor) {
    int m = -1;
    long below = 0;
    for (int j = 0; j < counts.length; j++) {
      if (j > 0 && counts[j] < (long) factor * below) {
        m = j;
      }
      below += counts[j];
    }
    return m + 1;
  }

  static Result run(FileRepository db, int factor) throws IOException {
    ObjectDirectory odb = db.getObjectDatabase();
    List<Sized> sized = new ArrayList<>();
    int before = 0;
    for (Pack p : odb.getPacks()) {
      before++;
      if (!p.shouldBeKept()) {
        sized.add(new Sized(p, p.getIndex().getObjectCount()));
      }
    }
    sized.sort(Comparator.comparingLong(Sized::objects));
    int n = rollUpCount(sized.stream().mapToLong(Sized::objects).toArray(), factor);
    if (n < 2) {
      return new Result(before, 0, 0, before);
    }
    List<Pack> roll = sized.subList(0, n).stream().map(Sized::pack).toList();

    Set<ObjectId> ids = new HashSet<>();
    for (Pack p : roll) {
      for (PackIndex.MutableEntry e : p) {
        ids.add(e.toObjectId());
      }
    }
    File dir = odb.getPackDirectory();
    Path tmpPack = Files.createTempFile(dir.toPath(), "consolidate_", ".pack_tmp");
    Path tmpIdx = Files.createTempFile(dir.toPath(), "consolidate_", ".idx_tmp");
    Path pack;
    try (ObjectReader reader = db.newObjectReader();
        RevWalk walk = new RevWalk(reader);
        PackWriter writer = new PackWriter(new PackConfig(db), reader)) {
      List<RevObject> objects = new ArrayList<>(ids.size());
      for (ObjectId id : ids) {
        objects.add(walk.lookupAny(id, reader.open(id).getType()));
      }
      writer.setUseBitmaps(false);
      writer.setUseCachedPacks(false);
      writer.setDeltaBaseAsOffset(true);
      writer.preparePack(objects.iterator());
      try (OutputStream out = new FileOutputStream(tmpPack.toFile())) {
        writer.writePack(NullProgressMonitor.INSTANCE, NullProgressMonitor.INSTANCE, out);
        ((FileOutputStream) out).getChannel().force(true);
      }
      try (OutputStream out = new FileOutputStream(tmpIdx.toFile())) {
        writer.writeIndex(out);
        ((FileOutputStream) out).getChannel().force(true);
      }
      String name = "pack-" + writer.computeName().name();
      pack = dir.toPath().resolve(name + "." + PackExt.PACK.getExtension());
      Path idx = dir.toPath().resolve(name + "." + PackExt.INDEX.getExtension());
      boolean existed = Files.exists(idx); // these very objects are already one pack
      if (!existed) {
        move(tmpPack, pack);
        move(tmpIdx, idx);
      }
      PackIndex written = PackIndex.open(idx.toFile());
      for (ObjectId id : ids) {
        if (!written.hasObject(id)) {
          throw new IOException(
              "consolidated pack "
                  + name
                  + " lacks "
                  + id.name()
                  + "; the replaced packs are kept");
        }
      }
      if (!existed) {
        odb.openPack(pack.toFile());
      }
    } finally {
      Files.deleteIfExists(tmpPack);
      Files.deleteIfExists(tmpIdx);
    }
    for (Pack p : roll) {
      if (!p.getPackFile().toPath().equals(pack)) {
        delete(p);
      }
    }
    return new Result(before, n, ids.size(), odb.getPacks().size());
  }

  private static void move(Path from, Path to) throws IOException {
    from.toFile().setReadOnly();
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(from, to);
    }
  }

  /**
   * The pack first, then its index and the rest, as JGit's GC deletes a pack. A reader still
   * holding the pack in its list that now fails to open it finds the pack file gone, and JGit drops
   * it from the list quietly (a debug line). Deleting the index first left a moment in which the
   * pack file still existed: JGit then takes the missing index for a transient error, logs it at
   * ERROR with a stack trace and keeps trying the pack (5 such lines in a 3-minute push-heavy
   * load). An index without its pack, like a pack without its index, is skipped by JGit's directory
   * scan.
   */
  private static void delete(Pack p) throws IOException {
    var file = p.getPackFile();
    Files.deleteIfExists(file.create(PackExt.PACK).toPath());
    for (PackExt ext : PackExt.values()) {
      if (ext != PackExt.KEEP && ext != PackExt.PACK) {
        Files.deleteIfExists(file.create(ext).toPath());
      }
    }
  }
}
