package dev.portcullis.repos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.policy.token.TokenFormat;
import dev.portcullis.policy.token.TokenKind;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Set;
import org.eclipse.jgit.internal.storage.file.FileRepository;
import org.eclipse.jgit.internal.storage.pack.PackWriter;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.NullProgressMonitor;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.lib.TreeFormatter;
import org.eclipse.jgit.transport.PackParser;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The scan of received blobs while a pack is parsed: a blob sent whole and a blob sent as a delta
 * against one the repository has (git pushes thin packs) are both scanned; nothing is kept for
 * blobs without tokens.
 */
class ReceivedTokensTest {
  @TempDir Path dir;

  private static ObjectId commit(ObjectInserter ins, ObjectId parent, String name, ObjectId blob)
      throws Exception {
    TreeFormatter tree = new TreeFormatter();
    tree.append(name, FileMode.REGULAR_FILE, blob);
    CommitBuilder c = new CommitBuilder();
    c.setTreeId(ins.insert(tree));
    if (parent != null) {
      c.setParentId(parent);
    }
    PersonIdent who = new PersonIdent("Test", "test@localhost");
    c.setAuthor(who);
    c.setCommitter(who);
    c.setMessage("m\n");
    return ins.insert(c);
  }

  /** A pack of {@code want} without what {@code have} has; thin: deltas may use bases outside. */
  private static byte[] pack(FileRepository db, ObjectId want, ObjectId have) throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (PackWriter pw = new PackWriter(db)) {
      pw.setThin(true);
      pw.preparePack(
          NullProgressMonitor.INSTANCE, Set.of(want), have == null ? Set.of() : Set.of(have));
      pw.writePack(NullProgressMonitor.INSTANCE, NullProgressMonitor.INSTANCE, out);
      if (have != null) {
        assertEquals(1, pw.getStatistics().getTotalDeltas(), "the changed file is a delta");
      }
    }
    return out.toByteArray();
  }

  private static ReceivedTokens receive(FileRepository db, byte[] pack) throws Exception {
    ReceivedTokens received = new ReceivedTokens();
    try (ObjectInserter in = db.newObjectInserter()) {
      PackParser parser = in.newPackParser(new ByteArrayInputStream(pack));
      parser.setAllowThin(true);
      parser.setObjectChecker(received);
      parser.parse(NullProgressMonitor.INSTANCE);
      in.flush();
    }
    return received;
  }

  @Test
  void findsTokensInBlobsSentWholeAndAsDeltas() throws Exception {
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 3000; i++) {
      text.append("setting_").append(i).append(" = ").append(i * 7919).append('\n');
    }
    String token = TokenFormat.generate(TokenKind.FINE_GRAINED, new SecureRandom());
    byte[] before = text.toString().getBytes(StandardCharsets.UTF_8);
    byte[] after = (text + "TOKEN=" + token + "\n").getBytes(StandardCharsets.UTF_8);

    try (FileRepository src = new FileRepository(dir.resolve("src.git").toFile());
        FileRepository dst = new FileRepository(dir.resolve("dst.git").toFile())) {
      src.create(true);
      dst.create(true);
      ObjectId first;
      ObjectId second;
      ObjectId beforeId;
      ObjectId afterId;
      try (ObjectInserter ins = src.newObjectInserter()) {
        beforeId = ins.insert(Constants.OBJ_BLOB, before);
        afterId = ins.insert(Constants.OBJ_BLOB, after);
        first = commit(ins, null, "settings.txt", beforeId);
        second = commit(ins, first, "settings.txt", afterId);
        ins.flush();
      }

      ReceivedTokens clean = receive(dst, pack(src, first, null));
      assertTrue(!clean.any(), "no token in the first push");
      assertEquals(List.of(), clean.in(beforeId));

      ReceivedTokens delta = receive(dst, pack(src, second, first));
      assertTrue(delta.any());
      assertEquals(1, delta.in(afterId).size(), "found in the blob resolved from a delta");
      assertEquals(3001, delta.in(afterId).get(0).line());

      try (FileRepository whole = new FileRepository(dir.resolve("whole.git").toFile())) {
        whole.create(true);
        ReceivedTokens all = receive(whole, pack(src, second, null));
        assertEquals(1, all.in(afterId).size(), "found in the blob sent whole");
      }
    }
  }
}
