package dev.portcullis.gateway.notify;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Locale;

/**
 * Where a webhook may point: an absolute {@code http} or {@code https} URL whose host resolves to
 * public addresses only, unless private ones are allowed ({@code --allow-private-webhooks}).
 * Checked at creation and again before every attempt, since a name can change its addresses.
 */
public final class WebhookUrls {
  private WebhookUrls() {}

  /** What is wrong with {@code url}, or null when a delivery may go there. */
  public static String problem(String url, boolean allowPrivate) {
    URI u;
    try {
      u = new URI(url);
    } catch (URISyntaxException e) {
      return "url is not a valid URL";
    }
    String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      return "url must be an http or https URL";
    }
    if (u.getHost() == null || u.getHost().isEmpty()) {
      return "url must name a host";
    }
    if (u.getRawUserInfo() != null) {
      return "url must not carry credentials";
    }
    if (allowPrivate) {
      return null;
    }
    InetAddress[] addresses;
    try {
      addresses = InetAddress.getAllByName(u.getHost());
    } catch (UnknownHostException e) {
      return "url's host " + u.getHost() + " does not resolve";
    }
    for (InetAddress a : addresses) {
      if (isPrivate(a)) {
        return "url resolves to a loopback, link-local or private address ("
            + a.getHostAddress()
            + "), which webhooks may not reach";
      }
    }
    return null;
  }

  /** Loopback, link-local, site-local, unique-local, shared (CGNAT), unspecified or multicast. */
  static boolean isPrivate(InetAddress a) {
    if (a.isLoopbackAddress()
        || a.isLinkLocalAddress()
        || a.isSiteLocalAddress()
        || a.isAnyLocalAddress()
        || a.isMulticastAddress()) {
      return true;
    }
    byte[] b = a.getAddress();
    if (a instanceof Inet4Address) {
      int first = b[0] & 0xff;
      int second = b[1] & 0xff;
      return first == 0 || (first == 100 && second >= 64 && second < 128) || first >= 240;
    }
    if (a instanceof Inet6Address) {
      // fc00::/7 (unique local), and IPv4-mapped addresses judged as IPv4.
      if ((b[0] & 0xfe) == 0xfc) {
        return true;
      }
      boolean mapped = true;
      for (int i = 0; i < 10; i++) {
        mapped &= b[i] == 0;
      }
      if (mapped && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) {
        try {
          return isPrivate(InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]}));
        } catch (UnknownHostException e) {
          return true;
        }
      }
    }
    return false;
  }
}
