package dev.portcullis.gateway;

import dev.portcullis.policy.model.NetworkList;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

/**
 * The proxies ({@code --trusted-proxies}, CIDR blocks or single addresses) whose {@code
 * X-Forwarded-*} headers are believed. From any other peer those headers are ignored: the client is
 * the peer.
 *
 * <p>Addresses are parsed as literals only, never resolved: a header can never make the gateway
 * look a name up.
 */
public final class TrustedProxies {
  /** No proxy is trusted: the client is always the peer. */
  public static final TrustedProxies NONE = new TrustedProxies(null);

  /** The trusted blocks, or {@code null} for none. */
  private final NetworkList blocks;

  private TrustedProxies(NetworkList blocks) {
    this.blocks = blocks;
  }

  /**
   * Parses {@code 10.0.0.0/8}, {@code 192.0.2.7}, {@code fd00::/8}; a problem with an entry goes to
   * {@code errors} (when given) or is thrown.
   */
  public static TrustedProxies parse(List<String> cidrs, List<String> errors) {
    List<String> problems = new ArrayList<>();
    NetworkList blocks = NetworkList.parse(cidrs, problems);
    if (!problems.isEmpty()) {
      List<String> named = problems.stream().map(p -> "--trusted-proxies: " + p).toList();
      if (errors == null) {
        throw new IllegalArgumentException(String.join("; ", named));
      }
      errors.addAll(named);
    }
    return blocks == null ? NONE : new TrustedProxies(blocks);
  }

  /** Whether no proxy is trusted. */
  public boolean isEmpty() {
    return blocks == null;
  }

  /** Whether {@code peer} is a trusted proxy. */
  public boolean trusts(InetAddress peer) {
    return peer != null && blocks != null && blocks.contains(peer.getAddress());
  }

  /**
   * The client behind {@code peer}: the peer itself unless it is trusted; then, walking {@code
   * X-Forwarded-For} from the right (each proxy appends the address it was connected from), the
   * first address that is not a trusted proxy. When every address is trusted, or an entry is not an
   * address, the last one reached stands.
   *
   * @param forwardedFor the {@code X-Forwarded-For} header values in order (each may hold a
   *     comma-separated list)
   */
  public InetAddress client(InetAddress peer, List<String> forwardedFor) {
    if (!trusts(peer) || forwardedFor == null || forwardedFor.isEmpty()) {
      return peer;
    }
    List<String> hops = new ArrayList<>();
    for (String value : forwardedFor) {
      for (String hop : value.split(",")) {
        hops.add(hop.trim());
      }
    }
    InetAddress client = peer;
    for (int i = hops.size() - 1; i >= 0; i--) {
      InetAddress hop = literal(withoutPort(hops.get(i)));
      if (hop == null) {
        break;
      }
      client = hop;
      if (!trusts(hop)) {
        break;
      }
    }
    return client;
  }

  /** {@code [v6]:port}, {@code [v6]}, {@code v4:port} → the address part. */
  private static String withoutPort(String hop) {
    if (hop.startsWith("[")) {
      int close = hop.indexOf(']');
      return close < 0 ? hop : hop.substring(1, close);
    }
    int colon = hop.indexOf(':');
    if (colon > 0 && hop.indexOf(':', colon + 1) < 0) {
      return hop.substring(0, colon);
    }
    return hop;
  }

  /**
   * An IPv4 or IPv6 literal (IPv4-mapped IPv6 becomes IPv4), or null. Parsed by {@link
   * NetworkList#address} and built with {@code getByAddress}, so no string ever reaches a name
   * lookup.
   */
  static InetAddress literal(String s) {
    byte[] bytes = s == null || s.startsWith("[") ? null : NetworkList.address(s);
    if (bytes == null) {
      return null;
    }
    try {
      return InetAddress.getByAddress(bytes);
    } catch (UnknownHostException e) {
      return null;
    }
  }
}
