package dev.portcullis.gateway.loadtest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.ProtocolException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.eclipse.jgit.internal.storage.dfs.DfsRepositoryDescription;
import org.eclipse.jgit.internal.storage.dfs.InMemoryRepository;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.transport.PackParser;
import org.junit.jupiter.api.Test;

/** The smart-HTTP message formats the simulated clients write and read, without a server. */
class SmartHttpProtocolTest {
  private static final ObjectId A = ObjectId.fromString("1111111111111111111111111111111111111111");
  private static final ObjectId B = ObjectId.fromString("2222222222222222222222222222222222222222");

  private static byte[] pkts(String... lines) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (String l : lines) {
      if (l == null) {
        PktLine.flush(out);
      } else {
        PktLine.write(out, l);
      }
    }
    return out.toByteArray();
  }

  @Test
  void parsesAnAdvertisementWithCapabilitiesAndPeeledTags() throws ProtocolException {
    byte[] body =
        pkts(
            "# service=git-upload-pack\n",
            null,
            A.name() + " HEAD\0multi_ack side-band-64k ofs-delta symref=HEAD:refs/heads/main\n",
            A.name() + " refs/heads/main\n",
            B.name() + " refs/tags/v1\n",
            A.name() + " refs/tags/v1^{}\n",
            null);
    RefAdvertisement adv = RefAdvertisement.parse(body, "git-upload-pack");
    assertEquals(
        List.of("HEAD", "refs/heads/main", "refs/tags/v1"), List.copyOf(adv.refs().keySet()));
    assertTrue(adv.capabilities().contains("side-band-64k"));
    assertEquals(Set.of(A, B), adv.distinctIds());
    assertEquals(A, adv.idOf("refs/heads/main"));
    assertEquals(ObjectId.zeroId(), adv.idOf("refs/heads/new"));
  }

  @Test
  void anEmptyRepositoryAdvertisesNoRefs() throws ProtocolException {
    byte[] body =
        pkts(
            "# service=git-receive-pack\n",
            null,
            ObjectId.zeroId().name() + " capabilities^{}\0report-status delete-refs ofs-delta\n",
            null);
    RefAdvertisement adv = RefAdvertisement.parse(body, "git-receive-pack");
    assertTrue(adv.refs().isEmpty());
    assertTrue(adv.capabilities().contains("report-status"));
  }

  @Test
  void refusesAnAdvertisementOfAnotherServiceOrCutOff() {
    byte[] upload =
        pkts("# service=git-upload-pack\n", null, A.name() + " refs/heads/main\n", null);
    assertThrows(ProtocolException.class, () -> RefAdvertisement.parse(upload, "git-receive-pack"));
    byte[] cut = pkts("# service=git-upload-pack\n", null, A.name() + " refs/heads/main\n");
    assertThrows(ProtocolException.class, () -> RefAdvertisement.parse(cut, "git-upload-pack"));
    byte[] html = "<html>Not found</html>".getBytes(StandardCharsets.UTF_8);
    assertThrows(ProtocolException.class, () -> RefAdvertisement.parse(html, "git-upload-pack"));
  }

  @Test
  void cloneRequestWantsEveryIdWithCapabilitiesOnTheFirstLine() {
    String body = new String(FetchProtocol.cloneRequest(List.of(A, B)), StandardCharsets.US_ASCII);
    String first = "want " + A.name() + " " + FetchProtocol.CAPABILITIES + "\n";
    assertEquals(
        String.format("%04x", first.length() + 4)
            + first
            + "0032want "
            + B.name()
            + "\n"
            + "0000"
            + "0009done\n",
        body);
  }

  @Test
  void countsPackBytesOnSideBandOneAndReportsRemoteErrors() throws ProtocolException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PktLine.write(out, "NAK\n");
    byte[] pack = new byte[100];
    System.arraycopy("PACK".getBytes(StandardCharsets.US_ASCII), 0, pack, 0, 4);
    byte[] chunk1 = new byte[61];
    chunk1[0] = 1;
    System.arraycopy(pack, 0, chunk1, 1, 60);
    byte[] progress = "\002Counting objects\n".getBytes(StandardCharsets.US_ASCII);
    byte[] chunk2 = new byte[41];
    chunk2[0] = 1;
    PktLine.write(out, chunk1);
    PktLine.write(out, progress);
    PktLine.write(out, chunk2);
    PktLine.flush(out);
    assertEquals(100, FetchProtocol.packBytes(out.toByteArray()));

    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PktLine.write(err, "NAK\n");
    PktLine.write(err, "\003upload-pack: not our ref".getBytes(StandardCharsets.US_ASCII));
    ProtocolException e =
        assertThrows(ProtocolException.class, () -> FetchProtocol.packBytes(err.toByteArray()));
    assertTrue(e.getMessage().contains("not our ref"), e::getMessage);
    assertThrows(
        ProtocolException.class,
        () -> FetchProtocol.packBytes(pkts("NAK\n", null)),
        "no pack at all");
  }

  @Test
  void pushRequestAndReportStatus() throws ProtocolException {
    byte[] req =
        PushProtocol.request(ObjectId.zeroId(), A, "refs/heads/x", new byte[] {'P', 'A', 'C', 'K'});
    String s = new String(req, StandardCharsets.ISO_8859_1);
    assertTrue(
        s.startsWith(
            String.format(
                    "%04x", 4 + 40 + 1 + 40 + 1 + 12 + 1 + PushProtocol.CAPABILITIES.length() + 1)
                + ObjectId.zeroId().name()
                + " "
                + A.name()
                + " refs/heads/x\0report-status"),
        s);
    assertTrue(s.endsWith("\n0000PACK"), s);

    PushProtocol.checkReport(pkts("unpack ok\n", "ok refs/heads/x\n", null), "refs/heads/x");
    ProtocolException ng =
        assertThrows(
            ProtocolException.class,
            () ->
                PushProtocol.checkReport(
                    pkts("unpack ok\n", "ng refs/heads/x fetch first\n", null), "refs/heads/x"));
    assertTrue(ng.getMessage().contains("fetch first"), ng::getMessage);
    assertThrows(
        ProtocolException.class,
        () ->
            PushProtocol.checkReport(
                pkts("unpack error index-pack failed\n", null), "refs/heads/x"));
    assertThrows(
        ProtocolException.class,
        () -> PushProtocol.checkReport(pkts("unpack ok\n", null), "refs/heads/x"));
  }

  @Test
  void pushPacksAreValidPacksHoldingExactlyTheNewObjects() throws Exception {
    long before = System.currentTimeMillis() / 1000;
    PushPackBuilder.PushPack first =
        PushPackBuilder.singleCommit(ObjectId.zeroId(), "client-1.txt", "one\n", "first\n");
    PushPackBuilder.PushPack second =
        PushPackBuilder.singleCommit(first.commit(), "client-1.txt", "two\n", "second\n");
    InMemoryRepository server = new InMemoryRepository(new DfsRepositoryDescription("server"));
    receive(server, first.pack());
    receive(server, second.pack());
    try (RevWalk walk = new RevWalk(server)) {
      RevCommit tip = walk.parseCommit(second.commit());
      assertEquals(1, tip.getParentCount());
      assertEquals(first.commit(), tip.getParent(0));
      assertEquals("second\n", tip.getFullMessage());
      // Made now, as a client makes them: a server's date-ordered walks depend on it.
      long after = System.currentTimeMillis() / 1000;
      assertTrue(
          tip.getCommitTime() >= before && tip.getCommitTime() <= after,
          "commit time " + tip.getCommitTime());
      assertEquals(tip.getCommitTime(), tip.getAuthorIdent().getWhenAsInstant().getEpochSecond());
    }
    PushPackBuilder.PushPack history = PushPackBuilder.history(5, 3, 8 * 1024, 1);
    InMemoryRepository seeded = new InMemoryRepository(new DfsRepositoryDescription("seeded"));
    receive(seeded, history.pack());
    try (RevWalk walk = new RevWalk(seeded)) {
      walk.markStart(walk.parseCommit(history.commit()));
      int n = 0;
      int newer = Integer.MAX_VALUE;
      for (RevCommit c : walk) {
        n++;
        assertTrue(c.getFullMessage().startsWith("load test seed commit"));
        assertTrue(c.getCommitTime() < newer, "each seed commit older than its child");
        newer = c.getCommitTime();
      }
      assertEquals(5, n);
    }
    assertArrayEquals(
        "PACK".getBytes(StandardCharsets.US_ASCII), java.util.Arrays.copyOf(history.pack(), 4));
  }

  private static void receive(InMemoryRepository repo, byte[] pack) throws Exception {
    try (ObjectInserter ins = repo.newObjectInserter()) {
      PackParser p = ins.newPackParser(new ByteArrayInputStream(pack));
      p.setAllowThin(false);
      p.parse(org.eclipse.jgit.lib.NullProgressMonitor.INSTANCE);
      ins.flush();
    }
  }
}
