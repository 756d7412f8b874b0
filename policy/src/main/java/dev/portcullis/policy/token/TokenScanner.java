package dev.portcullis.policy.token;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Finds this gateway's tokens in content: a {@code pcf_} or {@code pcc_} prefix, 32 base62
 * characters and the 6-character checksum, standing alone (no letter, digit or underscore right
 * before or after it). Only matches whose checksum is valid ({@link TokenFormat#kindOfAscii}) are
 * reported, so look-alikes and fixtures with a made-up checksum are not.
 *
 * <p>A {@link Scan} takes content in pieces and keeps at most {@value #CHUNK} bytes of it, so a
 * blob of any size is scanned in bounded memory; binary content (a NUL byte in its first {@value
 * #BINARY_PROBE} bytes, git's own rule) is skipped.
 */
public final class TokenScanner {
  /** How much of the content is looked at for a NUL byte to call it binary. */
  public static final int BINARY_PROBE = 8 * 1024;

  private static final int CHUNK = 64 * 1024;
  private static final int LEN = TokenFormat.LENGTH;

  /**
   * One token found.
   *
   * @param line 1-based line of the content where it starts
   * @param masked the token as it may be shown: its prefix, an ellipsis and its last 4 characters
   * @param digest its digest, by which the store finds it; never the plaintext
   */
  public record Finding(TokenKind kind, long line, String masked, TokenDigest digest) {
    public Finding {
      Objects.requireNonNull(kind, "kind");
      Objects.requireNonNull(masked, "masked");
      Objects.requireNonNull(digest, "digest");
      if (line < 1) {
        throw new IllegalArgumentException("a line number starts at 1, not " + line);
      }
    }
  }

  private TokenScanner() {}

  /**
   * The scan of one content (a blob) handed over in pieces as it arrives, while it is inflated, in
   * bounded memory: however the content is cut, the same findings.
   */
  public static final class Scan {
    // One byte before the unscanned part is kept (whether a token stands alone), and the last LEN
    // bytes of a chunk wait for the next one (a token may straddle the boundary).
    private final byte[] buf = new byte[CHUNK + LEN + 1];
    private final List<Finding> found = new ArrayList<>(0);
    private int have;
    private int from;
    private long line = 1;
    private boolean probed;
    private boolean binary;
    private boolean finished;

    /** Hands over the next {@code len} bytes of the content. */
    public void update(byte[] b, int off, int len) {
      if (finished) {
        throw new IllegalStateException("the scan is finished");
      }
      while (len > 0 && !binary) {
        int n = Math.min(len, buf.length - have);
        System.arraycopy(b, off, buf, have, n);
        have += n;
        off += n;
        len -= n;
        if (have == buf.length) {
          process(false);
        }
      }
    }

    /** The content has ended: the tokens in it, in order; none when it is binary. */
    public List<Finding> finish() {
      if (!finished) {
        finished = true;
        process(true);
      }
      return found;
    }

    private void process(boolean end) {
      if (!probed) {
        // The first chunk (or the whole content, when shorter) holds the probe.
        probed = true;
        binary = TokenScanner.binary(buf, Math.min(have, BINARY_PROBE));
      }
      if (binary) {
        return;
      }
      int limit = end ? have : have - LEN;
      line = scan(buf, from, limit, have, end, line, found);
      if (!end) {
        int keep = have - (limit - 1);
        System.arraycopy(buf, limit - 1, buf, 0, keep);
        from = 1;
        have = keep;
      }
    }
  }

  private static boolean binary(byte[] b, int n) {
    for (int i = 0; i < n; i++) {
      if (b[i] == 0) {
        return true;
      }
    }
    return false;
  }

  /**
   * Looks for tokens starting in {@code [from, limit)} of {@code b}, whose bytes up to {@code have}
   * are valid ({@code end}: the content ends there), counting lines from {@code line}; returns the
   * line at {@code limit}.
   */
  private static long scan(
      byte[] b, int from, int limit, int have, boolean end, long line, List<Finding> found) {
    for (int i = from; i < limit; i++) {
      byte c = b[i];
      if (c == '\n') {
        line++;
      } else if (c == 'p'
          && i + LEN <= have
          && b[i + 1] == 'c'
          && (b[i + 2] == 'f' || b[i + 2] == 'c')
          && b[i + 3] == '_'
          && (i == 0 || !word(b[i - 1]))
          && (i + LEN < have ? !word(b[i + LEN]) : end)) {
        TokenKind kind = TokenFormat.kindOfAscii(b, i, LEN);
        if (kind != null) {
          found.add(new Finding(kind, line, mask(b, i), TokenDigest.ofAscii(b, i, LEN)));
          i += LEN - 1;
        }
      }
    }
    return line;
  }

  private static boolean word(byte c) {
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
  }

  /** The prefix and the last 4 characters of the token at {@code b[i]}. */
  private static String mask(byte[] b, int i) {
    StringBuilder sb = new StringBuilder(9);
    for (int k = 0; k < 4; k++) {
      sb.append((char) b[i + k]);
    }
    sb.append('…');
    for (int k = LEN - 4; k < LEN; k++) {
      sb.append((char) b[i + k]);
    }
    return sb.toString();
  }
}
