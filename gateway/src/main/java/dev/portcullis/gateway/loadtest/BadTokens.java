package dev.portcullis.gateway.loadtest;

import dev.portcullis.policy.token.TokenFormat;
import dev.portcullis.policy.token.TokenKind;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Credentials that must be refused with 401: in equal shares, garbage strings, strings with a token
 * prefix but a wrong checksum, and well-formed tokens with a valid checksum that were never issued.
 * Every one is fresh, so no server cache or per-token limiter is ever warm for it.
 */
final class BadTokens {
  private static final char[] ALPHABET =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-".toCharArray();

  /** A fast, unshared generator per thread: these secrets protect nothing. */
  private static final ThreadLocal<SecureRandom> RANDOM =
      ThreadLocal.withInitial(
          () -> {
            try {
              SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
              r.setSeed(ThreadLocalRandom.current().nextLong());
              return r;
            } catch (NoSuchAlgorithmException e) {
              return new SecureRandom();
            }
          });

  private BadTokens() {}

  /** A new bad credential. */
  static Credential next() {
    ThreadLocalRandom r = ThreadLocalRandom.current();
    String token =
        switch (r.nextInt(3)) {
          case 0 -> random(r, 1 + r.nextInt(60));
          case 1 ->
              (r.nextBoolean() ? "pcc_" : "pcf_")
                  + random(r, TokenFormat.LENGTH - 4).replace('_', 'x').replace('-', 'y');
          default ->
              TokenFormat.generate(
                  r.nextBoolean() ? TokenKind.CLASSIC : TokenKind.FINE_GRAINED, RANDOM.get());
        };
    return Credential.basic(Credential.BAD, token);
  }

  private static String random(ThreadLocalRandom r, int length) {
    char[] c = new char[length];
    for (int i = 0; i < length; i++) {
      c[i] = ALPHABET[r.nextInt(ALPHABET.length)];
    }
    return new String(c);
  }
}
