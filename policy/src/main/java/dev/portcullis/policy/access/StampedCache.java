package dev.portcullis.policy.access;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;

/**
 * A bounded Caffeine cache whose values carry the write-clock reading taken before they were
 * loaded. {@link #invalidateAll} raises a floor so that a value loaded concurrently from data older
 * than the write can never be served after it: Caffeine does not promise to discard in-flight loads
 * on {@code invalidateAll}. A single-key {@link #invalidate} relies on Caffeine's per-key atomicity
 * (the removal waits for a running load of that key).
 */
final class StampedCache<K, V> {
  /** A value with the write-clock reading and the ticker time (nanoseconds) of its load. */
  private record Stamped<V>(long stamp, long loaded, V value) {}

  private final Cache<K, Stamped<V>> cache;
  private final Ticker ticker;
  private final AtomicLong clock;

  /** Only ever rises (two concurrent invalidateAll calls must not lower it). */
  private final AtomicLong floor = new AtomicLong();

  /** While set, nothing is cached: every get reads the store (change events may be missed). */
  private volatile boolean bypass;

  private final Function<? super K, ? extends V> loader;
  private final Function<K, Stamped<V>> stampedLoader;

  StampedCache(
      String name, long maximumSize, Duration expireAfterWrite, Ticker ticker, AtomicLong clock) {
    this(
        name,
        maximumSize,
        expireAfterWrite,
        ticker,
        clock,
        k -> {
          throw new IllegalStateException("cache " + name + " has no loader of its own");
        });
  }

  StampedCache(
      String name,
      long maximumSize,
      Duration expireAfterWrite,
      Ticker ticker,
      AtomicLong clock,
      Function<? super K, ? extends V> loader) {
    this.loader = loader;
    this.stampedLoader = k -> load(k, loader);
    this.cache =
        Caffeine.newBuilder()
            .maximumSize(maximumSize)
            .expireAfterWrite(expireAfterWrite)
            .ticker(ticker)
            .recordStats()
            .build();
    this.ticker = ticker;
    this.clock = clock;
  }

  /** The value for {@code key}, loaded with the cache's own loader (no per-call lambda). */
  V get(K key) {
    return get(key, (Age) null);
  }

  /**
   * As {@link #get(Object)}, also noting in {@code age} (when not null) when the returned value was
   * loaded, so that something built from several entries can expire with the oldest of them.
   */
  V get(K key, Age age) {
    if (bypass) {
      return loader.apply(key);
    }
    Stamped<V> s = stamped(key, stampedLoader);
    if (age != null) {
      age.saw(s.loaded());
    }
    return s.value();
  }

  /** The value for {@code key}, loaded with {@code loader} on a miss. */
  V get(K key, Function<? super K, ? extends V> loader) {
    return bypass ? loader.apply(key) : stamped(key, k -> load(k, loader)).value();
  }

  private Stamped<V> stamped(K key, Function<K, Stamped<V>> stampedLoader) {
    Stamped<V> s = cache.get(key, stampedLoader);
    // A value loaded from data older than the last invalidateAll is dropped and loaded again; a
    // fresh load reads the clock after the floor was raised, so this ends.
    while (s.stamp() < floor.get()) {
      cache.asMap().remove(key, s);
      s = cache.get(key, stampedLoader);
    }
    return s;
  }

  private Stamped<V> load(K key, Function<? super K, ? extends V> loader) {
    long stamp = clock.get();
    long loaded = ticker.read();
    return new Stamped<>(stamp, loaded, loader.apply(key));
  }

  void invalidate(K key) {
    cache.invalidate(key);
  }

  void invalidateAll() {
    floor.accumulateAndGet(clock.incrementAndGet(), Math::max);
    cache.invalidateAll();
  }

  /** The oldest load time (ticker nanoseconds) among the entries one computation read. */
  static final class Age {
    private long oldest = Long.MAX_VALUE;

    void saw(long loaded) {
      if (loaded < oldest) {
        oldest = loaded;
      }
    }

    long oldest() {
      return oldest;
    }
  }

  void bypass(boolean on) {
    bypass = on;
    if (on) {
      invalidateAll();
    }
  }

  long estimatedSize() {
    return cache.estimatedSize();
  }

  double hitRate() {
    return cache.stats().hitRate();
  }
}
