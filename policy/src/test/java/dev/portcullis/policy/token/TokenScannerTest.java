package dev.portcullis.policy.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class TokenScannerTest {
  private static final SecureRandom RANDOM = new SecureRandom();

  private static String token(TokenKind kind) {
    return TokenFormat.generate(kind, RANDOM);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /**
   * {@code content} handed over in pieces of at most {@code max} bytes (sizes from {@code seed}).
   */
  private static List<TokenScanner.Finding> inPieces(byte[] content, int max, long seed) {
    TokenScanner.Scan scan = new TokenScanner.Scan();
    Random random = new Random(seed);
    for (int off = 0; off < content.length; ) {
      int n = Math.min(content.length - off, 1 + random.nextInt(max));
      scan.update(content, off, n);
      off += n;
    }
    return scan.finish();
  }

  /** Whole, in large pieces and in small ones: the same findings, which are returned. */
  private static List<TokenScanner.Finding> both(byte[] content) {
    TokenScanner.Scan whole = new TokenScanner.Scan();
    whole.update(content, 0, content.length);
    List<TokenScanner.Finding> found = whole.finish();
    assertEquals(found, inPieces(content, 70_000, content.length), "large pieces");
    assertEquals(found, inPieces(content, 50, content.length), "small pieces");
    return found;
  }

  @Test
  void findsAValidTokenWithItsLineMaskAndDigest() {
    String t = token(TokenKind.FINE_GRAINED);
    List<TokenScanner.Finding> f = both(utf8("A=1\nB=2\nGATEWAY_TOKEN=" + t + "\nC=3\n"));
    assertEquals(1, f.size());
    assertEquals(3, f.get(0).line());
    assertEquals(TokenKind.FINE_GRAINED, f.get(0).kind());
    assertEquals("pcf_…" + t.substring(t.length() - 4), f.get(0).masked());
    assertEquals(TokenDigest.of(t), f.get(0).digest());
    assertFalse(f.get(0).toString().contains(t.substring(4, 36)), "no plaintext in toString");
  }

  @Test
  void findsClassicTokensAndSeveralPerLine() {
    String a = token(TokenKind.CLASSIC);
    String b = token(TokenKind.FINE_GRAINED);
    List<TokenScanner.Finding> f = both(utf8(a + " \"" + b + "\"\n" + a));
    assertEquals(3, f.size(), f::toString);
    assertEquals(TokenKind.CLASSIC, f.get(0).kind());
    assertEquals(1, f.get(1).line());
    assertEquals(2, f.get(2).line());
  }

  @Test
  void aWrongChecksumIsNotAToken() {
    String t = token(TokenKind.CLASSIC);
    char last = t.charAt(t.length() - 1);
    String lookAlike = t.substring(0, t.length() - 1) + (last == 'a' ? 'b' : 'a');
    assertTrue(both(utf8("token: " + lookAlike + "\n")).isEmpty());
  }

  @ParameterizedTest
  @ValueSource(strings = {"x%s", "%sx", "_%s", "%s0", "9%s"})
  void aTokenInsideALongerWordIsNotReported(String around) {
    String t = token(TokenKind.FINE_GRAINED);
    assertTrue(both(utf8(String.format(around, t))).isEmpty());
    assertEquals(1, both(utf8(String.format(around.replaceAll("[x_09]", " "), t))).size());
  }

  @Test
  void binaryContentIsSkipped() {
    String t = token(TokenKind.FINE_GRAINED);
    byte[] text = utf8("header\n" + t + "\n");
    byte[] binary = text.clone();
    binary[3] = 0;
    assertEquals(1, both(text).size());
    assertTrue(both(binary).isEmpty());
  }

  @Test
  void aScanIsFinishedOnce() {
    TokenScanner.Scan scan = new TokenScanner.Scan();
    String t = token(TokenKind.CLASSIC);
    scan.update(utf8(t), 0, TokenFormat.LENGTH);
    assertEquals(1, scan.finish().size());
    assertEquals(1, scan.finish().size(), "finishing again answers the same");
    assertThrows(IllegalStateException.class, () -> scan.update(utf8(t), 0, 1));
  }

  @Test
  void aNulPastTheProbeDoesNotMakeContentBinary() {
    String t = token(TokenKind.CLASSIC);
    byte[] content = new byte[TokenScanner.BINARY_PROBE + 100];
    java.util.Arrays.fill(content, (byte) 'a');
    content[0] = '\n';
    byte[] tok = utf8(" " + t + " ");
    System.arraycopy(tok, 0, content, 10, tok.length);
    content[TokenScanner.BINARY_PROBE + 50] = 0;
    assertEquals(1, both(content).size());
  }

  /**
   * Tokens at every offset around the chunk boundaries of a streaming scan, lines counted across.
   */
  @Test
  void aLargeBlobIsScannedAcrossChunkBoundaries() {
    String t = token(TokenKind.FINE_GRAINED);
    StringBuilder sb = new StringBuilder();
    int tokens = 0;
    // Lines of varying length put tokens on every side of each 64 KiB boundary.
    for (int i = 0; sb.length() < 3 * 1024 * 1024; i++) {
      sb.append("y".repeat(i % 97));
      if (i % 7 == 0) {
        sb.append(' ').append(t);
        tokens++;
      }
      sb.append('\n');
    }
    byte[] content = utf8(sb.toString());
    List<TokenScanner.Finding> f = both(content);
    assertEquals(tokens, f.size());
    assertEquals(lastLine(sb) + 1, f.get(f.size() - 1).line());
  }

  /** The 0-based line on which the last token stands. */
  private static long lastLine(StringBuilder sb) {
    String s = sb.toString();
    int at = s.lastIndexOf("pcf_");
    return s.substring(0, at).chars().filter(c -> c == '\n').count();
  }
}
