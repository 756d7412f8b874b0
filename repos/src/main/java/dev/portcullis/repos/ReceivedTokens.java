package dev.portcullis.repos;

import dev.portcullis.policy.token.TokenScanner;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jgit.lib.AnyObjectId;
import org.eclipse.jgit.lib.BlobObjectChecker;
import org.eclipse.jgit.lib.ObjectChecker;
import org.eclipse.jgit.lib.ObjectId;

/**
 * JGit's checks of received objects, plus a scan of every blob of the pushed pack for tokens
 * ({@link TokenScanner}) while the pack parser inflates it anyway: the parser hands each blob to
 * the checker {@link #newBlobObjectChecker} makes, a whole one in pieces as it streams by (whatever
 * its size), one resolved from a delta (through {@link ObjectChecker#check}) from the memory it
 * already holds it in. So the blobs new to the repository are each scanned once, and none is read
 * again.
 */
final class ReceivedTokens extends ObjectChecker {
  /** The tokens found, by the blob that holds them; only blobs holding some are kept. */
  private final Map<ObjectId, List<TokenScanner.Finding>> found = new HashMap<>();

  @Override
  public BlobObjectChecker newBlobObjectChecker() {
    TokenScanner.Scan scan = new TokenScanner.Scan();
    return new BlobObjectChecker() {
      @Override
      public void update(byte[] in, int off, int len) {
        scan.update(in, off, len);
      }

      @Override
      public void endBlob(AnyObjectId id) {
        record(id, scan.finish());
      }
    };
  }

  private void record(AnyObjectId id, List<TokenScanner.Finding> tokens) {
    if (!tokens.isEmpty()) {
      found.put(id.copy(), tokens);
    }
  }

  /** Whether any received blob holds a token. */
  boolean any() {
    return !found.isEmpty();
  }

  /** The tokens in {@code blob}: none when it was not received in this push or holds none. */
  List<TokenScanner.Finding> in(AnyObjectId blob) {
    return found.getOrDefault(blob, List.of());
  }
}
