package dev.portcullis.gateway.loadtest;

import java.io.ByteArrayOutputStream;
import java.net.ProtocolException;
import org.eclipse.jgit.lib.ObjectId;

/**
 * The body of a protocol-v0 {@code POST git-receive-pack} updating one ref, and the reading of its
 * {@code report-status} answer ({@code unpack ok}, then {@code ok <ref>} or {@code ng <ref>
 * <why>}). No side-band is asked for, so the report comes as plain pkt-lines.
 */
final class PushProtocol {
  static final String CAPABILITIES = "report-status agent=portcullis-loadtest";

  private PushProtocol() {}

  /** The command line {@code <old> <new> <ref>\0<caps>}, a flush, then the pack. */
  static byte[] request(ObjectId oldId, ObjectId newId, String ref, byte[] pack) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(pack.length + 200);
    PktLine.write(out, oldId.name() + " " + newId.name() + " " + ref + "\0" + CAPABILITIES + "\n");
    PktLine.flush(out);
    out.write(pack, 0, pack.length);
    return out.toByteArray();
  }

  /**
   * Checks a report-status answer for {@code ref}.
   *
   * @throws ProtocolException when unpacking failed, the ref was refused ({@code ng}) or not
   *     reported, or the answer is malformed
   */
  static void checkReport(byte[] body, String ref) throws ProtocolException {
    PktLine.Reader r = new PktLine.Reader(body);
    if (!r.hasNext() || r.next() != PktLine.Kind.DATA) {
      throw new ProtocolException("receive-pack answered without a report");
    }
    String unpack = r.text();
    if (!unpack.equals("unpack ok")) {
      throw new ProtocolException("push not unpacked: " + FetchProtocol.shorten(unpack));
    }
    boolean reported = false;
    while (r.hasNext()) {
      PktLine.Kind k = r.next();
      if (k == PktLine.Kind.FLUSH) {
        if (!reported) {
          throw new ProtocolException("the report does not mention " + ref);
        }
        return;
      }
      String line = r.text();
      if (line.equals("ok " + ref)) {
        reported = true;
      } else if (line.startsWith("ng " + ref + " ")) {
        throw new ProtocolException(
            "push rejected: " + FetchProtocol.shorten(line.substring(4 + ref.length())));
      } else {
        throw new ProtocolException("unexpected report line: " + FetchProtocol.shorten(line));
      }
    }
    throw new ProtocolException("the report ends without a flush");
  }
}
