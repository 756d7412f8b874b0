package dev.portcullis.policy;

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
