package dev.portcullis.policy.bench;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Per-thread position in a benchmark's request arrays (each thread starts elsewhere), and a SHA-256
 * for the baseline.
 */
@State(Scope.Thread)
public class Cursor {
  private int i;
  final MessageDigest sha = sha256();

  @Setup(Level.Trial)
  public void start() {
    i = (int) ((Thread.currentThread().getId() * 7919) & 0x7fff_ffff);
  }

  /** The next index in {@code [0, n)}, cycling. */
  int next(int n) {
    int v = i < n ? i : i % n;
    i = v + 1 == n ? 0 : v + 1;
    return v;
  }

  static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
