package dev.portcullis.policy.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import java.util.zip.CRC32;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The plaintext format of DESIGN.md "Tokens": prefix, 32 random base62 characters, 6 base62 CRC32
 * characters.
 */
class TokenFormatTest {
  private static final String BASE62 =
      "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
  private static final SecureRandom RANDOM = new SecureRandom();

  @ParameterizedTest
  @EnumSource(TokenKind.class)
  void generatedTokenHasPrefixLengthAlphabetAndChecksum(TokenKind kind) {
    String t = TokenFormat.generate(kind, RANDOM);
    assertEquals(42, t.length());
    assertEquals(TokenFormat.LENGTH, t.length());
    assertTrue(t.startsWith(kind.prefix()), t.substring(0, 4));
    assertEquals(kind == TokenKind.FINE_GRAINED ? "pcf_" : "pcc_", kind.prefix());
    for (char c : t.substring(4).toCharArray()) {
      assertTrue(BASE62.indexOf(c) >= 0, "not base62: " + c);
    }
    // The checksum, computed independently: CRC32 of prefix + random part, as 6 base62 digits.
    CRC32 crc = new CRC32();
    crc.update(t.substring(0, 36).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
    long value = 0;
    for (char c : t.substring(36).toCharArray()) {
      value = value * 62 + BASE62.indexOf(c);
    }
    assertEquals(crc.getValue(), value);
    assertEquals(kind, TokenFormat.kindOf(t));
  }

  @ParameterizedTest
  @EnumSource(TokenKind.class)
  void everySingleCharacterChangeIsRejected(TokenKind kind) {
    for (int n = 0; n < 5; n++) {
      String t = TokenFormat.generate(kind, RANDOM);
      for (int i = 0; i < t.length(); i++) {
        // Every other base62 character, the prefix's characters, and a few others.
        String alphabet = BASE62 + "_-.+/=: ~é\u0000";
        for (char c : alphabet.toCharArray()) {
          if (c == t.charAt(i)) {
            continue;
          }
          String changed = t.substring(0, i) + c + t.substring(i + 1);
          assertNull(
              TokenFormat.kindOf(changed),
              "position " + i + " changed to '" + c + "' must be rejected");
        }
      }
    }
  }

  @ParameterizedTest
  @EnumSource(TokenKind.class)
  void swappedPrefixIsRejected(TokenKind kind) {
    String t = TokenFormat.generate(kind, RANDOM);
    TokenKind other = kind == TokenKind.CLASSIC ? TokenKind.FINE_GRAINED : TokenKind.CLASSIC;
    assertNull(
        TokenFormat.kindOf(other.prefix() + t.substring(4)), "the checksum covers the prefix");
  }

  @ParameterizedTest
  @ValueSource(strings = {"ghp_", "github_pat_", "PCF_", "pcx_", "pcf-", "pc_f"})
  void wrongPrefixIsRejected(String prefix) {
    String t = TokenFormat.generate(TokenKind.FINE_GRAINED, RANDOM);
    String body = t.substring(4);
    String candidate = (prefix + body);
    candidate = candidate.length() > 42 ? candidate.substring(0, 42) : candidate;
    assertNull(TokenFormat.kindOf(candidate));
  }

  @Test
  void wrongLengthIsRejected() {
    String t = TokenFormat.generate(TokenKind.CLASSIC, RANDOM);
    assertNull(TokenFormat.kindOf(t.substring(0, 41)));
    assertNull(TokenFormat.kindOf(t + "0"));
    assertNull(TokenFormat.kindOf("0" + t));
    assertNull(TokenFormat.kindOf(t + t));
    assertNull(TokenFormat.kindOf(""));
    assertNull(TokenFormat.kindOf("pcc_"));
    assertNull(TokenFormat.kindOf(null));
  }

  @Test
  void nonBase62CharactersAreRejectedEvenWithRightLength() {
    Random r = new Random(42);
    String t = TokenFormat.generate(TokenKind.FINE_GRAINED, RANDOM);
    for (char bad :
        new char[] {
          '-', '_', '+', '/', '=', ' ', '\t', '\n', 'é', 'ü', '\u0130', '\u00ff', '\uffff'
        }) {
      int i = 4 + r.nextInt(38);
      assertNull(
          TokenFormat.kindOf(t.substring(0, i) + bad + t.substring(i + 1)),
          "'" + bad + "' at " + i);
    }
    assertNull(TokenFormat.kindOf("pcf_" + "=".repeat(38)));
    assertNull(TokenFormat.kindOf("pcf_" + "0".repeat(38)), "zeros: the checksum does not match");
  }

  @Test
  void tenThousandGeneratedTokensAreValidAndDistinct() {
    Set<String> seen = new HashSet<>();
    Set<String> randomParts = new HashSet<>();
    for (int i = 0; i < 10_000; i++) {
      TokenKind kind = i % 2 == 0 ? TokenKind.FINE_GRAINED : TokenKind.CLASSIC;
      String t = TokenFormat.generate(kind, RANDOM);
      assertEquals(42, t.length());
      assertEquals(kind, TokenFormat.kindOf(t), t.substring(0, 4));
      assertTrue(seen.add(t), "duplicate token");
      assertTrue(randomParts.add(t.substring(4, 36)), "duplicate random part");
    }
    assertEquals(10_000, seen.size());
  }

  @Test
  void randomPartUsesTheWholeAlphabet() {
    // 32 × 2000 characters: every one of the 62 characters shows up (fails with odds ≈
    // 62·(61/62)^64000).
    Set<Character> used = new HashSet<>();
    for (int i = 0; i < 2000; i++) {
      for (char c :
          TokenFormat.generate(TokenKind.CLASSIC, RANDOM).substring(4, 36).toCharArray()) {
        used.add(c);
      }
    }
    assertEquals(62, used.size());
  }

  @Test
  void kindOfAsciiReadsATokenInsideALargerArray() {
    String t = TokenFormat.generate(TokenKind.FINE_GRAINED, RANDOM);
    byte[] framed = ("git:" + t + "xyz").getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    assertEquals(TokenKind.FINE_GRAINED, TokenFormat.kindOfAscii(framed, 4, 42));
    assertNull(TokenFormat.kindOfAscii(framed, 4, 43), "the length must be exactly 42");
    assertNull(TokenFormat.kindOfAscii(framed, 5, 42), "one byte off");
    framed[4 + 20] ^= 1;
    assertNull(TokenFormat.kindOfAscii(framed, 4, 42), "a changed character fails the checksum");
  }

  @Test
  void kindOfAcceptsAnyCharSequence() {
    String t = TokenFormat.generate(TokenKind.CLASSIC, RANDOM);
    assertEquals(TokenKind.CLASSIC, TokenFormat.kindOf(new StringBuilder(t)));
  }
}
