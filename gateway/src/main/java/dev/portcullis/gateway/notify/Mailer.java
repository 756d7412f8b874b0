package dev.portcullis.gateway.notify;

import jakarta.mail.MessagingException;

/** Where mails go: SMTP in production. */
interface Mailer {
  /**
   * Sends one message; returns once the server accepted it.
   *
   * @throws MessagingException when it was not accepted (it may be tried again)
   */
  void send(MailMessage message) throws MessagingException;
}
