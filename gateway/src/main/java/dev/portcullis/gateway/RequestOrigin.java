package dev.portcullis.gateway;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.server.ConnectionMetaData;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.Request;

/**
 * Where a request comes from, decided once per request before any handler sees it: the client
 * address is the peer's, or, when the peer is a trusted proxy, the right-most untrusted address of
 * its {@code X-Forwarded-For}. Everything that reads {@code getRemoteAddr()} (the
 * failed-authentication limiter, the audit log, the git log line) then sees the same client.
 */
public final class RequestOrigin implements HttpConfiguration.Customizer {
  private final TrustedProxies proxies;

  public RequestOrigin(TrustedProxies proxies) {
    this.proxies = proxies;
  }

  @Override
  public Request customize(Request request, HttpFields.Mutable responseHeaders) {
    if (proxies.isEmpty()) {
      return request;
    }
    SocketAddress remote = request.getConnectionMetaData().getRemoteSocketAddress();
    InetAddress peer = remote instanceof InetSocketAddress i ? i.getAddress() : null;
    if (!proxies.trusts(peer)) {
      return request;
    }
    List<String> forwardedFor = request.getHeaders().getValuesList("X-Forwarded-For");
    InetAddress client = proxies.client(peer, forwardedFor);
    if (client.equals(peer)) {
      return request;
    }
    InetSocketAddress clientAddress = new InetSocketAddress(client, 0);
    ConnectionMetaData meta =
        new ConnectionMetaData.Wrapper(request.getConnectionMetaData()) {
          @Override
          public SocketAddress getRemoteSocketAddress() {
            return clientAddress;
          }
        };
    return new Request.Wrapper(request) {
      @Override
      public ConnectionMetaData getConnectionMetaData() {
        return meta;
      }
    };
  }
}
