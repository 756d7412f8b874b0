package dev.portcullis.gateway.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * CPU time used in this JVM, split by who used it, so a round can be reported as CPU per request of
 * each server: on a 2-core machine throughput swings with whatever else runs, while the CPU a
 * request costs is steady.
 *
 * <ul>
 *   <li>{@code gateway}: the gateway's request threads ({@code portcullis-http-*}, which include
 *       its Jetty selectors);
 *   <li>{@code background}: the gateway's other threads (audit and last-used writers, log worker
 *       and flusher, maintenance, H2's store writer and Hikari's housekeeping);
 *   <li>{@code bare}: the bare JGit server's threads ({@code bare-jgit-http-*});
 *   <li>{@code rest}: the process's CPU less those three: the load loop's client threads, the JIT
 *       compilers and the garbage collector, shared by both servers.
 * </ul>
 *
 * A thread that ends between two snapshots loses its CPU from its category (and the process total
 * keeps it, so it lands in {@code rest}); the servers' pool threads live across rounds.
 */
final class CpuUse {
  private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
  private static final com.sun.management.OperatingSystemMXBean OS =
      (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

  /** Nanoseconds of CPU per category, since the JVM started. */
  record Snapshot(
      long gateway, long background, long bare, long process, Map<String, Long> backgroundThreads) {
    Snapshot minus(Snapshot before) {
      Map<String, Long> threads = new TreeMap<>(backgroundThreads);
      before.backgroundThreads.forEach((k, v) -> threads.merge(k, -v, Long::sum));
      return new Snapshot(
          gateway - before.gateway,
          background - before.background,
          bare - before.bare,
          process - before.process,
          threads);
    }

    /** The background threads' CPU per request, largest first, e.g. "portcullis-audit 8.1, …". */
    String backgroundDetail(long requests) {
      return backgroundThreads.entrySet().stream()
          .filter(e -> e.getValue() / 1e3 / requests >= 0.05)
          .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
          .map(
              e -> String.format(Locale.ROOT, "%s %.1f", e.getKey(), e.getValue() / 1e3 / requests))
          .collect(java.util.stream.Collectors.joining(", "));
    }

    static final Snapshot ZERO = new Snapshot(0, 0, 0, 0, Map.of());

    /**
     * This with {@code other}'s background CPU added (the gateway's background work, whenever it
     * ran, is the gateway's).
     */
    Snapshot withBackgroundOf(Snapshot other) {
      Map<String, Long> threads = new TreeMap<>(backgroundThreads);
      other.backgroundThreads.forEach((k, v) -> threads.merge(k, v, Long::sum));
      return new Snapshot(
          gateway, background + other.background, bare, process + other.background, threads);
    }

    /**
     * This without its background CPU (moved to the gateway's account by {@link
     * #withBackgroundOf}).
     */
    Snapshot withoutBackground() {
      return new Snapshot(gateway, 0, bare, process - background, Map.of());
    }

    Snapshot plus(Snapshot other) {
      Map<String, Long> threads = new TreeMap<>(backgroundThreads);
      other.backgroundThreads.forEach((k, v) -> threads.merge(k, v, Long::sum));
      return new Snapshot(
          gateway + other.gateway,
          background + other.background,
          bare + other.bare,
          process + other.process,
          threads);
    }

    long rest() {
      return process - gateway - background - bare;
    }

    /**
     * "gateway 61.2 µs + background 9.8 µs per request" style, for {@code requests} of the server
     * measured.
     */
    String perRequest(boolean ofGateway, long requests) {
      if (requests <= 0) {
        return "n/a";
      }
      return ofGateway
          ? String.format(
              Locale.ROOT,
              "%.1f µs (request threads %.1f + background %.1f; rest of JVM %.1f)",
              (gateway + background) / 1e3 / requests,
              gateway / 1e3 / requests,
              background / 1e3 / requests,
              rest() / 1e3 / requests)
          : String.format(
              Locale.ROOT,
              "%.1f µs (rest of JVM %.1f)",
              bare / 1e3 / requests,
              rest() / 1e3 / requests);
    }
  }

  private CpuUse() {}

  static boolean supported() {
    return THREADS.isThreadCpuTimeSupported();
  }

  static Snapshot now() {
    if (!THREADS.isThreadCpuTimeEnabled()) {
      THREADS.setThreadCpuTimeEnabled(true);
    }
    long gateway = 0;
    long background = 0;
    long bare = 0;
    Map<String, Long> threads = new TreeMap<>();
    for (ThreadInfo info : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
      if (info == null) {
        continue;
      }
      long cpu = THREADS.getThreadCpuTime(info.getThreadId());
      if (cpu < 0) {
        continue;
      }
      String name = info.getThreadName();
      if (name.startsWith("portcullis-http")) {
        gateway += cpu;
      } else if (name.startsWith("bare-jgit-http")) {
        bare += cpu;
      } else if (name.startsWith("portcullis-")
          || name.startsWith("AsyncAppender")
          || name.startsWith("MVStore")
          || name.startsWith("H2 ")
          || name.startsWith("HikariPool")) {
        background += cpu;
        // Only the first 40 characters: H2's writer names itself after its file.
        String n = name.replaceAll("\\d+", "N");
        threads.merge(n.length() > 40 ? n.substring(0, 40) + "…" : n, cpu, Long::sum);
      }
    }
    return new Snapshot(gateway, background, bare, OS.getProcessCpuTime(), threads);
  }
}
