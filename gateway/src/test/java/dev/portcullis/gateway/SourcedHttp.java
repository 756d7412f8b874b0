package dev.portcullis.gateway;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.Locale;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;

/**
 * One HTTP/1.1 request over a plain socket from a chosen loopback source address (127.0.0.0/8 is
 * all loopback on Linux), with the request line and headers exactly as given: a test can be many
 * clients, or a proxy, and send any {@code Host}.
 */
final class SourcedHttp {
  /** The answer: status, the raw head (status line and headers) and the body. */
  record Response(int status, String head, String body) {
    /** The first value of a header, or null. */
    String header(String name) {
      for (String line : head.split("\r\n")) {
        int colon = line.indexOf(':');
        if (colon > 0 && line.substring(0, colon).trim().equalsIgnoreCase(name)) {
          return line.substring(colon + 1).trim();
        }
      }
      return null;
    }

    /** Head and body, as one text to search. */
    String all() {
      return head + "\r\n\r\n" + body;
    }

    @Override
    public String toString() {
      return all();
    }
  }

  private SourcedHttp() {}

  static String basic(String user, String password) {
    return "Authorization: Basic "
        + Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  static String token(String token) {
    return "Authorization: token " + token;
  }

  /**
   * Sends {@code method target} to 127.0.0.1:{@code port} from {@code source} with {@code Host:
   * host} (none when null), the header lines and an optional JSON body.
   */
  static Response send(
      String source,
      int port,
      String method,
      String target,
      String host,
      List<String> headers,
      String body) {
    try (Socket s = new Socket()) {
      s.bind(new InetSocketAddress(InetAddress.getByName(source), 0));
      s.connect(new InetSocketAddress("127.0.0.1", port), 5000);
      return exchange(s, method, target, host, headers, body);
    } catch (IOException e) {
      throw new UncheckedIOException(method + " " + target + " from " + source, e);
    }
  }

  /** As {@link #send}, over TLS to the gateway's HTTPS port (its certificate is not checked). */
  static Response sendTls(
      int port, String method, String target, String host, List<String> headers, String body) {
    try {
      SSLContext tls = SSLContext.getInstance("TLS");
      tls.init(
          null,
          new TrustManager[] {
            new X509TrustManager() {
              @Override
              public void checkClientTrusted(X509Certificate[] chain, String authType) {}

              @Override
              public void checkServerTrusted(X509Certificate[] chain, String authType) {}

              @Override
              public X509Certificate[] getAcceptedIssuers() {
                return new X509Certificate[0];
              }
            }
          },
          null);
      try (SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket("127.0.0.1", port)) {
        s.startHandshake();
        return exchange(s, method, target, host, headers, body);
      }
    } catch (IOException | GeneralSecurityException e) {
      throw new AssertionError(method + " " + target + " over TLS: " + e, e);
    }
  }

  private static Response exchange(
      Socket s, String method, String target, String host, List<String> headers, String body) {
    try {
      s.setSoTimeout(20_000);
      StringBuilder req = new StringBuilder(method + " " + target + " HTTP/1.1\r\n");
      if (host != null) {
        req.append("Host: ").append(host).append("\r\n");
      }
      req.append("Connection: close\r\n");
      for (String h : headers) {
        req.append(h).append("\r\n");
      }
      byte[] payload = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
      if (body != null) {
        req.append("Content-Type: application/json\r\n");
      }
      if (body != null || method.equals("POST") || method.equals("PUT")) {
        req.append("Content-Length: ").append(payload.length).append("\r\n");
      }
      req.append("\r\n");
      OutputStream out = s.getOutputStream();
      out.write(req.toString().getBytes(StandardCharsets.ISO_8859_1));
      out.write(payload);
      out.flush();
      InputStream in = s.getInputStream();
      // One char per byte until the body is de-chunked, then UTF-8.
      String raw = new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
      int end = raw.indexOf("\r\n\r\n");
      String head = end < 0 ? raw : raw.substring(0, end);
      String rest = end < 0 ? "" : raw.substring(end + 4);
      if (head.toLowerCase(Locale.ROOT).contains("transfer-encoding: chunked")) {
        rest = dechunk(rest);
      }
      String text = new String(rest.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
      return new Response(Integer.parseInt(raw.substring(9, 12)), head, text);
    } catch (IOException e) {
      throw new UncheckedIOException(method + " " + target, e);
    }
  }

  private static String dechunk(String s) {
    StringBuilder out = new StringBuilder();
    int i = 0;
    while (i < s.length()) {
      int eol = s.indexOf("\r\n", i);
      if (eol < 0) {
        break;
      }
      int size = Integer.parseInt(s.substring(i, eol).split(";")[0].trim(), 16);
      if (size == 0) {
        break;
      }
      out.append(s, eol + 2, eol + 2 + size);
      i = eol + 2 + size + 2;
    }
    return out.toString();
  }
}
