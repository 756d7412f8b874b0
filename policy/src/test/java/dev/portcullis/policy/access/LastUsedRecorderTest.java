package dev.portcullis.policy.access;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.portcullis.policy.model.AccessToken;
import dev.portcullis.policy.model.User;
import dev.portcullis.policy.store.Database;
import dev.portcullis.policy.store.PolicyStore;
import dev.portcullis.policy.store.PolicyStores;
import dev.portcullis.policy.store.StoreUnavailableException;
import dev.portcullis.policy.testing.CountingStore;
import dev.portcullis.policy.token.TokenDigest;
import dev.portcullis.policy.token.TokenFormat;
import dev.portcullis.policy.token.TokenKind;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Last-used times: in memory, written in batches, at most once per token per granularity. */
class LastUsedRecorderTest {
  private static final Instant T0 = Instant.parse("2025-03-01T10:00:00Z");
  private static final Duration MINUTE = Duration.ofMinutes(1);

  /** A store that only records {@code recordLastUsed} batches, and fails them on demand. */
  private static final class BatchStore {
    final List<Map<Long, Instant>> batches = new ArrayList<>();
    final AtomicBoolean failing = new AtomicBoolean();
    final PolicyStore store =
        CountingStore.withoutStore()
            .answer(
                "recordLastUsed",
                args -> {
                  if (failing.get()) {
                    throw new StoreUnavailableException("store down", null);
                  }
                  @SuppressWarnings("unchecked")
                  Map<Long, Instant> batch = (Map<Long, Instant>) args[0];
                  batches.add(new HashMap<>(batch));
                  return null;
                })
            .store();

    int writesOf(long tokenId) {
      return (int) batches.stream().filter(b -> b.containsKey(tokenId)).count();
    }
  }

  private final BatchStore fake = new BatchStore();
  private final LastUsedRecorder recorder = new LastUsedRecorder(fake.store, MINUTE);

  @Test
  void usesAreBatchedIntoOneWrite() {
    recorder.record(1, T0);
    recorder.record(2, T0.plusSeconds(1));
    recorder.record(3, T0.plusSeconds(2));
    assertEquals(List.of(), fake.batches, "nothing is written on the request path");
    assertEquals(3, recorder.flush(T0.plusSeconds(5)));
    assertEquals(
        List.of(Map.of(1L, T0, 2L, T0.plusSeconds(1), 3L, T0.plusSeconds(2))), fake.batches);
  }

  @Test
  void manyUsesOfOneTokenBecomeOneEntryWithTheLatestTime() {
    recorder.record(1, T0.plusSeconds(3));
    recorder.record(1, T0.plusSeconds(9));
    recorder.record(1, T0.plusSeconds(1)); // arrives out of order
    assertEquals(T0.plusSeconds(9), recorder.pendingFor(1));
    assertEquals(1, recorder.flush(T0.plusSeconds(10)));
    assertEquals(List.of(Map.of(1L, T0.plusSeconds(9))), fake.batches);
    assertNull(recorder.pendingFor(1), "flushed");
  }

  @Test
  void emptyFlushWritesNothing() {
    assertEquals(0, recorder.flush(T0));
    assertEquals(List.of(), fake.batches);
  }

  @Test
  void atMostOneWritePerTokenPerGranularity() {
    // A token used every second for five minutes, flushed every ten seconds.
    Instant t = T0;
    for (int s = 0; s < 300; s++) {
      recorder.record(7, t);
      recorder.record(8, t);
      if (s % 10 == 9) {
        recorder.flush(t);
      }
      t = t.plusSeconds(1);
    }
    recorder.flush(t);
    // Writes at 9 s, 69 s, 129 s, 189 s, 249 s: five per token over five minutes, never two within
    // a minute.
    assertEquals(5, fake.writesOf(7));
    assertEquals(5, fake.writesOf(8));
    List<Instant> times = new ArrayList<>();
    for (Map<Long, Instant> b : fake.batches) {
      if (b.containsKey(7L)) {
        times.add(b.get(7L));
      }
    }
    for (int i = 1; i < times.size(); i++) {
      assertEquals(
          true,
          Duration.between(times.get(i - 1), times.get(i)).compareTo(MINUTE) >= 0,
          times.toString());
    }
  }

  @Test
  void aUseWithinTheGranularityAfterAWriteIsDropped() {
    recorder.record(1, T0);
    recorder.flush(T0);
    recorder.record(1, T0.plusSeconds(59));
    assertNull(recorder.pendingFor(1), "within a minute of the last write");
    assertEquals(0, recorder.flush(T0.plusSeconds(59)));
    recorder.record(1, T0.plusSeconds(60));
    assertEquals(T0.plusSeconds(60), recorder.pendingFor(1));
    assertEquals(1, recorder.flush(T0.plusSeconds(61)));
    assertEquals(2, fake.writesOf(1));
  }

  @Test
  void flushFailureKeepsEntriesForTheNextFlush() {
    recorder.record(1, T0);
    recorder.record(2, T0.plusSeconds(1));
    fake.failing.set(true);
    assertEquals(
        0,
        recorder.flush(T0.plusSeconds(2)),
        "a failed flush reports nothing written and does not throw");
    assertEquals(T0, recorder.pendingFor(1));
    assertEquals(T0.plusSeconds(1), recorder.pendingFor(2));
    // A newer use arrives while the store is down: the newest time wins.
    recorder.record(1, T0.plusSeconds(5));
    assertEquals(0, recorder.flush(T0.plusSeconds(6)));
    fake.failing.set(false);
    assertEquals(2, recorder.flush(T0.plusSeconds(7)));
    assertEquals(List.of(Map.of(1L, T0.plusSeconds(5), 2L, T0.plusSeconds(1))), fake.batches);
    assertNull(recorder.pendingFor(1));
  }

  @Test
  void failedFlushDoesNotCountAsAWrite() {
    recorder.record(1, T0);
    fake.failing.set(true);
    recorder.flush(T0);
    fake.failing.set(false);
    recorder.record(1, T0.plusSeconds(10));
    assertEquals(
        T0.plusSeconds(10),
        recorder.pendingFor(1),
        "the throttle starts only after a successful write");
    assertEquals(1, recorder.flush(T0.plusSeconds(11)));
  }

  @Test
  void againstTheRealStoreTheNewestTimeIsKept(@TempDir Path dir) {
    try (Database db = Database.embedded(dir)) {
      PolicyStore store = PolicyStores.jdbc(db.dataSource());
      User u = store.createUser("u", false, T0);
      AccessToken t =
          store
              .insertToken(
                  new AccessToken(
                      0,
                      u.id(),
                      TokenKind.CLASSIC,
                      TokenDigest.of(TokenFormat.generate(TokenKind.CLASSIC, new SecureRandom())),
                      "t",
                      null,
                      T0,
                      null,
                      null,
                      null,
                      Set.of(),
                      null,
                      null,
                      Set.of(),
                      Map.of()),
                  null,
                  null,
                  null)
              .token();
      LastUsedRecorder r = new LastUsedRecorder(store, MINUTE);
      r.record(t.id(), T0.plusSeconds(30));
      r.record(t.id(), T0.plusSeconds(40));
      assertEquals(1, r.flush(T0.plusSeconds(41)));
      assertEquals(T0.plusSeconds(40), store.tokenById(t.id()).orElseThrow().lastUsedAt());
      r.record(t.id(), T0.plusSeconds(50));
      assertEquals(0, r.flush(T0.plusSeconds(51)), "throttled");
      assertEquals(T0.plusSeconds(40), store.tokenById(t.id()).orElseThrow().lastUsedAt());
    }
  }
}
