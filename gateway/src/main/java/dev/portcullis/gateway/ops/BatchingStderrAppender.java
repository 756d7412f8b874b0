package dev.portcullis.gateway.ops;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.UnsynchronizedAppenderBase;
import ch.qos.logback.core.encoder.Encoder;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The per-request git line's appender: a request thread only queues the event; one writer thread
 * wakes every {@code flushMillis} (default 100), encodes what has queued and writes it to standard
 * error through a 64 KiB buffer, one {@code write(2)} per batch. With the gateway's {@link
 * LogLineEncoder}, lines are encoded into buffers the writer reuses.
 *
 * <p>Logback's {@code AsyncAppender} wakes its worker for every event that finds it idle, and at
 * thousands of requests a second those wake-ups cost more CPU than the lines themselves (10 µs per
 * request in {@code bin/bench http}). Here nothing is signalled: the writer polls.
 *
 * <p>At most {@code queueSize} (default 16,384) events wait; beyond that a line is dropped, never
 * waited for, and counted ({@link #dropped()}; the count is reported on standard error at the next
 * write). Lines are written whole and in order, so they interleave with other writers only between
 * lines; they may appear up to {@code flushMillis} after lines written directly. Stopping (at exit,
 * by the gateway's exit hook) writes everything queued.
 */
public final class BatchingStderrAppender extends UnsynchronizedAppenderBase<ILoggingEvent> {
  private static final int BUFFER = 64 * 1024;

  private Encoder<ILoggingEvent> encoder;
  private long flushMillis = 100;
  private int queueSize = 16_384;
  private OutputStream target = new FileOutputStream(FileDescriptor.err);
  private ArrayBlockingQueue<ILoggingEvent> queue;
  private OutputStream out;
  private Thread writer;
  private final AtomicLong dropped = new AtomicLong();
  private long droppedReported;
  private final Object writeLock = new Object();

  public void setEncoder(Encoder<ILoggingEvent> encoder) {
    this.encoder = encoder;
  }

  public void setFlushMillis(long flushMillis) {
    this.flushMillis = flushMillis;
  }

  public void setQueueSize(int queueSize) {
    this.queueSize = queueSize;
  }

  /** Where lines go instead of standard error (tests). */
  void setTarget(OutputStream target) {
    this.target = target;
  }

  /** Lines dropped because the queue was full. */
  public long dropped() {
    return dropped.get();
  }

  @Override
  public void start() {
    if (encoder == null) {
      addError("no encoder for appender " + name);
      return;
    }
    if (flushMillis < 1 || queueSize < 1) {
      addError(
          "flushMillis and queueSize must be at least 1, not " + flushMillis + " and " + queueSize);
      return;
    }
    queue = new ArrayBlockingQueue<>(queueSize);
    out = new BufferedOutputStream(target, BUFFER);
    writer = new Thread(this::run, "portcullis-log-writer");
    writer.setDaemon(true);
    super.start();
    writer.start();
  }

  @Override
  protected void append(ILoggingEvent event) {
    // (doAppend has already refused the event if the appender is stopped.) The message, thread name
    // and MDC are taken now: the event is encoded later, elsewhere.
    event.prepareForDeferredProcessing();
    if (!queue.offer(event)) {
      dropped.incrementAndGet();
    }
  }

  private void run() {
    List<ILoggingEvent> batch = new ArrayList<>();
    while (isStarted()) {
      try {
        Thread.sleep(flushMillis);
      } catch (InterruptedException e) {
        break;
      }
      write(batch);
    }
  }

  /** Encodes and writes everything queued (called by the writer, and once more at stop). */
  private void write(List<ILoggingEvent> batch) {
    synchronized (writeLock) {
      try {
        while (queue.drainTo(batch, 4096) > 0) {
          for (ILoggingEvent e : batch) {
            if (encoder instanceof LogLineEncoder lines) {
              lines.encodeTo(e, out);
            } else {
              out.write(encoder.encode(e));
            }
          }
          batch.clear();
        }
        long d = dropped.get();
        if (d != droppedReported) {
          out.write(
              ("portcullis: "
                      + (d - droppedReported)
                      + " log lines dropped (the log queue was full)\n")
                  .getBytes(java.nio.charset.StandardCharsets.UTF_8));
          droppedReported = d;
        }
        out.flush();
      } catch (IOException | RuntimeException e) {
        batch.clear();
        addError("could not write log lines to standard error", e);
      }
    }
  }

  @Override
  public void stop() {
    if (!isStarted()) {
      return;
    }
    super.stop();
    writer.interrupt();
    try {
      writer.join(TimeUnit.SECONDS.toMillis(5));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    // Not closed: that would close standard error itself.
    write(new ArrayList<>());
  }
}
