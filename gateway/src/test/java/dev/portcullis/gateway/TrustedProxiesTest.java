package dev.portcullis.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.gateway.notify.MailSettings;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Parsing {@code --trusted-proxies} and finding the client in {@code X-Forwarded-For}. */
class TrustedProxiesTest {
  private static InetAddress ip(String s) {
    InetAddress a = TrustedProxies.literal(s);
    if (a == null) {
      throw new AssertionError("not an address: " + s);
    }
    return a;
  }

  @Test
  void blocksMatchTheirLeadingBits() {
    TrustedProxies p =
        TrustedProxies.parse(List.of("10.0.0.0/8", "192.0.2.7", "fd00::/8", "172.16.0.0/12"), null);
    assertTrue(p.trusts(ip("10.255.1.2")));
    assertFalse(p.trusts(ip("11.0.0.1")));
    assertTrue(p.trusts(ip("192.0.2.7")));
    assertFalse(p.trusts(ip("192.0.2.8")));
    assertTrue(p.trusts(ip("fd12:3456::1")));
    assertFalse(p.trusts(ip("fe80::1")));
    assertTrue(p.trusts(ip("172.31.255.255")));
    assertFalse(p.trusts(ip("172.32.0.0")));
    // An IPv4-mapped IPv6 peer is its IPv4 address.
    assertTrue(p.trusts(ip("::ffff:10.1.2.3")));
    assertFalse(TrustedProxies.NONE.trusts(ip("10.0.0.1")));
    assertTrue(TrustedProxies.parse(List.of("0.0.0.0/0"), null).trusts(ip("203.0.113.1")));
  }

  @Test
  void everyBadEntryIsReported() {
    List<String> errors = new ArrayList<>();
    TrustedProxies.parse(
        List.of("10.0.0.0/33", "example.com", "10.0.0.1/x", "1.2.3.256", "::1/129", "10.0.0.0/8"),
        errors);
    assertEquals(5, errors.size(), errors::toString);
    assertThrows(IllegalArgumentException.class, () -> TrustedProxies.parse(List.of("a"), null));
  }

  @Test
  void literalsAreParsedNeverResolved() {
    assertEquals("192.0.2.1", ip("192.0.2.1").getHostAddress());
    assertEquals(ip("2001:db8:0:0:0:0:0:1"), ip("2001:db8::1"));
    assertEquals(ip("::ffff:c000:201"), ip("192.0.2.1"));
    for (String bad :
        List.of(
            "localhost",
            "example.com",
            "192.0.2",
            "192.0.2.1.5",
            "01.2.3.4",
            "1::2::3",
            ":1",
            "1:2:3:4:5:6:7:8:9",
            "12345::",
            "::1%eth0",
            "")) {
      assertNull(TrustedProxies.literal(bad), bad);
    }
  }

  @Test
  void theClientIsTheRightMostUntrustedHop() {
    TrustedProxies p = TrustedProxies.parse(List.of("10.0.0.0/8"), null);
    InetAddress proxy = ip("10.0.0.1");
    InetAddress stranger = ip("198.51.100.9");
    assertEquals(ip("203.0.113.5"), p.client(proxy, List.of("203.0.113.5")));
    // A forged left part is skipped; trusted hops on the right are walked past.
    assertEquals(ip("203.0.113.5"), p.client(proxy, List.of("1.1.1.1, 203.0.113.5, 10.9.9.9")));
    // Several header lines are one list, in order.
    assertEquals(ip("203.0.113.5"), p.client(proxy, List.of("1.1.1.1", "203.0.113.5")));
    // Ports and brackets.
    assertEquals(ip("203.0.113.5"), p.client(proxy, List.of("203.0.113.5:1234")));
    assertEquals(ip("2001:db8::7"), p.client(proxy, List.of("[2001:db8::7]:443")));
    assertEquals(ip("2001:db8::7"), p.client(proxy, List.of("2001:db8::7")));
    // Garbage stops the walk: the last address reached stands.
    assertEquals(proxy, p.client(proxy, List.of("unknown")));
    assertEquals(ip("10.2.2.2"), p.client(proxy, List.of("203.0.113.5, garbage, 10.2.2.2")));
    // All trusted: the left-most.
    assertEquals(ip("10.3.3.3"), p.client(proxy, List.of("10.3.3.3, 10.2.2.2")));
    // No header: the proxy itself.
    assertEquals(proxy, p.client(proxy, List.of()));
    // From an untrusted peer the header means nothing.
    assertEquals(stranger, p.client(stranger, List.of("203.0.113.5")));
  }

  @Test
  void theConfigurationReportsBadProxiesWithTheOtherErrors() {
    GatewayConfig ok =
        GatewayConfig.defaults(Path.of("data")).withTrustedProxies(List.of("10.0.0.0/8"));
    assertEquals(List.of("10.0.0.0/8"), ok.trustedProxies());
    GatewayConfig d = GatewayConfig.defaults(Path.of("data"));
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                new GatewayConfig(
                    d.bind(),
                    70_000,
                    null,
                    d.dataDir(),
                    null,
                    null,
                    null,
                    null,
                    null,
                    null,
                    true,
                    d.caches(),
                    d.lastUsedFlushInterval(),
                    d.maxThreads(),
                    d.limits(),
                    null,
                    List.of("10.0.0.0/40"),
                    "ftp://example.com/x",
                    null,
                    true,
                    null,
                    MailSettings.OFF,
                    d.webhooks()));
    assertTrue(e.getMessage().contains("--port must be"), e::getMessage);
    assertTrue(e.getMessage().contains("--trusted-proxies"), e::getMessage);
    assertTrue(e.getMessage().contains("--public-url"), e::getMessage);
    assertTrue(e.getMessage().contains("session settings are required"), e::getMessage);
  }
}
