package dev.portcullis.gateway.loadtest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.net.ProtocolException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PktLineTest {
  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  @Test
  void encodesLengthIncludingTheHeaderInLowercaseHex() {
    assertArrayEquals(ascii("000ahello\n"), PktLine.encode("hello\n"));
    assertArrayEquals(ascii("0004"), PktLine.encode(""));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PktLine.write(out, new byte[250]);
    assertEquals("00fe", new String(out.toByteArray(), 0, 4, StandardCharsets.US_ASCII));
  }

  @Test
  void flushIsFourZeros() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PktLine.flush(out);
    assertArrayEquals(ascii("0000"), out.toByteArray());
  }

  @Test
  void roundTripsLinesAndSpecialPackets() throws ProtocolException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PktLine.write(out, "# service=git-upload-pack\n");
    PktLine.flush(out);
    PktLine.write(out, "no newline");
    out.writeBytes(ascii("00010002"));
    PktLine.Reader r = new PktLine.Reader(out.toByteArray());
    assertEquals(PktLine.Kind.DATA, r.next());
    assertEquals("# service=git-upload-pack", r.text(), "the trailing LF is not part of the text");
    assertEquals(26, r.length());
    assertEquals(PktLine.Kind.FLUSH, r.next());
    assertEquals(PktLine.Kind.DATA, r.next());
    assertEquals("no newline", r.text());
    assertEquals(PktLine.Kind.DELIM, r.next());
    assertEquals(PktLine.Kind.RESPONSE_END, r.next());
    assertFalse(r.hasNext());
  }

  @Test
  void readsBinaryPayloadsAndUppercaseHex() throws ProtocolException {
    PktLine.Reader r =
        new PktLine.Reader(new byte[] {'0', '0', '0', 'A', 1, 'P', 'A', 'C', 'K', 0});
    assertEquals(PktLine.Kind.DATA, r.next());
    assertEquals(6, r.length());
    assertEquals(1, r.byteAt(0));
    assertEquals('K', r.byteAt(4));
    assertEquals(0, r.byteAt(5));
  }

  @Test
  void largestLineFitsAndOneMoreByteDoesNot() throws ProtocolException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PktLine.write(out, new byte[PktLine.MAX_PAYLOAD]);
    assertEquals("fff0", new String(out.toByteArray(), 0, 4, StandardCharsets.US_ASCII));
    PktLine.Reader r = new PktLine.Reader(out.toByteArray());
    assertEquals(PktLine.Kind.DATA, r.next());
    assertEquals(PktLine.MAX_PAYLOAD, r.length());
    assertThrows(
        IllegalArgumentException.class,
        () -> PktLine.write(new ByteArrayOutputStream(), new byte[PktLine.MAX_PAYLOAD + 1]));
    assertThrows(ProtocolException.class, () -> new PktLine.Reader(ascii("fff1")).next());
  }

  @ParameterizedTest
  @ValueSource(strings = {"00", "000", "0009abc", "zz10abcdefghijkl", "0003", "-001x", "00 8abcd"})
  void rejectsMalformedInput(String input) {
    PktLine.Reader r = new PktLine.Reader(ascii(input));
    assertTrue(r.hasNext());
    assertThrows(ProtocolException.class, r::next);
  }

  @Test
  void readsWithinARange() throws ProtocolException {
    byte[] buf = ascii("xx0006ab0000yy");
    PktLine.Reader r = new PktLine.Reader(buf, 2, 12);
    assertEquals(PktLine.Kind.DATA, r.next());
    assertEquals("ab", r.text());
    assertEquals(PktLine.Kind.FLUSH, r.next());
    assertFalse(r.hasNext());
    assertEquals(12, r.position());
  }
}
