package dev.portcullis.policy.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.portcullis.policy.access.AccessService;
import dev.portcullis.policy.access.CacheSettings;
import dev.portcullis.policy.access.LastUsedRecorder;
import dev.portcullis.policy.access.PolicyCache;
import dev.portcullis.policy.decision.AccessEvaluator;
import dev.portcullis.policy.decision.Credential;
import dev.portcullis.policy.decision.Decision;
import dev.portcullis.policy.model.GitOperation;
import dev.portcullis.policy.testing.CountingStore;
import dev.portcullis.policy.token.AuthorizationHeader;
import dev.portcullis.policy.token.TokenFormat;
import dev.portcullis.policy.token.TokenKind;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 4's store-reach guarantees, on the full request path (header → authenticate → check) over a
 * real H2 store behind a counting proxy: a garbage or wrong-checksum token never reaches the store;
 * an unknown but well-formed token reaches it at most once per cache period, also when many
 * requests carry it at the same moment.
 */
class StoreReachTest {
  private static final Duration TTL = Duration.ofSeconds(30);

  @TempDir static Path dir;
  private static BenchWorld world;
  private CountingStore counting;
  private ManualTicker ticker;
  private AccessService access;
  private String repo;
  private String validLogin;
  private String validToken;

  @BeforeAll
  static void openStore() {
    world = BenchWorld.create(dir, false, 50, 1);
  }

  @AfterAll
  static void closeStore() {
    world.close();
  }

  /** A fresh counting proxy and fresh caches for each test, over the shared store. */
  @BeforeEach
  void open() {
    counting = new CountingStore(world.store());
    ticker = new ManualTicker();
    PolicyCache cache =
        new PolicyCache(counting.store(), new CacheSettings(10_000, 10_000, TTL), ticker);
    access =
        new AccessService(
            cache,
            new AccessEvaluator(true),
            new LastUsedRecorder(counting.store(), Duration.ofMinutes(1)),
            Clock.systemUTC());
    BenchWorld.Sample s = world.samples().get(0);
    repo = s.repoName();
    validLogin = s.login();
    validToken = s.plaintext();
    // The request path works for a real token (so the refusals below are about the token alone).
    assertTrue(request(s.basicHeader(), repo).allowed());
    counting.reset();
  }

  private Decision request(String header, String repoName) {
    Credential c = access.authenticate(AuthorizationHeader.parse(header));
    return access.check(c, BenchWorld.ORG, repoName, GitOperation.READ).decision();
  }

  private static String basic(String user, String password) {
    return BenchWorld.basic(user, password);
  }

  // ---------------------------------------------------------------- garbage never reaches the
  // store

  /**
   * Every single-character change of a valid token, at every position, to every other base62
   * character.
   */
  private static List<String> oneCharacterTypos(String token) {
    String alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    List<String> out = new ArrayList<>();
    for (int i = 4; i < token.length(); i++) {
      for (char c : alphabet.toCharArray()) {
        if (c != token.charAt(i)) {
          out.add(token.substring(0, i) + c + token.substring(i + 1));
        }
      }
    }
    return out;
  }

  @Test
  void garbageAndWrongChecksumTokensNeverReachTheStore() {
    Random random = new Random(4);
    List<String> headers = new ArrayList<>();
    // Not a token at all.
    for (String p :
        List.of(
            "",
            "x",
            "password",
            "hunter2",
            "ghp_" + "a".repeat(36),
            "pcc_",
            "pcc_short",
            validToken + "0",
            validToken.substring(0, 41),
            validToken.toUpperCase(),
            "PCC_" + validToken.substring(4),
            "pcx_" + validToken.substring(4),
            validToken.substring(0, 20) + "-" + validToken.substring(21),
            validToken.substring(0, 20) + "é" + validToken.substring(21))) {
      headers.add(basic(validLogin, p));
      headers.add("Bearer " + p);
      headers.add("token " + p);
    }
    // Padded passwords (a bearer value is stripped by the parser, a Basic password is taken as is).
    headers.add(basic(validLogin, " " + validToken));
    headers.add(basic(validLogin, validToken + " "));
    // Right shape, wrong checksum: every one-character typo of a real token.
    for (String typo : oneCharacterTypos(validToken)) {
      headers.add(basic(validLogin, typo));
    }
    // Random strings of the right shape (prefix, length, alphabet): a checksum matches with p =
    // 2^-32.
    for (int i = 0; i < 20_000; i++) {
      StringBuilder sb = new StringBuilder(i % 2 == 0 ? "pcc_" : "pcf_");
      for (int k = 0; k < 38; k++) {
        sb.append(
            "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                .charAt(random.nextInt(62)));
      }
      headers.add(basic(validLogin, sb.toString()));
    }
    // Malformed headers, and a valid token with an empty username (GitHub requires one).
    headers.add("Basic !!!notbase64");
    headers.add(
        "Basic " + Base64.getEncoder().encodeToString("no-colon".getBytes(StandardCharsets.UTF_8)));
    headers.add("Digest username=x");
    headers.add(basic("", validToken));

    for (String h : headers) {
      Credential c = access.authenticate(AuthorizationHeader.parse(h));
      assertInstanceOf(Credential.Invalid.class, c, h);
      Decision d = access.check(c, BenchWorld.ORG, repo, GitOperation.READ).decision();
      assertEquals(401, ((Decision.Denied) d).status(), h);
    }
    assertEquals(0, counting.calls("tokenByDigest"), () -> "store calls: " + counting.snapshot());
    assertEquals(
        0, counting.callsWithTokenArguments(), () -> "store calls: " + counting.snapshot());
    for (String typo : oneCharacterTypos(validToken)) {
      assertNull(TokenFormat.kindOf(typo), typo);
    }
  }

  // ---------------------------------------------------------------- unknown tokens: once per cache
  // period

  @Test
  void unknownWellFormedTokenReachesTheStoreOncePerCachePeriod() {
    SecureRandom random = new SecureRandom();
    List<String> unknown = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      unknown.add(
          TokenFormat.generate(i % 2 == 0 ? TokenKind.CLASSIC : TokenKind.FINE_GRAINED, random));
    }
    for (int round = 0; round < 200; round++) {
      for (String t : unknown) {
        assertEquals(401, ((Decision.Denied) request(basic(validLogin, t), repo)).status());
      }
    }
    assertEquals(
        unknown.size(),
        counting.calls("tokenByDigest"),
        () -> "store calls: " + counting.snapshot());

    // Just inside the cache period: still no new lookup.
    ticker.advance(TTL.minusMillis(1));
    for (String t : unknown) {
      request(basic(validLogin, t), repo);
      request("Bearer " + t, repo);
    }
    assertEquals(unknown.size(), counting.calls("tokenByDigest"));

    // Next period: exactly one more lookup per token, however many requests.
    ticker.advance(Duration.ofMillis(2));
    for (int round = 0; round < 50; round++) {
      for (String t : unknown) {
        request(basic(validLogin, t), repo);
      }
    }
    assertEquals(
        2 * unknown.size(),
        counting.calls("tokenByDigest"),
        () -> "store calls: " + counting.snapshot());
  }

  @Test
  void concurrentRequestsWithTheSameUnknownTokenReachTheStoreOnce() throws Exception {
    String unknown = TokenFormat.generate(TokenKind.FINE_GRAINED, new SecureRandom());
    String header = basic(validLogin, unknown);
    counting.delay("tokenByDigest", Duration.ofMillis(50));
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch go = new CountDownLatch(1);
      AtomicLong denied = new AtomicLong();
      List<Future<?>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        futures.add(
            pool.submit(
                () -> {
                  go.await();
                  for (int i = 0; i < 500; i++) {
                    if (!request(header, repo).allowed()) {
                      denied.incrementAndGet();
                    }
                  }
                  return null;
                }));
      }
      go.countDown();
      for (Future<?> f : futures) {
        f.get(60, TimeUnit.SECONDS);
      }
      assertEquals(threads * 500L, denied.get());
      assertEquals(1, counting.calls("tokenByDigest"), () -> "store calls: " + counting.snapshot());
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void knownTokenIsLoadedOncePerCachePeriod() {
    String header = basic(validLogin, validToken);
    // setUp's request loaded it; none of these reach the store.
    for (int i = 0; i < 1000; i++) {
      assertTrue(request(header, repo).allowed());
    }
    assertEquals(0, counting.calls("tokenByDigest"), () -> "store calls: " + counting.snapshot());
    ticker.advance(TTL.plusMillis(1));
    for (int i = 0; i < 1000; i++) {
      assertTrue(request(header, repo).allowed());
    }
    assertEquals(1, counting.calls("tokenByDigest"), () -> "store calls: " + counting.snapshot());
  }

  /** A Caffeine ticker moved by the test. */
  static final class ManualTicker implements Ticker {
    private final AtomicLong nanos = new AtomicLong();

    void advance(Duration d) {
      nanos.addAndGet(d.toNanos());
    }

    @Override
    public long read() {
      return nanos.get();
    }
  }
}
