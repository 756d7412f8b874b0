package dev.portcullis.gateway.cli;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.util.ContextInitializer;
import ch.qos.logback.core.joran.spi.JoranException;
import dev.portcullis.gateway.GatewayConfig;
import dev.portcullis.gateway.Limits;
import dev.portcullis.gateway.notify.MailSettings;
import dev.portcullis.gateway.notify.WebhookSettings;
import dev.portcullis.policy.access.CacheSettings;
import dev.portcullis.policy.access.FailedAuthLimiter;
import dev.portcullis.policy.admin.SessionSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

/** The options {@code serve} and {@code demo} share. */
final class ServerOptions {
  /** Read by {@link Main#commandLine} before parsing; declared here for parsing and help. */
  @Option(
      names = ConfigFile.OPTION,
      paramLabel = "FILE",
      description =
          "take these options from a properties file: one 'name = value' per option, named without"
              + " its dashes (port = 8443); options given here override it")
  Path config;

  @Option(
      names = "--port",
      description = "HTTPS port (default ${DEFAULT-VALUE}; 0 = any free port)",
      defaultValue = "8443")
  int port;

  @Option(
      names = "--http-port",
      description =
          "also serve plain HTTP on this port (tests, or behind a TLS-terminating balancer)")
  Integer httpPort;

  @Option(
      names = "--bind",
      description = "address to listen on (default ${DEFAULT-VALUE}; 0.0.0.0 for every interface)",
      defaultValue = "127.0.0.1")
  String bind;

  @Option(
      names = "--data",
      description =
          "data directory: embedded database, repositories, TLS material, admin token (default ${DEFAULT-VALUE})",
      defaultValue = "./data")
  Path data;

  @Option(
      names = "--repositories",
      description =
          "bare repositories directory, shared by all nodes (default: <data>/repositories)")
  Path repositories;

  @Option(
      names = "--tls-cert",
      description = "PEM certificate chain (default: a self-signed certificate under <data>/tls)")
  Path tlsCert;

  @Option(names = "--tls-key", description = "PEM private key for --tls-cert")
  Path tlsKey;

  @Option(
      names = "--db",
      description =
          "JDBC URL of a shared store, e.g. jdbc:postgresql://127.0.0.1:5432/portcullis (default: embedded H2 under <data>/db)")
  String db;

  @Option(
      names = "--db-user",
      description = "store user (or env PORTCULLIS_DB_USER)",
      defaultValue = "${env:PORTCULLIS_DB_USER}")
  String dbUser;

  @Option(
      names = "--db-password",
      description = "store password (better: env PORTCULLIS_DB_PASSWORD)",
      defaultValue = "${env:PORTCULLIS_DB_PASSWORD}",
      arity = "0..1",
      interactive = false)
  String dbPassword;

  @Option(
      names = "--no-anonymous-read",
      description = "require credentials even to read public repositories")
  boolean noAnonymousRead;

  @Option(
      names = "--cache-max-tokens",
      description = "token cache entries (default ${DEFAULT-VALUE})",
      defaultValue = "200000")
  long cacheMaxTokens;

  @Option(
      names = "--cache-max-entries",
      description = "entries of each other decision-input cache (default ${DEFAULT-VALUE})",
      defaultValue = "50000")
  long cacheMaxEntries;

  @Option(
      names = "--cache-ttl-seconds",
      description = "backstop lifetime of any cache entry (default ${DEFAULT-VALUE})",
      defaultValue = "300")
  long cacheTtlSeconds;

  @Option(
      names = "--max-threads",
      description = "HTTP worker threads (default ${DEFAULT-VALUE})",
      defaultValue = "200")
  int maxThreads;

  @Option(
      names = "--max-pack-size",
      description =
          "largest pack a push may send, e.g. 2g, 500m, 0 = no limit (default ${DEFAULT-VALUE})",
      defaultValue = "2g")
  String maxPackSize;

  @Option(
      names = "--max-object-size",
      description = "largest object in a push (default ${DEFAULT-VALUE})",
      defaultValue = "512m")
  String maxObjectSize;

  @Option(
      names = "--max-auth-failures",
      description =
          "refused credentials per client address (or token) within the window; past it further refused credentials get 429 instead of 401 (valid ones still pass), 0 = off (default ${DEFAULT-VALUE})",
      defaultValue = "50")
  int maxAuthFailures;

  @Option(
      names = "--auth-failure-window-seconds",
      description =
          "how long each refused credential counts; a success erases none (default ${DEFAULT-VALUE})",
      defaultValue = "300")
  long authFailureWindowSeconds;

  @Option(
      names = "--min-data-rate",
      description =
          "slowest request/response transfer in bytes/s before a connection is dropped, 0 = off (default ${DEFAULT-VALUE})",
      defaultValue = "0")
  long minDataRate;

  @Option(
      names = "--idle-timeout-seconds",
      description = "idle connection timeout (default ${DEFAULT-VALUE})",
      defaultValue = "60")
  long idleTimeoutSeconds;

  @Option(
      names = "--max-request-seconds",
      description =
          "the longest a git request may take before its connection is closed (default ${DEFAULT-VALUE})",
      defaultValue = "3600")
  long maxRequestSeconds;

  @Option(
      names = "--max-requests-per-client",
      description =
          "requests one client address (behind --trusted-proxies: the forwarded client) may have in flight at once; past it 429, 0 = no cap, for load tests driving many clients from one machine (default ${DEFAULT-VALUE})",
      defaultValue = "" + Limits.DEFAULT_MAX_REQUESTS_PER_CLIENT)
  int maxRequestsPerClient;

  @Option(
      names = "--min-body-rate",
      description =
          "slowest arrival in bytes/s of the request bodies anyone may send (API calls, git-upload-pack requests), judged after the first second; slower ones get 408, 0 = off (default ${DEFAULT-VALUE})",
      defaultValue = "" + Limits.DEFAULT_MIN_BODY_RATE)
  long minBodyRate;

  @Option(
      names = "--api-body-timeout-seconds",
      description =
          "the longest an API request body (at most 1 MiB) may take to arrive; later 408 (default ${DEFAULT-VALUE})",
      defaultValue = "10")
  long apiBodyTimeoutSeconds;

  @Option(
      names = "--max-api-request-seconds",
      description =
          "the longest an API request may take before its connection is closed (default ${DEFAULT-VALUE})",
      defaultValue = "60")
  long maxApiRequestSeconds;

  @Option(
      names = "--audit-each-read",
      description =
          "audit every allowed read, and every refusal of a request without a valid credential, as its own row (default: "
              + "one row with a count per token, repository, client and minute for reads, per repository, reason, client and minute for those refusals)")
  boolean auditEachRead;

  @Option(
      names = "--trusted-proxies",
      split = ",",
      paramLabel = "CIDR",
      description =
          "proxies (addresses or CIDR blocks, comma-separated) whose X-Forwarded-For names the client (and X-Forwarded-Host/-Proto the public URL when --public-url is not given); from any other peer those headers are ignored (default: none)")
  List<String> trustedProxies;

  @Option(
      names = "--public-url",
      paramLabel = "URL",
      description =
          "scheme://host[:port] clients reach the gateway at, for the absolute URLs of API answers (Link headers, url and clone_url fields); default: the listener's own address, never the Host header")
  String publicUrl;

  @Option(
      names = "--metrics-port",
      paramLabel = "PORT",
      description =
          "serve /metrics, /healthz and /readyz on a plain-HTTP listener of their own on --bind's address, and no longer on the public listeners (default: served on the public listeners)")
  Integer metricsPort;

  @Option(
      names = "--web-console",
      paramLabel = "on|off",
      description =
          "serve the web console: sign-in and settings pages at /login and /settings (default ${DEFAULT-VALUE}; off for API-only deployments)",
      defaultValue = "on")
  String webConsole;

  @Option(
      names = "--session-idle-hours",
      description =
          "a console session ends after this many hours without a request (default ${DEFAULT-VALUE})",
      defaultValue = "8")
  long sessionIdleHours;

  @Option(
      names = "--session-max-days",
      description =
          "a console session ends this many days after sign-in, however used (default ${DEFAULT-VALUE})",
      defaultValue = "14")
  long sessionMaxDays;

  @Option(
      names = "--smtp-url",
      paramLabel = "URL",
      description =
          "mail notifications (approvals, denials, revocations, leaked tokens, expiry reminders, the owners' daily digest) through this SMTP server: smtp://host[:port] (STARTTLS when offered) or smtps://host[:port]; its user and password come from the environment, PORTCULLIS_SMTP_USER and PORTCULLIS_SMTP_PASSWORD, never from the command line (default: no mail; notifications stay queued)")
  String smtpUrl;

  @Option(
      names = "--mail-from",
      paramLabel = "ADDRESS",
      description = "the sender address of notification mails (required with --smtp-url)")
  String mailFrom;

  @Option(
      names = "--digest-time",
      paramLabel = "HH:MM",
      description =
          "when (UTC) organization owners get the daily digest of pending token requests, with --smtp-url (default 09:00)")
  String digestTime;

  @Option(
      names = "--allow-private-webhooks",
      description =
          "let organization webhooks reach loopback, link-local and private addresses (refused by default, at creation and at every delivery)")
  boolean allowPrivateWebhooks;

  @Option(
      names = "--webhook-delivery",
      paramLabel = "on|off",
      description =
          "deliver organization webhooks from this node (default ${DEFAULT-VALUE}; off for nodes without outbound access: deliveries stay queued for the nodes that have it)",
      defaultValue = "on")
  String webhookDelivery;

  @Option(
      names = "--audit-file",
      description = "also append every audit event to this JSON-lines file")
  Path auditFile;

  /** How log lines are written. */
  enum LogFormat {
    text,
    json
  }

  @Option(
      names = "--log-format",
      paramLabel = "text|json",
      description =
          "log lines as text (default) or one JSON object per line, for log shippers (also PORTCULLIS_LOG_FORMAT)")
  LogFormat logFormat;

  /**
   * Switches the log format when {@code --log-format} asks for one: logging is configured again
   * with it, before the gateway writes its first line.
   */
  void applyLogFormat() throws JoranException {
    if (logFormat == null) {
      return;
    }
    System.setProperty("portcullis.logFormat", logFormat.name());
    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext logging) {
      logging.reset();
      new ContextInitializer(logging).autoConfig();
    }
  }

  static long bytes(String option, String value) {
    String v = value.trim().toLowerCase(java.util.Locale.ROOT);
    long unit = 1;
    if (v.endsWith("k")) {
      unit = 1024;
    } else if (v.endsWith("m")) {
      unit = 1024 * 1024;
    } else if (v.endsWith("g")) {
      unit = 1024L * 1024 * 1024;
    }
    String digits = unit == 1 ? v : v.substring(0, v.length() - 1);
    try {
      long n = Long.parseLong(digits);
      if (n < 0) {
        throw new NumberFormatException();
      }
      return Math.multiplyExact(n, unit);
    } catch (NumberFormatException | ArithmeticException e) {
      throw new IllegalArgumentException(
          option + " must be a size such as 512m or 2g, not '" + value + "'");
    }
  }

  GatewayConfig toConfig() {
    if (!webConsole.equals("on") && !webConsole.equals("off")) {
      throw new IllegalArgumentException(
          "--web-console must be on or off, not '" + webConsole + "'");
    }
    if (!webhookDelivery.equals("on") && !webhookDelivery.equals("off")) {
      throw new IllegalArgumentException(
          "--webhook-delivery must be on or off, not '" + webhookDelivery + "'");
    }
    if (sessionIdleHours < 1 || sessionMaxDays < 1) {
      throw new IllegalArgumentException(
          "--session-idle-hours and --session-max-days must be at least 1");
    }
    CacheSettings caches =
        new CacheSettings(cacheMaxTokens, cacheMaxEntries, Duration.ofSeconds(cacheTtlSeconds));
    List<String> errors = new ArrayList<>();
    MailSettings mail =
        MailSettings.parse(
            smtpUrl,
            mailFrom,
            blankToNull(System.getenv("PORTCULLIS_SMTP_USER")),
            blankToNull(System.getenv("PORTCULLIS_SMTP_PASSWORD")),
            errors);
    mail = mail.withDigestTime(MailSettings.parseDigestTime(digestTime, errors));
    GatewayConfig config;
    try {
      config = gatewayConfig(caches, mail);
    } catch (IllegalArgumentException e) {
      errors.add(0, e.getMessage());
      config = null;
    }
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", errors));
    }
    return config;
  }

  private static String blankToNull(String s) {
    return s == null || s.isBlank() ? null : s;
  }

  private GatewayConfig gatewayConfig(CacheSettings caches, MailSettings mail) {
    return new GatewayConfig(
        bind,
        port,
        httpPort,
        data,
        repositories,
        tlsCert,
        tlsKey,
        db,
        dbUser,
        dbPassword,
        !noAnonymousRead,
        caches,
        Duration.ofSeconds(10),
        maxThreads,
        new Limits(
            bytes("--max-pack-size", maxPackSize),
            bytes("--max-object-size", maxObjectSize),
            new FailedAuthLimiter.Settings(
                maxAuthFailures,
                Duration.ofSeconds(Math.max(1, authFailureWindowSeconds)),
                100_000),
            minDataRate,
            Duration.ofSeconds(Math.max(1, idleTimeoutSeconds)),
            Duration.ofSeconds(Math.max(1, maxRequestSeconds)),
            auditEachRead,
            maxRequestsPerClient,
            minBodyRate,
            Duration.ofSeconds(Math.max(1, apiBodyTimeoutSeconds)),
            Duration.ofSeconds(Math.max(1, maxApiRequestSeconds))),
        auditFile,
        trustedProxies,
        publicUrl,
        metricsPort,
        webConsole.equals("on"),
        new SessionSettings(Duration.ofHours(sessionIdleHours), Duration.ofDays(sessionMaxDays)),
        mail,
        WebhookSettings.DEFAULT
            .withAllowPrivate(allowPrivateWebhooks)
            .withDeliver(webhookDelivery.equals("on")));
  }
}
