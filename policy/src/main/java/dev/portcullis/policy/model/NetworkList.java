package dev.portcullis.policy.model;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * An immutable list of IPv4 and IPv6 networks (CIDR blocks or single addresses), parsed once and
 * then matched by prefix on an address's bits: a token's {@code allowed_networks}, an
 * organization's {@code token_networks}, the gateway's trusted proxies.
 *
 * <p>A match reads one primitive array of networks and masks, with no object per block to follow: a
 * token's list is matched on every warm request of that token, and with thousands of tokens their
 * lists are rarely in the processor's cache, where each pointer followed is a miss.
 *
 * <p>Addresses are parsed as literals only, never resolved, so no input can make the caller look a
 * name up. An IPv4-mapped IPv6 address is taken as the IPv4 address it carries.
 */
public final class NetworkList {
  /** The most entries a token or an organization may list. */
  public static final int MAX_ENTRIES = 32;

  private static final Pattern HEX_GROUP = Pattern.compile("[0-9A-Fa-f]{1,4}");
  private static final Pattern PREFIX = Pattern.compile("\\d{1,3}");

  /** One block: the leading {@code bits} bits of {@code network} (host bits cleared). */
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

    /** Whether every address of {@code other} is in this block. */
    boolean covers(Block other) {
      return other.network.length == network.length
          && other.bits >= bits
          && contains(other.network);
    }

    /** {@code 10.0.0.0/8}, {@code 2001:db8::/32}. */
    String cidr() {
      return text(network) + "/" + bits;
    }
  }

  /** The parsed blocks; never empty. */
  private final Block[] blocks;

  /**
   * The IPv4 blocks, each its network and mask in one word ({@link #v4Block}): what a match reads.
   */
  private final long[] v4;

  /** The IPv6 blocks as (network high, network low, mask high, mask low) 64-bit words. */
  private final long[] v6;

  private NetworkList(List<Block> blocks) {
    this.blocks = blocks.toArray(new Block[0]);
    int fours = 0;
    for (Block b : this.blocks) {
      fours += b.network.length == 4 ? 1 : 0;
    }
    long[] v4 = new long[fours];
    long[] v6 = new long[4 * (this.blocks.length - fours)];
    int i4 = 0;
    int i6 = 0;
    for (Block b : this.blocks) {
      if (b.network.length == 4) {
        int mask = b.bits == 0 ? 0 : -1 << (32 - b.bits);
        v4[i4++] = (long) word(b.network, 0) << 32 | (mask & 0xFFFF_FFFFL);
      } else {
        v6[i6++] = doubleWord(b.network, 0);
        v6[i6++] = doubleWord(b.network, 8);
        v6[i6++] = b.bits == 0 ? 0 : -1L << (64 - Math.min(64, b.bits));
        v6[i6++] = b.bits <= 64 ? 0 : -1L << (128 - b.bits);
      }
    }
    this.v4 = v4;
    this.v6 = v6;
  }

  /** The eight bytes of {@code b} from {@code at}, big-endian. */
  private static long doubleWord(byte[] b, int at) {
    return (long) word(b, at) << 32 | (word(b, at + 4) & 0xFFFF_FFFFL);
  }

  /** The four bytes of {@code b} from {@code at}, big-endian. */
  private static int word(byte[] b, int at) {
    return (b[at] & 0xFF) << 24
        | (b[at + 1] & 0xFF) << 16
        | (b[at + 2] & 0xFF) << 8
        | (b[at + 3] & 0xFF);
  }

  /**
   * Parses {@code 10.0.0.0/8}, {@code 192.0.2.7}, {@code fd00::/8}; blank entries are skipped. Each
   * entry that is not an address or block is described in {@code problems}, as {@code "'x' is not
   * …"}.
   *
   * @return the list, or {@code null} when it has no entry or there were problems
   */
  public static NetworkList parse(List<String> cidrs, List<String> problems) {
    List<Block> blocks = new ArrayList<>();
    int before = problems.size();
    for (String raw : cidrs == null ? List.<String>of() : cidrs) {
      String c = raw == null ? "" : raw.trim();
      if (c.isEmpty()) {
        continue;
      }
      int slash = c.indexOf('/');
      byte[] address = address(slash < 0 ? c : c.substring(0, slash));
      if (address == null) {
        problems.add("'" + raw + "' is not an IPv4 or IPv6 address or CIDR block");
        continue;
      }
      // An IPv4-mapped IPv6 block (::ffff:a.b.c.d/n) counts its prefix from 96 bits in.
      int skip = address.length == 4 && c.indexOf(':') >= 0 ? 96 : 0;
      int max = skip + address.length * 8;
      int bits = max;
      if (slash >= 0) {
        String prefix = c.substring(slash + 1);
        bits = PREFIX.matcher(prefix).matches() ? Integer.parseInt(prefix) : -1;
        if (bits > max || bits < skip) {
          bits = -1;
        }
      }
      if (bits < 0) {
        problems.add("the prefix length of '" + raw + "' must be " + skip + "–" + max);
        continue;
      }
      bits -= skip;
      blocks.add(new Block(masked(address, bits), bits));
    }
    return blocks.isEmpty() || problems.size() > before ? null : new NetworkList(blocks);
  }

  /**
   * Parses a list that has been validated before (as stored), or throws.
   *
   * @return {@code null} for no entries
   */
  public static NetworkList of(List<String> cidrs) {
    List<String> problems = new ArrayList<>();
    NetworkList list = parse(cidrs, problems);
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", problems));
    }
    return list;
  }

  /** Whether {@code address} (bytes of an IPv4 or IPv6 address) is in one of the blocks. */
  public boolean contains(byte[] address) {
    if (address == null) {
      return false;
    }
    if (address.length == 4) {
      return containsV4(word(address, 0));
    }
    if (address.length != 16) {
      return false;
    }
    long high = doubleWord(address, 0);
    long low = doubleWord(address, 8);
    long[] blocks6 = v6;
    for (int i = 0; i < blocks6.length; i += 4) {
      if (((high ^ blocks6[i]) & blocks6[i + 2]) == 0
          && ((low ^ blocks6[i + 1]) & blocks6[i + 3]) == 0) {
        return true;
      }
    }
    return false;
  }

  /** How many IPv4 blocks the list holds. */
  public int v4Blocks() {
    return v4.length;
  }

  /**
   * IPv4 block {@code i} in one word: its network (host bits clear) in the high 32 bits, its mask
   * in the low ones; {@link #inV4Block} matches an address against it.
   */
  public long v4Block(int i) {
    return v4[i];
  }

  /**
   * Whether the IPv4 address {@code address} (its 32 bits) is in {@code block} ({@link #v4Block}).
   */
  public static boolean inV4Block(long block, int address) {
    return ((address ^ (int) (block >>> 32)) & (int) block) == 0;
  }

  private boolean containsV4(int address) {
    for (long block : v4) {
      if (inV4Block(block, address)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether the literal address {@code address} ({@code [v6]} brackets allowed) is in one of the
   * blocks; an address that does not parse is in none. A dotted quad is read straight into its 32
   * bits, with nothing allocated.
   */
  public boolean contains(String address) {
    long quad = v4Bits(address);
    return quad >= 0 ? containsV4((int) quad) : contains(address(address));
  }

  /** Whether every address of every block of {@code other} is in this list. */
  public boolean covers(NetworkList other) {
    for (Block o : other.blocks) {
      boolean covered = false;
      for (Block b : blocks) {
        if (b.covers(o)) {
          covered = true;
          break;
        }
      }
      if (!covered) {
        return false;
      }
    }
    return true;
  }

  /** The blocks in canonical CIDR form ({@code 10.0.0.0/8}), in the order given. */
  public List<String> cidrs() {
    List<String> out = new ArrayList<>(blocks.length);
    for (Block b : blocks) {
      out.add(b.cidr());
    }
    return List.copyOf(out);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof NetworkList n && cidrs().equals(n.cidrs());
  }

  @Override
  public int hashCode() {
    return cidrs().hashCode();
  }

  @Override
  public String toString() {
    return String.join(", ", cidrs());
  }

  /**
   * The bytes of an IPv4 (4) or IPv6 (16) literal, {@code [v6]} brackets allowed, an IPv4-mapped
   * IPv6 address as its IPv4 bytes; {@code null} when {@code s} is not a literal.
   */
  public static byte[] address(String s) {
    if (s == null || s.isEmpty() || s.length() > 47) {
      return null;
    }
    if (s.charAt(0) == '[' && s.charAt(s.length() - 1) == ']') {
      s = s.substring(1, s.length() - 1);
    }
    if (s.indexOf(':') < 0) {
      return v4(s);
    }
    byte[] b = v6(s);
    if (b != null && mapped(b)) {
      return Arrays.copyOfRange(b, 12, 16);
    }
    return b;
  }

  private static boolean mapped(byte[] b) {
    for (int i = 0; i < 10; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return b[10] == (byte) 0xFF && b[11] == (byte) 0xFF;
  }

  private static byte[] masked(byte[] address, int bits) {
    byte[] m = address.clone();
    for (int i = 0; i < m.length; i++) {
      int keep = Math.max(0, Math.min(8, bits - 8 * i));
      m[i] &= (byte) ((0xFF << (8 - keep)) & 0xFF);
    }
    return m;
  }

  private static String text(byte[] b) {
    if (b.length == 4) {
      return (b[0] & 0xFF) + "." + (b[1] & 0xFF) + "." + (b[2] & 0xFF) + "." + (b[3] & 0xFF);
    }
    // The longest run of zero groups (two or more) becomes "::", as RFC 5952 recommends.
    int[] g = new int[8];
    for (int i = 0; i < 8; i++) {
      g[i] = ((b[2 * i] & 0xFF) << 8) | (b[2 * i + 1] & 0xFF);
    }
    int bestStart = -1;
    int bestLen = 1;
    for (int i = 0; i < 8; ) {
      int j = i;
      while (j < 8 && g[j] == 0) {
        j++;
      }
      if (j - i > bestLen) {
        bestStart = i;
        bestLen = j - i;
      }
      i = j == i ? i + 1 : j;
    }
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < 8; i++) {
      if (i == bestStart) {
        s.append("::");
        i += bestLen - 1;
        continue;
      }
      if (s.length() > 0 && s.charAt(s.length() - 1) != ':') {
        s.append(':');
      }
      s.append(Integer.toHexString(g[i]));
    }
    return s.toString();
  }

  /**
   * The bytes of a dotted-quad literal (no leading zeros, each part 0–255), or {@code null}. Read
   * character by character: with an allow list, every request's client address goes through here.
   */
  private static byte[] v4(String s) {
    long bits = v4Bits(s);
    return bits < 0
        ? null
        : new byte[] {(byte) (bits >>> 24), (byte) (bits >>> 16), (byte) (bits >>> 8), (byte) bits};
  }

  /**
   * The 32 bits of a dotted-quad literal as an unsigned value, or -1 when {@code s} is none (as
   * {@link #address} reads it, brackets and IPv4-mapped IPv6 forms aside).
   */
  public static long v4Bits(String s) {
    int n = s == null ? 0 : s.length();
    if (n < 7 || n > 15) {
      return -1;
    }
    long bits = 0;
    int part = 0;
    int value = 0;
    int digits = 0;
    for (int i = 0; i <= n; i++) {
      char ch = i < n ? s.charAt(i) : '.';
      if (ch == '.') {
        if (digits == 0 || part == 4) {
          return -1;
        }
        bits = bits << 8 | value;
        part++;
        value = 0;
        digits = 0;
      } else if (ch >= '0' && ch <= '9' && !(digits > 0 && value == 0)) {
        value = value * 10 + (ch - '0');
        if (++digits > 3 || value > 255) {
          return -1;
        }
      } else {
        return -1;
      }
    }
    return part == 4 ? bits : -1;
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
