package dev.portcullis.gateway;

import ch.qos.logback.core.OutputStreamAppender;
import java.io.BufferedOutputStream;
import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Standard error through a 64 KiB buffer flushed every {@code flushMillis} (default 100) and at
 * stop, for the per-request git line: one {@code write(2)} per batch of lines instead of one per
 * line (a console appender flushes {@code System.err} after every line). Lines are written whole
 * and never split, so they interleave with other writers only between lines; they may appear up
 * to {@code flushMillis} after lines written directly.
 */
public final class BufferedStderrAppender<E> extends OutputStreamAppender<E> {
  private static final int BUFFER = 64 * 1024;

  private long flushMillis = 100;
  private ScheduledExecutorService flusher;

  public void setFlushMillis(long flushMillis) {
    this.flushMillis = flushMillis;
  }

  @Override
  public void start() {
    if (flushMillis < 1) {
      addError("flushMillis must be at least 1, not " + flushMillis);
      return;
    }
    setImmediateFlush(false);
    setOutputStream(new BufferedOutputStream(new FileOutputStream(FileDescriptor.err), BUFFER));
    flusher = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "portcullis-log-flush");
      t.setDaemon(true);
      return t;
    });
    flusher.scheduleWithFixedDelay(this::flush, flushMillis, flushMillis, TimeUnit.MILLISECONDS);
    super.start();
  }

  private void flush() {
    streamWriteLock.lock();
    try {
      if (getOutputStream() != null) {
        getOutputStream().flush();
      }
    } catch (IOException e) {
      addError("could not flush standard error", e);
    } finally {
      streamWriteLock.unlock();
    }
  }

  @Override
  public void stop() {
    if (flusher != null) {
      flusher.shutdownNow();
    }
    flush();
    // Not super.stop(): that would close standard error itself.
    started = false;
  }
}
