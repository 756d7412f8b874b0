package dev.portcullis.gateway.hardening;

import static dev.portcullis.gateway.hardening.GitFixture.pkt;
import static dev.portcullis.gateway.hardening.GitFixture.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.file.Path;
import java.util.List;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.RefUpdate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Only branches and tags are pushed, with git's own CLI: a push to {@code refs/pull/*}, {@code
 * refs/meta/*}, any other namespace, or to a branch named {@code HEAD} is refused, each ref with a
 * message git prints; the other refs of a push proceed, unless it is atomic.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class RefNamespaceTest {
  @TempDir static Path tmp;
  private GitFixture f;
  private Path work;

  @BeforeAll
  void start() throws Exception {
    f = new GitFixture(tmp);
    Path dir = f.workDir("alice");
    Hardening.GitResult clone =
        f.git.run(dir, "clone", "-q", f.url("alice", f.aliceToken, "alice/r"), "w");
    assertTrue(clone.ok(), clone::toString);
    work = dir.resolve("w");
  }

  @AfterAll
  void stop() {
    f.close();
  }

  private Hardening.GitResult push(String... args) {
    String[] all = new String[args.length + 1];
    all[0] = "push";
    System.arraycopy(args, 0, all, 1, args.length);
    return f.git.run(work, all);
  }

  private String ref(String name) throws Exception {
    return f.ref("alice", "r", name);
  }

  @ParameterizedTest
  @ValueSource(strings = {"refs/pull/1/head", "refs/meta/config", "refs/x", "refs/notes/commits"})
  void aRefOutsideBranchesAndTagsIsRefused(String target) throws Exception {
    Hardening.GitResult r = push("origin", "HEAD:" + target);
    assertFalse(r.ok(), r::toString);
    assertTrue(
        r.output()
            .contains(
                target
                    + " is reserved for the server: only branches (refs/heads/*) and tags"
                    + " (refs/tags/*) can be pushed"),
        r::toString);
    assertTrue(r.output().contains("[remote rejected]"), r::toString);
    assertNull(ref(target));
  }

  @Test
  void pushingHeadToHeadDoesNotCreateABranchNamedHead() throws Exception {
    Hardening.GitResult r = push("origin", "HEAD:HEAD");
    assertFalse(r.ok(), r::toString);
    assertTrue(r.output().contains("refs/heads/HEAD cannot be pushed"), r::toString);
    assertNull(ref("refs/heads/HEAD"));
    Hardening.GitResult explicit = push("origin", "HEAD:refs/heads/HEAD");
    assertFalse(explicit.ok(), explicit::toString);
    assertNull(ref("refs/heads/HEAD"));
  }

  @Test
  void aBranchNamedHeadMadeBeforeMayBeDeleted() throws Exception {
    try (org.eclipse.jgit.lib.Repository db =
        f.gateway.storage().open(f.gateway.admin().directory().repository("alice", "r"))) {
      RefUpdate u = db.updateRef("refs/heads/HEAD");
      u.setNewObjectId(ObjectId.fromString(f.tip("alice", "r")));
      RefUpdate.Result made = u.update();
      assertTrue(made == RefUpdate.Result.NEW || made == RefUpdate.Result.NO_CHANGE, made::name);
    }
    Hardening.GitResult r = push("origin", ":refs/heads/HEAD");
    assertTrue(r.ok(), r::toString);
    assertNull(ref("refs/heads/HEAD"));
  }

  @Test
  void theOtherRefsOfAPushProceed() throws Exception {
    Hardening.GitResult r =
        push("origin", "HEAD:refs/heads/mixed", "HEAD:refs/tags/mixed", "HEAD:refs/pull/2/head");
    assertFalse(r.ok(), "one ref was refused: " + r);
    assertTrue(r.output().contains("refs/pull/2/head is reserved for the server"), r::toString);
    assertNotNull(ref("refs/heads/mixed"), r::toString);
    assertNotNull(ref("refs/tags/mixed"), r::toString);
    assertNull(ref("refs/pull/2/head"));
  }

  @Test
  void anAtomicPushIsRefusedWhole() throws Exception {
    Hardening.GitResult r =
        push("--atomic", "origin", "HEAD:refs/heads/atomic", "HEAD:refs/meta/atomic");
    assertFalse(r.ok(), r::toString);
    assertTrue(r.output().contains("refs/meta/atomic is reserved for the server"), r::toString);
    assertNull(ref("refs/heads/atomic"), r::toString);
    assertNull(ref("refs/meta/atomic"));
  }

  @Test
  void branchesAndTagsArePushedAsBefore() throws Exception {
    Hardening.GitResult r = push("origin", "HEAD:refs/heads/feature", "HEAD:refs/tags/v1");
    assertTrue(r.ok(), r::toString);
    assertNotNull(ref("refs/heads/feature"));
    assertNotNull(ref("refs/tags/v1"));
  }

  @Test
  void theRefusalIsInTheProtocolWithItsLogLineAndAuditRow() throws Exception {
    String tip = f.tip("alice", "r");
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    body.writeBytes(
        utf8(pkt("0".repeat(40) + " " + tip + " refs/pull/3/head\0report-status\n") + "0000"));
    body.writeBytes(BadInputCorpus.pack(List.of()));
    GitFixture.Mark before = f.mark("alice/r");
    RawHttp.Response r =
        f.send(
            "POST",
            "/alice/r.git/git-receive-pack",
            List.of(
                "Authorization: " + Hardening.basic("alice", f.aliceToken),
                "Content-Type: application/x-git-receive-pack-request"),
            body.toByteArray());
    assertEquals(200, r.status(), r.describe());
    assertTrue(r.text().contains("ng refs/pull/3/head refs/pull/3/head is reserved"), r.describe());
    GitFixture.assertNoTrace(r, "refs/pull/3/head");
    f.assertRecordedOnce(before, "alice/r", 200, "refs/pull/3/head");
    assertNull(ref("refs/pull/3/head"));
  }
}
