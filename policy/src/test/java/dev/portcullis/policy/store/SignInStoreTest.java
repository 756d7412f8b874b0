package dev.portcullis.policy.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.policy.model.User;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sign-in store's SQL on the embedded H2 store (PostgresStoreTest runs it on PostgreSQL). */
class SignInStoreTest {
  private static final Instant NOW = Instant.parse("2025-05-01T09:00:00Z");

  @TempDir Path dir;

  @Test
  void sessionsLinksAndPasswordsOnH2() {
    try (Database db = Database.embedded(dir)) {
      roundTrip(PolicyStores.jdbc(db.dataSource()), PolicyStores.signIn(db.dataSource()));
    }
  }

  /** What the console needs of the store, on any database. */
  static void roundTrip(PolicyStore store, SignInStore signIns) {
    User u = store.createUser("dana", false, NOW);
    String s1 = "1".repeat(64);
    String s2 = "2".repeat(64);
    signIns.setEmail(u.id(), "dana@example.com");
    assertEquals(Optional.of("dana@example.com"), signIns.email(u.id()));
    signIns.insertSession(s1, u.id(), NOW, NOW.plus(Duration.ofDays(14)));
    signIns.insertSession(s2, u.id(), NOW, NOW.plus(Duration.ofDays(14)));
    signIns.touchSession(s1, NOW.plusSeconds(60));
    assertEquals(NOW.plusSeconds(60), signIns.session(s1).orElseThrow().lastSeenAt());
    assertTrue(signIns.deleteSession(s1));
    assertFalse(signIns.deleteSession(s1));

    signIns.setPassword(u.id(), "$argon2id$first", NOW);
    assertTrue(signIns.session(s2).isEmpty(), "a new password ends the user's sessions");
    assertFalse(signIns.rehashPassword(u.id(), "$argon2id$other", "$argon2id$x"));
    assertTrue(signIns.rehashPassword(u.id(), "$argon2id$first", "$argon2id$second"));
    assertEquals(Optional.of("$argon2id$second"), signIns.passwordHash(u.id()));

    String link = "3".repeat(64);
    signIns.insertSetupLink(link, u.id(), NOW, NOW.plus(Duration.ofDays(7)));
    signIns.insertSession(s2, u.id(), NOW, NOW.plus(Duration.ofDays(14)));
    assertEquals(Optional.of(u.id()), signIns.setupLinkUser(link, NOW));
    assertEquals(Optional.of(u.id()), signIns.useSetupLink(link, "$argon2id$third", NOW));
    assertEquals(Optional.empty(), signIns.useSetupLink(link, "$argon2id$fourth", NOW));
    assertEquals(Optional.of("$argon2id$third"), signIns.passwordHash(u.id()));
    assertTrue(signIns.session(s2).isEmpty());

    signIns.insertSession(s1, u.id(), NOW, NOW.plus(Duration.ofDays(14)));
    signIns.insertSession(s2, u.id(), NOW.plusSeconds(10), NOW.plus(Duration.ofDays(14)));
    assertEquals(2, signIns.deleteExpired(NOW.plus(Duration.ofDays(8)), NOW.plusSeconds(5)));
    assertTrue(signIns.session(s2).isPresent(), "used after the idle limit");
    assertEquals(1, signIns.deleteSessionsOf(u.id()));
  }
}
