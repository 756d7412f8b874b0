package dev.portcullis.gateway;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Errors Jetty itself answers (an ambiguous or malformed URI, a bad header) in the gateway's
 * shapes: GitHub's JSON error under {@code /api/}, a one-line text that git prints elsewhere. Never
 * a stack trace or an exception name.
 */
final class GatewayErrorHandler extends ErrorHandler {
  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    int status = response.getStatus();
    if (request.getAttribute(ERROR_STATUS) instanceof Integer s) {
      status = s;
    }
    if (status < 400) {
      status = 400;
    }
    String reason = HttpStatus.getMessage(status);
    String detail = request.getAttribute(ERROR_MESSAGE) instanceof String m ? clean(m) : null;
    String message =
        detail == null || detail.isBlank() || detail.equals(reason)
            ? reason
            : reason + ": " + detail;
    boolean api = false;
    try {
      // The raw form: a URI Jetty refused may not decode at all.
      String raw = request.getHttpURI().asString();
      int scheme = raw.indexOf("://");
      int pathStart = scheme < 0 ? 0 : raw.indexOf('/', scheme + 3);
      api = pathStart >= 0 && raw.startsWith("/api/", pathStart);
      if (raw.endsWith("/badMessage")) {
        // Jetty could not parse the request line at all, so the path is unknown. git never sends
        // such URIs; API clients get GitHub's JSON shape.
        String agent = request.getHeaders().get(HttpHeader.USER_AGENT);
        api = agent == null || !agent.startsWith("git/");
      }
    } catch (RuntimeException e) {
      // an unparseable URI: answer as text
    }
    String body;
    String type;
    if (api) {
      body =
          "{\"message\":\""
              + message.replace("\\", "\\\\").replace("\"", "\\\"")
              + "\",\"documentation_url\":\"https://docs.github.com/rest\",\"status\":\""
              + status
              + "\"}";
      type = "application/json; charset=utf-8";
    } else {
      body = message + "\n";
      type = "text/plain; charset=utf-8";
    }
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    // After a request Jetty itself refused, the connection's state is not to be trusted (and a
    // client reading to the end would wait for the idle timeout): close it, as Jetty does.
    response.getHeaders().put(HttpHeader.CONNECTION, "close");
    response.write(true, ByteBuffer.wrap(bytes), callback);
    return true;
  }

  /** Jetty's message without exception names or anything after them; printable ASCII only. */
  private static String clean(String m) {
    int ex = m.indexOf("Exception");
    if (ex >= 0) {
      return null;
    }
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < m.length() && sb.length() < 200; i++) {
      char c = m.charAt(i);
      if (c >= 0x20 && c < 0x7f && c != '<' && c != '>') {
        sb.append(c);
      }
    }
    return sb.toString();
  }
}
