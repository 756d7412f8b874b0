package dev.portcullis.gateway.notify;

import jakarta.mail.Message;
import jakarta.mail.MessagingException;
import jakarta.mail.Session;
import jakarta.mail.Transport;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeBodyPart;
import jakarta.mail.internet.MimeMessage;
import jakarta.mail.internet.MimeMultipart;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import java.util.Properties;

/**
 * Mails over SMTP with Jakarta Mail (Eclipse Angus): {@code multipart/alternative} with a
 * plain-text and an HTML part. {@code smtp} upgrades to TLS with STARTTLS when the server offers
 * it; {@code smtps} speaks TLS from the start; both check the server's certificate names its host.
 * Timeouts bound every step, so a stuck server cannot hold the sender.
 */
final class SmtpMailer implements Mailer {
  private final MailSettings settings;
  private final Session session;

  SmtpMailer(MailSettings settings) {
    this.settings = settings;
    String p = settings.protocol();
    Properties props = new Properties();
    props.put("mail.transport.protocol", p);
    props.put("mail." + p + ".host", settings.host());
    props.put("mail." + p + ".port", Integer.toString(settings.port()));
    props.put("mail." + p + ".from", settings.from());
    props.put("mail." + p + ".connectiontimeout", "10000");
    props.put("mail." + p + ".timeout", "30000");
    props.put("mail." + p + ".writetimeout", "30000");
    props.put("mail." + p + ".auth", Boolean.toString(settings.user() != null));
    props.put("mail." + p + ".ssl.checkserveridentity", "true");
    if (p.equals("smtp")) {
      props.put("mail.smtp.starttls.enable", "true");
    }
    this.session = Session.getInstance(props);
  }

  @Override
  public void send(MailMessage m) throws MessagingException {
    MimeMessage msg = new MimeMessage(session);
    msg.setFrom(new InternetAddress(settings.from()));
    msg.setRecipient(Message.RecipientType.TO, new InternetAddress(m.to(), true));
    msg.setSubject(m.subject(), StandardCharsets.UTF_8.name());
    msg.setSentDate(new Date());
    MimeBodyPart text = new MimeBodyPart();
    text.setText(m.text(), StandardCharsets.UTF_8.name(), "plain");
    MimeBodyPart html = new MimeBodyPart();
    html.setText(m.html(), StandardCharsets.UTF_8.name(), "html");
    MimeMultipart body = new MimeMultipart("alternative", text, html);
    msg.setContent(body);
    msg.saveChanges();
    if (settings.user() == null) {
      Transport.send(msg);
    } else {
      Transport.send(msg, settings.user(), settings.password());
    }
  }
}
