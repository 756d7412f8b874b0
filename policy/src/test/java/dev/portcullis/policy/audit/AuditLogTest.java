package dev.portcullis.policy.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.policy.decision.Decision;
import dev.portcullis.policy.decision.Decision.Reason;
import dev.portcullis.policy.model.AccessToken;
import dev.portcullis.policy.model.Actor;
import dev.portcullis.policy.model.GitOperation;
import dev.portcullis.policy.model.Page;
import dev.portcullis.policy.model.User;
import dev.portcullis.policy.store.Database;
import dev.portcullis.policy.token.TokenDigest;
import dev.portcullis.policy.token.TokenFormat;
import dev.portcullis.policy.token.TokenKind;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit log over the embedded audit database: what is written for admin changes and decisions,
 * how reads and credential-less refusals are counted per minute, what {@code query} filters, what a
 * full queue does, and that no token plaintext is ever stored.
 *
 * <p>The writer thread drains a counted minute once the wall clock has passed it. Every decision
 * here is dated after the wall clock ({@link #T0}), so counts are drained only by {@code flush} and
 * {@code close}: a minute turning during a test never splits a count.
 */
class AuditLogTest {
  private static final Instant T0 = Instant.parse("2099-06-01T12:00:00Z");
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String CLIENT_A = "192.0.2.1";
  private static final String CLIENT_B = "2001:db8::7";
  private static final Decision AUTHORIZED = new Decision.Allowed(Reason.AUTHORIZED);

  @TempDir Path dir;
  private Database db;
  private AuditLog log;
  private final List<AuditEvent> sunk = new CopyOnWriteArrayList<>();

  private final User alice = new User(1, "alice", false, null, T0);
  private final User bob = new User(2, "bob", false, null, T0);
  private final String alicePlaintext = TokenFormat.generate(TokenKind.CLASSIC, RANDOM);
  private final String bobPlaintext = TokenFormat.generate(TokenKind.CLASSIC, RANDOM);
  private final AccessToken aliceToken = token(11, alice, alicePlaintext);
  private final AccessToken bobToken = token(12, bob, bobPlaintext);

  @BeforeEach
  void open() {
    db = Database.embeddedAudit(dir.resolve("db"));
  }

  @AfterEach
  void close() {
    if (log != null) {
      log.close();
    }
    db.close();
  }

  private void start(boolean countReads) {
    start(db.dataSource(), 1000, countReads, List.of(sunk::addAll));
  }

  private void start(
      DataSource ds, int capacity, boolean countReads, List<Consumer<List<AuditEvent>>> sinks) {
    log = new AuditLog(ds, capacity, sinks, countReads);
  }

  private static AccessToken token(long id, User u, String plaintext) {
    return new AccessToken(
        id,
        u.id(),
        TokenKind.CLASSIC,
        TokenDigest.of(plaintext),
        "laptop",
        null,
        T0,
        null,
        null,
        null,
        Set.of("repo"),
        null,
        null,
        Set.of(),
        Map.of());
  }

  private static Decision.Denied denied(int status, Reason reason) {
    return new Decision.Denied(status, reason, "refused");
  }

  /**
   * Flushes until {@code n} rows have been written in all, then asserts exactly {@code n} were: the
   * bound only keeps a broken writer from hanging the build.
   */
  private void awaitWritten(long n) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (log.written() < n && System.nanoTime() < end) {
      log.flush(Duration.ofMillis(200));
    }
    assertEquals(n, log.written(), "rows written");
  }

  private static AuditQuery all() {
    return new AuditQuery(null, null, null, null, null, null, null, 1, 100);
  }

  private static AuditQuery byKind(String kind) {
    return new AuditQuery(kind, null, null, null, null, null, null, 1, 100);
  }

  private static List<Instant> times(Page<AuditEvent> page) {
    return page.items().stream().map(AuditEvent::at).toList();
  }

  private static Instant min(int minutes) {
    return T0.plus(Duration.ofMinutes(minutes));
  }

  /** Every stored row, column name to value, straight from the table. */
  private List<Map<String, Object>> rawRows() throws Exception {
    List<Map<String, Object>> rows = new ArrayList<>();
    try (Connection c = db.dataSource().getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT * FROM audit_events")) {
      ResultSetMetaData md = rs.getMetaData();
      while (rs.next()) {
        Map<String, Object> row = new HashMap<>();
        for (int i = 1; i <= md.getColumnCount(); i++) {
          row.put(md.getColumnName(i).toLowerCase(java.util.Locale.ROOT), rs.getObject(i));
        }
        rows.add(row);
      }
    }
    return rows;
  }

  // ---------------------------------------------------------------- what is written

  @Test
  void adminChangesAreWrittenWithActorTargetAndStates() throws Exception {
    start(true);
    log.record(
        AuditEvent.admin(
            T0,
            Actor.of(alice, aliceToken),
            "org.policy.update",
            "org:acme",
            "{\"classic_access\":\"allowed\"}",
            "{\"classic_access\":\"restricted\"}"));
    log.record(AuditEvent.admin(min(1), Actor.SYSTEM, "user.create", "user:bob", null, "{}"));
    awaitWritten(2);

    List<AuditEvent> events = log.query(byKind("admin")).items();
    assertEquals(2, events.size());
    AuditEvent system = events.get(0);
    assertEquals(min(1), system.at());
    assertNull(system.actor(), "the gateway itself");
    assertNull(system.tokenId());
    assertNull(system.hashedToken());
    assertEquals("user.create", system.operation());

    AuditEvent change = events.get(1);
    assertEquals(T0, change.at());
    assertEquals("admin", change.kind());
    assertEquals("alice", change.actor());
    assertEquals(aliceToken.id(), change.tokenId());
    assertNotNull(change.hashedToken());
    assertEquals("org.policy.update", change.operation());
    assertEquals("ok", change.outcome());
    assertEquals("org:acme", change.target());
    assertEquals("{\"classic_access\":\"allowed\"}", change.before());
    assertEquals("{\"classic_access\":\"restricted\"}", change.after());
    assertNull(change.repository());
    assertNull(change.status());
    assertEquals(1, change.occurrences());
    assertTrue(change.id() > 0, "the stored id is read back");
  }

  @Test
  void aDecisionIsWrittenWithEverythingItWasMadeAbout() throws Exception {
    start(true);
    log.recordDecision(
        T0, "alice", aliceToken, "acme/app", GitOperation.WRITE, AUTHORIZED, 200, CLIENT_A);
    log.recordDecision(
        min(1),
        "bob",
        bobToken,
        "acme/app",
        GitOperation.WRITE,
        denied(403, Reason.NO_PUSH_PERMISSION),
        403,
        CLIENT_B);
    awaitWritten(2);

    List<AuditEvent> events = log.query(byKind("decision")).items();
    assertEquals(2, events.size());
    AuditEvent refused = events.get(0);
    assertEquals("bob", refused.actor());
    assertEquals("deny", refused.outcome());
    assertEquals("no_push_permission", refused.reason());
    assertEquals(403, refused.status());
    assertEquals(CLIENT_B, refused.clientAddress());

    AuditEvent push = events.get(1);
    assertEquals(T0, push.at());
    assertEquals("decision", push.kind());
    assertEquals("alice", push.actor());
    assertEquals(aliceToken.id(), push.tokenId());
    assertEquals("acme/app", push.repository());
    assertEquals("write", push.operation());
    assertEquals("allow", push.outcome());
    assertEquals("authorized", push.reason());
    assertEquals(200, push.status());
    assertEquals(CLIENT_A, push.clientAddress());
    assertNull(push.target());
    assertEquals(1, push.occurrences());
  }

  @Test
  void longStatesAreClippedAndStillWritten() throws Exception {
    start(true);
    log.record(
        AuditEvent.admin(T0, Actor.SYSTEM, "org.update", "org:acme", null, "x".repeat(10_000)));
    log.record(AuditEvent.admin(min(1), Actor.SYSTEM, "org.update", "org:acme", null, "{}"));
    awaitWritten(2);
    List<AuditEvent> events = log.query(byKind("admin")).items();
    String clipped = events.get(1).after();
    assertTrue(clipped.length() <= 4000, "clipped to the column: " + clipped.length());
    assertTrue(clipped.startsWith("xxxx") && clipped.endsWith("…"), clipped);
    assertEquals("{}", events.get(0).after());
  }

  // ---------------------------------------------------------------- counting

  @Test
  void allowedReadsAreCountedPerTokenRepositoryClientAndMinute() throws Exception {
    start(true);
    for (int i = 0; i < 5; i++) {
      log.recordDecision(
          T0.plusSeconds(i * 10),
          "alice",
          aliceToken,
          "acme/app",
          GitOperation.READ,
          AUTHORIZED,
          200,
          CLIENT_A);
    }
    for (int i = 0; i < 2; i++) {
      log.recordDecision(
          T0.plusSeconds(i),
          "alice",
          aliceToken,
          "acme/app",
          GitOperation.READ,
          AUTHORIZED,
          200,
          CLIENT_B);
      log.recordDecision(
          T0.plusSeconds(i),
          "alice",
          aliceToken,
          "acme/site",
          GitOperation.READ,
          AUTHORIZED,
          200,
          CLIENT_A);
    }
    for (int i = 0; i < 3; i++) {
      log.recordDecision(
          min(1).plusSeconds(i),
          "alice",
          aliceToken,
          "acme/app",
          GitOperation.READ,
          AUTHORIZED,
          200,
          CLIENT_A);
    }
    log.recordDecision(
        T0.plusSeconds(5),
        "bob",
        bobToken,
        "acme/app",
        GitOperation.READ,
        AUTHORIZED,
        200,
        CLIENT_A);
    // Writes are rows of their own, however alike.
    for (int i = 0; i < 2; i++) {
      log.recordDecision(
          T0.plusSeconds(7),
          "alice",
          aliceToken,
          "acme/app",
          GitOperation.WRITE,
          AUTHORIZED,
          200,
          CLIENT_A);
    }
    // Fifteen decisions: five counted rows and the two writes.
    awaitWritten(7);

    Map<String, Integer> counted = new HashMap<>();
    int writes = 0;
    for (AuditEvent e : log.query(all()).items()) {
      if (e.operation().equals("write")) {
        writes++;
        assertEquals(1, e.occurrences());
        continue;
      }
      assertEquals("allow", e.outcome());
      assertEquals(200, e.status());
      assertNull(e.reason());
      assertEquals(
          AuditEvent.hashedToken(e.tokenId() == 11 ? aliceToken.digest() : bobToken.digest()),
          e.hashedToken());
      assertNull(
          counted.put(
              e.actor()
                  + " "
                  + e.tokenId()
                  + " "
                  + e.repository()
                  + " "
                  + e.clientAddress()
                  + " "
                  + e.at(),
              e.occurrences()),
          "one row per key");
    }
    assertEquals(2, writes);
    assertEquals(
        Map.of(
            "alice 11 acme/app " + CLIENT_A + " " + T0, 5,
            "alice 11 acme/app " + CLIENT_B + " " + T0, 2,
            "alice 11 acme/site " + CLIENT_A + " " + T0, 2,
            "alice 11 acme/app " + CLIENT_A + " " + min(1), 3,
            "bob 12 acme/app " + CLIENT_A + " " + T0, 1),
        counted,
        "counted rows are dated at the start of their minute");
  }

  @Test
  void refusalsWithoutAValidCredentialAreCounted() throws Exception {
    start(true);
    Decision none = denied(401, Reason.NO_CREDENTIALS);
    Decision invalid = denied(401, Reason.INVALID_CREDENTIALS);
    for (int i = 0; i < 4; i++) {
      log.recordDecision(
          T0.plusSeconds(i), null, null, "acme/app", GitOperation.READ, none, 401, CLIENT_A);
    }
    for (int i = 0; i < 3; i++) {
      log.recordDecision(
          T0.plusSeconds(i), null, null, "acme/app", GitOperation.READ, invalid, 401, CLIENT_A);
    }
    for (int i = 0; i < 2; i++) {
      log.recordDecision(
          T0.plusSeconds(i), null, null, "acme/app", GitOperation.READ, none, 401, CLIENT_B);
    }
    log.recordDecision(T0, null, null, "acme/app", GitOperation.WRITE, none, 401, CLIENT_A);
    // A valid token's refusal names its token: a row each.
    for (int i = 0; i < 2; i++) {
      log.recordDecision(
          T0.plusSeconds(i),
          "bob",
          bobToken,
          "acme/app",
          GitOperation.READ,
          denied(401, Reason.TOKEN_EXPIRED),
          401,
          CLIENT_A);
    }
    awaitWritten(6);

    Map<String, Integer> counted = new HashMap<>();
    int ofToken = 0;
    for (AuditEvent e :
        log.query(new AuditQuery(null, null, null, null, "deny", null, null, 1, 100)).items()) {
      assertEquals(401, e.status());
      if (e.tokenId() != null) {
        ofToken++;
        assertEquals("token_expired", e.reason());
        assertEquals(1, e.occurrences());
        continue;
      }
      assertNull(e.actor());
      assertNull(e.hashedToken());
      assertEquals(T0, e.at());
      assertNull(
          counted.put(e.operation() + " " + e.reason() + " " + e.clientAddress(), e.occurrences()),
          "one row per key");
    }
    assertEquals(2, ofToken);
    assertEquals(
        Map.of(
            "read no_credentials " + CLIENT_A, 4,
            "read invalid_credentials " + CLIENT_A, 3,
            "read no_credentials " + CLIENT_B, 2,
            "write no_credentials " + CLIENT_A, 1),
        counted);
  }

  @Test
  void withoutCountingEveryDecisionIsARow() throws Exception {
    start(false);
    for (int i = 0; i < 3; i++) {
      log.recordDecision(
          T0, "alice", aliceToken, "acme/app", GitOperation.READ, AUTHORIZED, 200, CLIENT_A);
    }
    for (int i = 0; i < 2; i++) {
      log.recordDecision(
          T0,
          null,
          null,
          "acme/app",
          GitOperation.READ,
          denied(401, Reason.NO_CREDENTIALS),
          401,
          CLIENT_A);
    }
    awaitWritten(5);
    Page<AuditEvent> page = log.query(all());
    assertEquals(5, page.items().size());
    for (AuditEvent e : page.items()) {
      assertEquals(1, e.occurrences());
    }
    assertEquals(
        3,
        log
            .query(new AuditQuery(null, null, null, null, "allow", null, null, 1, 100))
            .items()
            .stream()
            .filter(e -> "authorized".equals(e.reason()))
            .count());
  }

  @Test
  void closeWritesTheCountedDecisions() throws Exception {
    start(true);
    for (int i = 0; i < 3; i++) {
      log.recordDecision(
          T0, "alice", aliceToken, "acme/app", GitOperation.READ, AUTHORIZED, 200, CLIENT_A);
    }
    log.close();
    assertEquals(1, log.written());
    List<AuditEvent> events = log.query(all()).items();
    assertEquals(1, events.size());
    assertEquals(3, events.get(0).occurrences());
  }

  // ---------------------------------------------------------------- query

  /**
   * Five rows a minute apart: admin (alice), read, refused push, anonymous read, admin (gateway).
   */
  private void writeMixedRows() throws Exception {
    start(false);
    log.record(
        AuditEvent.admin(T0, Actor.of(alice, aliceToken), "org.update", "org:acme", null, null));
    log.recordDecision(
        min(1), "alice", aliceToken, "acme/app", GitOperation.READ, AUTHORIZED, 200, CLIENT_A);
    log.recordDecision(
        min(2),
        "bob",
        bobToken,
        "acme/site",
        GitOperation.WRITE,
        denied(403, Reason.NO_PUSH_PERMISSION),
        403,
        CLIENT_B);
    log.recordDecision(
        min(3),
        null,
        null,
        "acme/site",
        GitOperation.READ,
        new Decision.Allowed(Reason.ANONYMOUS_PUBLIC_READ),
        200,
        CLIENT_B);
    log.record(AuditEvent.admin(min(4), Actor.SYSTEM, "user.create", "user:carol", null, null));
    awaitWritten(5);
  }

  @Test
  void queryFiltersByKindActorTokenRepositoryAndOutcome() throws Exception {
    writeMixedRows();
    assertEquals(List.of(min(4), min(3), min(2), min(1), T0), times(log.query(all())));
    assertEquals(List.of(min(4), T0), times(log.query(byKind("admin"))));
    assertEquals(List.of(min(3), min(2), min(1)), times(log.query(byKind("decision"))));
    assertEquals(
        List.of(min(1), T0),
        times(log.query(new AuditQuery(null, "alice", null, null, null, null, null, 1, 100))));
    assertEquals(
        List.of(min(1)),
        times(
            log.query(new AuditQuery("decision", "alice", null, null, null, null, null, 1, 100))));
    assertEquals(
        List.of(min(2)),
        times(
            log.query(new AuditQuery(null, null, bobToken.id(), null, null, null, null, 1, 100))));
    assertEquals(
        List.of(min(3), min(2)),
        times(log.query(new AuditQuery(null, null, null, "acme/site", null, null, null, 1, 100))));
    assertEquals(
        List.of(min(2)),
        times(log.query(new AuditQuery(null, null, null, null, "deny", null, null, 1, 100))));
    assertEquals(
        List.of(min(4), T0),
        times(log.query(new AuditQuery(null, null, null, null, "ok", null, null, 1, 100))));
    Page<AuditEvent> none =
        log.query(new AuditQuery(null, "carol", null, null, null, null, null, 1, 100));
    assertEquals(List.of(), none.items());
    assertEquals(0, none.total());
  }

  @Test
  void afterIsInclusiveAndBeforeExclusive() throws Exception {
    writeMixedRows();
    assertEquals(
        List.of(min(2), min(1)),
        times(log.query(new AuditQuery(null, null, null, null, null, min(1), min(3), 1, 100))));
    assertEquals(
        List.of(min(4), min(3)),
        times(log.query(new AuditQuery(null, null, null, null, null, min(3), null, 1, 100))));
    assertEquals(
        List.of(T0),
        times(log.query(new AuditQuery(null, null, null, null, null, null, min(1), 1, 100))));
  }

  @Test
  void pagesAreNewestFirstWithTheTotal() throws Exception {
    writeMixedRows();
    Page<AuditEvent> first =
        log.query(new AuditQuery(null, null, null, null, null, null, null, 1, 2));
    assertEquals(List.of(min(4), min(3)), times(first));
    assertEquals(5, first.total());
    Page<AuditEvent> second =
        log.query(new AuditQuery(null, null, null, null, null, null, null, 2, 2));
    assertEquals(List.of(min(2), min(1)), times(second));
    assertEquals(5, second.total());
    assertEquals(
        List.of(T0),
        times(log.query(new AuditQuery(null, null, null, null, null, null, null, 3, 2))));
    assertEquals(
        List.of(),
        times(log.query(new AuditQuery(null, null, null, null, null, null, null, 4, 2))));
  }

  @Test
  void rowsOfTheSameInstantAreNewestWrittenFirst() throws Exception {
    start(true);
    log.record(AuditEvent.admin(T0, Actor.SYSTEM, "first", "org:acme", null, null));
    log.record(AuditEvent.admin(T0, Actor.SYSTEM, "second", "org:acme", null, null));
    awaitWritten(2);
    assertEquals(
        List.of("second", "first"),
        log.query(all()).items().stream().map(AuditEvent::operation).toList());
  }

  @Test
  void aQueryRefusesPagesOutOfRange() {
    assertThrows(
        IllegalArgumentException.class,
        () -> new AuditQuery(null, null, null, null, null, null, null, 0, 10));
    assertThrows(
        IllegalArgumentException.class,
        () -> new AuditQuery(null, null, null, null, null, null, null, 1, 0));
    assertThrows(
        IllegalArgumentException.class,
        () -> new AuditQuery(null, null, null, null, null, null, null, 1, 101));
  }

  // ---------------------------------------------------------------- the queue and the sinks

  /**
   * The store, except that the writer's first connection is held: {@code writing} opens when the
   * writer asks for it, and it is handed over once {@code release} opens.
   */
  private DataSource heldOnce(CountDownLatch writing, CountDownLatch release) {
    AtomicBoolean holdNext = new AtomicBoolean(true);
    DataSource real = db.dataSource();
    return (DataSource)
        Proxy.newProxyInstance(
            DataSource.class.getClassLoader(),
            new Class<?>[] {DataSource.class},
            (p, m, args) -> {
              if (m.getName().equals("getConnection") && holdNext.compareAndSet(true, false)) {
                writing.countDown();
                release.await(30, TimeUnit.SECONDS);
              }
              try {
                return m.invoke(real, args);
              } catch (InvocationTargetException e) {
                throw e.getCause();
              }
            });
  }

  @Test
  void aFullQueueDropsAndCounts() throws Exception {
    CountDownLatch writing = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    DataSource held = heldOnce(writing, release);
    start(held, 3, false, List.of());
    assertTrue(log.record(AuditEvent.admin(T0, Actor.SYSTEM, "e0", "t", null, null)));
    // The writer has taken e0 and is held while it writes it: the queue is empty, room for three.
    assertTrue(writing.await(30, TimeUnit.SECONDS));
    for (int i = 1; i <= 3; i++) {
      assertTrue(log.record(AuditEvent.admin(min(i), Actor.SYSTEM, "e" + i, "t", null, null)));
    }
    assertFalse(log.record(AuditEvent.admin(min(4), Actor.SYSTEM, "e4", "t", null, null)));
    log.recordDecision(
        min(5), "alice", aliceToken, "acme/app", GitOperation.WRITE, AUTHORIZED, 200, CLIENT_A);
    assertEquals(2, log.dropped());
    assertEquals(3, log.pending());

    release.countDown();
    awaitWritten(4);
    assertEquals(
        List.of("e3", "e2", "e1", "e0"),
        log.query(all()).items().stream().map(AuditEvent::operation).toList());
    assertEquals(2, log.dropped());
  }

  @Test
  void flushReturnsOnlyOnceTheEventsTheWriterHoldsAreWritten() throws Exception {
    CountDownLatch writing = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    DataSource held = heldOnce(writing, release);
    start(held, 100, false, List.of());
    assertTrue(log.record(AuditEvent.admin(T0, Actor.SYSTEM, "e0", "t", null, null)));
    // The writer has taken e0 off the queue and is held writing it: the queue is empty, e0 is not
    // written, so a flush must not report success.
    assertTrue(writing.await(30, TimeUnit.SECONDS));
    assertEquals(0, log.pending());
    assertFalse(log.flush(Duration.ofMillis(300)), "e0 is not written yet");
    assertEquals(0, log.written());
    release.countDown();
    assertTrue(log.flush(Duration.ofSeconds(30)));
    assertEquals(1, log.written(), "a successful flush means written");
  }

  @Test
  void noCountedReadIsLostOrWrittenTwiceWhileFlushesDrainTheCounts() throws Exception {
    start(true);
    int threads = 4;
    int each = 20_000;
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(threads + 1);
    AtomicBoolean counting = new AtomicBoolean(true);
    try {
      List<java.util.concurrent.Future<?>> readers = new java.util.ArrayList<>();
      for (int t = 0; t < threads; t++) {
        readers.add(
            pool.submit(
                () -> {
                  for (int i = 0; i < each; i++) {
                    log.recordDecision(
                        T0,
                        "alice",
                        aliceToken,
                        "acme/app",
                        GitOperation.READ,
                        AUTHORIZED,
                        200,
                        CLIENT_A);
                  }
                }));
      }
      java.util.concurrent.Future<?> flusher =
          pool.submit(
              () -> {
                while (counting.get()) {
                  log.flush(Duration.ofSeconds(30));
                }
                return null;
              });
      for (java.util.concurrent.Future<?> r : readers) {
        r.get(60, TimeUnit.SECONDS);
      }
      counting.set(false);
      flusher.get(60, TimeUnit.SECONDS);
    } finally {
      pool.shutdownNow();
    }
    assertTrue(log.flush(Duration.ofSeconds(30)));
    long total = 0;
    for (int page = 1; ; page++) {
      List<AuditEvent> rows =
          log.query(new AuditQuery(null, null, null, null, null, null, null, page, 100)).items();
      if (rows.isEmpty()) {
        break;
      }
      total += rows.stream().mapToLong(AuditEvent::occurrences).sum();
    }
    assertEquals((long) threads * each, total, "every read counted exactly once");
  }

  @Test
  void anEventTheStoreCannotHoldIsLeftOutAndTheLogGoesOn() throws Exception {
    start(false);
    String tooLong = "x".repeat(65); // client_address is VARCHAR(64)
    log.recordDecision(
        T0, "alice", aliceToken, "acme/app", GitOperation.WRITE, AUTHORIZED, 200, CLIENT_A);
    log.recordDecision(
        min(1), "alice", aliceToken, "acme/app", GitOperation.WRITE, AUTHORIZED, 200, tooLong);
    log.recordDecision(
        min(2), "bob", bobToken, "acme/app", GitOperation.WRITE, AUTHORIZED, 200, CLIENT_B);
    assertTrue(log.flush(Duration.ofSeconds(30)), "every accepted event is settled");
    assertEquals(2, log.written(), "the events around the bad one are written");
    assertEquals(1, log.rejected());
    log.record(AuditEvent.admin(min(3), Actor.SYSTEM, "later", "t", null, null));
    assertTrue(log.flush(Duration.ofSeconds(30)));
    assertEquals(3, log.written(), "later events are still written");
  }

  @Test
  void sinksReceiveEveryWrittenEventAndAFailingSinkStopsNothing() throws Exception {
    start(
        db.dataSource(),
        1000,
        false,
        List.of(
            batch -> {
              throw new IllegalStateException("the file is gone");
            },
            sunk::addAll));
    log.record(AuditEvent.admin(T0, Actor.SYSTEM, "a", "t", null, null));
    log.record(AuditEvent.admin(min(1), Actor.SYSTEM, "b", "t", null, null));
    awaitWritten(2);
    log.record(AuditEvent.admin(min(2), Actor.SYSTEM, "c", "t", null, null));
    awaitWritten(3);
    assertEquals(List.of("a", "b", "c"), sunk.stream().map(AuditEvent::operation).toList());
    assertEquals(3, log.query(all()).total());
  }

  // ---------------------------------------------------------------- no plaintext

  @Test
  void noRowHoldsATokenPlaintextOnlyItsHashedForm() throws Exception {
    start(true);
    log.recordDecision(
        T0, "alice", aliceToken, "acme/app", GitOperation.WRITE, AUTHORIZED, 200, CLIENT_A);
    log.recordDecision(
        T0, "alice", aliceToken, "acme/app", GitOperation.READ, AUTHORIZED, 200, CLIENT_A);
    log.recordDecision(
        T0,
        "bob",
        bobToken,
        "acme/app",
        GitOperation.READ,
        denied(401, Reason.TOKEN_DELETED),
        401,
        CLIENT_B);
    log.record(
        AuditEvent.admin(
            T0, Actor.of(bob, bobToken), "token.delete", "user:bob", "{\"id\":12}", null));
    awaitWritten(4);

    Map<Long, String> hashed =
        Map.of(
            aliceToken.id(),
            sha256Base64(alicePlaintext),
            bobToken.id(),
            sha256Base64(bobPlaintext));
    List<Map<String, Object>> rows = rawRows();
    assertEquals(4, rows.size());
    for (Map<String, Object> row : rows) {
      for (Map.Entry<String, Object> column : row.entrySet()) {
        String v = String.valueOf(column.getValue());
        for (String plaintext : List.of(alicePlaintext, bobPlaintext)) {
          assertFalse(
              v.contains(plaintext.substring(4, 36)),
              () -> column.getKey() + " holds a token's random part: " + row);
        }
      }
      long tokenId = ((Number) row.get("token_id")).longValue();
      assertEquals(hashed.get(tokenId), row.get("hashed_token"), row::toString);
    }
  }

  /** GitHub's hashed_token, computed here without the code under test. */
  private static String sha256Base64(String plaintext) throws Exception {
    return Base64.getEncoder()
        .encodeToString(
            MessageDigest.getInstance("SHA-256")
                .digest(plaintext.getBytes(StandardCharsets.US_ASCII)));
  }
}
