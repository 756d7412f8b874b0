package dev.portcullis.gateway.git;

import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.io.IOException;
import java.security.Principal;

/** The request as JGit sees it: the authenticated login as remote user; body bytes counted. */
final class CountingRequest extends HttpServletRequestWrapper {
  private final String login;
  private ServletInputStream in;
  private long bytes;

  /** Bytes already read from the body (the checked receive-pack commands), read again first. */
  private byte[] replay;

  private int replayed;

  void replay(byte[] prefix) {
    this.replay = prefix;
    this.bytes = prefix.length;
  }

  CountingRequest(HttpServletRequest request, String login) {
    super(request);
    this.login = login;
  }

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
  public ServletInputStream getInputStream() throws IOException {
    if (in == null) {
      ServletInputStream raw = super.getInputStream();
      in =
          new ServletInputStream() {
            @Override
            public int read() throws IOException {
              if (replay != null && replayed < replay.length) {
                return replay[replayed++] & 0xff;
              }
              int b = raw.read();
              if (b >= 0) {
                bytes++;
              }
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
              int n = raw.read(buf, off, len);
              if (n > 0) {
                bytes += n;
              }
              return n;
            }

            @Override
            public boolean isFinished() {
              return (replay == null || replayed >= replay.length) && raw.isFinished();
            }

            @Override
            public int available() throws IOException {
              return replay != null && replayed < replay.length
                  ? replay.length - replayed
                  : raw.available();
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
