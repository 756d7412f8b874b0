package dev.portcullis.policy.token;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * The SHA-256 of a token's plaintext: the only form in which a token is stored, cached or logged.
 * Immutable; equality is by content so it can key caches.
 */
public final class TokenDigest {
  private static final HexFormat HEX = HexFormat.of();
  private static final VarHandle LONGS =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
  private static final ThreadLocal<MessageDigest> SHA256 =
      ThreadLocal.withInitial(
          () -> {
            try {
              return MessageDigest.getInstance("SHA-256");
            } catch (NoSuchAlgorithmException e) {
              throw new IllegalStateException("the JDK always has SHA-256", e);
            }
          });

  /** 32 bytes, never exposed mutable. */
  private final byte[] bytes;

  private final int hash;

  private TokenDigest(byte[] bytes) {
    if (bytes.length != 32) {
      throw new IllegalArgumentException("a SHA-256 digest has 32 bytes, not " + bytes.length);
    }
    this.bytes = bytes;
    // The bytes are a SHA-256 output: folding its four words keeps all of it at a fraction of
    // Arrays.hashCode's cost (32 dependent multiply-adds).
    long x =
        (long) LONGS.get(bytes, 0)
            ^ (long) LONGS.get(bytes, 8)
            ^ (long) LONGS.get(bytes, 16)
            ^ (long) LONGS.get(bytes, 24);
    this.hash = (int) (x ^ (x >>> 32));
  }

  /** Hashes a token plaintext (ASCII). */
  public static TokenDigest of(CharSequence plaintext) {
    byte[] in = new byte[plaintext.length()];
    for (int i = 0; i < in.length; i++) {
      in[i] = (byte) plaintext.charAt(i);
    }
    MessageDigest md = SHA256.get();
    return new TokenDigest(md.digest(in));
  }

  /**
   * The digest of a well-formed token, or {@code null} for a wrong format or checksum (never
   * hashed).
   */
  public static TokenDigest ofWellFormed(String plaintext) {
    byte[] ascii = TokenFormat.ascii(plaintext);
    return TokenFormat.kindOfAscii(ascii) == null ? null : ofAscii(ascii);
  }

  /** Hashes a token's ASCII bytes (see {@link TokenFormat#ascii}). */
  public static TokenDigest ofAscii(byte[] ascii) {
    return new TokenDigest(SHA256.get().digest(ascii));
  }

  /** Hashes the {@code length} ASCII bytes of a token in {@code b} from {@code offset}. */
  public static TokenDigest ofAscii(byte[] b, int offset, int length) {
    MessageDigest md = SHA256.get();
    md.update(b, offset, length);
    return new TokenDigest(md.digest());
  }

  /** Hashes a token plaintext given as UTF-8 bytes. */
  public static TokenDigest ofUtf8(String plaintext) {
    return new TokenDigest(SHA256.get().digest(plaintext.getBytes(StandardCharsets.UTF_8)));
  }

  /** Parses the 64-character lowercase hex form kept in the store. */
  public static TokenDigest fromHex(String hex) {
    if (hex == null || hex.length() != 64) {
      throw new IllegalArgumentException("a token digest is 64 hex characters");
    }
    return new TokenDigest(HEX.parseHex(hex));
  }

  /**
   * The digest's {@code index}th 8 bytes (0–3), big-endian: what a cache key can hold instead of
   * the array.
   */
  public long longAt(int index) {
    return (long) LONGS.get(bytes, index * 8);
  }

  /**
   * The digest's first 8 bytes as a big-endian signed long: the key by which the store finds a
   * token (the embedded store keeps the tokens table in this key's order, so a lookup is one
   * descent of one tree with long keys). Not unique by itself in principle: the store refuses a
   * second token with the same key, and the issuer then generates another plaintext.
   */
  public long lookupKey() {
    return longAt(0);
  }

  /**
   * Lowercase hex, as stored (and as GitHub's {@code hashed_token} in audit logs is base64 of it).
   */
  public String hex() {
    return HEX.formatHex(bytes);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TokenDigest other && MessageDigest.isEqual(bytes, other.bytes);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public String toString() {
    return "TokenDigest[" + hex().substring(0, 12) + "…]";
  }
}
