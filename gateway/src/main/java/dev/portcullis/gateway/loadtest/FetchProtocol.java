package dev.portcullis.gateway.loadtest;

import java.io.ByteArrayOutputStream;
import java.net.ProtocolException;
import java.util.Collection;
import org.eclipse.jgit.lib.ObjectId;

/**
 * The body of a protocol-v0 {@code POST git-upload-pack} for a full clone and the reading of its
 * answer: {@code NAK}, then the pack on side-band channel 1 (channel 2 is progress, channel 3 a
 * fatal error), then a flush.
 */
final class FetchProtocol {
  /** What the client asks for: side-band framing (so errors are visible), no progress chatter. */
  static final String CAPABILITIES =
      "side-band-64k ofs-delta no-progress agent=portcullis-loadtest";

  private FetchProtocol() {}

  /** {@code want} lines for {@code ids} (capabilities on the first), a flush and {@code done}. */
  static byte[] cloneRequest(Collection<ObjectId> ids) {
    if (ids.isEmpty()) {
      throw new IllegalArgumentException("a clone wants at least one object");
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(ids.size() * 50 + 100);
    boolean first = true;
    for (ObjectId id : ids) {
      PktLine.write(out, "want " + id.name() + (first ? " " + CAPABILITIES : "") + "\n");
      first = false;
    }
    PktLine.flush(out);
    PktLine.write(out, "done\n");
    return out.toByteArray();
  }

  /**
   * Reads an upload-pack answer to the end and returns the number of pack bytes it carried.
   *
   * @throws ProtocolException on a malformed answer, a remote error (channel 3 or {@code ERR}), or
   *     a pack that does not start with {@code PACK} or is missing
   */
  static long packBytes(byte[] body) throws ProtocolException {
    PktLine.Reader r = new PktLine.Reader(body);
    if (!r.hasNext() || r.next() != PktLine.Kind.DATA) {
      throw new ProtocolException("upload-pack answered without NAK/ACK");
    }
    String first = r.text();
    if (first.startsWith("ERR ")) {
      throw new ProtocolException("remote error: " + first.substring(4));
    }
    if (!first.equals("NAK") && !first.startsWith("ACK ")) {
      throw new ProtocolException("expected NAK, got: " + shorten(first));
    }
    long pack = 0;
    boolean signature = false;
    while (r.hasNext()) {
      PktLine.Kind k = r.next();
      if (k == PktLine.Kind.FLUSH) {
        if (pack < 32 || !signature) {
          throw new ProtocolException(
              "the answer ended after " + pack + " pack bytes without a whole pack");
        }
        return pack;
      }
      if (k != PktLine.Kind.DATA || r.length() == 0) {
        throw new ProtocolException("unexpected " + k + " packet in the side-band stream");
      }
      switch (r.byteAt(0)) {
        case 1 -> {
          if (pack == 0) {
            signature =
                r.length() >= 5
                    && r.byteAt(1) == 'P'
                    && r.byteAt(2) == 'A'
                    && r.byteAt(3) == 'C'
                    && r.byteAt(4) == 'K';
          }
          pack += r.length() - 1;
        }
        case 2 -> {
          // progress: ignored
        }
        case 3 -> throw new ProtocolException("remote error: " + shorten(r.text().substring(1)));
        default -> throw new ProtocolException("unknown side-band channel " + r.byteAt(0));
      }
    }
    throw new ProtocolException("the answer was cut off after " + pack + " pack bytes");
  }

  static String shorten(String s) {
    String t = s.strip();
    return t.length() > 100 ? t.substring(0, 100) + "…" : t;
  }
}
