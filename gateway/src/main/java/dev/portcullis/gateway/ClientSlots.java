package dev.portcullis.gateway;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Requests in flight per client address, each address capped at {@code max}. An address holds an
 * entry only while it has a request in flight, so the map never outgrows the requests being served.
 */
final class ClientSlots {
  private final int max;

  /** Address → requests in flight (always 1..max while present). */
  private final ConcurrentHashMap<String, Integer> inFlight = new ConcurrentHashMap<>();

  /**
   * @param max requests one address may have in flight, at least 1
   */
  ClientSlots(int max) {
    if (max < 1) {
      throw new IllegalArgumentException("the per-client cap must be at least 1, not " + max);
    }
    this.max = max;
  }

  /**
   * Takes a slot for {@code client}; false (and nothing taken) when it already holds {@code max}.
   */
  boolean tryAcquire(String client) {
    boolean[] taken = {false};
    inFlight.compute(
        client,
        (k, n) -> {
          int now = n == null ? 0 : n;
          if (now >= max) {
            return n;
          }
          taken[0] = true;
          return now + 1;
        });
    return taken[0];
  }

  /** Gives back a slot {@link #tryAcquire} took for {@code client}. */
  void release(String client) {
    inFlight.computeIfPresent(client, (k, n) -> n <= 1 ? null : n - 1);
  }

  /** Requests {@code client} has in flight. */
  int inFlight(String client) {
    return inFlight.getOrDefault(client, 0);
  }

  /** Addresses with a request in flight. */
  int clients() {
    return inFlight.size();
  }

  int max() {
    return max;
  }
}
