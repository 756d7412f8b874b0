package dev.portcullis.gateway.bench;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * A lean closed-loop HTTP/1.1 load generator: {@code connections} threads, each with one keep-alive
 * socket, sending prebuilt requests back to back (the next one when the previous response has been
 * read completely) for a fixed time. Responses are parsed just enough to find their end
 * (Content-Length, chunked, or close). Every wait is bounded: socket timeouts, and the run ends at
 * its deadline plus a grace period whatever the server does.
 */
final class LoadLoop {
  private static final int SOCKET_TIMEOUT_MS = 10_000;
  private static final long MAX_LATENCY_MICROS = 60_000_000L;

  private LoadLoop() {}

  /**
   * What one run did. {@code ok}, {@code failed}, {@code micros} and {@code otherStatuses} count
   * the good requests (all of them unless some were marked bad); {@code bad} the ones marked bad.
   */
  record Result(
      long ok,
      long failed,
      long reconnects,
      long nanos,
      Histogram micros,
      Map<Integer, Long> otherStatuses,
      String firstError,
      Bad bad) {
    /** Good requests answered 200, per second. */
    double perSecond() {
      return ok * 1e9 / nanos;
    }

    /** Two runs as one: counts and times added, histograms merged, the first error kept. */
    Result plus(Result other) {
      Histogram h = micros.copy();
      h.add(other.micros);
      Map<Integer, Long> statuses = new TreeMap<>(otherStatuses);
      other.otherStatuses.forEach((k, v) -> statuses.merge(k, v, Long::sum));
      return new Result(
          ok + other.ok,
          failed + other.failed,
          reconnects + other.reconnects,
          nanos + other.nanos,
          h,
          statuses,
          firstError != null ? firstError : other.firstError,
          bad.plus(other.bad));
    }
  }

  /**
   * The answers to the requests marked bad: their latencies, their statuses, and how many were 200
   * (accepted).
   */
  record Bad(Histogram micros, Map<Integer, Long> statuses, long accepted) {
    static Bad empty() {
      return new Bad(new Histogram(MAX_LATENCY_MICROS, 3), new TreeMap<>(), 0);
    }

    long count() {
      return micros.getTotalCount();
    }

    Bad plus(Bad other) {
      Histogram h = micros.copy();
      h.add(other.micros);
      Map<Integer, Long> s = new TreeMap<>(statuses);
      other.statuses.forEach((k, v) -> s.merge(k, v, Long::sum));
      return new Bad(h, s, accepted + other.accepted);
    }
  }

  /**
   * Drives {@code port} on loopback; connection {@code t} sends requests {@code t, t+connections,
   * …} (cycling), so every request of the array is used in turn.
   */
  static Result run(int port, byte[][] requests, int connections, Duration duration)
      throws InterruptedException {
    return run(port, requests, null, connections, duration);
  }

  /**
   * As {@link #run(int, byte[][], int, Duration)}, with {@code bad[i]} marking request {@code i} as
   * one that must be refused: its answer is counted apart ({@link Result#bad}), never as a good
   * one.
   */
  static Result run(int port, byte[][] requests, boolean[] bad, int connections, Duration duration)
      throws InterruptedException {
    if (bad != null && bad.length != requests.length) {
      throw new IllegalArgumentException("one bad mark per request");
    }
    Worker[] workers = new Worker[connections];
    CountDownLatch ready = new CountDownLatch(connections);
    CountDownLatch go = new CountDownLatch(1);
    CountDownLatch done = new CountDownLatch(connections);
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < connections; t++) {
      workers[t] = new Worker(port, requests, bad, t, connections, ready, go, done);
      Thread th = new Thread(workers[t], "load-" + t);
      th.setDaemon(true);
      threads.add(th);
      th.start();
    }
    if (!ready.await(30, TimeUnit.SECONDS)) {
      throw new IllegalStateException("load connections were not all opened within 30 s");
    }
    long start = System.nanoTime();
    long deadline = start + duration.toNanos();
    for (Worker w : workers) {
      w.deadline = deadline;
    }
    go.countDown();
    boolean finished =
        done.await(duration.toMillis() + 2L * SOCKET_TIMEOUT_MS + 5_000, TimeUnit.MILLISECONDS);
    long end = 0;
    long ok = 0;
    long failed = 0;
    long reconnects = 0;
    Histogram h = new Histogram(MAX_LATENCY_MICROS, 3);
    Map<Integer, Long> statuses = new TreeMap<>();
    Bad badAnswers = Bad.empty();
    String firstError = finished ? null : "some connections did not finish in time";
    for (Worker w : workers) {
      end = Math.max(end, w.endNanos);
      ok += w.ok;
      failed += w.failed;
      reconnects += w.reconnects;
      h.add(w.histogram);
      w.statuses.forEach((k, v) -> statuses.merge(k, v, Long::sum));
      badAnswers = badAnswers.plus(new Bad(w.badHistogram, w.badStatuses, w.badAccepted));
      if (firstError == null && w.error != null) {
        firstError = w.error;
      }
    }
    if (!finished) {
      threads.forEach(Thread::interrupt);
      end = System.nanoTime();
    }
    return new Result(
        ok, failed, reconnects, Math.max(1, end - start), h, statuses, firstError, badAnswers);
  }

  /** One connection's loop. */
  private static final class Worker implements Runnable {
    private final int port;
    private final byte[][] requests;
    private final boolean[] bad;
    private final int first;
    private final int stride;
    private final CountDownLatch ready;
    private final CountDownLatch go;
    private final CountDownLatch done;
    private final Histogram histogram = new Histogram(MAX_LATENCY_MICROS, 3);
    private final Map<Integer, Long> statuses = new TreeMap<>();
    private final Histogram badHistogram = new Histogram(MAX_LATENCY_MICROS, 3);
    private final Map<Integer, Long> badStatuses = new TreeMap<>();
    private long badAccepted;
    volatile long deadline;
    long endNanos;
    long ok;
    long failed;
    long reconnects;
    String error;

    private Socket socket;
    private OutputStream out;
    private Reader in;

    Worker(
        int port,
        byte[][] requests,
        boolean[] bad,
        int first,
        int stride,
        CountDownLatch ready,
        CountDownLatch go,
        CountDownLatch done) {
      this.port = port;
      this.requests = requests;
      this.bad = bad;
      this.first = first;
      this.stride = stride;
      this.ready = ready;
      this.go = go;
      this.done = done;
    }

    private void connect() throws IOException {
      closeQuietly();
      socket = new Socket();
      socket.setTcpNoDelay(true);
      socket.setSoTimeout(SOCKET_TIMEOUT_MS);
      socket.connect(new InetSocketAddress("127.0.0.1", port), SOCKET_TIMEOUT_MS);
      out = socket.getOutputStream();
      in = new Reader(socket.getInputStream());
    }

    private void closeQuietly() {
      if (socket != null) {
        try {
          socket.close();
        } catch (IOException ignored) {
          // closing
        }
      }
    }

    @Override
    public void run() {
      try {
        connect();
        ready.countDown();
        if (!go.await(60, TimeUnit.SECONDS)) {
          error = "never started";
          return;
        }
        int i = first % requests.length;
        while (System.nanoTime() < deadline) {
          if (reconnects > 1_000) {
            error = "more than 1,000 reconnects";
            break;
          }
          long t0 = System.nanoTime();
          out.write(requests[i]);
          int status = in.response();
          long t1 = System.nanoTime();
          if (status < 0) {
            // The server closed the connection before (or instead of) answering: reconnect once,
            // resend.
            reconnects++;
            connect();
            continue;
          }
          long micros = Math.min(MAX_LATENCY_MICROS, Math.max(0, (t1 - t0) / 1_000));
          if (bad != null && bad[i]) {
            badHistogram.recordValue(micros);
            badStatuses.merge(status, 1L, Long::sum);
            if (status == 200) {
              badAccepted++;
            }
          } else if (status == 200) {
            histogram.recordValue(micros);
            ok++;
          } else {
            histogram.recordValue(micros);
            failed++;
            statuses.merge(status, 1L, Long::sum);
          }
          if (in.closeAfter) {
            reconnects++;
            connect();
          }
          i = (i + stride) % requests.length;
        }
      } catch (IOException | RuntimeException e) {
        error = e.toString();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        error = "interrupted";
      } finally {
        endNanos = System.nanoTime();
        closeQuietly();
        ready.countDown();
        done.countDown();
      }
    }
  }

  /** Reads HTTP/1.1 responses off a socket with one reusable buffer. */
  static final class Reader {
    private final InputStream in;
    private final byte[] buf = new byte[64 * 1024];
    private final byte[] line = new byte[16 * 1024];
    private int pos;
    private int lim;
    boolean closeAfter;

    Reader(InputStream in) {
      this.in = in;
    }

    private int read() throws IOException {
      if (pos == lim) {
        lim = in.read(buf, 0, buf.length);
        pos = 0;
        if (lim <= 0) {
          lim = 0;
          return -1;
        }
      }
      return buf[pos++] & 0xff;
    }

    /** A line without CRLF into {@link #line}; its length, or -1 at end of stream. */
    private int readLine() throws IOException {
      int n = 0;
      int c;
      while ((c = read()) >= 0) {
        if (c == '\n') {
          if (n > 0 && line[n - 1] == '\r') {
            n--;
          }
          return n;
        }
        if (n == line.length) {
          throw new IOException("response line longer than " + line.length + " bytes");
        }
        line[n++] = (byte) c;
      }
      return n == 0 ? -1 : n;
    }

    private void skip(long n) throws IOException {
      while (n > 0) {
        if (pos == lim) {
          lim = in.read(buf, 0, buf.length);
          pos = 0;
          if (lim <= 0) {
            lim = 0;
            throw new IOException("response body ended early");
          }
        }
        int k = (int) Math.min(n, lim - pos);
        pos += k;
        n -= k;
      }
    }

    private boolean startsWithIgnoreCase(int len, String prefix) {
      if (len < prefix.length()) {
        return false;
      }
      for (int i = 0; i < prefix.length(); i++) {
        if (Character.toLowerCase((char) line[i]) != prefix.charAt(i)) {
          return false;
        }
      }
      return true;
    }

    private String value(int len, int from) {
      return new String(line, from, len - from, java.nio.charset.StandardCharsets.ISO_8859_1)
          .trim();
    }

    /** Reads one whole response; its status, or -1 if the stream ended before a status line. */
    int response() throws IOException {
      closeAfter = false;
      int len = readLine();
      if (len < 0) {
        return -1;
      }
      if (len < 12 || line[0] != 'H') {
        throw new IOException("not an HTTP status line: " + value(len, 0));
      }
      int status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
      long contentLength = -1;
      boolean chunked = false;
      while ((len = readLine()) > 0) {
        if (startsWithIgnoreCase(len, "content-length:")) {
          contentLength = Long.parseLong(value(len, 15));
        } else if (startsWithIgnoreCase(len, "transfer-encoding:")) {
          chunked = value(len, 18).toLowerCase(java.util.Locale.ROOT).contains("chunked");
        } else if (startsWithIgnoreCase(len, "connection:")) {
          closeAfter = value(len, 11).toLowerCase(java.util.Locale.ROOT).contains("close");
        }
      }
      if (len < 0) {
        throw new IOException("response headers ended early");
      }
      if (chunked) {
        while (true) {
          int l = readLine();
          if (l < 0) {
            throw new IOException("chunked body ended early");
          }
          int semi = 0;
          while (semi < l && line[semi] != ';') {
            semi++;
          }
          long size =
              Long.parseLong(
                  new String(line, 0, semi, java.nio.charset.StandardCharsets.ISO_8859_1).trim(),
                  16);
          if (size == 0) {
            while ((l = readLine()) > 0) {
              // trailers
            }
            break;
          }
          skip(size);
          readLine();
        }
      } else if (contentLength >= 0) {
        skip(contentLength);
      } else if (status != 204 && status != 304) {
        // Close-delimited body.
        while (read() >= 0) {
          // drain
        }
        closeAfter = true;
      }
      return status;
    }
  }
}
