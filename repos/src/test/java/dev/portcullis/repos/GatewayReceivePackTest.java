package dev.portcullis.repos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.policy.model.Repository;
import dev.portcullis.policy.model.Visibility;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
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
}
