package dev.portcullis.policy.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Base64;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Parsing of the {@code Authorization} header: never throws, never keeps or prints a secret. */
class AuthorizationHeaderTest {
  private static final String TOKEN =
      TokenFormat.generate(TokenKind.FINE_GRAINED, new SecureRandom());

  private static String basic(String userColonPassword) {
    return "Basic "
        + Base64.getEncoder().encodeToString(userColonPassword.getBytes(StandardCharsets.UTF_8));
  }

  private static String basicBytes(byte[] raw) {
    return "Basic " + Base64.getEncoder().encodeToString(raw);
  }

  @Test
  void absent() {
    assertSame(AuthorizationHeader.ABSENT, AuthorizationHeader.parse(null));
  }

  @Test
  void basicOk() {
    var b =
        assertInstanceOf(
            AuthorizationHeader.Basic.class, AuthorizationHeader.parse(basic("git:" + TOKEN)));
    assertEquals("git", b.username());
    assertEquals(TOKEN, b.password());
  }

  @Test
  void basicPasswordMayContainColons() {
    var b =
        assertInstanceOf(
            AuthorizationHeader.Basic.class, AuthorizationHeader.parse(basic("u:a:b:c")));
    assertEquals("u", b.username());
    assertEquals("a:b:c", b.password());
  }

  @Test
  void basicWithEmptyUsernameParsesSoTheServiceCanRefuseIt() {
    var b =
        assertInstanceOf(
            AuthorizationHeader.Basic.class, AuthorizationHeader.parse(basic(":" + TOKEN)));
    assertEquals("", b.username());
  }

  @Test
  void basicUtf8Username() {
    var b =
        assertInstanceOf(
            AuthorizationHeader.Basic.class, AuthorizationHeader.parse(basic("jürgen:" + TOKEN)));
    assertEquals("jürgen", b.username());
  }

  @ParameterizedTest
  @ValueSource(strings = {"Basic", "basic", "BASIC", "bAsIc"})
  void basicSchemeIsCaseInsensitive(String scheme) {
    String value =
        scheme
            + " "
            + Base64.getEncoder().encodeToString(("x:" + TOKEN).getBytes(StandardCharsets.UTF_8));
    assertInstanceOf(AuthorizationHeader.Basic.class, AuthorizationHeader.parse(value));
  }

  @Test
  void basicSurroundingWhitespaceIsIgnoredAndNonAsciiBase64Refused() {
    String encoded =
        Base64.getEncoder().encodeToString(("git:" + TOKEN).getBytes(StandardCharsets.UTF_8));
    var b =
        assertInstanceOf(
            AuthorizationHeader.Basic.class,
            AuthorizationHeader.parse("Basic  \t" + encoded + " \t"));
    assertEquals(TOKEN, b.password());
    assertInstanceOf(
        AuthorizationHeader.Malformed.class,
        AuthorizationHeader.parse("Basic " + encoded.substring(0, 4) + "é" + encoded.substring(4)));
    assertInstanceOf(
        AuthorizationHeader.Malformed.class,
        AuthorizationHeader.parse("Basic " + encoded + "\u0100"));
  }

  @Test
  void basicUtf8PasswordAndEquality() {
    var b =
        assertInstanceOf(
            AuthorizationHeader.Basic.class, AuthorizationHeader.parse(basic("jürgen:pässwörd")));
    assertEquals("pässwörd", b.password());
    assertEquals(b, AuthorizationHeader.parse(basic("jürgen:pässwörd")));
    assertFalse(b.equals(AuthorizationHeader.parse(basic("jürgen:passwort"))));
  }

  @Test
  void basicWithoutColon() {
    var m =
        assertInstanceOf(
            AuthorizationHeader.Malformed.class,
            AuthorizationHeader.parse(basic("justatoken" + TOKEN)));
    assertFalse(m.problem().contains(TOKEN));
  }

  @ParameterizedTest
  @ValueSource(strings = {"Basic !!!notbase64!!!", "Basic abc", "Basic a===", "Basic ÿÿÿÿ"})
  void basicWithBadBase64(String value) {
    assertInstanceOf(AuthorizationHeader.Malformed.class, AuthorizationHeader.parse(value));
  }

  @Test
  void basicWithInvalidUtf8() {
    byte[] raw = {'u', ':', (byte) 0xC3, (byte) 0x28, 'x'};
    assertInstanceOf(
        AuthorizationHeader.Malformed.class, AuthorizationHeader.parse(basicBytes(raw)));
    byte[] lone = {'u', ':', (byte) 0xFF};
    assertInstanceOf(
        AuthorizationHeader.Malformed.class, AuthorizationHeader.parse(basicBytes(lone)));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "u:tok\nen",
        "u\r:token",
        "u:token\u0000",
        "u:\u007ftoken",
        "u\t:token",
        "u:\u001b[31m"
      })
  void basicWithControlBytes(String credentials) {
    assertInstanceOf(
        AuthorizationHeader.Malformed.class, AuthorizationHeader.parse(basic(credentials)));
  }

  @Test
  void tooLong() {
    String value = basic("u:" + "a".repeat(5000));
    var m = assertInstanceOf(AuthorizationHeader.Malformed.class, AuthorizationHeader.parse(value));
    assertFalse(m.problem().contains("aaaa"));
    assertInstanceOf(
        AuthorizationHeader.Malformed.class,
        AuthorizationHeader.parse("Bearer " + "a".repeat(AuthorizationHeader.MAX_LENGTH)));
    String justFits = "Bearer " + "a".repeat(AuthorizationHeader.MAX_LENGTH - 7);
    assertEquals(AuthorizationHeader.MAX_LENGTH, justFits.length());
    assertInstanceOf(AuthorizationHeader.BearerToken.class, AuthorizationHeader.parse(justFits));
  }

  @ParameterizedTest
  @ValueSource(strings = {"Bearer", "bearer", "BEARER", "token", "Token", "TOKEN"})
  void bearerAndTokenSchemesAreCaseInsensitive(String scheme) {
    var t =
        assertInstanceOf(
            AuthorizationHeader.BearerToken.class, AuthorizationHeader.parse(scheme + " " + TOKEN));
    assertEquals(TOKEN, t.token());
  }

  @Test
  void bearerSurroundingWhitespaceIsStripped() {
    var t =
        assertInstanceOf(
            AuthorizationHeader.BearerToken.class,
            AuthorizationHeader.parse("Bearer   " + TOKEN + "  "));
    assertEquals(TOKEN, t.token());
  }

  @ParameterizedTest
  @ValueSource(strings = {"Bearer ", "Bearer    ", "token ", "Bearer", "token"})
  void emptyBearer(String value) {
    assertInstanceOf(AuthorizationHeader.Malformed.class, AuthorizationHeader.parse(value));
  }

  @Test
  void bearerWithControlCharacters() {
    assertInstanceOf(
        AuthorizationHeader.Malformed.class, AuthorizationHeader.parse("Bearer abc\u0000def"));
    assertInstanceOf(
        AuthorizationHeader.Malformed.class, AuthorizationHeader.parse("token abc\u007f"));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "Digest username=x",
        "Negotiate abc",
        "Bearer_",
        "",
        " ",
        " Bearer abc",
        "NTLM TlRMTVNTUAAB",
        "Basicabc"
      })
  void unknownOrMissingScheme(String value) {
    assertInstanceOf(AuthorizationHeader.Malformed.class, AuthorizationHeader.parse(value));
  }

  @Test
  void toStringNeverContainsThePasswordOrToken() {
    AuthorizationHeader basic = AuthorizationHeader.parse(basic("git:" + TOKEN));
    assertFalse(basic.toString().contains(TOKEN), basic.toString());
    assertFalse(basic.toString().contains(TOKEN.substring(4, 20)), basic.toString());
    AuthorizationHeader bearer = AuthorizationHeader.parse("Bearer " + TOKEN);
    assertFalse(bearer.toString().contains(TOKEN), bearer.toString());
    assertFalse(bearer.toString().contains(TOKEN.substring(4, 20)), bearer.toString());
    AuthorizationHeader token = AuthorizationHeader.parse("token " + TOKEN);
    assertFalse(token.toString().contains(TOKEN), token.toString());
  }

  @Test
  void malformedNeverEchoesTheHeader() {
    for (String value :
        new String[] {
          "Weird " + TOKEN,
          "Basic " + TOKEN,
          basic(TOKEN),
          basic("u:" + TOKEN + "\n"),
          "Bearer " + TOKEN + "\u0000",
          "Bearer\u0000" + TOKEN
        }) {
      AuthorizationHeader h = AuthorizationHeader.parse(value);
      var m = assertInstanceOf(AuthorizationHeader.Malformed.class, h, value);
      assertFalse(m.problem().contains(TOKEN.substring(4, 20)), m.problem());
      assertFalse(h.toString().contains(TOKEN.substring(4, 20)), h.toString());
    }
  }
}
