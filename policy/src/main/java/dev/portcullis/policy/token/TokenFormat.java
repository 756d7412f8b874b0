package dev.portcullis.policy.token;

import java.security.SecureRandom;
import java.util.zip.CRC32;

/**
 * The plaintext format of a token: a kind prefix ({@code pcf_} / {@code pcc_}), 32 random base62
 * characters and 6 base62 characters encoding the CRC32 of prefix and random part.
 *
 * <p>{@link #kindOf} checks the whole format and the checksum without touching any store, so a
 * garbage or mistyped token is refused before a lookup.
 */
public final class TokenFormat {
  /** Total length: 4 prefix + 32 random + 6 checksum. */
  public static final int LENGTH = 42;

  private static final int RANDOM_LENGTH = 32;
  private static final int CHECKSUM_LENGTH = 6;
  private static final char[] BASE62 =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz".toCharArray();

  private TokenFormat() {}

  /** A new plaintext token of the given kind. */
  public static String generate(TokenKind kind, SecureRandom random) {
    StringBuilder sb = new StringBuilder(LENGTH).append(kind.prefix());
    for (int i = 0; i < RANDOM_LENGTH; i++) {
      sb.append(BASE62[random.nextInt(62)]);
    }
    appendChecksum(sb, crc(sb, sb.length()));
    return sb.toString();
  }

  /**
   * The kind of a well-formed token, or {@code null} when the length, prefix, alphabet or checksum
   * is wrong. Touches no store; well under a microsecond.
   */
  public static TokenKind kindOf(CharSequence s) {
    return s == null ? null : kindOfAscii(ascii(s));
  }

  /** Base62 value of each ASCII character, -1 for anything else. */
  private static final byte[] B62 = new byte[128];

  static {
    java.util.Arrays.fill(B62, (byte) -1);
    for (int i = 0; i < BASE62.length; i++) {
      B62[BASE62[i]] = (byte) i;
    }
  }

  /**
   * The token's 42 ASCII bytes, or {@code null} when it is not 42 characters of base62 and
   * underscore. One pass shared by the checksum and the digest.
   */
  public static byte[] ascii(CharSequence s) {
    if (s == null || s.length() != LENGTH) {
      return null;
    }
    byte[] b = new byte[LENGTH];
    for (int i = 0; i < LENGTH; i++) {
      char c = s.charAt(i);
      if (c >= 128 || (B62[c] < 0 && c != '_')) {
        return null;
      }
      b[i] = (byte) c;
    }
    return b;
  }

  /**
   * The kind of a well-formed token given as its {@link #ascii} bytes, or {@code null}: prefix,
   * alphabet, then the CRC-32 of prefix and random part against the checksum characters.
   */
  public static TokenKind kindOfAscii(byte[] b) {
    return b == null ? null : kindOfAscii(b, 0, b.length);
  }

  /**
   * As {@link #kindOfAscii(byte[])}, for the {@code length} bytes of {@code b} from {@code offset}.
   */
  public static TokenKind kindOfAscii(byte[] b, int offset, int length) {
    int o = offset;
    if (length != LENGTH || b[o] != 'p' || b[o + 1] != 'c' || b[o + 3] != '_') {
      return null;
    }
    TokenKind kind =
        b[o + 2] == 'f' ? TokenKind.FINE_GRAINED : b[o + 2] == 'c' ? TokenKind.CLASSIC : null;
    if (kind == null) {
      return null;
    }
    int body = LENGTH - CHECKSUM_LENGTH;
    for (int i = 4; i < body; i++) {
      int v = b[o + i];
      if (v < 0 || B62[v] < 0) {
        return null;
      }
    }
    // The JDK's CRC32 over a byte range is a HotSpot intrinsic (carry-less multiply on x86 and
    // ARM).
    CRC32 crc = new CRC32();
    crc.update(b, o, body);
    long expected = crc.getValue();
    long actual = 0;
    for (int i = body; i < LENGTH; i++) {
      int v = b[o + i] < 0 ? -1 : B62[b[o + i]];
      if (v < 0) {
        return null;
      }
      actual = actual * 62 + v;
    }
    return actual == expected ? kind : null;
  }

  private static long crc(CharSequence s, int length) {
    CRC32 crc = new CRC32();
    for (int i = 0; i < length; i++) {
      crc.update(s.charAt(i));
    }
    return crc.getValue();
  }

  private static void appendChecksum(StringBuilder sb, long value) {
    char[] out = new char[CHECKSUM_LENGTH];
    for (int i = CHECKSUM_LENGTH - 1; i >= 0; i--) {
      out[i] = BASE62[(int) (value % 62)];
      value /= 62;
    }
    sb.append(out);
  }

  private static int base62Value(char c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'A' && c <= 'Z') {
      return c - 'A' + 10;
    }
    if (c >= 'a' && c <= 'z') {
      return c - 'a' + 36;
    }
    return -1;
  }
}
