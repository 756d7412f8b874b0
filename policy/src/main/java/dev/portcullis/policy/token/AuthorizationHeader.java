package dev.portcullis.policy.token;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/**
 * Parses an HTTP {@code Authorization} header value into what it claims: nothing, Basic
 * username/password, a bearer token ({@code Bearer} or GitHub's {@code token} scheme), or garbage.
 * Never throws and never keeps the header.
 */
public sealed interface AuthorizationHeader {
  /**
   * The digest of the well-formed token this header presents, or {@code null} when it presents none
   * (absent, malformed, Basic without a username: GitHub requires one although it is not used to
   * authenticate) or one with the wrong format or checksum, which therefore never reaches a cache
   * or the store. Basic credentials are checked and hashed as the bytes they were decoded to.
   */
  default TokenDigest presentedDigest() {
    return null;
  }

  /** No header. */
  record Absent() implements AuthorizationHeader {}

  /** A header that cannot be understood: bad scheme, bad base64, no colon, control bytes. */
  record Malformed(String problem) implements AuthorizationHeader {}

  /**
   * Basic credentials, kept as decoded ({@code username:password}, UTF-8): the service reads a
   * token's bytes from here without making strings of them. {@code toString} hides the password.
   */
  final class Basic implements AuthorizationHeader {
    private final byte[] decoded;
    private final int colon;
    private final boolean ascii;

    private Basic(byte[] decoded, int colon, boolean ascii) {
      this.decoded = decoded;
      this.colon = colon;
      this.ascii = ascii;
    }

    public String username() {
      return new String(
          decoded, 0, colon, ascii ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
    }

    public String password() {
      return new String(
          decoded,
          colon + 1,
          decoded.length - colon - 1,
          ascii ? StandardCharsets.ISO_8859_1 : StandardCharsets.UTF_8);
    }

    @Override
    public TokenDigest presentedDigest() {
      if (colon <= 0) {
        return null;
      }
      int offset = colon + 1;
      int length = decoded.length - offset;
      return TokenFormat.kindOfAscii(decoded, offset, length) == null
          ? null
          : TokenDigest.ofAscii(decoded, offset, length);
    }

    boolean hasUsername() {
      return colon > 0;
    }

    /**
     * The decoded credentials (not a copy: never to be changed); the password starts at {@link
     * #passwordOffset}.
     */
    byte[] decoded() {
      return decoded;
    }

    int passwordOffset() {
      return colon + 1;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Basic b && Arrays.equals(decoded, b.decoded);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(decoded);
    }

    @Override
    public String toString() {
      return "Basic[username=" + username() + "]";
    }
  }

  /** {@code Bearer <token>} or {@code token <token>}; {@code toString} hides the token. */
  record BearerToken(String token) implements AuthorizationHeader {
    @Override
    public TokenDigest presentedDigest() {
      return TokenDigest.ofWellFormed(token);
    }

    @Override
    public String toString() {
      return "BearerToken[…]";
    }
  }

  AuthorizationHeader ABSENT = new Absent();

  /** Longest header value considered; longer ones are malformed (tokens are 42 characters). */
  int MAX_LENGTH = 4096;

  static AuthorizationHeader parse(String value) {
    if (value == null) {
      return ABSENT;
    }
    if (value.length() > MAX_LENGTH) {
      return new Malformed("Authorization header too long");
    }
    int space = value.indexOf(' ');
    if (space <= 0) {
      return new Malformed("Authorization header has no scheme");
    }
    if (space == 5 && value.regionMatches(true, 0, "Basic", 0, 5)) {
      return basic(value, space + 1);
    }
    String rest = value.substring(space + 1).strip();
    if ((space == 6 && value.regionMatches(true, 0, "Bearer", 0, 6))
        || (space == 5 && value.regionMatches(true, 0, "token", 0, 5))) {
      if (rest.isEmpty() || !printable(rest)) {
        return new Malformed("bearer token is empty or has control characters");
      }
      return new BearerToken(rest);
    }
    return new Malformed("unsupported Authorization scheme");
  }

  /** Basic credentials: the base64 from {@code from} (surrounding whitespace ignored), decoded. */
  private static AuthorizationHeader basic(String value, int from) {
    // Base64 is ASCII; a character outside ISO-8859-1 becomes '?' here, and any non-ASCII byte is
    // refused by the decoder.
    byte[] all = value.getBytes(StandardCharsets.ISO_8859_1);
    int to = all.length;
    while (from < to && Character.isWhitespace(all[from])) {
      from++;
    }
    while (to > from && Character.isWhitespace(all[to - 1])) {
      to--;
    }
    byte[] decoded;
    try {
      ByteBuffer out = Base64.getDecoder().decode(ByteBuffer.wrap(all, from, to - from));
      decoded =
          out.remaining() == out.array().length
              ? out.array()
              : Arrays.copyOfRange(out.array(), out.position(), out.limit());
    } catch (IllegalArgumentException e) {
      return new Malformed("Basic credentials are not valid base64");
    }
    // One pass: ASCII or not, control bytes, the first colon.
    boolean ascii = true;
    boolean control = false;
    int colon = -1;
    for (int i = 0; i < decoded.length; i++) {
      int b = decoded[i] & 0xff;
      if (b >= 0x80) {
        ascii = false;
      } else if (b < 0x20 || b == 0x7f) {
        control = true;
      } else if (b == ':' && colon < 0) {
        colon = i;
      }
    }
    if (!ascii && !validUtf8(decoded)) {
      return new Malformed("Basic credentials are not valid UTF-8");
    }
    if (colon < 0) {
      return new Malformed("Basic credentials have no colon");
    }
    if (control) {
      return new Malformed("Basic credentials contain control characters");
    }
    return new Basic(decoded, colon, ascii);
  }

  /**
   * Whether the bytes are well-formed UTF-8 (which has no control characters among its multi-byte
   * sequences).
   */
  private static boolean validUtf8(byte[] bytes) {
    try {
      StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
          .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes));
      return true;
    } catch (java.nio.charset.CharacterCodingException e) {
      return false;
    }
  }

  private static boolean printable(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        return false;
      }
    }
    return true;
  }
}
