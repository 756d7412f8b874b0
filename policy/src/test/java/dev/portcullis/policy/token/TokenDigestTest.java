package dev.portcullis.policy.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.policy.admin.CreatedToken;
import dev.portcullis.policy.model.AccessToken;
import dev.portcullis.policy.testing.Fixtures;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** The SHA-256 of a token: the only stored, cached or logged form. */
class TokenDigestTest {
  private static final SecureRandom RANDOM = new SecureRandom();

  @Test
  void isTheSha256OfThePlaintext() throws Exception {
    String t = TokenFormat.generate(TokenKind.FINE_GRAINED, RANDOM);
    byte[] expected =
        MessageDigest.getInstance("SHA-256").digest(t.getBytes(StandardCharsets.US_ASCII));
    assertEquals(HexFormat.of().formatHex(expected), TokenDigest.of(t).hex());
    assertEquals(TokenDigest.of(t), TokenDigest.ofUtf8(t), "ASCII and UTF-8 agree on a token");
    byte[] framed = ("user:" + t + "!").getBytes(StandardCharsets.US_ASCII);
    assertEquals(
        TokenDigest.of(t), TokenDigest.ofAscii(framed, 5, 42), "a token inside a larger array");
  }

  @Test
  void longsAreTheDigestsBytesInOrder() throws Exception {
    String t = TokenFormat.generate(TokenKind.CLASSIC, RANDOM);
    java.nio.ByteBuffer expected =
        java.nio.ByteBuffer.wrap(
            MessageDigest.getInstance("SHA-256").digest(t.getBytes(StandardCharsets.US_ASCII)));
    TokenDigest d = TokenDigest.of(t);
    for (int i = 0; i < 4; i++) {
      assertEquals(expected.getLong(8 * i), d.longAt(i), "long " + i);
    }
    assertEquals(
        expected.getLong(0), d.lookupKey(), "the lookup key is the first 8 bytes, big-endian");
    assertEquals(
        Long.parseUnsignedLong(d.hex().substring(0, 16), 16),
        d.lookupKey(),
        "the first 16 hex digits");
  }

  @Test
  void hexRoundTrip() {
    for (int i = 0; i < 100; i++) {
      TokenDigest d = TokenDigest.of(TokenFormat.generate(TokenKind.CLASSIC, RANDOM));
      String hex = d.hex();
      assertEquals(64, hex.length());
      assertTrue(hex.matches("[0-9a-f]{64}"), "lowercase hex: " + hex);
      TokenDigest back = TokenDigest.fromHex(hex);
      assertEquals(d, back);
      assertEquals(d.hashCode(), back.hashCode());
      assertEquals(hex, back.hex());
    }
  }

  @Test
  void equalityIsByContent() {
    String t = TokenFormat.generate(TokenKind.CLASSIC, RANDOM);
    TokenDigest a = TokenDigest.of(t);
    TokenDigest b = TokenDigest.of(new StringBuilder(t));
    assertEquals(a, b);
    assertEquals(a.hashCode(), b.hashCode());
    assertNotEquals(a, TokenDigest.of(TokenFormat.generate(TokenKind.CLASSIC, RANDOM)));
    assertNotEquals(a, null);
    assertNotEquals(a, a.hex());
  }

  @Test
  void toStringDoesNotContainTheFullHex() {
    String t = TokenFormat.generate(TokenKind.FINE_GRAINED, RANDOM);
    TokenDigest d = TokenDigest.of(t);
    String s = d.toString();
    assertFalse(s.contains(d.hex()), s);
    assertFalse(s.contains(d.hex().substring(0, 32)), "not even half of it: " + s);
    assertFalse(s.contains(t), s);
    assertTrue(s.contains(d.hex().substring(0, 8)), "a short prefix helps correlate logs: " + s);
  }

  @Test
  void fromHexRejectsBadInput() {
    assertThrows(IllegalArgumentException.class, () -> TokenDigest.fromHex(null));
    assertThrows(IllegalArgumentException.class, () -> TokenDigest.fromHex(""));
    assertThrows(IllegalArgumentException.class, () -> TokenDigest.fromHex("ab".repeat(31)));
    assertThrows(IllegalArgumentException.class, () -> TokenDigest.fromHex("ab".repeat(33)));
    assertThrows(IllegalArgumentException.class, () -> TokenDigest.fromHex("zz".repeat(32)));
  }

  @Test
  void accessTokenToStringHidesTheDigest() {
    String t = TokenFormat.generate(TokenKind.CLASSIC, RANDOM);
    TokenDigest d = TokenDigest.of(t);
    AccessToken token =
        new AccessToken(
            7,
            1,
            TokenKind.CLASSIC,
            d,
            "laptop",
            null,
            Fixtures.NOW,
            null,
            null,
            null,
            java.util.Set.of("repo"),
            null,
            null,
            java.util.Set.of(),
            java.util.Map.of());
    assertFalse(token.toString().contains(d.hex()));
    CreatedToken created = new CreatedToken(token, t, null);
    assertFalse(
        created.toString().contains(t), "a created token's toString never prints the plaintext");
  }
}
