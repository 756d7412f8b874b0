package dev.portcullis.gateway;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.server.ConnectionMetaData;
import org.eclipse.jetty.server.Connector;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.NetworkConnector;
import org.eclipse.jetty.server.Request;

/**
 * Where a request comes from and where it was addressed, decided once per request before any
 * handler sees it, from the connection and {@code --trusted-proxies} / {@code --public-url} only:
 *
 * <ul>
 *   <li>the client address is the peer's, or, when the peer is a trusted proxy, the right-most
 *       untrusted address of its {@code X-Forwarded-For}. Everything that reads {@code
 *       getRemoteAddr()} (the failed-authentication limiter, the audit log, the git log line) then
 *       sees the same client;
 *   <li>the base of absolute URLs ({@link PublicUrl#ATTRIBUTE}) is {@code --public-url}, else a
 *       trusted proxy's {@code X-Forwarded-Proto}/{@code -Host}, else the host and port of the
 *       listener the request arrived on. The {@code Host} header is never used.
 * </ul>
 */
public final class RequestOrigin implements HttpConfiguration.Customizer {
  private final TrustedProxies proxies;
  private final String publicUrl;
  private final Map<SocketAddress, String> listenerBases = new ConcurrentHashMap<>();

  /**
   * @param publicUrl {@code scheme://host[:port]} (normalized), or null
   */
  public RequestOrigin(TrustedProxies proxies, String publicUrl) {
    this.proxies = proxies;
    this.publicUrl = publicUrl;
  }

  @Override
  public Request customize(Request request, HttpFields.Mutable responseHeaders) {
    ConnectionMetaData meta = request.getConnectionMetaData();
    SocketAddress remote = meta.getRemoteSocketAddress();
    InetAddress peer = remote instanceof InetSocketAddress i ? i.getAddress() : null;
    boolean trusted = !proxies.isEmpty() && proxies.trusts(peer);
    request.setAttribute(PublicUrl.ATTRIBUTE, baseUrl(request, meta, trusted));
    if (!trusted) {
      return request;
    }
    List<String> forwardedFor = request.getHeaders().getValuesList("X-Forwarded-For");
    InetAddress client = proxies.client(peer, forwardedFor);
    if (client.equals(peer)) {
      return request;
    }
    InetSocketAddress clientAddress = new InetSocketAddress(client, 0);
    ConnectionMetaData clientMeta =
        new ConnectionMetaData.Wrapper(meta) {
          @Override
          public SocketAddress getRemoteSocketAddress() {
            return clientAddress;
          }
        };
    return new Request.Wrapper(request) {
      @Override
      public ConnectionMetaData getConnectionMetaData() {
        return clientMeta;
      }
    };
  }

  private String baseUrl(Request request, ConnectionMetaData meta, boolean trusted) {
    if (publicUrl != null) {
      return publicUrl;
    }
    if (trusted) {
      String host = PublicUrl.lastValue(request.getHeaders().getValuesList("X-Forwarded-Host"));
      if (host != null && PublicUrl.authority(host)) {
        String proto = PublicUrl.lastValue(request.getHeaders().getValuesList("X-Forwarded-Proto"));
        boolean secure =
            proto == null || !(proto.equalsIgnoreCase("http") || proto.equalsIgnoreCase("https"))
                ? meta.isSecure()
                : proto.equalsIgnoreCase("https");
        return (secure ? "https://" : "http://") + host.toLowerCase(Locale.ROOT);
      }
    }
    SocketAddress local = meta.getLocalSocketAddress();
    return local == null
        ? listenerBase(meta, null)
        : listenerBases.computeIfAbsent(local, l -> listenerBase(meta, l));
  }

  /** The listener's own address: its configured host (else the local address) and its port. */
  private static String listenerBase(ConnectionMetaData meta, SocketAddress local) {
    InetSocketAddress l = local instanceof InetSocketAddress i ? i : null;
    Connector connector = meta.getConnector();
    String configured = connector instanceof NetworkConnector n ? n.getHost() : null;
    String host;
    if (configured != null && !wildcard(configured)) {
      InetAddress literal = TrustedProxies.literal(configured);
      host =
          literal instanceof java.net.Inet6Address
              ? PublicUrl.listenerHost(new InetSocketAddress(literal, 0))
              : configured;
    } else {
      host = l == null ? "localhost" : PublicUrl.listenerHost(l);
    }
    int port =
        l != null
            ? l.getPort()
            : connector instanceof NetworkConnector n
                ? n.getLocalPort()
                : meta.isSecure() ? 443 : 80;
    return PublicUrl.base(meta.isSecure(), host, port);
  }

  private static boolean wildcard(String host) {
    InetAddress a =
        TrustedProxies.literal(host.startsWith("[") ? host.substring(1, host.length() - 1) : host);
    return host.isBlank() || (a != null && a.isAnyLocalAddress());
  }
}
