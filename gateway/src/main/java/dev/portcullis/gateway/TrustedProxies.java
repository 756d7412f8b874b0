package dev.portcullis.gateway;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

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
  public static final TrustedProxies NONE = new TrustedProxies(List.of());

  private static final Pattern IPV4 =
      Pattern.compile(
          "(?:(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)");
  private static final Pattern HEX_GROUP = Pattern.compile("[0-9A-Fa-f]{1,4}");

  /** One block: an address's leading {@code bits} bits. */
  private record Block(byte[] network, int bits) {
    boolean contains(byte[] address) {
      if (address.length != network.length) {
        return false;
      }
      int whole = bits / 8;
      for (int i = 0; i < whole; i++) {
        if (address[i] != network[i]) {
          return false;
        }
      }
      int rest = bits % 8;
      if (rest == 0) {
        return true;
      }
      int mask = (0xFF << (8 - rest)) & 0xFF;
      return (address[whole] & mask) == (network[whole] & mask);
    }
  }

  private final List<Block> blocks;

  private TrustedProxies(List<Block> blocks) {
    this.blocks = List.copyOf(blocks);
  }

  /**
   * Parses {@code 10.0.0.0/8}, {@code 192.0.2.7}, {@code fd00::/8}; a problem with an entry goes to
   * {@code errors} (when given) or is thrown.
   */
  public static TrustedProxies parse(List<String> cidrs, List<String> errors) {
    List<Block> blocks = new ArrayList<>();
    List<String> problems = new ArrayList<>();
    for (String raw : cidrs == null ? List.<String>of() : cidrs) {
      String c = raw == null ? "" : raw.trim();
      if (c.isEmpty()) {
        continue;
      }
      int slash = c.indexOf('/');
      InetAddress address = literal(slash < 0 ? c : c.substring(0, slash));
      if (address == null) {
        problems.add(
            "--trusted-proxies takes addresses or CIDR blocks such as 10.0.0.0/8, not '"
                + raw
                + "'");
        continue;
      }
      byte[] bytes = address.getAddress();
      int max = bytes.length * 8;
      int bits = max;
      if (slash >= 0) {
        String prefix = c.substring(slash + 1);
        try {
          bits = prefix.matches("\\d{1,3}") ? Integer.parseInt(prefix) : -1;
        } catch (NumberFormatException e) {
          bits = -1;
        }
        if (bits < 0 || bits > max) {
          problems.add("--trusted-proxies: the prefix length of '" + raw + "' must be 0–" + max);
          continue;
        }
      }
      blocks.add(new Block(bytes, bits));
    }
    if (!problems.isEmpty()) {
      if (errors == null) {
        throw new IllegalArgumentException(String.join("; ", problems));
      }
      errors.addAll(problems);
    }
    return blocks.isEmpty() ? NONE : new TrustedProxies(blocks);
  }

  /** Whether no proxy is trusted. */
  public boolean isEmpty() {
    return blocks.isEmpty();
  }

  /** Whether {@code peer} is a trusted proxy. */
  public boolean trusts(InetAddress peer) {
    if (peer == null) {
      return false;
    }
    byte[] a = peer.getAddress();
    for (Block b : blocks) {
      if (b.contains(a)) {
        return true;
      }
    }
    return false;
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
   * An IPv4 or IPv6 literal (IPv4-mapped IPv6 becomes IPv4), or null. Parsed here and built with
   * {@code getByAddress}, so no string ever reaches a name lookup.
   */
  static InetAddress literal(String s) {
    if (s == null || s.isEmpty() || s.length() > 45) {
      return null;
    }
    byte[] bytes = s.indexOf(':') >= 0 ? v6(s) : v4(s);
    if (bytes == null) {
      return null;
    }
    try {
      return InetAddress.getByAddress(bytes);
    } catch (UnknownHostException e) {
      return null;
    }
  }

  private static byte[] v4(String s) {
    if (!IPV4.matcher(s).matches()) {
      return null;
    }
    String[] parts = s.split("\\.");
    byte[] b = new byte[4];
    for (int i = 0; i < 4; i++) {
      b[i] = (byte) Integer.parseInt(parts[i]);
    }
    return b;
  }

  private static byte[] v6(String s) {
    String head = s;
    byte[] tail = null;
    if (s.indexOf('.') >= 0) {
      int last = s.lastIndexOf(':');
      tail = v4(s.substring(last + 1));
      if (tail == null) {
        return null;
      }
      head = s.substring(0, last + 1) + "0:0";
    }
    int gap = head.indexOf("::");
    if (gap >= 0 && head.indexOf("::", gap + 1) >= 0) {
      return null;
    }
    String[] left = groups(gap >= 0 ? head.substring(0, gap) : head);
    String[] right = gap >= 0 ? groups(head.substring(gap + 2)) : new String[0];
    if (left == null
        || right == null
        || (gap < 0 && left.length != 8)
        || (gap >= 0 && left.length + right.length > 7)) {
      return null;
    }
    byte[] b = new byte[16];
    for (int i = 0; i < left.length + right.length; i++) {
      String g = i < left.length ? left[i] : right[i - left.length];
      int at = i < left.length ? i : 8 - right.length + (i - left.length);
      int v = Integer.parseInt(g, 16);
      b[2 * at] = (byte) (v >> 8);
      b[2 * at + 1] = (byte) v;
    }
    if (tail != null) {
      System.arraycopy(tail, 0, b, 12, 4);
    }
    return b;
  }

  /** {@code a:b:c} → its 1–4 hex digit groups; {@code ""} → none; null when malformed. */
  private static String[] groups(String s) {
    if (s.isEmpty()) {
      return new String[0];
    }
    String[] g = s.split(":", -1);
    for (String x : g) {
      if (!HEX_GROUP.matcher(x).matches()) {
        return null;
      }
    }
    return g;
  }
}
