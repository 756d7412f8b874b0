package dev.portcullis.gateway.git;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.io.IOException;
import java.io.InputStream;
import java.security.Principal;
import java.util.Collections;
import java.util.Enumeration;
import org.eclipse.jgit.transport.ServiceMayNotContinueException;

/**
 * The request as JGit sees it: the authenticated login as remote user; body bytes counted as they
 * come off the wire. The access filter may read the start of the body first ({@link #body}); JGit
 * then reads those bytes again, followed by the rest of the body, or of the body the filter decoded
 * (whose {@code Content-Encoding} JGit then does not see).
 */
final class CountingRequest extends HttpServletRequestWrapper {
  private static final String CONTENT_ENCODING = "Content-Encoding";
  private static final long GRACE_NANOS = 1_000_000_000L;

  private final String login;
  private ServletInputStream counted;
  private ServletInputStream in;
  private long bytes;

  /** Bytes already read from the body (the checked receive-pack commands), read again first. */
  private byte[] replay;

  private int replayed;

  /** Slowest accepted arrival of the body in bytes per second, 0 = any. */
  private long minRate;

  /** When the body was first read (nanoTime), 0 = not yet. */
  private long readStart;

  /** The body arrived too slowly: every later read fails at once. */
  private boolean tooSlow;

  /** What JGit reads after {@link #replay}: the rest of the decoded body; null for the raw body. */
  private InputStream decoded;

  CountingRequest(HttpServletRequest request, String login) {
    super(request);
    this.login = login;
  }

  /** JGit reads {@code prefix} (read from {@link #body}) again first, then the rest of the body. */
  void replay(byte[] prefix) {
    this.replay = prefix;
  }

  /**
   * JGit reads {@code prefix} first, then the rest of {@code decoded}: the body as decoded from its
   * {@code Content-Encoding}, which JGit no longer sees.
   */
  void replayDecoded(byte[] prefix, InputStream decoded) {
    this.replay = prefix;
    this.decoded = decoded;
  }

  /**
   * Requires the body to arrive at {@code bytesPerSecond} or faster, counted from its first read
   * (after a one-second grace): a read that leaves it slower ends the request with 408, which JGit
   * answers itself without logging (a {@link ServiceMayNotContinueException}).
   */
  void minimumRate(long bytesPerSecond) {
    this.minRate = bytesPerSecond;
  }

  private void beforeRead() throws ServiceMayNotContinueException {
    if (tooSlow) {
      throw slow();
    }
    if (minRate > 0 && readStart == 0) {
      readStart = System.nanoTime() | 1;
    }
  }

  private void afterRead() throws ServiceMayNotContinueException {
    if (minRate == 0) {
      return;
    }
    long elapsed = System.nanoTime() - readStart;
    if (elapsed > GRACE_NANOS && bytes * 1_000_000_000L / elapsed < minRate) {
      tooSlow = true;
      throw slow();
    }
  }

  /** No message: JGit would otherwise write it inside a 200 answer rather than answer 408. */
  private static ServiceMayNotContinueException slow() {
    return new ServiceMayNotContinueException(null, 408);
  }

  /** Bytes of the body read off the wire so far. */
  long bytes() {
    return bytes;
  }

  @Override
  public String getRemoteUser() {
    return login;
  }

  @Override
  public Principal getUserPrincipal() {
    return login == null ? null : () -> login;
  }

  @Override
  public String getAuthType() {
    return login == null ? null : HttpServletRequest.BASIC_AUTH;
  }

  @Override
  public String getHeader(String name) {
    return decoded != null && CONTENT_ENCODING.equalsIgnoreCase(name)
        ? null
        : super.getHeader(name);
  }

  @Override
  public Enumeration<String> getHeaders(String name) {
    return decoded != null && CONTENT_ENCODING.equalsIgnoreCase(name)
        ? Collections.emptyEnumeration()
        : super.getHeaders(name);
  }

  /** The raw body, its bytes counted. */
  ServletInputStream body() throws IOException {
    if (counted == null) {
      ServletInputStream raw = super.getInputStream();
      counted =
          new ServletInputStream() {
            @Override
            public int read() throws IOException {
              beforeRead();
              int b = raw.read();
              if (b >= 0) {
                bytes++;
                afterRead();
              }
              return b;
            }

            @Override
            public int read(byte[] buf, int off, int len) throws IOException {
              beforeRead();
              int n = raw.read(buf, off, len);
              if (n > 0) {
                bytes += n;
                afterRead();
              }
              return n;
            }

            @Override
            public boolean isFinished() {
              return raw.isFinished();
            }

            @Override
            public int available() throws IOException {
              return raw.available();
            }

            @Override
            public boolean isReady() {
              return raw.isReady();
            }

            @Override
            public void setReadListener(ReadListener l) {
              raw.setReadListener(l);
            }
          };
    }
    return counted;
  }

  @Override
  public ServletInputStream getInputStream() throws IOException {
    if (in == null) {
      ServletInputStream raw = body();
      in =
          new ServletInputStream() {
            private boolean ended;

            private InputStream rest() {
              return decoded != null ? decoded : raw;
            }

            @Override
            public int read() throws IOException {
              if (replay != null && replayed < replay.length) {
                return replay[replayed++] & 0xff;
              }
              int b = rest().read();
              ended |= b < 0;
              return b;
            }

            @Override
            public int read(byte[] buf, int off, int len) throws IOException {
              if (replay != null && replayed < replay.length) {
                int n = Math.min(len, replay.length - replayed);
                System.arraycopy(replay, replayed, buf, off, n);
                replayed += n;
                return n;
              }
              int n = rest().read(buf, off, len);
              ended |= n < 0;
              return n;
            }

            @Override
            public boolean isFinished() {
              return ended
                  || ((replay == null || replayed >= replay.length)
                      && decoded == null
                      && raw.isFinished());
            }

            @Override
            public int available() throws IOException {
              return replay != null && replayed < replay.length
                  ? replay.length - replayed
                  : rest().available();
            }

            @Override
            public boolean isReady() {
              return raw.isReady();
            }

            @Override
            public void setReadListener(ReadListener l) {
              raw.setReadListener(l);
            }
          };
    }
    return in;
  }
}
