package dev.portcullis.gateway.notify;

import dev.portcullis.policy.admin.RequestDigests;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.time.LocalTime;
import java.util.List;
import java.util.Locale;

/**
 * How notifications are mailed, or {@link #OFF}. The SMTP password comes from the environment,
 * never from the command line, and {@link #toString} does not print it.
 *
 * @param protocol {@code smtp} (STARTTLS when the server offers it) or {@code smtps} (TLS from the
 *     start); null when mail is off
 * @param from the sender address of every mail
 * @param user the SMTP user, or null to send without authentication
 * @param password the SMTP password, with {@code user}
 * @param pollInterval how often the outbox is looked at for due notifications
 * @param digestTime when (UTC) the daily digest of pending token requests goes out
 */
public record MailSettings(
    String protocol,
    String host,
    int port,
    String from,
    String user,
    String password,
    Duration pollInterval,
    LocalTime digestTime) {
  /** The default {@link #pollInterval}: a mail goes out within seconds of its change. */
  public static final Duration POLL_INTERVAL = Duration.ofSeconds(2);

  /**
   * How often expiry reminders and the digest are looked for: a reminder goes out within minutes of
   * its stage, the digest within minutes of its time.
   */
  public static final Duration SCAN_INTERVAL = Duration.ofMinutes(5);

  /** No {@code --smtp-url}: nothing is sent, notifications stay queued in the outbox. */
  public static final MailSettings OFF =
      new MailSettings(null, null, 0, null, null, null, POLL_INTERVAL);

  /** Settings with the digest at {@link RequestDigests#DEFAULT_TIME}. */
  public MailSettings(
      String protocol,
      String host,
      int port,
      String from,
      String user,
      String password,
      Duration pollInterval) {
    this(protocol, host, port, from, user, password, pollInterval, RequestDigests.DEFAULT_TIME);
  }

  /** Whether mail is sent at all. */
  public boolean enabled() {
    return protocol != null;
  }

  /** The same settings polling the outbox at another interval (tests). */
  public MailSettings withPollInterval(Duration interval) {
    return new MailSettings(protocol, host, port, from, user, password, interval, digestTime);
  }

  /** The same settings with the digest at {@code time} (UTC). */
  public MailSettings withDigestTime(LocalTime time) {
    return new MailSettings(protocol, host, port, from, user, password, pollInterval, time);
  }

  /**
   * The time of {@code --digest-time}: {@code HH:MM}, UTC (null: the default); a problem is added
   * to {@code errors}.
   */
  public static LocalTime parseDigestTime(String value, List<String> errors) {
    if (value == null) {
      return RequestDigests.DEFAULT_TIME;
    }
    if (value.matches("([01][0-9]|2[0-3]):[0-5][0-9]")) {
      return LocalTime.parse(value);
    }
    errors.add("--digest-time must be HH:MM (UTC, 00:00–23:59), not '" + value + "'");
    return RequestDigests.DEFAULT_TIME;
  }

  /**
   * The settings of {@code --smtp-url} (null or blank: {@link #OFF}), {@code --mail-from} and the
   * credentials taken from the environment; every problem is added to {@code errors}.
   */
  public static MailSettings parse(
      String smtpUrl, String from, String user, String password, List<String> errors) {
    if (smtpUrl == null || smtpUrl.isBlank()) {
      if (from != null) {
        errors.add("--mail-from needs --smtp-url");
      }
      return OFF;
    }
    int before = errors.size();
    String problem =
        "--smtp-url must be smtp://host[:port] or smtps://host[:port] (credentials come from "
            + "PORTCULLIS_SMTP_USER and PORTCULLIS_SMTP_PASSWORD)";
    URI u = null;
    try {
      u = new URI(smtpUrl);
    } catch (URISyntaxException e) {
      errors.add(problem);
    }
    String scheme =
        u == null || u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
    if (u != null
        && (!(scheme.equals("smtp") || scheme.equals("smtps"))
            || u.getHost() == null
            || u.getRawUserInfo() != null
            || !(u.getRawPath() == null || u.getRawPath().isEmpty() || u.getRawPath().equals("/"))
            || u.getRawQuery() != null)) {
      // Never echo the URL: it may carry a password someone put there.
      errors.add(problem);
    }
    if (from == null || from.isBlank()) {
      errors.add("--smtp-url needs --mail-from (the sender address of notifications)");
    } else {
      try {
        new InternetAddress(from, true).validate();
      } catch (AddressException e) {
        errors.add("--mail-from must be an e-mail address, not '" + from + "'");
      }
    }
    if (password != null && user == null) {
      errors.add("PORTCULLIS_SMTP_PASSWORD needs PORTCULLIS_SMTP_USER");
    }
    if (errors.size() > before) {
      return OFF;
    }
    int port = u.getPort() != -1 ? u.getPort() : scheme.equals("smtps") ? 465 : 25;
    return new MailSettings(scheme, u.getHost(), port, from, user, password, POLL_INTERVAL);
  }

  @Override
  public String toString() {
    return enabled()
        ? "MailSettings["
            + protocol
            + "://"
            + host
            + ":"
            + port
            + ", from="
            + from
            + ", user="
            + (user == null ? "none" : user)
            + ", password="
            + (password == null ? "none" : "********")
            + "]"
        : "MailSettings[off]";
  }
}
