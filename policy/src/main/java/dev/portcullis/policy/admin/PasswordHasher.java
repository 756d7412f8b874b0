package dev.portcullis.policy.admin;

import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.concurrent.Semaphore;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * Argon2id password hashes in the PHC string format ({@code
 * $argon2id$v=19$m=19456,t=2,p=1$salt$hash}, base64 without padding): the parameters travel with
 * each hash, so they can be raised later and old hashes still verify (and are rehashed at the next
 * sign-in, {@link #needsRehash}).
 *
 * <p>Each hash holds {@code m} KiB of memory while it runs; a semaphore bounds how many run at
 * once, so a burst of sign-ins cannot take the heap.
 */
final class PasswordHasher {
  /** Argon2id costs: memory in KiB, passes, lanes. */
  record Params(int memoryKib, int iterations, int parallelism) {
    /** OWASP's minimum for Argon2id: 19 MiB, 2 passes, 1 lane. */
    static final Params OWASP = new Params(19 * 1024, 2, 1);

    Params {
      if (memoryKib < 8 * parallelism || iterations < 1 || parallelism < 1) {
        throw new IllegalArgumentException(
            "Argon2id needs m >= 8p, t >= 1, p >= 1, not m="
                + memoryKib
                + " t="
                + iterations
                + " p="
                + parallelism);
      }
    }

    /** Whether any cost is below {@code other}'s. */
    boolean weakerThan(Params other) {
      return memoryKib < other.memoryKib
          || iterations < other.iterations
          || parallelism < other.parallelism;
    }
  }

  private static final Pattern PHC =
      Pattern.compile(
          "\\$argon2id\\$v=19\\$m=([0-9]{1,8}),t=([0-9]{1,4}),p=([0-9]{1,3})\\$([A-Za-z0-9+/]{16,64})\\$([A-Za-z0-9+/]{16,128})");
  private static final int SALT_BYTES = 16;
  private static final int HASH_BYTES = 32;

  private final Params params;
  private final SecureRandom random;
  private final Semaphore running;

  PasswordHasher(Params params, SecureRandom random, int concurrent) {
    this.params = params;
    this.random = random;
    this.running = new Semaphore(concurrent);
  }

  Params params() {
    return params;
  }

  /** A new hash of {@code password} with a fresh salt and the current parameters. */
  String hash(String password) {
    byte[] salt = new byte[SALT_BYTES];
    random.nextBytes(salt);
    byte[] hash = derive(password, salt, params, HASH_BYTES);
    Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
    return "$argon2id$v=19$m="
        + params.memoryKib()
        + ",t="
        + params.iterations()
        + ",p="
        + params.parallelism()
        + "$"
        + b64.encodeToString(salt)
        + "$"
        + b64.encodeToString(hash);
  }

  /**
   * Whether {@code password} matches {@code encoded}, with the parameters stored in it; false for
   * anything that is not such a hash.
   */
  boolean verify(String password, String encoded) {
    Matcher m = encoded == null ? null : PHC.matcher(encoded);
    if (m == null || !m.matches()) {
      return false;
    }
    Params p;
    try {
      p =
          new Params(
              Integer.parseInt(m.group(1)),
              Integer.parseInt(m.group(2)),
              Integer.parseInt(m.group(3)));
    } catch (IllegalArgumentException e) {
      return false;
    }
    byte[] salt = Base64.getDecoder().decode(m.group(4));
    byte[] expected = Base64.getDecoder().decode(m.group(5));
    return MessageDigest.isEqual(expected, derive(password, salt, p, expected.length));
  }

  /** Whether {@code encoded} was made with weaker parameters than the current ones. */
  boolean needsRehash(String encoded) {
    Matcher m = PHC.matcher(encoded);
    if (!m.matches()) {
      return true;
    }
    return new Params(
            Integer.parseInt(m.group(1)),
            Integer.parseInt(m.group(2)),
            Integer.parseInt(m.group(3)))
        .weakerThan(params);
  }

  private byte[] derive(String password, byte[] salt, Params p, int length) {
    Argon2Parameters parameters =
        new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
            .withVersion(Argon2Parameters.ARGON2_VERSION_13)
            .withMemoryAsKB(p.memoryKib())
            .withIterations(p.iterations())
            .withParallelism(p.parallelism())
            .withSalt(salt)
            .build();
    Argon2BytesGenerator generator = new Argon2BytesGenerator();
    generator.init(parameters);
    byte[] out = new byte[length];
    running.acquireUninterruptibly();
    try {
      generator.generateBytes(password.toCharArray(), out);
    } finally {
      running.release();
    }
    return out;
  }
}
