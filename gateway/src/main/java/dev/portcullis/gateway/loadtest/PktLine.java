package dev.portcullis.gateway.loadtest;

import java.io.ByteArrayOutputStream;
import java.net.ProtocolException;
import java.nio.charset.StandardCharsets;

/**
 * Git's pkt-line framing: four lowercase hex digits giving the length of the line including
 * themselves, then the payload; {@code 0000} is a flush packet, {@code 0001} a delimiter and {@code
 * 0002} a response end (protocol v2). A data line is at most {@value #MAX_LENGTH} bytes.
 */
final class PktLine {
  /** Largest pkt-line, header included (git's {@code LARGE_PACKET_MAX}). */
  public static final int MAX_LENGTH = 65520;

  /** Largest payload of one pkt-line. */
  public static final int MAX_PAYLOAD = MAX_LENGTH - 4;

  private static final byte[] HEX = "0123456789abcdef".getBytes(StandardCharsets.US_ASCII);
  private static final byte[] FLUSH = {'0', '0', '0', '0'};

  private PktLine() {}

  /** What a packet is. */
  public enum Kind {
    DATA,
    FLUSH,
    DELIM,
    RESPONSE_END
  }

  /** Appends one data line carrying {@code payload}. */
  public static void write(ByteArrayOutputStream out, byte[] payload) {
    write(out, payload, 0, payload.length);
  }

  /** Appends one data line carrying {@code len} bytes of {@code payload} from {@code off}. */
  public static void write(ByteArrayOutputStream out, byte[] payload, int off, int len) {
    if (len > MAX_PAYLOAD) {
      throw new IllegalArgumentException(
          "a pkt-line carries at most " + MAX_PAYLOAD + " bytes, not " + len);
    }
    int n = len + 4;
    out.write(HEX[(n >> 12) & 0xf]);
    out.write(HEX[(n >> 8) & 0xf]);
    out.write(HEX[(n >> 4) & 0xf]);
    out.write(HEX[n & 0xf]);
    out.write(payload, off, len);
  }

  /** Appends one data line carrying {@code line} in UTF-8 (the caller adds any trailing LF). */
  public static void write(ByteArrayOutputStream out, String line) {
    write(out, line.getBytes(StandardCharsets.UTF_8));
  }

  /** Appends a flush packet. */
  public static void flush(ByteArrayOutputStream out) {
    out.write(FLUSH, 0, FLUSH.length);
  }

  /** One data line, encoded. */
  public static byte[] encode(String line) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(line.length() + 4);
    write(out, line);
    return out.toByteArray();
  }

  /**
   * Reads packets from a byte range. After {@link #next()} returned {@link Kind#DATA} the payload
   * is at {@link #offset()} for {@link #length()} bytes of the underlying array.
   */
  public static final class Reader {
    private final byte[] buf;
    private final int end;
    private int pos;
    private int payloadOffset;
    private int payloadLength;

    public Reader(byte[] buf) {
      this(buf, 0, buf.length);
    }

    public Reader(byte[] buf, int offset, int end) {
      if (offset < 0 || end > buf.length || offset > end) {
        throw new IllegalArgumentException(
            "range " + offset + ".." + end + " outside 0.." + buf.length);
      }
      this.buf = buf;
      this.pos = offset;
      this.end = end;
    }

    /** Whether another packet starts here. */
    public boolean hasNext() {
      return pos < end;
    }

    /** Where the next packet starts. */
    public int position() {
      return pos;
    }

    /**
     * Reads the next packet.
     *
     * @throws ProtocolException on a truncated packet, bad hex or a length of 3 (reserved) or more
     *     than {@link #MAX_LENGTH}
     */
    public Kind next() throws ProtocolException {
      if (end - pos < 4) {
        throw new ProtocolException(
            "truncated pkt-line header at byte " + pos + " (" + (end - pos) + " bytes left)");
      }
      int n = 0;
      for (int i = 0; i < 4; i++) {
        int d = hexValue(buf[pos + i]);
        if (d < 0) {
          throw new ProtocolException(
              "bad pkt-line length at byte " + pos + ": " + printable(pos, 4));
        }
        n = (n << 4) | d;
      }
      pos += 4;
      payloadOffset = pos;
      payloadLength = 0;
      switch (n) {
        case 0:
          return Kind.FLUSH;
        case 1:
          return Kind.DELIM;
        case 2:
          return Kind.RESPONSE_END;
        case 3:
          throw new ProtocolException("reserved pkt-line length 0003 at byte " + (pos - 4));
        default:
          break;
      }
      if (n > MAX_LENGTH) {
        throw new ProtocolException("pkt-line of " + n + " bytes exceeds " + MAX_LENGTH);
      }
      if (end - pos < n - 4) {
        throw new ProtocolException(
            "truncated pkt-line at byte "
                + (pos - 4)
                + ": "
                + (n - 4)
                + " bytes announced, "
                + (end - pos)
                + " left");
      }
      payloadLength = n - 4;
      pos += payloadLength;
      return Kind.DATA;
    }

    /** Offset of the last data packet's payload in the array. */
    public int offset() {
      return payloadOffset;
    }

    /** Length of the last data packet's payload. */
    public int length() {
      return payloadLength;
    }

    /** The byte at {@code i} of the last payload. */
    public int byteAt(int i) {
      return buf[payloadOffset + i] & 0xff;
    }

    /** The last payload as UTF-8 text without its trailing LF. */
    public String text() {
      int len = payloadLength;
      if (len > 0 && buf[payloadOffset + len - 1] == '\n') {
        len--;
      }
      return new String(buf, payloadOffset, len, StandardCharsets.UTF_8);
    }

    private String printable(int from, int len) {
      StringBuilder sb = new StringBuilder();
      for (int i = from; i < Math.min(end, from + len); i++) {
        char c = (char) (buf[i] & 0xff);
        sb.append(c >= 0x20 && c < 0x7f ? c : '?');
      }
      return sb.toString();
    }
  }

  private static int hexValue(byte b) {
    if (b >= '0' && b <= '9') {
      return b - '0';
    }
    if (b >= 'a' && b <= 'f') {
      return b - 'a' + 10;
    }
    if (b >= 'A' && b <= 'F') {
      return b - 'A' + 10;
    }
    return -1;
  }
}
