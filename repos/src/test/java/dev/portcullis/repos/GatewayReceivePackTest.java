package dev.portcullis.repos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.policy.decision.PushRules;
import dev.portcullis.policy.model.AccessToken;
import dev.portcullis.policy.model.PermissionLevel;
import dev.portcullis.policy.model.RefPatterns;
import dev.portcullis.policy.model.Repository;
import dev.portcullis.policy.model.RepositorySelection;
import dev.portcullis.policy.model.User;
import dev.portcullis.policy.model.Visibility;
import dev.portcullis.policy.token.TokenDigest;
import dev.portcullis.policy.token.TokenKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jgit.api.Git;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.transport.PushResult;
import org.eclipse.jgit.transport.RefSpec;
import org.eclipse.jgit.transport.RemoteRefUpdate;
import org.eclipse.jgit.transport.TestProtocol;
import org.eclipse.jgit.transport.Transport;
import org.eclipse.jgit.transport.URIish;
import org.eclipse.jgit.transport.UploadPack;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Pushes through the gateway's receive-pack over JGit's in-process transport. */
class GatewayReceivePackTest {
  @TempDir Path dir;

  private RepositoryStorage storage;
  private Repository repo;

  /** The server's receive-pack for {@link #pushMainTo}: the gateway's, with or without hooks. */
  private java.util.function.Function<org.eclipse.jgit.lib.Repository, GatewayReceivePack>
      receivePack = GatewayReceivePack::new;

  /** A push of one new commit on main while {@code refs/heads/main.lock} is held. */
  private RemoteRefUpdate pushWhileMainIsLocked(Runnable... pauses) throws Exception {
    storage = new RepositoryStorage(dir.resolve("server"));
    repo = new Repository(1, 1, "acme", "app", Visibility.PRIVATE, Instant.now());
    storage.create(repo);
    storage.seedReadme(repo, "hello\n");
    try (org.eclipse.jgit.lib.Repository server = storage.open(repo)) {
      // JGit's in-process transport: the client's push runs this receive-pack on the server.
      TestProtocol<Object> protocol =
          new TestProtocol<>(
              (req, db) -> new UploadPack(db), (req, db) -> new GatewayReceivePack(db, pauses));
      URIish uri = protocol.register(new Object(), server);
      Transport.register(protocol);
      try (Git client =
          Git.cloneRepository()
              .setURI(uri.toString())
              .setDirectory(dir.resolve("client").toFile())
              .call()) {
        Files.writeString(dir.resolve("client/change.txt"), "change\n");
        client.add().addFilepattern("change.txt").call();
        client.commit().setMessage("change").setAuthor("Test", "test@localhost").call();
        Files.writeString(storage.pathOf(repo).resolve("refs/heads/main.lock"), "held\n");
        Iterable<PushResult> results =
            client.push().setRemote(uri.toString()).setRefSpecs(new RefSpec("main:main")).call();
        return results.iterator().next().getRemoteUpdate("refs/heads/main");
      } finally {
        Transport.unregister(protocol);
      }
    }
  }

  private Path lock() {
    return storage.pathOf(repo).resolve("refs/heads/main.lock");
  }

  private ObjectId main() throws Exception {
    try (org.eclipse.jgit.lib.Repository server = storage.open(repo)) {
      return server.exactRef("refs/heads/main").getObjectId();
    }
  }

  @Test
  void anUpdateThatFailedToLockAnUnmovedRefIsTriedAgain() throws Exception {
    AtomicInteger paused = new AtomicInteger();
    // The lock is let go during the first pause, as the packing of refs lets go of it.
    RemoteRefUpdate update =
        pushWhileMainIsLocked(
            () -> {
              paused.incrementAndGet();
              try {
                Files.delete(lock());
              } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            },
            paused::incrementAndGet);
    assertEquals(RemoteRefUpdate.Status.OK, update.getStatus(), () -> update.getMessage());
    assertEquals(1, paused.get(), "one retry was enough");
    assertEquals(update.getNewObjectId(), main());
  }

  @Test
  void withoutRetriesTheSamePushIsToldToPushAgain() throws Exception {
    RemoteRefUpdate update = pushWhileMainIsLocked();
    assertEquals(RemoteRefUpdate.Status.REJECTED_OTHER_REASON, update.getStatus());
    assertTrue(update.getMessage().contains("locked by another update"), update::getMessage);
  }

  @Test
  void aLockThatStaysIsRefusedAfterTheLastRetry() throws Exception {
    AtomicInteger paused = new AtomicInteger();
    RemoteRefUpdate update =
        pushWhileMainIsLocked(paused::incrementAndGet, paused::incrementAndGet);
    assertEquals(RemoteRefUpdate.Status.REJECTED_OTHER_REASON, update.getStatus());
    assertEquals(2, paused.get(), "every retry was spent");
    assertTrue(update.getMessage().contains("push again"), update::getMessage);
  }

  /** Pushes the client's main to each of {@code targets} in one push; returns the result. */
  private PushResult pushMainTo(boolean atomic, String... targets) throws Exception {
    List<String> specs = new java.util.ArrayList<>();
    for (String t : targets) {
      specs.add("refs/heads/main:" + t);
    }
    return push(atomic, List.of(), client -> {}, specs.toArray(new String[0]));
  }

  /** What a test does in the client's clone before it pushes. */
  private interface ClientWork {
    void on(Git client) throws Exception;
  }

  /**
   * In a new repository with one commit on main, and {@code serverRefs} at that commit, lets {@code
   * work} change a clone and pushes {@code specs} from it in one push; returns the result.
   */
  private PushResult push(boolean atomic, List<String> serverRefs, ClientWork work, String... specs)
      throws Exception {
    storage = new RepositoryStorage(dir.resolve("server"));
    repo = new Repository(1, 1, "acme", "app", Visibility.PRIVATE, Instant.now());
    storage.create(repo);
    storage.seedReadme(repo, "hello\n");
    try (org.eclipse.jgit.lib.Repository server = storage.open(repo)) {
      for (String name : serverRefs) {
        org.eclipse.jgit.lib.RefUpdate u = server.updateRef(name);
        u.setNewObjectId(server.exactRef("refs/heads/main").getObjectId());
        assertEquals(org.eclipse.jgit.lib.RefUpdate.Result.NEW, u.update(), name);
      }
      TestProtocol<Object> protocol =
          new TestProtocol<>((req, db) -> new UploadPack(db), (req, db) -> receivePack.apply(db));
      URIish uri = protocol.register(new Object(), server);
      Transport.register(protocol);
      try (Git client =
          Git.cloneRepository()
              .setURI(uri.toString())
              .setDirectory(dir.resolve("client").toFile())
              .call()) {
        work.on(client);
        java.util.List<RefSpec> refSpecs = new java.util.ArrayList<>();
        for (String s : specs) {
          refSpecs.add(new RefSpec(s));
        }
        return client
            .push()
            .setRemote(uri.toString())
            .setRefSpecs(refSpecs)
            .setAtomic(atomic)
            .call()
            .iterator()
            .next();
      } finally {
        Transport.unregister(protocol);
      }
    }
  }

  private ObjectId ref(String name) throws Exception {
    try (org.eclipse.jgit.lib.Repository server = storage.open(repo)) {
      org.eclipse.jgit.lib.Ref r = server.exactRef(name);
      return r == null ? null : r.getObjectId();
    }
  }

  @Test
  void onlyBranchesAndTagsArePushedAndTheRestOfThePushProceeds() throws Exception {
    PushResult r =
        pushMainTo(
            false,
            "refs/heads/ok",
            "refs/tags/v1",
            "refs/pull/1/head",
            "refs/meta/config",
            "refs/x",
            "refs/heads/HEAD");
    for (String refused : java.util.List.of("refs/pull/1/head", "refs/meta/config", "refs/x")) {
      RemoteRefUpdate u = r.getRemoteUpdate(refused);
      assertEquals(RemoteRefUpdate.Status.REJECTED_OTHER_REASON, u.getStatus(), refused);
      assertEquals(
          refused
              + " is reserved for the server: only branches (refs/heads/*) and tags (refs/tags/*)"
              + " can be pushed",
          u.getMessage());
      assertEquals(null, ref(refused));
    }
    RemoteRefUpdate head = r.getRemoteUpdate("refs/heads/HEAD");
    assertEquals(RemoteRefUpdate.Status.REJECTED_OTHER_REASON, head.getStatus());
    assertTrue(head.getMessage().contains("refs/heads/HEAD"), head::getMessage);
    assertEquals(null, ref("refs/heads/HEAD"));
    assertEquals(RemoteRefUpdate.Status.OK, r.getRemoteUpdate("refs/heads/ok").getStatus());
    assertEquals(RemoteRefUpdate.Status.OK, r.getRemoteUpdate("refs/tags/v1").getStatus());
    assertEquals(main(), ref("refs/heads/ok"));
  }

  @Test
  void anAtomicPushWithAReservedRefChangesNothing() throws Exception {
    PushResult r = pushMainTo(true, "refs/heads/ok", "refs/pull/1/head");
    assertEquals(
        RemoteRefUpdate.Status.REJECTED_OTHER_REASON,
        r.getRemoteUpdate("refs/pull/1/head").getStatus());
    RemoteRefUpdate ok = r.getRemoteUpdate("refs/heads/ok");
    assertEquals(RemoteRefUpdate.Status.REJECTED_OTHER_REASON, ok.getStatus());
    assertEquals("transaction aborted", ok.getMessage());
    assertEquals(null, ref("refs/heads/ok"));
  }

  /** A push by a fine-grained token whose {@code ref_patterns} allow release branches only. */
  private void releaseBranchesOnly() {
    releaseBranchesOnly(false);
  }

  /**
   * A push by a fine-grained token whose {@code ref_patterns} allow release branches only, with or
   * without {@code workflows: write}.
   */
  private void releaseBranchesOnly(boolean workflows) {
    User dev = new User(2, "dev", false, null, Instant.EPOCH);
    AccessToken token =
        new AccessToken(
                7,
                dev.id(),
                TokenKind.FINE_GRAINED,
                TokenDigest.of("pcf_test"),
                "release",
                null,
                Instant.EPOCH,
                null,
                null,
                null,
                Set.of(),
                1L,
                RepositorySelection.ALL,
                Set.of(),
                Map.of("contents", PermissionLevel.WRITE))
            .withRefPatterns(RefPatterns.of(List.of("refs/heads/release/*")));
    receivePack =
        db -> {
          GatewayReceivePack rp = new GatewayReceivePack(db);
          PushRules rules = new PushRules(dev, token, repo, workflows, false, false);
          PushRulesHook.attach(rp, rules, (digests, reason) -> {});
          return rp;
        };
  }

  @Test
  void refPatternsRefuseOtherRefsAndTheRestOfThePushProceeds() throws Exception {
    releaseBranchesOnly();
    PushResult r = pushMainTo(false, "refs/heads/release/1", "refs/heads/other", "refs/tags/v1");
    assertEquals(RemoteRefUpdate.Status.OK, r.getRemoteUpdate("refs/heads/release/1").getStatus());
    for (String refused : List.of("refs/heads/other", "refs/tags/v1")) {
      RemoteRefUpdate u = r.getRemoteUpdate(refused);
      assertEquals(RemoteRefUpdate.Status.REJECTED_OTHER_REASON, u.getStatus(), refused);
      assertEquals(
          "refusing to allow a Personal Access Token to update "
              + refused
              + ": its ref_patterns allow only refs/heads/release/*",
          u.getMessage());
      assertEquals(null, ref(refused));
    }
    assertEquals(main(), ref("refs/heads/release/1"));
  }

  @Test
  void anAtomicPushWithARefOutsideThePatternsChangesNothing() throws Exception {
    releaseBranchesOnly();
    PushResult r = pushMainTo(true, "refs/heads/release/1", "refs/heads/other");
    assertEquals(
        RemoteRefUpdate.Status.REJECTED_OTHER_REASON,
        r.getRemoteUpdate("refs/heads/other").getStatus());
    RemoteRefUpdate ok = r.getRemoteUpdate("refs/heads/release/1");
    assertEquals(RemoteRefUpdate.Status.REJECTED_OTHER_REASON, ok.getStatus());
    assertEquals("transaction aborted", ok.getMessage());
    assertEquals(null, ref("refs/heads/release/1"));
  }

  private static final String WORKFLOW_REFUSAL =
      "refusing to allow a Personal Access Token to create or update workflow"
          + " `.github/workflows/ci.yml` without `workflows` permission";

  /** Commits a change to a workflow file in the client's clone. */
  private void commitWorkflow(Git client) throws Exception {
    Path workflows = dir.resolve("client/.github/workflows");
    Files.createDirectories(workflows);
    Files.writeString(workflows.resolve("ci.yml"), "on: push\n");
    client.add().addFilepattern(".github/workflows/ci.yml").call();
    client.commit().setMessage("ci").setAuthor("Test", "test@localhost").call();
  }

  @Test
  void aWorkflowChangeOnARefThePatternsAllowStillNeedsTheWorkflowsPermission() throws Exception {
    releaseBranchesOnly(false);
    PushResult r =
        push(
            false,
            List.of(),
            this::commitWorkflow,
            "refs/heads/main:refs/heads/release/1",
            "refs/heads/main:refs/heads/main");
    RemoteRefUpdate release = r.getRemoteUpdate("refs/heads/release/1");
    assertEquals(RemoteRefUpdate.Status.REJECTED_OTHER_REASON, release.getStatus());
    assertEquals(WORKFLOW_REFUSAL, release.getMessage(), "rule 8 refuses the allowed ref");
    RemoteRefUpdate main = r.getRemoteUpdate("refs/heads/main");
    assertEquals(RemoteRefUpdate.Status.REJECTED_OTHER_REASON, main.getStatus());
    assertEquals(
        "refusing to allow a Personal Access Token to update refs/heads/main: its ref_patterns"
            + " allow only refs/heads/release/*",
        main.getMessage(),
        "a ref outside the patterns is refused by them, before rule 8 looks");
    assertEquals(null, ref("refs/heads/release/1"));
  }

  @Test
  void aWorkflowChangeOnARefThePatternsAllowLandsWithTheWorkflowsPermission() throws Exception {
    releaseBranchesOnly(true);
    ObjectId[] pushed = new ObjectId[1];
    PushResult r =
        push(
            false,
            List.of(),
            client -> {
              commitWorkflow(client);
              pushed[0] = client.getRepository().resolve("HEAD");
            },
            "refs/heads/main:refs/heads/release/1",
            "refs/heads/main:refs/heads/main");
    RemoteRefUpdate release = r.getRemoteUpdate("refs/heads/release/1");
    assertEquals(RemoteRefUpdate.Status.OK, release.getStatus(), release::getMessage);
    assertEquals(pushed[0], ref("refs/heads/release/1"));
    assertEquals(
        RemoteRefUpdate.Status.REJECTED_OTHER_REASON,
        r.getRemoteUpdate("refs/heads/main").getStatus(),
        "the workflows permission does not widen the patterns");
  }

  @Test
  void deletingARefOutsideThePatternsIsRefused() throws Exception {
    releaseBranchesOnly();
    PushResult r =
        push(
            false,
            List.of("refs/heads/other", "refs/heads/release/old"),
            client -> {},
            ":refs/heads/other",
            ":refs/heads/release/old");
    RemoteRefUpdate other = r.getRemoteUpdate("refs/heads/other");
    assertEquals(RemoteRefUpdate.Status.REJECTED_OTHER_REASON, other.getStatus());
    assertEquals(
        "refusing to allow a Personal Access Token to update refs/heads/other: its ref_patterns"
            + " allow only refs/heads/release/*",
        other.getMessage());
    assertEquals(main(), ref("refs/heads/other"), "the ref is still there");
    RemoteRefUpdate old = r.getRemoteUpdate("refs/heads/release/old");
    assertEquals(RemoteRefUpdate.Status.OK, old.getStatus(), old::getMessage);
    assertEquals(null, ref("refs/heads/release/old"), "a ref the patterns allow is deleted");
  }
}
