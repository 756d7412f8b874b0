package dev.portcullis.gateway;

import dev.portcullis.gateway.ops.GatewayMetrics;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Caps the requests one client address may have in flight on the public listeners, before any
 * servlet sees them (it sits in the servlet context, in front of its servlets): past the cap the
 * answer is 429 at once, so that no single address (a slow-body attacker among them) holds more
 * than its share of the worker threads. The address is the one {@link RequestOrigin} decided, so
 * clients behind a trusted proxy are capped one by one.
 */
final class ClientRequestLimit extends Handler.Wrapper {
  private final ClientSlots slots;
  private final GatewayMetrics metrics;

  ClientRequestLimit(int maxRequestsPerClient, GatewayMetrics metrics) {
    this.slots = new ClientSlots(maxRequestsPerClient);
    this.metrics = metrics;
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    String client = Request.getRemoteAddr(request);
    if (!slots.tryAcquire(client)) {
      metrics.clientCapped();
      refuse(request, response, callback, client);
      return true;
    }
    AtomicBoolean released = new AtomicBoolean();
    Runnable release =
        () -> {
          if (released.compareAndSet(false, true)) {
            slots.release(client);
          }
        };
    boolean handled = false;
    try {
      handled = super.handle(request, response, Callback.from(callback, release));
      return handled;
    } finally {
      if (!handled) {
        release.run();
      }
    }
  }

  /**
   * 429 in the gateway's shapes: GitHub's JSON under {@code /api/}, a line git prints elsewhere.
   */
  private void refuse(Request request, Response response, Callback callback, String client) {
    String message =
        "Too many concurrent requests from "
            + client
            + ": at most "
            + slots.max()
            + " at a time. Try again shortly.";
    boolean api = Request.getPathInContext(request).startsWith("/api/");
    String body =
        api
            ? "{\"message\":\""
                + message
                + "\",\"documentation_url\":\"https://docs.github.com/rest\",\"status\":\"429\"}"
            : message + "\n";
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    response.setStatus(429);
    response
        .getHeaders()
        .put(
            HttpHeader.CONTENT_TYPE,
            api ? "application/json; charset=utf-8" : "text/plain; charset=utf-8");
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
    response.getHeaders().put(HttpHeader.RETRY_AFTER, "1");
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    // The request's body is left unread: the connection cannot be reused.
    response.getHeaders().put(HttpHeader.CONNECTION, "close");
    response.write(true, ByteBuffer.wrap(bytes), callback);
  }
}
