package dev.portcullis.policy.bench;

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
import dev.portcullis.policy.token.TokenDigest;
import dev.portcullis.policy.token.TokenFormat;
import dev.portcullis.policy.token.TokenKind;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
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
 * The warm decision (issue 4, target p99 ≤ 2 µs): parse the {@code Authorization} header → {@link
 * AccessService#authenticate} (format, checksum, SHA-256, cached token and user) → {@link
 * AccessService#check} (cached inputs, pure evaluator, last-used note), against a real {@link
 * PolicyCache} over the embedded H2 store of {@link BenchWorld}, rotating over every token in a
 * shuffled order. Every request is allowed (checked at setup).
 *
 * <p>{@code baseline_sha256_chm} is the floor the decision is compared with: SHA-256 of the same
 * plaintext plus one {@link ConcurrentHashMap} lookup of the digest. The other methods split the
 * decision into its parts ({@code part_*}: one step of {@code authenticate} alone); {@code bad_*}
 * decide the bad tokens a load test mixes in (a typo, and a well-formed token never issued).
 *
 * <p>The caches use a one-hour expiry here so that the measured path is purely warm; with the
 * default 5-minute expiry each active token (and user, membership… entry) is reloaded from the
 * store once every 5 minutes on a request thread — that is the cold path, measured by {@link
 * ColdLookupBenchmark}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class DecisionBenchmark {
  @Param({"10000"})
  public int tokens;

  private BenchWorld world;
  private LastUsedRecorder lastUsed;
  private AccessService access;
  private Clock clock;

  /**
   * Per request (shuffled): header, plaintext, repository name, the credential it authenticates to.
   */
  private String[] headers;

  private String[] plaintexts;
  private String[] repoNames;
  private Credential[] credentials;
  private TokenDigest[] digests;
  private ConcurrentHashMap<ByteBuffer, Object> baselineMap;
  private PolicyCache cache;

  /** The store as the caches see it, counting calls: a warm iteration must make none. */
  private CountingStore counting;

  private int storeCallsAfterSetup;

  /** Per request: the same header with one character of the token changed (its checksum fails). */
  private String[] wrongChecksumHeaders;

  /**
   * Per request: a well-formed token that does not exist (its digest is negatively cached after
   * setup).
   */
  private String[] unknownHeaders;

  @Setup(Level.Trial)
  public void setUp() {
    world = BenchWorld.shared(tokens, 1);
    clock = Clock.systemUTC();
    counting = new CountingStore(world.store());
    cache =
        new PolicyCache(
            counting.store(),
            new CacheSettings(200_000, 50_000, Duration.ofHours(1)),
            Ticker.systemTicker());
    lastUsed = new LastUsedRecorder(world.store(), Duration.ofMinutes(1));
    access = new AccessService(cache, new AccessEvaluator(true), lastUsed, clock);

    List<BenchWorld.Sample> samples = new ArrayList<>(world.samples());
    Collections.shuffle(samples, new Random(42));
    int n = samples.size();
    headers = new String[n];
    plaintexts = new String[n];
    repoNames = new String[n];
    credentials = new Credential[n];
    digests = new TokenDigest[n];
    baselineMap = new ConcurrentHashMap<>(2 * n);
    MessageDigest sha = Cursor.sha256();
    for (int i = 0; i < n; i++) {
      BenchWorld.Sample s = samples.get(i);
      headers[i] = s.basicHeader();
      plaintexts[i] = s.plaintext();
      repoNames[i] = s.repoName();
      // Warms every cache and proves the path decides "allowed" for every request from the
      // benchmark's client, and that the tokens limited to networks are refused elsewhere.
      Credential c = access.authenticate(AuthorizationHeader.parse(headers[i]));
      Decision d =
          access.check(c, BenchWorld.ORG, repoNames[i], GitOperation.READ, CLIENT).decision();
      Decision here = readFrom(i, CLIENT);
      Decision elsewhere = readFrom(i, "203.0.113.9");
      if (!(c instanceof Credential.Token t) || !d.allowed() || !here.allowed()) {
        throw new IllegalStateException(
            "request " + i + " of the benchmark world is not allowed: " + c + " → " + d);
      }
      if (elsewhere.allowed() == (t.token().allowedNetworks() != null)) {
        throw new IllegalStateException(
            "request " + i + " from elsewhere: " + elsewhere + " for " + t.token());
      }
      credentials[i] = c;
      digests[i] = s.digest();
      baselineMap.put(
          ByteBuffer.wrap(sha.digest(s.plaintext().getBytes(StandardCharsets.US_ASCII))), c);
    }
    badTokens(samples);
    storeCallsAfterSetup = counting.totalCalls();
    // Steady state of the last-used recorder: uses already written this minute are dropped cheaply.
    lastUsed.flush(clock.instant());
  }

  /** Request {@code i}'s read decided as the gateway decides it, from {@code client}. */
  private Decision readFrom(int i, String client) {
    return access
        .decide(
            AuthorizationHeader.parse(headers[i]),
            BenchWorld.ORG,
            repoNames[i],
            GitOperation.READ,
            client)
        .decision();
  }

  /**
   * The bad tokens of {@code --bad-token-rate}, one of each kind per request: a typo (one character
   * of the random part changed, so the checksum fails) and a well-formed token that was never
   * issued. Each is decided once here and must be refused with 401 (so the unknown ones sit in the
   * cache as known-absent, as they do in a gateway after their first use).
   */
  private void badTokens(List<BenchWorld.Sample> samples) {
    int n = samples.size();
    wrongChecksumHeaders = new String[n];
    unknownHeaders = new String[n];
    java.security.SecureRandom random = new java.security.SecureRandom();
    for (int i = 0; i < n; i++) {
      BenchWorld.Sample s = samples.get(i);
      char[] typo = s.plaintext().toCharArray();
      int at = 4 + (i % 32);
      typo[at] = typo[at] == 'a' ? 'b' : 'a';
      String unknown = TokenFormat.generate(s.kind(), random);
      if (TokenFormat.kindOf(new String(typo)) != null || TokenFormat.kindOf(unknown) == null) {
        throw new IllegalStateException("bad token " + i + " is not what the benchmark needs");
      }
      wrongChecksumHeaders[i] = BenchWorld.basic(s.login(), new String(typo));
      unknownHeaders[i] = BenchWorld.basic(s.login(), unknown);
      for (String h : new String[] {wrongChecksumHeaders[i], unknownHeaders[i]}) {
        AccessService.AccessCheck c =
            access.decide(
                AuthorizationHeader.parse(h),
                BenchWorld.ORG,
                repoNames[i],
                GitOperation.READ,
                null);
        if (!(c.decision() instanceof Decision.Denied d) || d.status() != 401) {
          throw new IllegalStateException(
              "bad token " + i + " was not refused with 401: " + c.decision());
        }
      }
    }
  }

  /** As the gateway's scheduler does every 10 s (outside the measurement here). */
  @Setup(Level.Iteration)
  public void flushLastUsed() {
    lastUsed.flush(clock.instant());
  }

  /** Every benchmark here is warm: none may reach the store (bad tokens included). */
  @TearDown(Level.Iteration)
  public void noStoreCalls() {
    int n = counting.totalCalls() - storeCallsAfterSetup;
    if (n != 0) {
      throw new IllegalStateException(
          n + " store calls during a warm iteration: " + counting.snapshot());
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    world.close();
  }

  /** The floor: SHA-256 of the plaintext and one ConcurrentHashMap lookup by digest. */
  @Benchmark
  public Object baseline_sha256_chm(Cursor c) {
    String t = plaintexts[c.next(plaintexts.length)];
    byte[] d = c.sha.digest(t.getBytes(StandardCharsets.US_ASCII));
    return baselineMap.get(ByteBuffer.wrap(d));
  }

  /** {@link AuthorizationHeader#parse} alone (Basic: base64 and UTF-8 decoding, split). */
  @Benchmark
  public AuthorizationHeader parse_header(Cursor c) {
    return AuthorizationHeader.parse(headers[c.next(headers.length)]);
  }

  /** Parse + authenticate: format and checksum, SHA-256, token and user from the caches. */
  @Benchmark
  public Credential authenticate(Cursor c) {
    return access.authenticate(AuthorizationHeader.parse(headers[c.next(headers.length)]));
  }

  /**
   * {@link AccessService#check} alone for an authenticated credential: inputs from the caches,
   * evaluator, last-used note.
   */
  @Benchmark
  public AccessService.AccessCheck check(Cursor c) {
    int i = c.next(credentials.length);
    return access.check(credentials[i], BenchWorld.ORG, repoNames[i], GitOperation.READ, CLIENT);
  }

  /** {@link TokenFormat#kindOf}: length, prefix, alphabet and CRC32 checksum. */
  @Benchmark
  public TokenKind part_format_check(Cursor c) {
    return TokenFormat.kindOf(plaintexts[c.next(plaintexts.length)]);
  }

  /** {@link TokenDigest#of}: SHA-256 of the plaintext as the product computes it. */
  @Benchmark
  public TokenDigest part_sha256(Cursor c) {
    return TokenDigest.of(plaintexts[c.next(plaintexts.length)]);
  }

  /**
   * One warm {@link PolicyCache} lookup (the token by digest): one of the seven or eight a decision
   * makes.
   */
  @Benchmark
  public Object part_cache_lookup(Cursor c) {
    return cache.token(digests[c.next(digests.length)]);
  }

  private static final String CLIENT = BenchWorld.CLIENT;

  /**
   * The whole warm decision, as {@code GitAccessFilter} runs it ({@link AccessService#decide}:
   * parse the header, check the token's format and checksum, SHA-256, one cache lookup of the
   * token's joined entry for the repository, which holds the evaluator's decision on its inputs;
   * then the last-used note): the benchmark of the target.
   */
  @Benchmark
  public Decision decision(Cursor c) {
    int i = c.next(headers.length);
    // Owner and name are new strings, as the gateway cuts them from each request's path: their
    // hashes are computed and their contents compared, as there.
    AccessService.AccessCheck check =
        access.decide(
            AuthorizationHeader.parse(headers[i]),
            new String(BenchWorld.ORG),
            new String(repoNames[i]),
            GitOperation.READ,
            CLIENT);
    access.recordUse(check);
    return check.decision();
  }

  /**
   * A token with a typo (wrong checksum), as the gateway decides it: parse, format and checksum,
   * refused with 401 without a cache or store lookup.
   */
  @Benchmark
  public Decision bad_wrong_checksum(Cursor c) {
    int i = c.next(wrongChecksumHeaders.length);
    return access
        .decide(
            AuthorizationHeader.parse(wrongChecksumHeaders[i]),
            new String(BenchWorld.ORG),
            new String(repoNames[i]),
            GitOperation.READ,
            null)
        .decision();
  }

  /**
   * A well-formed token that was never issued, after its first use: parse, format and checksum,
   * SHA-256 and one cache lookup that finds it known-absent; refused with 401.
   */
  @Benchmark
  public Decision bad_unknown_token(Cursor c) {
    int i = c.next(unknownHeaders.length);
    return access
        .decide(
            AuthorizationHeader.parse(unknownHeaders[i]),
            new String(BenchWorld.ORG),
            new String(repoNames[i]),
            GitOperation.READ,
            null)
        .decision();
  }

  /**
   * The same decision through the individual caches ({@code authenticate} + {@code check}: eight
   * lookups), as the gateway runs it when the joined entry is missing or stale (after any change).
   */
  @Benchmark
  public Decision decision_separate_caches(Cursor c) {
    int i = c.next(headers.length);
    Credential credential = access.authenticate(AuthorizationHeader.parse(headers[i]));
    return access
        .check(credential, BenchWorld.ORG, repoNames[i], GitOperation.READ, CLIENT)
        .decision();
  }
}
