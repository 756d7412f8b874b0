package dev.portcullis.gateway.notify;

/** One mail: its recipient, subject, and the same content as plain text and as HTML. */
record MailMessage(String to, String subject, String text, String html) {}
