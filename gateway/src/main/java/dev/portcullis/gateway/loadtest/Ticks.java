package dev.portcullis.gateway.loadtest;

/**
 * The load tester's one clock: nanoseconds since the class was loaded, from {@link
 * System#nanoTime()}, plus one, so that every reading is positive and 0 can mean "never".
 */
final class Ticks {
  private static final long ORIGIN = System.nanoTime();

  private Ticks() {}

  /** Now, in nanoseconds; monotonic and always at least 1. */
  static long now() {
    return System.nanoTime() - ORIGIN + 1;
  }
}
