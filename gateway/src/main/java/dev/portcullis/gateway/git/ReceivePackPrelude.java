package dev.portcullis.gateway.git;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.util.RawParseUtils;

/**
 * Reads and checks the command section of a receive-pack request (pkt-lines up to the first flush)
 * before JGit sees it, so that malformed framing or commands — which no git client sends, and which
 * JGit's receive-pack answers with a 500 or an empty 200 and a logged stack trace — get a 400 with
 * a clear message. Commands naming an invalid ref (such as {@code HEAD} or {@code
 * refs/heads/../config}) are parsed and kept, so that they can be refused inside the protocol. The
 * bytes read are handed to JGit unchanged.
 */
final class ReceivePackPrelude {
  /** Commands larger than this are refused (git sends about 100 bytes per ref). */
  static final int MAX_COMMANDS_BYTES = 4 * 1024 * 1024;

  /** One command: the ref it names and whether that is a valid ref name. */
  record Command(String ref, boolean validName) {}

  /**
   * The checked bytes, or the problem.
   *
   * @param capabilities what the client asked for on its first command
   */
  record Result(byte[] bytes, String problem, List<Command> commands, Set<String> capabilities) {
    private static Result problem(String problem) {
      return new Result(null, problem, List.of(), Set.of());
    }

    /** The commands that name an invalid ref. */
    List<String> invalidRefs() {
      return commands.stream().filter(c -> !c.validName()).map(Command::ref).toList();
    }
  }

  private ReceivePackPrelude() {}

  static Result read(InputStream in) throws IOException {
    ByteArrayOutputStream seen = new ByteArrayOutputStream(256);
    byte[] header = new byte[4];
    List<Command> commands = new ArrayList<>();
    Set<String> capabilities = Set.of();
    int lines = 0;
    while (true) {
      if (!readFully(in, header, header.length, seen)) {
        return Result.problem(
            lines == 0
                ? "the request has no commands"
                : "the request ended before the flush packet");
      }
      int len = hex(header);
      if (len < 0) {
        return Result.problem("invalid pkt-line length '" + printable(header) + "'");
      }
      if (len == 0) {
        // A flush alone is git's probe before a push larger than its http.postBuffer: it checks
        // that the request goes through before sending the pack. JGit answers it with nothing.
        return new Result(seen.toByteArray(), null, List.copyOf(commands), capabilities);
      }
      if (len < 5) {
        return Result.problem("invalid pkt-line length " + len + " in the command section");
      }
      if (seen.size() + len > MAX_COMMANDS_BYTES) {
        return Result.problem(
            "the command section is larger than " + MAX_COMMANDS_BYTES + " bytes");
      }
      byte[] payload = new byte[len - 4];
      if (!readFully(in, payload, payload.length, seen)) {
        return Result.problem("the request ended inside a pkt-line");
      }
      // As JGit reads it (PacketLineIn.readString): decoded, one final newline dropped.
      int end = payload[payload.length - 1] == '\n' ? payload.length - 1 : payload.length;
      String line = RawParseUtils.decode(payload, 0, end);
      if (line.startsWith("shallow ")) {
        if (!isId(line, 8) || line.length() != 48) {
          return Result.problem("invalid shallow line '" + printable(line) + "'");
        }
        continue;
      }
      if (lines++ == 0) {
        int nul = line.indexOf('\0');
        if (nul >= 0) {
          capabilities = Set.copyOf(Arrays.asList(line.substring(nul + 1).trim().split(" +")));
          line = line.substring(0, nul);
        }
        if (line.equals("push-cert")) {
          return Result.problem("signed pushes are not supported");
        }
      }
      // "<old id> <new id> <ref>", as JGit's ReceivePack.parseCommand wants it.
      if (line.length() < 83
          || !isId(line, 0)
          || line.charAt(40) != ' '
          || !isId(line, 41)
          || line.charAt(81) != ' ') {
        return Result.problem(
            "invalid command '" + printable(line) + "': expected '<old id> <new id> <ref>'");
      }
      String ref = line.substring(82);
      commands.add(new Command(ref, Repository.isValidRefName(ref)));
    }
  }

  private static boolean isId(String s, int from) {
    if (s.length() < from + 40) {
      return false;
    }
    for (int i = from; i < from + 40; i++) {
      char c = s.charAt(i);
      if (!(c >= '0' && c <= '9') && !(c >= 'a' && c <= 'f') && !(c >= 'A' && c <= 'F')) {
        return false;
      }
    }
    return true;
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

  /** {@code s} with anything but printable ASCII as {@code ?}, at most 100 characters. */
  static String printable(String s) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < s.length() && sb.length() < 100; i++) {
      char c = s.charAt(i);
      sb.append(c >= 0x20 && c < 0x7f ? c : '?');
    }
    return s.length() > 100 ? sb + "…" : sb.toString();
  }
}
