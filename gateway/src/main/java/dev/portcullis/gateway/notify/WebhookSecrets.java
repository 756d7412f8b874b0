package dev.portcullis.gateway.notify;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Map;
import javax.crypto.Cipher;
import javax.crypto.SecretKey;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * Webhook secrets at rest: AES-256-GCM with a key outside the database. The key is {@code
 * PORTCULLIS_WEBHOOK_KEY} (32 bytes, base64) when set, which nodes sharing a PostgreSQL store must
 * all have; else {@code <data>/webhook-secret.key}, created on first use, readable by its owner
 * only. A sealed secret is {@code v1:} and the base64 of a random 12-byte nonce and the ciphertext
 * with its tag. Plaintext secrets are never logged.
 */
public final class WebhookSecrets {
  public static final String ENV = "PORTCULLIS_WEBHOOK_KEY";
  public static final String KEY_FILE = "webhook-secret.key";
  private static final String PREFIX = "v1:";

  private final Path keyFile;
  private final String envKey;
  private final SecureRandom random = new SecureRandom();
  private SecretKey key;

  /**
   * @param dataDir where the key file is kept when the environment has none
   * @param env the environment ({@code System.getenv()} in the gateway)
   */
  public WebhookSecrets(Path dataDir, Map<String, String> env) {
    this.keyFile = dataDir.resolve(KEY_FILE);
    String v = env.get(ENV);
    this.envKey = v == null || v.isBlank() ? null : v.strip();
  }

  private synchronized SecretKey key() {
    if (key != null) {
      return key;
    }
    byte[] raw;
    if (envKey != null) {
      try {
        raw = Base64.getDecoder().decode(envKey);
      } catch (IllegalArgumentException e) {
        throw new IllegalStateException(ENV + " is not base64");
      }
    } else {
      raw = fileKey();
    }
    if (raw.length != 32) {
      throw new IllegalStateException("the webhook key must be 32 bytes (AES-256)");
    }
    key = new SecretKeySpec(raw, "AES");
    return key;
  }

  private byte[] fileKey() {
    try {
      if (!Files.exists(keyFile, LinkOption.NOFOLLOW_LINKS)) {
        byte[] fresh = new byte[32];
        random.nextBytes(fresh);
        try {
          boolean posix = keyFile.getFileSystem().supportedFileAttributeViews().contains("posix");
          if (posix) {
            Files.createFile(
                keyFile,
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
          } else {
            Files.createFile(keyFile);
          }
          Files.write(
              keyFile, Base64.getEncoder().encode(fresh), StandardOpenOption.TRUNCATE_EXISTING);
          return fresh;
        } catch (FileAlreadyExistsException raced) {
          // Another process made it meanwhile: read theirs.
        }
      }
      return Base64.getDecoder()
          .decode(new String(Files.readAllBytes(keyFile), StandardCharsets.US_ASCII).strip());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or create " + keyFile, e);
    }
  }

  /** Encrypts {@code secret}; null stays null. */
  public String seal(String secret) {
    if (secret == null) {
      return null;
    }
    try {
      byte[] nonce = new byte[12];
      random.nextBytes(nonce);
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.ENCRYPT_MODE, key(), new GCMParameterSpec(128, nonce));
      byte[] ct = c.doFinal(secret.getBytes(StandardCharsets.UTF_8));
      byte[] out = new byte[nonce.length + ct.length];
      System.arraycopy(nonce, 0, out, 0, nonce.length);
      System.arraycopy(ct, 0, out, nonce.length, ct.length);
      return PREFIX + Base64.getEncoder().encodeToString(out);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot seal a webhook secret", e);
    }
  }

  /** Decrypts what {@link #seal} made; null stays null. */
  public String open(String sealed) {
    if (sealed == null) {
      return null;
    }
    if (!sealed.startsWith(PREFIX)) {
      throw new IllegalStateException("unknown sealed secret format");
    }
    try {
      byte[] in = Base64.getDecoder().decode(sealed.substring(PREFIX.length()));
      Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
      c.init(Cipher.DECRYPT_MODE, key(), new GCMParameterSpec(128, in, 0, 12));
      return new String(c.doFinal(in, 12, in.length - 12), StandardCharsets.UTF_8);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IllegalStateException(
          "cannot open a webhook secret: is this the key it was sealed with ("
              + ENV
              + " or "
              + KEY_FILE
              + ")?");
    }
  }
}
