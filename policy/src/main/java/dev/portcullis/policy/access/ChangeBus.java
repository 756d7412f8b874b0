package dev.portcullis.policy.access;

import java.time.Duration;
import javax.sql.DataSource;
import org.slf4j.LoggerFactory;

/**
 * Carries {@link Invalidation}s from the write that caused them to every node's caches. Publishing
 * applies the event to this node's caches before it returns, so the caller's next request already
 * sees the change; other nodes see it when the event reaches them.
 */
public interface ChangeBus extends AutoCloseable {
  void publish(Invalidation event);

  /** Whether events from other nodes are being received (always true on a single node). */
  boolean connected();

  @Override
  void close();

  /**
   * The bus between nodes that share a PostgreSQL store: {@code LISTEN}/{@code NOTIFY} on a
   * dedicated connection. Waits up to {@code connectTimeout} for the listener; until it is
   * connected the node caches nothing and reads the store for every decision.
   */
  static ChangeBus postgres(
      PolicyCache cache,
      DataSource pool,
      String url,
      String user,
      String password,
      Duration connectTimeout) {
    PostgresChangeBus bus = new PostgresChangeBus(cache, pool, url, user, password);
    try {
      if (!bus.awaitConnected(connectTimeout)) {
        LoggerFactory.getLogger(ChangeBus.class)
            .warn(
                "the change listener is not connected yet; serving from the store without caching until it is");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return bus;
  }

  /** The single-node bus: events go straight to the local caches. */
  static ChangeBus local(PolicyCache cache) {
    return new ChangeBus() {
      @Override
      public void publish(Invalidation event) {
        cache.apply(event);
      }

      @Override
      public boolean connected() {
        return true;
      }

      @Override
      public void close() {}
    };
  }
}
