package dev.portcullis.policy.access;

import dev.portcullis.policy.store.PolicyStore;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Records when tokens were last used, in memory, and writes them to the store in batches: never a
 * row update on the request path, at most one write per token per {@code granularity}.
 */
public final class LastUsedRecorder {
  private static final Logger LOG = LoggerFactory.getLogger(LastUsedRecorder.class);

  private final PolicyStore store;
  private final Duration granularity;
  private final long granularityMillis;
  private final ConcurrentHashMap<Long, Instant> pending = new ConcurrentHashMap<>();

  /**
   * When each token's last use was last written (bounded: entries older than granularity are
   * pruned).
   */
  private final ConcurrentHashMap<Long, Instant> written = new ConcurrentHashMap<>();

  public LastUsedRecorder(PolicyStore store, Duration granularity) {
    this.store = store;
    this.granularity = granularity;
    this.granularityMillis = granularity.toMillis();
  }

  /** Uses closer together than this (milliseconds) may be noted as one. */
  public long granularityMillis() {
    return granularityMillis;
  }

  /**
   * Notes a use; cheap and lock-free on the common path.
   *
   * @param tokenId the token's id for a use of its current secret, minus a rotated secret's id for
   *     a use of that secret ({@link PolicyStore#recordLastUsed})
   */
  public void record(long tokenId, Instant when) {
    Instant last = written.get(tokenId);
    if (last != null && when.toEpochMilli() - last.toEpochMilli() < granularityMillis) {
      return;
    }
    pending.merge(tokenId, when, (a, b) -> a.isAfter(b) ? a : b);
  }

  /** The unflushed last use of a token, if any (so the API can show fresh values). */
  public Instant pendingFor(long tokenId) {
    return pending.get(tokenId);
  }

  /** Writes everything pending in one batch; returns how many tokens were written. */
  public int flush(Instant now) {
    if (pending.isEmpty()) {
      written
          .entrySet()
          .removeIf(e -> Duration.between(e.getValue(), now).compareTo(granularity) >= 0);
      return 0;
    }
    Map<Long, Instant> batch = new HashMap<>();
    for (Long id : pending.keySet()) {
      Instant t = pending.remove(id);
      if (t != null) {
        batch.put(id, t);
      }
    }
    try {
      store.recordLastUsed(batch);
      batch.forEach(written::put);
    } catch (RuntimeException e) {
      // Keep them for the next flush; last-used times are informative, never worth failing a
      // request.
      batch.forEach((id, t) -> pending.merge(id, t, (a, b) -> a.isAfter(b) ? a : b));
      LOG.warn("could not write last-used times of {} tokens: {}", batch.size(), e.toString());
      return 0;
    }
    written
        .entrySet()
        .removeIf(e -> Duration.between(e.getValue(), now).compareTo(granularity) >= 0);
    return batch.size();
  }
}
