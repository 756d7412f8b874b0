package dev.portcullis.policy.admin;

import dev.portcullis.policy.token.TokenDigest;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.regex.Pattern;

/**
 * The random values behind console sessions and setup links: 256 bits from {@code SecureRandom} in
 * base64url (43 characters), stored only as their SHA-256. A session's CSRF token is derived from
 * its id, so it is tied to that session, needs no storage, and cannot be computed from the store.
 */
final class Secrets {
  private static final Pattern FORM = Pattern.compile("[A-Za-z0-9_-]{43}");

  private Secrets() {}

  static String next(SecureRandom random) {
    byte[] b = new byte[32];
    random.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  /**
   * Whether {@code value} has the form of a secret made by {@link #next} (checked before lookup).
   */
  static boolean wellFormed(String value) {
    return value != null && FORM.matcher(value).matches();
  }

  /** The stored form: SHA-256, hex. */
  static String digest(String secret) {
    return TokenDigest.ofUtf8(secret).hex();
  }

  static String csrfToken(String sessionId) {
    try {
      MessageDigest sha = MessageDigest.getInstance("SHA-256");
      sha.update("portcullis console csrf\0".getBytes(StandardCharsets.US_ASCII));
      return Base64.getUrlEncoder()
          .withoutPadding()
          .encodeToString(sha.digest(sessionId.getBytes(StandardCharsets.US_ASCII)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
