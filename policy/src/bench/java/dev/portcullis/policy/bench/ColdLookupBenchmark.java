package dev.portcullis.policy.bench;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.portcullis.policy.access.AccessService;
import dev.portcullis.policy.access.CacheSettings;
import dev.portcullis.policy.access.Invalidation;
import dev.portcullis.policy.access.LastUsedRecorder;
import dev.portcullis.policy.access.PolicyCache;
import dev.portcullis.policy.decision.AccessEvaluator;
import dev.portcullis.policy.decision.Decision;
import dev.portcullis.policy.model.AccessToken;
import dev.portcullis.policy.model.GitOperation;
import dev.portcullis.policy.token.AuthorizationHeader;
import dev.portcullis.policy.token.TokenDigest;
import dev.portcullis.policy.token.TokenFormat;
import dev.portcullis.policy.token.TokenKind;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The cold path against the store size (issue 4: cold p99 ≤ 1 ms per lookup; 1,000,000 tokens leave
 * warm throughput unchanged and cold p99 within 2× of 10,000). The store is the embedded H2 of
 * {@link BenchWorld}, filled at trial setup with {@code storeSize} tokens by batched JDBC inserts
 * (once per size and run when started by {@code BenchMain}: the other forks reopen it, see {@link
 * BenchWorld#shared}).
 *
 * <ul>
 *   <li>{@code store_hit}: {@code PolicyStore.tokenByDigest} of an existing token (one pooled
 *       connection, one indexed query);
 *   <li>{@code store_miss}: the same for a well-formed token that does not exist;
 *   <li>{@code cold_decision}: the whole decision (parse, authenticate, check) for a token whose
 *       cache entry was just dropped (the token and its row are loaded; user, repository,
 *       memberships and grant stay cached, as in production when a token is first seen or its entry
 *       expired);
 *   <li>{@code warm_decision}: throughput of the warm decision over 10,000 cached tokens of the
 *       same store.
 * </ul>
 *
 * Tokens are drawn from an evenly spread sample of the store (every token up to 65,536; every k-th
 * beyond), in shuffled order.
 */
@State(Scope.Benchmark)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class ColdLookupBenchmark {
  private static final int SAMPLE = 65_536;
  private static final int WARM_SET = 10_000;

  @Param({"10000", "1000000"})
  public int storeSize;

  private BenchWorld world;
  private LastUsedRecorder lastUsed;
  private LastUsedRecorder warmLastUsed;
  private Clock clock;
  private PolicyCache coldCache;
  private AccessService coldAccess;
  private AccessService warmAccess;

  private TokenDigest[] hitDigests;
  private TokenDigest[] missDigests;
  private String[] coldHeaders;
  private TokenDigest[] coldDigests;
  private String[] coldRepos;
  private String[] warmHeaders;
  private String[] warmRepos;

  @Setup(Level.Trial)
  public void setUp() throws NoSuchAlgorithmException {
    long t0 = System.nanoTime();
    world = BenchWorld.shared(storeSize, Math.max(1, storeSize / SAMPLE));
    System.out.printf(
        "%n[setup] store of %,d tokens ready in %.1f s%n",
        storeSize, (System.nanoTime() - t0) / 1e9);
    clock = Clock.systemUTC();
    lastUsed = new LastUsedRecorder(world.store(), Duration.ofMinutes(1));
    coldCache = new PolicyCache(world.store(), CacheSettings.DEFAULT, Ticker.systemTicker());
    coldAccess = new AccessService(coldCache, new AccessEvaluator(true), lastUsed, clock);
    PolicyCache warmCache =
        new PolicyCache(
            world.store(),
            new CacheSettings(200_000, 50_000, Duration.ofHours(1)),
            Ticker.systemTicker());
    // Its own last-used recorder: the cold sample's tens of thousands of uses (made at setup) are
    // not
    // the warm set's, as in production, where the recorder holds only the tokens in use.
    warmLastUsed = new LastUsedRecorder(world.store(), Duration.ofMinutes(1));
    warmAccess = new AccessService(warmCache, new AccessEvaluator(true), warmLastUsed, clock);

    List<BenchWorld.Sample> samples = new ArrayList<>(world.samples());
    Collections.shuffle(samples, new Random(7));
    int n = samples.size();
    hitDigests = new TokenDigest[n];
    coldHeaders = new String[n];
    coldDigests = new TokenDigest[n];
    coldRepos = new String[n];
    for (int i = 0; i < n; i++) {
      BenchWorld.Sample s = samples.get(i);
      hitDigests[i] = s.digest();
      coldHeaders[i] = s.basicHeader();
      coldDigests[i] = s.digest();
      coldRepos[i] = s.repoName();
    }
    SecureRandom other = SecureRandom.getInstance("SHA1PRNG");
    other.setSeed(0xbad_5eedL);
    missDigests = new TokenDigest[SAMPLE];
    for (int i = 0; i < SAMPLE; i++) {
      missDigests[i] =
          TokenDigest.of(
              TokenFormat.generate(i % 2 == 0 ? TokenKind.CLASSIC : TokenKind.FINE_GRAINED, other));
    }
    int w = Math.min(WARM_SET, n);
    warmHeaders = new String[w];
    warmRepos = new String[w];
    for (int i = 0; i < w; i++) {
      warmHeaders[i] = coldHeaders[i];
      warmRepos[i] = coldRepos[i];
      Decision d = decide(warmAccess, warmHeaders[i], warmRepos[i]);
      if (!d.allowed()) {
        throw new IllegalStateException("request " + i + " is not allowed: " + d);
      }
    }
    // The users, repositories, memberships and grants of the cold cache are warm, only tokens are
    // cold.
    for (int i = 0; i < n; i++) {
      decide(coldAccess, coldHeaders[i], coldRepos[i]);
    }
    lastUsed.flush(clock.instant());
    warmLastUsed.flush(clock.instant());
    System.out.printf(
        "[setup] ready after %.1f s (sample %,d tokens, warm set %,d)%n",
        (System.nanoTime() - t0) / 1e9, n, w);
  }

  @Setup(Level.Iteration)
  public void flushLastUsed() {
    lastUsed.flush(clock.instant());
    warmLastUsed.flush(clock.instant());
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    world.close();
  }

  /**
   * As the gateway decides: {@link AccessService#decide} (joined inputs), then the last-used note.
   */
  private static Decision decide(AccessService access, String header, String repo) {
    AccessService.AccessCheck check =
        access.decide(
            AuthorizationHeader.parse(header),
            BenchWorld.ORG,
            repo,
            GitOperation.READ,
            BenchWorld.CLIENT);
    access.recordUse(check);
    return check.decision();
  }

  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public Optional<AccessToken> store_hit(Cursor c) {
    return world.store().tokenByDigest(hitDigests[c.next(hitDigests.length)]);
  }

  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public Optional<AccessToken> store_miss(Cursor c) {
    return world.store().tokenByDigest(missDigests[c.next(missDigests.length)]);
  }

  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.MICROSECONDS)
  public Decision cold_decision(Cursor c) {
    int i = c.next(coldHeaders.length);
    // Drop the token's entry (the grant, keyed by token id, stays cached; the change makes every
    // joined entry stale): the token lookup below misses and its inputs are joined again.
    coldCache.apply(new Invalidation.TokenChanged(coldDigests[i], -1));
    return decide(coldAccess, coldHeaders[i], coldRepos[i]);
  }

  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.MILLISECONDS)
  public Decision warm_decision(Cursor c) {
    int i = c.next(warmHeaders.length);
    return decide(warmAccess, warmHeaders[i], warmRepos[i]);
  }
}
