package dev.portcullis.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Checking {@code --public-url} and forwarded hosts. */
class PublicUrlTest {
  private static String normalize(String url) {
    List<String> errors = new ArrayList<>();
    String n = PublicUrl.normalize(url, errors);
    return errors.isEmpty() ? n : "error";
  }

  @Test
  void publicUrlIsSchemeHostAndPortOnly() {
    assertNull(normalize(null));
    assertEquals("https://git.example.com", normalize("https://git.example.com"));
    assertEquals("https://git.example.com", normalize("https://git.example.com/"));
    assertEquals("http://git.example.com:8080", normalize("HTTP://Git.Example.com:8080"));
    assertEquals("https://[2001:db8::1]:8443", normalize("https://[2001:db8::1]:8443"));
    for (String bad :
        List.of(
            "git.example.com",
            "ftp://git.example.com",
            "https://git.example.com/git",
            "https://git.example.com?x=1",
            "https://git.example.com#x",
            "https://user@git.example.com",
            "https://git.example.com:0",
            "https://git.example.com:70000",
            "https://",
            "https://exa mple.com")) {
      assertEquals("error", normalize(bad), bad);
    }
  }

  @Test
  void forwardedHostsAreAuthoritiesOnly() {
    for (String ok :
        List.of("git.example.com", "git.example.com:443", "192.0.2.1:8080", "[2001:db8::1]:443")) {
      assertTrue(PublicUrl.authority(ok), ok);
    }
    for (String bad :
        List.of(
            "evil.example/x",
            "evil.example@good.example",
            "a b",
            "evil.example:",
            "evil.example:99999",
            "[zz::1]",
            "-evil.example",
            "")) {
      assertFalse(PublicUrl.authority(bad), bad);
    }
    assertEquals("b.example", PublicUrl.lastValue(List.of("a.example", "x.example, b.example")));
    assertNull(PublicUrl.lastValue(List.of()));
  }
}
