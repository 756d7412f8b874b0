package dev.portcullis.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetup;
import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;

/**
 * A real SMTP server inside the test JVM (GreenMail) that requires authentication, and the parts of
 * the mails it received.
 */
final class TestMail {
  static final String USER = "mailer";
  static final String PASSWORD = "smtp-Secret-7f3a9c";
  static final String FROM = "portcullis@example.test";

  private TestMail() {}

  /** A port nothing listens on now (so a server can be stopped and started again on it). */
  static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A started SMTP server on {@code port} that knows the gateway's SMTP user. */
  static GreenMail start(int port) {
    GreenMail mail = new GreenMail(new ServerSetup(port, "127.0.0.1", ServerSetup.PROTOCOL_SMTP));
    mail.setUser(FROM, USER, PASSWORD);
    mail.start();
    return mail;
  }

  /** One received mail, decoded. */
  record Mail(String to, String from, String subject, String text, String html, String raw) {}

  static List<Mail> received(GreenMail server) {
    List<Mail> out = new ArrayList<>();
    for (MimeMessage m : server.getReceivedMessages()) {
      out.add(decode(m));
    }
    return out;
  }

  static Mail decode(MimeMessage m) {
    try {
      assertTrue(m.isMimeType("multipart/alternative"), m.getContentType());
      MimeMultipart parts = (MimeMultipart) m.getContent();
      assertEquals(2, parts.getCount(), "a text and an HTML part");
      assertTrue(parts.getBodyPart(0).isMimeType("text/plain"));
      assertTrue(parts.getBodyPart(1).isMimeType("text/html"));
      return new Mail(
          m.getRecipients(Message.RecipientType.TO)[0].toString(),
          m.getFrom()[0].toString(),
          m.getSubject(),
          (String) parts.getBodyPart(0).getContent(),
          (String) parts.getBodyPart(1).getContent(),
          GreenMailUtil.getWholeMessage(m));
    } catch (MessagingException | IOException e) {
      throw new AssertionError("cannot read a received mail", e);
    }
  }
}
