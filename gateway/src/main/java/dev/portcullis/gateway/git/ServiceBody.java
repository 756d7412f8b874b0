package dev.portcullis.gateway.git;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;
import org.eclipse.jetty.http.HttpException;

/**
 * Checks the body of a {@code git-upload-pack} or {@code git-receive-pack} POST before JGit reads
 * it, and answers what JGit would answer with a 500, an empty 200 or a logged stack trace:
 *
 * <ul>
 *   <li>a content type other than exactly JGit's (parameters included: Jetty fails on an unknown
 *       {@code charset}) is a 415;
 *   <li>a {@code Content-Encoding} other than {@code gzip} is a 415;
 *   <li>a receive-pack body is decoded here when gzipped, and its commands are checked ({@link
 *       ReceivePackPrelude}): malformed ones are a 400, and a push naming an invalid ref is refused
 *       inside the protocol, each command reported {@code ng}.
 * </ul>
 */
final class ServiceBody {
  /** The answer to a refused request, written by {@link #send}. */
  record Refusal(int status, String contentType, byte[] body) {
    static Refusal text(int status, String message) {
      return new Refusal(
          status, "text/plain; charset=utf-8", (message + "\n").getBytes(StandardCharsets.UTF_8));
    }

    void send(HttpServletResponse response) throws IOException {
      response.setStatus(status);
      response.setContentType(contentType);
      response.setHeader("Cache-Control", "no-cache, max-age=0, must-revalidate");
      response.setContentLength(body.length);
      response.getOutputStream().write(body);
    }
  }

  private ServiceBody() {}

  /**
   * Checks the request's body; returns the refusal, or null when JGit may read it from {@code
   * forward} (which then replays what was read here).
   */
  static Refusal check(GitRequest git, HttpServletRequest request, CountingRequest forward)
      throws IOException {
    String service = git.service();
    // The raw header: Jetty's getContentType() resolves a charset parameter, and throws on one it
    // does not know.
    String type = "application/x-" + service + "-request";
    if (!type.equals(request.getHeader("Content-Type"))) {
      return Refusal.text(
          415, "Unsupported content type: a " + service + " request is " + type + ".");
    }
    String encoding = request.getHeader("Content-Encoding");
    boolean gzip = "gzip".equals(encoding) || "x-gzip".equals(encoding);
    if (encoding != null && !gzip) {
      return Refusal.text(
          415, "Unsupported Content-Encoding: a " + service + " request is plain or gzip.");
    }
    if (!service.equals(GitRequest.RECEIVE_PACK)) {
      return null; // JGit decodes and reads upload-pack requests, and reports their errors
    }
    InputStream body = forward.body();
    ReceivePackPrelude.Result prelude;
    try {
      if (gzip) {
        body = new GZIPInputStream(body, 8192);
      }
      prelude = ReceivePackPrelude.read(body);
    } catch (IOException | HttpException.RuntimeException e) {
      // Cut short, broken chunked framing, not gzip: JGit would fail on it as well.
      return Refusal.text(
          400,
          "malformed git-receive-pack request: "
              + (e instanceof ZipException
                  ? "the body is not valid gzip"
                  : "the body ended early or could not be read"));
    }
    if (prelude.problem() != null) {
      return Refusal.text(400, "malformed git-receive-pack request: " + prelude.problem());
    }
    List<String> invalid = prelude.invalidRefs();
    if (!invalid.isEmpty()) {
      return invalidRefs(prelude, invalid);
    }
    if (gzip) {
      forward.replayDecoded(prelude.bytes(), body);
    } else {
      forward.replay(prelude.bytes());
    }
    return null;
  }

  /**
   * A push naming an invalid ref is refused as a whole, inside the protocol when the client asked
   * for a report (git prints each {@code ng} line): the invalid refs as such, the others as not
   * attempted. Its pack is never read.
   */
  private static Refusal invalidRefs(ReceivePackPrelude.Result prelude, List<String> invalid) {
    boolean report =
        prelude.capabilities().contains("report-status")
            || prelude.capabilities().contains("report-status-v2");
    if (!report) {
      return Refusal.text(
          400,
          "malformed git-receive-pack request: '"
              + ReceivePackPrelude.printable(invalid.get(0))
              + "' is not a valid ref name");
    }
    ByteArrayOutputStream status = new ByteArrayOutputStream();
    pkt(status, "unpack ok\n");
    for (ReceivePackPrelude.Command c : prelude.commands()) {
      pkt(
          status,
          "ng "
              + framable(c.ref())
              + (c.validName()
                  ? " not attempted: another ref in this push is not a valid ref name"
                  : " not a valid ref name")
              + "\n");
    }
    status.writeBytes(new byte[] {'0', '0', '0', '0'});
    byte[] body = status.toByteArray();
    if (prelude.capabilities().contains("side-band-64k")
        || prelude.capabilities().contains("side-band")) {
      // The report on band 1, in packets that fit the smaller side-band's 1000 bytes.
      ByteArrayOutputStream banded = new ByteArrayOutputStream();
      for (int off = 0; off < body.length; off += 995) {
        int n = Math.min(995, body.length - off);
        banded.writeBytes(String.format("%04x", n + 5).getBytes(StandardCharsets.US_ASCII));
        banded.write(1);
        banded.write(body, off, n);
      }
      banded.writeBytes(new byte[] {'0', '0', '0', '0'});
      body = banded.toByteArray();
    }
    return new Refusal(200, "application/x-git-receive-pack-result", body);
  }

  /**
   * A ref name with its control characters as {@code ?}, and at most 4000 characters, so that it
   * cannot break a report line or outgrow its packet.
   */
  private static String framable(String ref) {
    StringBuilder sb = new StringBuilder(Math.min(ref.length(), 4000));
    for (int i = 0; i < ref.length() && i < 4000; i++) {
      char c = ref.charAt(i);
      sb.append(c < 0x20 || c == 0x7f ? '?' : c);
    }
    return sb.toString();
  }

  private static void pkt(ByteArrayOutputStream out, String payload) {
    byte[] b = payload.getBytes(StandardCharsets.UTF_8);
    out.writeBytes(String.format("%04x", b.length + 4).getBytes(StandardCharsets.US_ASCII));
    out.writeBytes(b);
  }
}
