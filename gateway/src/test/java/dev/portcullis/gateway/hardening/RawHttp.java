package dev.portcullis.gateway.hardening;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A deliberately dumb HTTP/1.1 client over a plain socket: it sends exactly the bytes it is given
 * (control bytes, repeated headers, raw {@code %} sequences, bodies that do not match their {@code
 * Content-Length}), which the JDK's {@code HttpClient} refuses to do. One request per connection
 * ({@code Connection: close}); the body is written by a second thread while the answer is read, so
 * a server that answers early (413) and closes is still heard.
 */
final class RawHttp {
  /** What came back; {@code status} is -1 when nothing parseable did. */
  record Response(int status, Map<String, List<String>> headers, byte[] body, String error) {
    String header(String name) {
      List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
      return v == null || v.isEmpty() ? null : v.get(0);
    }

    String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    /** Status line, headers and (the start of) the body, for messages. */
    String describe() {
      String t = text();
      return status
          + " "
          + headers
          + " "
          + (t.length() > 600 ? t.substring(0, 600) + "…" : t)
          + (error == null ? "" : " [" + error + "]");
    }
  }

  private RawHttp() {}

  /**
   * The request head as bytes: every char of {@code head} must be ≤ 0xFF and is sent as that byte.
   */
  static byte[] latin1(String s) {
    byte[] b = new byte[s.length()];
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c > 0xFF) {
        throw new IllegalArgumentException("not a byte: U+" + Integer.toHexString(c));
      }
      b[i] = (byte) c;
    }
    return b;
  }

  /**
   * Builds a request head: request line, {@code Host}, {@code Connection: close}, the given header
   * lines (each "Name: value", sent verbatim) and {@code Content-Length} when a body is given and
   * no header line already sets a length or transfer coding.
   */
  static byte[] head(
      String method, String target, int port, List<String> headerLines, byte[] body) {
    StringBuilder sb = new StringBuilder();
    sb.append(method).append(' ').append(target).append(" HTTP/1.1\r\n");
    sb.append("Host: 127.0.0.1:").append(port).append("\r\n");
    sb.append("Connection: close\r\n");
    boolean hasLength = false;
    for (String h : headerLines) {
      String lower = h.toLowerCase(Locale.ROOT);
      if (lower.startsWith("content-length:") || lower.startsWith("transfer-encoding:")) {
        hasLength = true;
      }
      sb.append(h).append("\r\n");
    }
    if (body != null && !hasLength) {
      sb.append("Content-Length: ").append(body.length).append("\r\n");
    }
    sb.append("\r\n");
    return latin1(sb.toString());
  }

  static Response exchange(int port, byte[] head, byte[] body, int timeoutMillis) {
    return exchange(port, head, body, timeoutMillis, false);
  }

  /**
   * @param halfClose shut the sending side down after the request (the server sees the end of a
   *     body shorter than its {@code Content-Length} at once instead of waiting for it)
   */
  static Response exchange(
      int port, byte[] head, byte[] body, int timeoutMillis, boolean halfClose) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      s.setSoTimeout(timeoutMillis);
      OutputStream out = s.getOutputStream();
      Thread writer = null;
      if (body == null || body.length < 256 * 1024) {
        try {
          out.write(head);
          if (body != null) {
            out.write(body);
          }
          out.flush();
          if (halfClose) {
            s.shutdownOutput();
          }
        } catch (IOException e) {
          // The server answered early (e.g. 431 to a huge header) and closed: read what it said.
        }
      } else {
        writer =
            new Thread(
                () -> {
                  try {
                    out.write(head);
                    for (int off = 0; off < body.length; off += 64 * 1024) {
                      out.write(body, off, Math.min(64 * 1024, body.length - off));
                    }
                    out.flush();
                  } catch (IOException e) {
                    // the server answered early and closed: expected for oversized bodies
                  }
                },
                "raw-http-writer");
        writer.setDaemon(true);
        writer.start();
      }
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      String error = null;
      InputStream in = s.getInputStream();
      byte[] chunk = new byte[16 * 1024];
      long deadline = System.nanoTime() + timeoutMillis * 1_000_000L;
      try {
        int n;
        while ((n = in.read(chunk)) >= 0) {
          buf.write(chunk, 0, n);
          if (System.nanoTime() > deadline) {
            error = "response not complete within " + timeoutMillis + " ms";
            break;
          }
          if (complete(buf.toByteArray())) {
            break;
          }
        }
      } catch (SocketTimeoutException e) {
        error = "timed out reading the response";
      } catch (SocketException e) {
        error = "connection error while reading: " + e.getMessage();
      }
      if (writer != null) {
        writer.join(2_000);
      }
      return parse(buf.toByteArray(), error);
    } catch (IOException e) {
      return new Response(-1, Map.of(), new byte[0], "I/O error: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Response(-1, Map.of(), new byte[0], "interrupted");
    }
  }

  /**
   * One kept-alive connection for several requests in turn: each {@link #exchange} sends a whole
   * request head and reads exactly one response (by {@code Content-Length} or chunks).
   */
  static final class KeepAlive implements AutoCloseable {
    private final Socket socket = new Socket();

    KeepAlive(int port) throws IOException {
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      socket.setSoTimeout(10_000);
    }

    Response exchange(String head) throws IOException {
      socket.getOutputStream().write(latin1(head));
      socket.getOutputStream().flush();
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      InputStream in = socket.getInputStream();
      int b;
      while (!complete(buf.toByteArray())) {
        if ((b = in.read()) < 0) {
          return parse(buf.toByteArray(), "the server closed the connection");
        }
        buf.write(b);
      }
      return parse(buf.toByteArray(), null);
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  /** Whether a whole response (by Content-Length or a final chunk) has arrived. */
  private static boolean complete(byte[] raw) {
    int end = indexOf(raw, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII), 0);
    if (end < 0) {
      return false;
    }
    String head = new String(raw, 0, end, StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
    int bodyStart = end + 4;
    for (String line : head.split("\r\n")) {
      if (line.startsWith("content-length:")) {
        try {
          long len = Long.parseLong(line.substring(15).trim());
          return raw.length - bodyStart >= len;
        } catch (NumberFormatException e) {
          return false;
        }
      }
    }
    if (head.contains("transfer-encoding: chunked")) {
      return indexOf(raw, "\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII), bodyStart - 2) >= 0;
    }
    // No length: HEAD answers, 1xx/204/304, or read-until-close.
    return head.startsWith("http/1.1 204") || head.startsWith("http/1.1 304");
  }

  static Response parse(byte[] raw, String error) {
    int end = indexOf(raw, "\r\n\r\n".getBytes(StandardCharsets.US_ASCII), 0);
    if (end < 0 || raw.length < 12) {
      return new Response(-1, Map.of(), raw, error == null ? "no response" : error);
    }
    String head = new String(raw, 0, end, StandardCharsets.ISO_8859_1);
    String[] lines = head.split("\r\n");
    int status;
    try {
      status = Integer.parseInt(lines[0].substring(9, 12));
    } catch (RuntimeException e) {
      return new Response(-1, Map.of(), raw, "bad status line: " + lines[0]);
    }
    Map<String, List<String>> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      if (colon > 0) {
        headers
            .computeIfAbsent(
                lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                k -> new ArrayList<>())
            .add(lines[i].substring(colon + 1).trim());
      }
    }
    byte[] body = java.util.Arrays.copyOfRange(raw, end + 4, raw.length);
    List<String> te = headers.get("transfer-encoding");
    if (te != null && te.get(0).equalsIgnoreCase("chunked")) {
      body = dechunk(body);
    } else if (headers.containsKey("content-length")) {
      try {
        int len = Integer.parseInt(headers.get("content-length").get(0));
        if (len < body.length) {
          body = java.util.Arrays.copyOf(body, len);
        }
      } catch (NumberFormatException e) {
        // keep what came
      }
    }
    return new Response(status, headers, body, error);
  }

  private static byte[] dechunk(byte[] b) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int i = 0;
    while (i < b.length) {
      int eol = indexOf(b, new byte[] {'\r', '\n'}, i);
      if (eol < 0) {
        break;
      }
      String size = new String(b, i, eol - i, StandardCharsets.ISO_8859_1).split(";")[0].trim();
      int n;
      try {
        n = Integer.parseInt(size, 16);
      } catch (NumberFormatException e) {
        break;
      }
      if (n == 0) {
        break;
      }
      int start = eol + 2;
      out.write(b, start, Math.min(n, b.length - start));
      i = start + n + 2;
    }
    return out.toByteArray();
  }

  static int indexOf(byte[] hay, byte[] needle, int from) {
    outer:
    for (int i = Math.max(0, from); i <= hay.length - needle.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
