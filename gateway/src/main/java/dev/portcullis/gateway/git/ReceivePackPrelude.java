package dev.portcullis.gateway.git;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads and checks the command section of a receive-pack request (pkt-lines up to the first flush)
 * before JGit sees it, so that malformed framing — which no git client sends, and which JGit's
 * receive-pack answers with a 500 — gets a 400 with a clear message. The bytes read are handed to
 * JGit unchanged.
 */
final class ReceivePackPrelude {
  /** Commands larger than this are refused (git sends about 100 bytes per ref). */
  static final int MAX_COMMANDS_BYTES = 4 * 1024 * 1024;

  /** The checked bytes, or the problem. */
  record Result(byte[] bytes, String problem) {}

  private ReceivePackPrelude() {}

  static Result read(InputStream in) throws IOException {
    ByteArrayOutputStream seen = new ByteArrayOutputStream(256);
    byte[] header = new byte[4];
    int lines = 0;
    while (true) {
      if (!readFully(in, header, header.length, seen)) {
        return new Result(
            null,
            lines == 0
                ? "the request has no commands"
                : "the request ended before the flush packet");
      }
      int len = hex(header);
      if (len < 0) {
        return new Result(null, "invalid pkt-line length '" + printable(header) + "'");
      }
      if (len == 0) {
        return lines == 0
            ? new Result(null, "the request has no commands")
            : new Result(seen.toByteArray(), null);
      }
      if (len < 5) {
        return new Result(null, "invalid pkt-line length " + len + " in the command section");
      }
      if (seen.size() + len > MAX_COMMANDS_BYTES) {
        return new Result(
            null, "the command section is larger than " + MAX_COMMANDS_BYTES + " bytes");
      }
      byte[] payload = new byte[len - 4];
      if (!readFully(in, payload, payload.length, seen)) {
        return new Result(null, "the request ended inside a pkt-line");
      }
      lines++;
    }
  }

  private static boolean readFully(InputStream in, byte[] buf, int n, ByteArrayOutputStream seen)
      throws IOException {
    int off = 0;
    while (off < n) {
      int r = in.read(buf, off, n - off);
      if (r < 0) {
        return false;
      }
      off += r;
    }
    seen.write(buf, 0, n);
    return true;
  }

  private static int hex(byte[] h) {
    int v = 0;
    for (byte b : h) {
      int d = Character.digit(b, 16);
      if (d < 0) {
        return -1;
      }
      v = v * 16 + d;
    }
    return v;
  }

  private static String printable(byte[] h) {
    StringBuilder sb = new StringBuilder();
    for (byte b : h) {
      sb.append(b >= 0x20 && b < 0x7f ? (char) b : '?');
    }
    return sb.toString();
  }
}
