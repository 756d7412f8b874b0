package dev.portcullis.gateway.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;

class BatchingStderrAppenderTest {

  /** A logger of its own context writing through a fresh appender into {@code sink}. */
  private static BatchingStderrAppender appender(
      LoggerContext ctx, ByteArrayOutputStream sink, long flushMillis, int queueSize) {
    ctx.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(ctx);
    encoder.setPattern("%thread|%msg%n");
    encoder.start();
    BatchingStderrAppender a = new BatchingStderrAppender();
    a.setContext(ctx);
    a.setName("test");
    a.setEncoder(encoder);
    a.setFlushMillis(flushMillis);
    a.setQueueSize(queueSize);
    a.setTarget(sink);
    a.start();
    Logger log = ctx.getLogger("portcullis.git");
    log.setAdditive(false);
    log.setLevel(Level.INFO);
    log.addAppender(a);
    return a;
  }

  @Test
  void linesFromManyThreadsAreWrittenWholeInEachThreadsOrderAndStopWritesTheRest()
      throws Exception {
    LoggerContext ctx = new LoggerContext();
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    // A long interval: everything below is written by stop(), none by the writer's timer.
    BatchingStderrAppender a = appender(ctx, sink, 60_000, 100_000);
    Logger log = ctx.getLogger("portcullis.git");
    int threads = 8;
    int each = 2_000;
    CountDownLatch go = new CountDownLatch(1);
    List<Thread> started = new ArrayList<>();
    for (int t = 0; t < threads; t++) {
      int k = t;
      Thread th =
          new Thread(
              () -> {
                try {
                  go.await();
                } catch (InterruptedException e) {
                  return;
                }
                for (int i = 0; i < each; i++) {
                  log.info("line " + i + " of writer " + k);
                }
              },
              "w" + t);
      th.start();
      started.add(th);
    }
    go.countDown();
    for (Thread th : started) {
      th.join(30_000);
    }
    assertEquals(0, sink.size(), "nothing is written before the interval");
    a.stop();
    String[] lines = sink.toString(StandardCharsets.UTF_8).split("\n", -1);
    assertEquals(threads * each + 1, lines.length, "every line, and a final newline");
    int[] next = new int[threads];
    for (int i = 0; i < lines.length - 1; i++) {
      String[] parts = lines[i].split("\\|");
      int k = Integer.parseInt(parts[0].substring(1));
      assertEquals(
          "line " + next[k] + " of writer " + k,
          parts[1],
          "thread " + k + "'s lines whole and in order");
      next[k]++;
    }
    assertEquals(0, a.dropped());
  }

  @Test
  void theWriterFlushesOnItsOwnWithinTheInterval() throws Exception {
    LoggerContext ctx = new LoggerContext();
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    BatchingStderrAppender a = appender(ctx, sink, 20, 1_000);
    try {
      ctx.getLogger("portcullis.git").info("hello");
      long end = System.nanoTime() + 10_000_000_000L;
      while (sink.size() == 0 && System.nanoTime() < end) {
        Thread.sleep(5);
      }
      assertEquals(
          Thread.currentThread().getName() + "|hello\n",
          sink.toString(StandardCharsets.UTF_8),
          "written by the writer (the thread name is the logging thread's)");
    } finally {
      a.stop();
    }
  }

  @Test
  void aFullQueueDropsAndCountsLinesAndSaysSo() {
    LoggerContext ctx = new LoggerContext();
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    BatchingStderrAppender a = appender(ctx, sink, 60_000, 10);
    Logger log = ctx.getLogger("portcullis.git");
    for (int i = 0; i < 25; i++) {
      log.info("n" + i);
    }
    assertEquals(15, a.dropped());
    a.stop();
    String out = sink.toString(StandardCharsets.UTF_8);
    for (int i = 0; i < 10; i++) {
      assertTrue(out.contains("|n" + i + "\n"), "queued line " + i + " written");
    }
    assertFalse(out.contains("|n10\n"), "line 10 was dropped");
    assertTrue(out.endsWith("portcullis: 15 log lines dropped (the log queue was full)\n"), out);
  }
}
