package dev.portcullis.policy;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * Parses an HTTP {@code Authorization} header value into what it claims: nothing, Basic
 * username/password, a bearer token ({@code Bearer} or GitHub's {@code token} scheme), or garbage.
 * Never throws and never keeps the header.
 */
public sealed interface AuthorizationHeader {
  /** No header. */
  record Absent() implements AuthorizationHeader {}

  /** A header that cannot be understood: bad scheme, bad base64, no colon, control bytes. */
  record Malformed(String problem) implements AuthorizationHeader {}

  /** Basic credentials; {@code toString} hides the password. */
  record Basic(String username, String password) implements AuthorizationHeader {
    @Override
    public String toString() {
      return "Basic[username=" + username + "]";
    }
  }

  /** {@code Bearer <token>} or {@code token <token>}; {@code toString} hides the token. */
  record BearerToken(String token) implements AuthorizationHeader {
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
    String rest = value.substring(space + 1).strip();
    if (space == 5 && value.regionMatches(true, 0, "Basic", 0, 5)) {
      byte[] decoded;
      try {
        decoded = Base64.getDecoder().decode(rest);
      } catch (IllegalArgumentException e) {
        return new Malformed("Basic credentials are not valid base64");
      }
      return basic(decoded);
    }
    if ((space == 6 && value.regionMatches(true, 0, "Bearer", 0, 6)) || (space == 5 && value.regionMatches(true, 0, "token", 0, 5))) {
      if (rest.isEmpty() || !printable(rest)) {
        return new Malformed("bearer token is empty or has control characters");
      }
      return new BearerToken(rest);
    }
    return new Malformed("unsupported Authorization scheme");
  }

  private static AuthorizationHeader basic(byte[] decoded) {
    String s;
    boolean ascii = true;
    for (byte b : decoded) {
      if (b < 0) {
        ascii = false;
        break;
      }
    }
    if (ascii) {
      // The common case (git sends ASCII usernames and tokens): no decoder needed.
      s = new String(decoded, StandardCharsets.ISO_8859_1);
    } else {
      try {
        s =
            StandardCharsets.UTF_8
                .newDecoder()
                .onMalformedInput(java.nio.charset.CodingErrorAction.REPORT)
                .onUnmappableCharacter(java.nio.charset.CodingErrorAction.REPORT)
                .decode(java.nio.ByteBuffer.wrap(decoded))
                .toString();
      } catch (java.nio.charset.CharacterCodingException e) {
        return new Malformed("Basic credentials are not valid UTF-8");
      }
    }
    int colon = s.indexOf(':');
    if (colon < 0) {
      return new Malformed("Basic credentials have no colon");
    }
    if (!printable(s)) {
      return new Malformed("Basic credentials contain control characters");
    }
    return new Basic(s.substring(0, colon), s.substring(colon + 1));
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
