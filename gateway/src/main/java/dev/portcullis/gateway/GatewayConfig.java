package dev.portcullis.gateway;

import dev.portcullis.gateway.notify.MailSettings;
import dev.portcullis.gateway.notify.WebhookSettings;
import dev.portcullis.policy.access.CacheSettings;
import dev.portcullis.policy.admin.SessionSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The gateway's configuration: one immutable value built at start-up, validated with every error
 * reported at once.
 *
 * @param bind address to listen on
 * @param httpsPort HTTPS port, 0 for a free one
 * @param httpPort plain-HTTP port, 0 for a free one, {@code null} for none
 * @param dataDir the embedded database, repositories, TLS material and admin token
 * @param repositoriesDir where bare repositories live ({@code null}: {@code
 *     <dataDir>/repositories}); nodes share it
 * @param tlsCert PEM certificate chain, or {@code null} to use a generated self-signed one
 * @param tlsKey PEM private key, with {@code tlsCert}
 * @param dbUrl a JDBC URL, or {@code null} for the embedded H2 store under {@code dataDir}
 * @param auditFile a JSON-lines file that also receives every audit event, or {@code null}
 * @param anonymousRead whether public repositories can be read without credentials
 * @param trustedProxies addresses and CIDR blocks of the proxies whose {@code X-Forwarded-For} (and
 *     {@code X-Forwarded-Host}/{@code -Proto}) are believed; empty: none
 * @param publicUrl {@code scheme://host[:port]} that absolute URLs in API answers start with, or
 *     {@code null}: the listener's own address (or a trusted proxy's forwarded host)
 * @param metricsPort a plain-HTTP port of its own for {@code /metrics}, {@code /healthz} and {@code
 *     /readyz} (0 for a free one), which the public listeners then no longer serve, or {@code null}
 *     to serve them on the public listeners
 * @param webConsole whether the web console (sign-in and settings pages) is served
 * @param sessions how long console sessions last
 * @param mail how notifications are mailed ({@link MailSettings#OFF}: not at all)
 * @param webhooks how organization webhooks are delivered ({@code --allow-private-webhooks})
 */
public record GatewayConfig(
    String bind,
    int httpsPort,
    Integer httpPort,
    Path dataDir,
    Path repositoriesDir,
    Path tlsCert,
    Path tlsKey,
    String dbUrl,
    String dbUser,
    String dbPassword,
    boolean anonymousRead,
    CacheSettings caches,
    Duration lastUsedFlushInterval,
    int maxThreads,
    Limits limits,
    Path auditFile,
    List<String> trustedProxies,
    String publicUrl,
    Integer metricsPort,
    boolean webConsole,
    SessionSettings sessions,
    MailSettings mail,
    WebhookSettings webhooks) {

  public GatewayConfig {
    if (webhooks == null) {
      webhooks = WebhookSettings.DEFAULT;
    }
    List<String> errors = new ArrayList<>();
    if (bind == null || bind.isBlank()) {
      errors.add("--bind must name an address");
    }
    if (httpsPort < 0 || httpsPort > 65535) {
      errors.add("--port must be 0–65535, not " + httpsPort);
    }
    if (metricsPort != null && (metricsPort < 0 || metricsPort > 65535)) {
      errors.add("--metrics-port must be 0–65535, not " + metricsPort);
    }
    if (metricsPort != null
        && metricsPort != 0
        && (metricsPort == httpsPort || metricsPort.equals(httpPort))) {
      errors.add("--metrics-port must differ from --port and --http-port");
    }
    if (httpPort != null && (httpPort < 0 || httpPort > 65535)) {
      errors.add("--http-port must be 0–65535, not " + httpPort);
    }
    if (httpPort != null && httpPort != 0 && httpPort == httpsPort) {
      errors.add("--http-port and --port must differ");
    }
    if (dataDir == null) {
      errors.add("--data must be given");
    }
    if ((tlsCert == null) != (tlsKey == null)) {
      errors.add("--tls-cert and --tls-key go together");
    }
    if (dbUrl != null && !dbUrl.startsWith("jdbc:")) {
      errors.add("--db must be a JDBC URL (jdbc:postgresql://host/db), not " + dbUrl);
    }
    if (caches == null) {
      errors.add("cache settings are required");
    }
    if (lastUsedFlushInterval == null
        || lastUsedFlushInterval.isNegative()
        || lastUsedFlushInterval.isZero()) {
      errors.add("the last-used flush interval must be positive");
    }
    if (limits == null) {
      errors.add("limits are required");
    }
    if (sessions == null) {
      errors.add("session settings are required");
    }
    if (mail == null) {
      mail = MailSettings.OFF;
    }
    if (maxThreads < 8 || maxThreads > 10_000) {
      errors.add("--max-threads must be 8–10000, not " + maxThreads);
    }
    trustedProxies = trustedProxies == null ? List.of() : List.copyOf(trustedProxies);
    TrustedProxies.parse(trustedProxies, errors);
    publicUrl = PublicUrl.normalize(publicUrl, errors);
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", errors));
    }
  }

  /** Defaults for a data directory: HTTPS on 8443 on loopback, embedded store. */
  public static GatewayConfig defaults(Path dataDir) {
    return new GatewayConfig(
        "127.0.0.1",
        8443,
        null,
        dataDir,
        null,
        null,
        null,
        null,
        null,
        null,
        true,
        CacheSettings.DEFAULT,
        Duration.ofSeconds(10),
        200,
        Limits.DEFAULT,
        null,
        List.of(),
        null,
        null,
        true,
        SessionSettings.DEFAULT,
        MailSettings.OFF,
        WebhookSettings.DEFAULT);
  }

  /** A copy with some components changed: what every {@code with…} method below is made of. */
  private static final class Copy {
    String bind;
    int httpsPort;
    Integer httpPort;
    Path dataDir;
    Path repositoriesDir;
    Path tlsCert;
    Path tlsKey;
    String dbUrl;
    String dbUser;
    String dbPassword;
    boolean anonymousRead;
    CacheSettings caches;
    Duration lastUsedFlushInterval;
    int maxThreads;
    Limits limits;
    Path auditFile;
    List<String> trustedProxies;
    String publicUrl;
    Integer metricsPort;
    boolean webConsole;
    SessionSettings sessions;
    MailSettings mail;
    WebhookSettings webhooks;

    Copy(GatewayConfig c) {
      bind = c.bind;
      httpsPort = c.httpsPort;
      httpPort = c.httpPort;
      dataDir = c.dataDir;
      repositoriesDir = c.repositoriesDir;
      tlsCert = c.tlsCert;
      tlsKey = c.tlsKey;
      dbUrl = c.dbUrl;
      dbUser = c.dbUser;
      dbPassword = c.dbPassword;
      anonymousRead = c.anonymousRead;
      caches = c.caches;
      lastUsedFlushInterval = c.lastUsedFlushInterval;
      maxThreads = c.maxThreads;
      limits = c.limits;
      auditFile = c.auditFile;
      trustedProxies = c.trustedProxies;
      publicUrl = c.publicUrl;
      metricsPort = c.metricsPort;
      webConsole = c.webConsole;
      sessions = c.sessions;
      mail = c.mail;
      webhooks = c.webhooks;
    }

    GatewayConfig build() {
      return new GatewayConfig(
          bind,
          httpsPort,
          httpPort,
          dataDir,
          repositoriesDir,
          tlsCert,
          tlsKey,
          dbUrl,
          dbUser,
          dbPassword,
          anonymousRead,
          caches,
          lastUsedFlushInterval,
          maxThreads,
          limits,
          auditFile,
          trustedProxies,
          publicUrl,
          metricsPort,
          webConsole,
          sessions,
          mail,
          webhooks);
    }
  }

  private GatewayConfig with(java.util.function.Consumer<Copy> change) {
    Copy c = new Copy(this);
    change.accept(c);
    return c.build();
  }

  public GatewayConfig withPorts(int https, Integer http) {
    return with(
        c -> {
          c.httpsPort = https;
          c.httpPort = http;
        });
  }

  public GatewayConfig withWebhooks(WebhookSettings settings) {
    return with(c -> c.webhooks = settings);
  }

  public GatewayConfig withAnonymousRead(boolean anonymous) {
    return with(c -> c.anonymousRead = anonymous);
  }

  public GatewayConfig withAuditFile(Path file) {
    return with(c -> c.auditFile = file);
  }

  public GatewayConfig withCaches(CacheSettings caches) {
    return with(c -> c.caches = caches);
  }

  public GatewayConfig withLimits(Limits limits) {
    return with(c -> c.limits = limits);
  }

  public GatewayConfig withStore(String url, String user, String password, Path repositories) {
    return with(
        c -> {
          c.dbUrl = url;
          c.dbUser = user;
          c.dbPassword = password;
          c.repositoriesDir = repositories;
        });
  }

  public GatewayConfig withTrustedProxies(List<String> proxies) {
    return with(c -> c.trustedProxies = proxies);
  }

  public GatewayConfig withPublicUrl(String url) {
    return with(c -> c.publicUrl = url);
  }

  public GatewayConfig withMetricsPort(Integer port) {
    return with(c -> c.metricsPort = port);
  }

  public GatewayConfig withMaxThreads(int threads) {
    return with(c -> c.maxThreads = threads);
  }

  public GatewayConfig withWebConsole(boolean on) {
    return with(c -> c.webConsole = on);
  }

  public GatewayConfig withSessions(SessionSettings settings) {
    return with(c -> c.sessions = settings);
  }

  public GatewayConfig withMail(MailSettings settings) {
    return with(c -> c.mail = settings);
  }

  /** The parsed {@link #trustedProxies}. */
  public TrustedProxies proxies() {
    return TrustedProxies.parse(trustedProxies, null);
  }

  @Override
  public String toString() {
    return "GatewayConfig[bind="
        + bind
        + ", port="
        + httpsPort
        + ", httpPort="
        + httpPort
        + ", data="
        + dataDir
        + ", db="
        + (dbUrl == null ? "embedded" : dbUrl)
        + ", anonymousRead="
        + anonymousRead
        + ", webConsole="
        + webConsole
        + ", mail="
        + mail
        + "]";
  }
}
