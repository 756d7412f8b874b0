package dev.portcullis.gateway;

import jakarta.servlet.http.HttpServletRequest;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * The base ({@code scheme://host[:port]}) of the absolute URLs the REST API writes into {@code
 * Link} headers and {@code url}/{@code clone_url} fields. Never the request's {@code Host} header
 * (or the authority of an absolute request target): a client must not choose where another client's
 * next request, credentials included, goes. In order: {@code --public-url}; {@code
 * X-Forwarded-Host} and {@code -Proto} when the peer is a trusted proxy; the address and port of
 * the listener the request arrived on.
 */
public final class PublicUrl {
  /** The request attribute holding the base URL {@link RequestOrigin} decided. */
  public static final String ATTRIBUTE = PublicUrl.class.getName();

  private static final Pattern HOST =
      Pattern.compile(
          "(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.)*[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?|\\[[0-9A-Fa-f:.]{2,45}\\]");
  private static final Pattern PORT = Pattern.compile("[1-9][0-9]{0,4}");

  private PublicUrl() {}

  /** The base URL of {@code request} (set by {@link RequestOrigin} before any servlet runs). */
  public static String of(HttpServletRequest request) {
    Object base = request.getAttribute(ATTRIBUTE);
    if (base instanceof String s) {
      return s;
    }
    // Not through the gateway's connectors (a test harness): the listener's address.
    return base(request.isSecure(), listenerHost(request.getLocalAddr()), request.getLocalPort());
  }

  /**
   * {@code --public-url} checked and without a trailing slash, or null when not given; problems go
   * to {@code errors}.
   */
  static String normalize(String url, List<String> errors) {
    if (url == null || url.isBlank()) {
      return null;
    }
    String problem =
        "--public-url must be http(s)://host[:port] with no path, query or user, not '" + url + "'";
    URI u;
    try {
      u = new URI(url.endsWith("/") ? url.substring(0, url.length() - 1) : url);
    } catch (URISyntaxException e) {
      errors.add(problem);
      return url;
    }
    String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("http") || scheme.equals("https"))
        || u.getRawAuthority() == null
        || u.getRawUserInfo() != null
        || u.getHost() == null
        || !authority(u.getRawAuthority())
        || (u.getRawPath() != null && !u.getRawPath().isEmpty())
        || u.getRawQuery() != null
        || u.getRawFragment() != null) {
      errors.add(problem);
      return url;
    }
    return scheme + "://" + u.getRawAuthority().toLowerCase(Locale.ROOT);
  }

  /**
   * {@code host[:port]} as a URL authority: a DNS name, an IPv4 address or a bracketed IPv6 one.
   */
  static boolean authority(String value) {
    if (value == null || value.isEmpty() || value.length() > 261) {
      return false;
    }
    String host = value;
    int close = value.lastIndexOf(']');
    int colon = value.lastIndexOf(':');
    if (colon > close) {
      String port = value.substring(colon + 1);
      if (!PORT.matcher(port).matches() || Integer.parseInt(port) > 65535) {
        return false;
      }
      host = value.substring(0, colon);
    }
    if (!HOST.matcher(host).matches()) {
      return false;
    }
    return !host.startsWith("[")
        || TrustedProxies.literal(host.substring(1, host.length() - 1)) != null;
  }

  /** The right-most value of a forwarded header (the one the trusted peer set), or null. */
  static String lastValue(List<String> values) {
    if (values == null || values.isEmpty()) {
      return null;
    }
    String last = values.get(values.size() - 1);
    int comma = last.lastIndexOf(',');
    String v = (comma < 0 ? last : last.substring(comma + 1)).trim();
    return v.isEmpty() ? null : v;
  }

  /** {@code scheme://host[:port]}, the port left out when it is the scheme's default. */
  static String base(boolean secure, String host, int port) {
    boolean defaultPort = secure ? port == 443 : port == 80;
    return (secure ? "https://" : "http://") + host + (defaultPort ? "" : ":" + port);
  }

  /** A listener address as a URL host: IPv6 in brackets. */
  static String listenerHost(String address) {
    if (address == null) {
      return "localhost";
    }
    return address.startsWith("[") || address.indexOf(':') < 0 ? address : "[" + address + "]";
  }

  /** The URL host of a socket address. */
  static String listenerHost(InetSocketAddress local) {
    InetAddress a = local.getAddress();
    if (a == null) {
      return local.getHostString();
    }
    String text = a.getHostAddress();
    if (a instanceof Inet6Address) {
      int zone = text.indexOf('%');
      return "[" + (zone < 0 ? text : text.substring(0, zone)) + "]";
    }
    return text;
  }
}
