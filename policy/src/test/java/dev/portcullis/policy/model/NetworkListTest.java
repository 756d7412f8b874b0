package dev.portcullis.policy.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class NetworkListTest {

  @Test
  void matchesByPrefixOnTheAddressBytes() {
    NetworkList n =
        NetworkList.of(List.of("10.0.0.0/8", "192.0.2.7", "2001:db8::/32", "172.16.0.0/12"));
    assertTrue(n.contains("10.255.1.2"));
    assertFalse(n.contains("11.0.0.1"));
    assertTrue(n.contains("192.0.2.7"));
    assertFalse(n.contains("192.0.2.8"));
    assertTrue(n.contains("172.31.255.255"));
    assertFalse(n.contains("172.32.0.0"));
    assertTrue(n.contains("2001:db8:ffff::1"));
    assertTrue(n.contains("[2001:db8::1]"));
    assertFalse(n.contains("2001:db9::1"));
    assertTrue(n.contains("::ffff:10.1.2.3"), "an IPv4-mapped address is its IPv4 address");
    assertFalse(n.contains("not-an-address"));
    assertFalse(n.contains((String) null));
  }

  @Test
  void slashZeroHoldsEveryAddressOfItsFamilyOnly() {
    assertTrue(NetworkList.of(List.of("0.0.0.0/0")).contains("203.0.113.7"));
    assertFalse(NetworkList.of(List.of("0.0.0.0/0")).contains("2001:db8::1"));
    assertTrue(NetworkList.of(List.of("::/0")).contains("2001:db8::1"));
    assertFalse(NetworkList.of(List.of("::/0")).contains("203.0.113.7"));
  }

  @Test
  void blocksAreKeptCanonical() {
    assertEquals(
        List.of("10.0.0.0/8", "192.0.2.7/32", "2001:db8::/32", "::1/128", "fd00:0:0:1::/64"),
        NetworkList.of(
                List.of(
                    "10.1.2.3/8",
                    "192.0.2.7",
                    "2001:0DB8:0:0:0:0:0:0/32",
                    "::1",
                    "fd00:0:0:1:ffff::/64"))
            .cidrs());
  }

  @Test
  void coversMeansEveryBlockSitsInsideSomeBlock() {
    NetworkList org = NetworkList.of(List.of("10.0.0.0/8", "2001:db8::/32"));
    assertTrue(org.covers(NetworkList.of(List.of("10.1.0.0/16", "2001:db8:1::/48"))));
    assertTrue(org.covers(NetworkList.of(List.of("10.0.0.0/8"))));
    assertFalse(org.covers(NetworkList.of(List.of("10.1.0.0/16", "11.0.0.0/16"))));
    assertFalse(org.covers(NetworkList.of(List.of("0.0.0.0/0"))), "a wider block is not inside");
    assertFalse(org.covers(NetworkList.of(List.of("::ffff:0:0/96"))));
  }

  @Test
  void everyBadEntryIsReportedAndNothingIsResolved() {
    List<String> problems = new ArrayList<>();
    assertNull(
        NetworkList.parse(
            List.of(
                "10.0.0.0/33",
                "example.com",
                "10.0.0.1/x",
                "1.2.3.256",
                "::1/129",
                "10.0.0.0/-1",
                "10.0.0.0/8"),
            problems));
    assertEquals(6, problems.size(), problems::toString);
    assertTrue(problems.get(1).contains("'example.com'"), problems::toString);
    assertThrows(IllegalArgumentException.class, () -> NetworkList.of(List.of("localhost")));
    assertNull(NetworkList.parse(List.of(" ", ""), problems), "no entries: no list");
  }

  @Test
  void onlyDottedQuadsWithoutLeadingZerosAreIPv4Addresses() {
    for (String ok : List.of("0.0.0.0", "255.255.255.255", "192.0.2.1", "10.200.30.4")) {
      assertTrue(NetworkList.address(ok) != null && NetworkList.address(ok).length == 4, ok);
    }
    assertArrayEquals(
        new byte[] {(byte) 192, 0, 2, (byte) 255}, NetworkList.address("192.0.2.255"));
    for (String bad :
        List.of(
            "",
            "1.2.3",
            "1.2.3.4.5",
            "01.2.3.4",
            "1.2.3.00",
            "1.2.3.256",
            "1..2.3",
            ".1.2.3",
            "1.2.3.",
            "1.2.3.4 ",
            "+1.2.3.4",
            "1.2.3.1000",
            "a.b.c.d",
            "１.2.3.4")) {
      assertNull(NetworkList.address(bad), () -> "'" + bad + "'");
    }
  }

  /** The leading {@code bits} bits of {@code a} and {@code b} agree (the reference of a match). */
  private static boolean samePrefix(byte[] a, byte[] b, int bits) {
    if (a.length != b.length) {
      return false;
    }
    for (int i = 0; i < bits; i++) {
      int bit = 7 - (i % 8);
      if (((a[i / 8] >> bit) & 1) != ((b[i / 8] >> bit) & 1)) {
        return false;
      }
    }
    return true;
  }

  @Test
  void matchesAsABitByBitPrefixComparisonWould() {
    java.util.SplittableRandom random = new java.util.SplittableRandom(11);
    for (int round = 0; round < 500; round++) {
      List<String> cidrs = new ArrayList<>();
      List<byte[]> nets = new ArrayList<>();
      List<Integer> lengths = new ArrayList<>();
      for (int k = 1 + random.nextInt(4); k > 0; k--) {
        byte[] net = new byte[random.nextBoolean() ? 4 : 16];
        for (int i = 0; i < net.length; i++) {
          net[i] = (byte) random.nextInt(256);
        }
        int bits = random.nextInt(net.length * 8 + 1);
        nets.add(net);
        lengths.add(bits);
        cidrs.add(text(net) + "/" + bits);
      }
      NetworkList list = NetworkList.of(cidrs);
      for (int probe = 0; probe < 40; probe++) {
        // Near a block (its network with a few low bits flipped) or anywhere.
        int which = random.nextInt(nets.size());
        byte[] address =
            random.nextBoolean()
                ? nets.get(which).clone()
                : new byte[random.nextBoolean() ? 4 : 16];
        for (int i = 0; i < address.length; i++) {
          if (random.nextInt(4) == 0) {
            address[i] = (byte) random.nextInt(256);
          }
        }
        boolean expected = false;
        for (int b = 0; b < nets.size(); b++) {
          expected |= samePrefix(nets.get(b), address, lengths.get(b));
        }
        assertEquals(expected, list.contains(address), () -> cidrs + " " + text(address));
        assertEquals(expected, list.contains(text(address)), () -> cidrs + " " + text(address));
      }
    }
  }

  private static String text(byte[] b) {
    if (b.length == 4) {
      return (b[0] & 0xFF) + "." + (b[1] & 0xFF) + "." + (b[2] & 0xFF) + "." + (b[3] & 0xFF);
    }
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < 16; i += 2) {
      s.append(i == 0 ? "" : ":")
          .append(Integer.toHexString(((b[i] & 0xFF) << 8) | (b[i + 1] & 0xFF)));
    }
    return s.toString();
  }
}
