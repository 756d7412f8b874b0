package dev.portcullis.policy.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import org.junit.jupiter.api.Test;

/** Argon2id hashes: their parameters travel with them, they verify, and weak ones are rehashed. */
class PasswordHasherTest {
  private static final String PASSWORD = "correct horse battery staple";
  private final PasswordHasher hasher =
      new PasswordHasher(PasswordHasher.Params.OWASP, new SecureRandom(), 2);

  @Test
  void aHashCarriesOwaspParametersAndASalt() {
    String hash = hasher.hash(PASSWORD);
    assertTrue(hash.startsWith("$argon2id$v=19$m=19456,t=2,p=1$"), hash);
    assertFalse(hash.contains(PASSWORD));
    assertNotEquals(hash, hasher.hash(PASSWORD), "a fresh salt each time");
  }

  @Test
  void theRightPasswordVerifiesAndNothingElseDoes() {
    String hash = hasher.hash(PASSWORD);
    assertTrue(hasher.verify(PASSWORD, hash));
    assertFalse(hasher.verify(PASSWORD + " ", hash));
    assertFalse(hasher.verify("", hash));
    assertFalse(hasher.verify(PASSWORD, hash.replace("t=2", "t=3")), "parameters are bound");
    assertFalse(hasher.verify(PASSWORD, "not a hash"));
    assertFalse(hasher.verify(PASSWORD, null));
  }

  @Test
  void aHashMadeWithWeakerParametersStillVerifiesAndNeedsRehashing() {
    PasswordHasher old =
        new PasswordHasher(new PasswordHasher.Params(8 * 1024, 1, 1), new SecureRandom(), 1);
    String weak = old.hash(PASSWORD);
    assertTrue(weak.startsWith("$argon2id$v=19$m=8192,t=1,p=1$"), weak);
    assertTrue(hasher.verify(PASSWORD, weak), "the stored parameters are the ones used");
    assertTrue(hasher.needsRehash(weak));
    assertFalse(hasher.needsRehash(hasher.hash(PASSWORD)));
    assertTrue(hasher.needsRehash("garbage"));
  }

  @Test
  void parametersBelowArgon2sMinimumAreRefused() {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> new PasswordHasher.Params(4, 1, 1));
    assertEquals("Argon2id needs m >= 8p, t >= 1, p >= 1, not m=4 t=1 p=1", e.getMessage());
  }
}
