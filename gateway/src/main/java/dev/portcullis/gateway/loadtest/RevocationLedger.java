package dev.portcullis.gateway.loadtest;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * Per pool token: when its revocation call was sent and when it returned ({@link Ticks}), and the
 * check that follows from them. A request sent after the revocation call returned must not succeed:
 * a 2xx answer to it is a <em>violation</em>, and the only acceptable number of those is 0.
 *
 * <p>A request sent while the call was in flight may go either way. A refusal (401, 403, 429) of a
 * token whose revocation had at least been sent is expected, not an error.
 */
final class RevocationLedger {
  /** At most this many violations are kept with their details. */
  static final int MAX_SAMPLES = 100;

  /**
   * One violation: which token, what answered 2xx, how long after the revocation returned it was
   * sent.
   */
  record Violation(long tokenId, int status, long sentAfterRevocationMicros) {}

  private final long[] tokenIds;
  private final AtomicLongArray started;
  private final AtomicLongArray returned;
  private final AtomicLong violations = new AtomicLong();
  private final ConcurrentLinkedQueue<Violation> samples = new ConcurrentLinkedQueue<>();
  private final AtomicInteger sampleCount = new AtomicInteger();
  private final LongAdder checked = new LongAdder();
  private final Map<Integer, LongAdder> checkedStatuses = new ConcurrentHashMap<>();

  /**
   * @param tokenIds the pool's token ids by pool index
   */
  RevocationLedger(long[] tokenIds) {
    this.tokenIds = tokenIds.clone();
    this.started = new AtomicLongArray(tokenIds.length);
    this.returned = new AtomicLongArray(tokenIds.length);
  }

  /** Claims token {@code i} for revocation now; false when it was claimed before. */
  boolean claim(int i) {
    return started.compareAndSet(i, 0, Ticks.now());
  }

  /** Records that token {@code i}'s revocation call returned successfully, now. */
  void returned(int i) {
    returned.compareAndSet(i, 0, Ticks.now());
  }

  /** Whether a revocation of token {@code i} has been sent (it may still be in flight). */
  boolean revocationSent(int i) {
    return i >= 0 && started.get(i) != 0;
  }

  /**
   * Checks one HTTP answer. Must be called for every answer to a request made with a pool token.
   *
   * @param pool the token's pool index ({@link Credential#BAD} is ignored)
   * @param sentAt when the request was sent
   * @param status its HTTP status
   */
  void check(int pool, long sentAt, int status) {
    if (pool < 0) {
      return;
    }
    long revokedAt = returned.get(pool);
    if (revokedAt == 0 || sentAt <= revokedAt) {
      return;
    }
    checked.increment();
    checkedStatuses.computeIfAbsent(status, s -> new LongAdder()).increment();
    if (status >= 200 && status <= 299) {
      violations.incrementAndGet();
      if (sampleCount.incrementAndGet() <= MAX_SAMPLES) {
        samples.add(new Violation(tokenIds[pool], status, (sentAt - revokedAt) / 1000));
      }
    }
  }

  /** Answers to requests sent after their token's revocation returned. */
  long checkedRequests() {
    return checked.sum();
  }

  /** Those answers by status. */
  Map<Integer, Long> checkedStatuses() {
    Map<Integer, Long> m = new TreeMap<>();
    checkedStatuses.forEach((k, v) -> m.put(k, v.sum()));
    return m;
  }

  long violations() {
    return violations.get();
  }

  List<Violation> violationSamples() {
    return new ArrayList<>(samples);
  }

  /** Ids of the tokens whose revocation returned, ascending. */
  List<Long> revokedTokenIds() {
    List<Long> ids = new ArrayList<>();
    for (int i = 0; i < tokenIds.length; i++) {
      if (returned.get(i) != 0) {
        ids.add(tokenIds[i]);
      }
    }
    ids.sort(null);
    return ids;
  }
}
