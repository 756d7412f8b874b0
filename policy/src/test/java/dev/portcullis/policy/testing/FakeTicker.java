package dev.portcullis.policy.testing;

import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

/** A Caffeine {@link Ticker} advanced by the test (Caffeine's own tests do the same). */
public final class FakeTicker implements Ticker {
  private final AtomicLong nanos = new AtomicLong();

  public FakeTicker advance(Duration d) {
    nanos.addAndGet(d.toNanos());
    return this;
  }

  @Override
  public long read() {
    return nanos.get();
  }
}
