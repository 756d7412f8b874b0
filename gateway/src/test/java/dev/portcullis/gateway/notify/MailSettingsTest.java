package dev.portcullis.gateway.notify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.LocalTime;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code --smtp-url}, {@code --mail-from} and the SMTP credentials, checked at start-up. */
class MailSettingsTest {
  @Test
  void noUrlIsMailOff() {
    List<String> errors = new ArrayList<>();
    assertSame(MailSettings.OFF, MailSettings.parse(null, null, null, null, errors));
    assertEquals(List.of(), errors);
    assertFalse(MailSettings.OFF.enabled());
    MailSettings.parse(null, "a@example.test", null, null, errors);
    assertEquals(List.of("--mail-from needs --smtp-url"), errors);
  }

  @ParameterizedTest(name = "{0} → {1}:{2}")
  @CsvSource({
    "smtp://mail.example.test, smtp, 25",
    "smtp://mail.example.test:2525, smtp, 2525",
    "smtps://mail.example.test, smtps, 465",
    "SMTPS://mail.example.test:4650/, smtps, 4650",
  })
  void urlsGiveProtocolHostAndPort(String url, String protocol, int port) {
    List<String> errors = new ArrayList<>();
    MailSettings m = MailSettings.parse(url, "portcullis@example.test", "u", "pw", errors);
    assertEquals(List.of(), errors);
    assertTrue(m.enabled());
    assertEquals(protocol, m.protocol());
    assertEquals("mail.example.test", m.host());
    assertEquals(port, m.port());
  }

  @Test
  void everyProblemIsReportedAndNoneEchoesAPassword() {
    List<String> errors = new ArrayList<>();
    MailSettings m =
        MailSettings.parse(
            "smtp://me:hunter2@mail.example.test", "not an address", null, "pw", errors);
    assertSame(MailSettings.OFF, m);
    assertEquals(3, errors.size(), errors::toString);
    assertTrue(errors.get(0).startsWith("--smtp-url must be smtp://host[:port]"), errors::toString);
    assertTrue(errors.get(1).startsWith("--mail-from must be an e-mail address"), errors::toString);
    assertEquals("PORTCULLIS_SMTP_PASSWORD needs PORTCULLIS_SMTP_USER", errors.get(2));
    assertFalse(errors.toString().contains("hunter2"));

    errors.clear();
    MailSettings.parse("http://mail.example.test", null, null, null, errors);
    assertEquals(2, errors.size(), errors::toString);
    assertTrue(errors.get(1).startsWith("--smtp-url needs --mail-from"), errors::toString);
  }

  @Test
  void toStringHidesThePassword() {
    MailSettings m =
        MailSettings.parse(
            "smtps://mail.example.test", "p@example.test", "mailer", "s3cret", new ArrayList<>());
    assertFalse(m.toString().contains("s3cret"), m.toString());
    assertTrue(m.toString().contains("password=********"), m.toString());
  }

  @Test
  void theDigestTimeIsHoursAndMinutesUtc() {
    List<String> errors = new ArrayList<>();
    assertEquals(LocalTime.of(9, 0), MailSettings.parseDigestTime(null, errors));
    assertEquals(LocalTime.of(7, 30), MailSettings.parseDigestTime("07:30", errors));
    assertEquals(LocalTime.of(23, 59), MailSettings.parseDigestTime("23:59", errors));
    assertEquals(List.of(), errors);
    for (String bad : List.of("24:00", "9:00", "09:60", "09:00:00", "noon", "")) {
      errors.clear();
      MailSettings.parseDigestTime(bad, errors);
      assertEquals(
          List.of("--digest-time must be HH:MM (UTC, 00:00–23:59), not '" + bad + "'"), errors);
    }
    MailSettings m =
        MailSettings.parse("smtp://mail.example.test", "p@example.test", null, null, errors)
            .withDigestTime(LocalTime.of(6, 15));
    assertEquals(LocalTime.of(6, 15), m.digestTime());
    assertEquals(
        LocalTime.of(6, 15), m.withPollInterval(java.time.Duration.ofSeconds(1)).digestTime());
  }
}
