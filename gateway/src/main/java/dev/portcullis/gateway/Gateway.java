package dev.portcullis.gateway;

import dev.portcullis.gateway.api.ApiServlet;
import dev.portcullis.gateway.api.OrgWebhooksApi;
import dev.portcullis.gateway.console.ConsoleServlet;
import dev.portcullis.gateway.git.GitAccessFilter;
import dev.portcullis.gateway.git.GitServlets;
import dev.portcullis.gateway.git.RequestWatchdog;
import dev.portcullis.gateway.notify.MailSchedule;
import dev.portcullis.gateway.notify.MailSettings;
import dev.portcullis.gateway.notify.NotificationSender;
import dev.portcullis.gateway.notify.WebhookSecrets;
import dev.portcullis.gateway.notify.WebhookSender;
import dev.portcullis.gateway.ops.AuditFileSink;
import dev.portcullis.gateway.ops.GatewayMetrics;
import dev.portcullis.gateway.ops.HealthServlet;
import dev.portcullis.gateway.ops.MetricsServlet;
import dev.portcullis.gateway.tls.TlsMaterial;
import dev.portcullis.gateway.tls.TlsReloader;
import dev.portcullis.policy.Policy;
import dev.portcullis.policy.access.AccessService;
import dev.portcullis.policy.admin.Admin;
import dev.portcullis.policy.admin.CreatedToken;
import dev.portcullis.policy.admin.SetupLink;
import dev.portcullis.policy.audit.AuditLog;
import dev.portcullis.policy.model.Actor;
import dev.portcullis.policy.store.PolicyStores;
import dev.portcullis.policy.store.WebhookStore;
import dev.portcullis.repos.RepositoryMaintenance;
import dev.portcullis.repos.RepositoryStorage;
import jakarta.servlet.DispatcherType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.server.handler.ContextHandlerCollection;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The composition root: store, caches, services, repositories and the Jetty server, in one place.
 */
public final class Gateway implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Gateway.class);
  public static final String ADMIN_TOKEN_FILE = "admin-token";
  public static final String ENDPOINT_FILE = "gateway.properties";

  /** What the log (once, at start) and {@code /readyz} say when mail is off. */
  static final String MAIL_OFF = "mail is off (no --smtp-url)";

  private final GatewayConfig config;
  private final Policy policy;
  private final RepositoryStorage storage;
  private final RepositoryMaintenance maintenance;
  private final ScheduledExecutorService scheduler;
  private final Server server;
  private final ServerConnector httpsConnector;
  private final ServerConnector httpConnector;
  private final ServerConnector operationsConnector;
  private final TlsMaterial tls;
  private final TlsReloader tlsReloader;
  private final AuditFileSink auditFile;
  private final GatewayMetrics metrics;
  private final DataDirectoryLock dataLock;
  private final NotificationSender notifications;
  private final MailSchedule mailSchedule;
  private final OrgWebhooksApi webhooksApi;
  private final WebhookStore webhookStore;
  private final WebhookSecrets webhookSecrets;
  private final WebhookSender webhooks;
  private final ScheduledExecutorService webhookTimer;
  private Optional<CreatedToken> bootstrapToken = Optional.empty();
  private Optional<SetupLink> bootstrapSetupLink = Optional.empty();

  /** The listeners, data directory and store once started, for the stop line; null before. */
  private volatile String serving;

  private Gateway(GatewayConfig config, DataDirectoryLock dataLock) throws Exception {
    this.config = config;
    this.dataLock = dataLock;
    Path data = config.dataDir().toAbsolutePath();
    Clock clock = Clock.systemUTC();
    this.auditFile = config.auditFile() == null ? null : new AuditFileSink(config.auditFile());
    this.policy =
        Policy.open(
            new Policy.Settings(
                data,
                config.dbUrl(),
                config.dbUser(),
                config.dbPassword(),
                config.caches(),
                config.anonymousRead(),
                !config.limits().auditEachRead(),
                auditFile == null ? List.of() : List.of(auditFile),
                config.limits().failedAuth(),
                config.sessions()),
            clock);
    RepositoryStorage.configureJGit(256L * 1024 * 1024);
    // On PostgreSQL, nodes may share the repositories; the embedded store means one node owns them.
    boolean sharedStorage = config.dbUrl() != null;
    // Replaced packs then stay an hour (JGit's default), so no node deletes a pack another is
    // reading.
    this.storage =
        new RepositoryStorage(
            config.repositoriesDir() != null
                ? config.repositoriesDir()
                : data.resolve("repositories"),
            sharedStorage ? Duration.ofHours(1) : Duration.ZERO);
    privateDirectory(storage.root());
    if (config.dbUrl() == null) {
      privateDirectory(data.resolve("db"));
    }
    if (config.tlsCert() == null) {
      privateDirectory(data.resolve("tls"));
    }
    this.maintenance = new RepositoryMaintenance(storage, Duration.ofMinutes(10));
    // A killed process may have left lock files. A single node owns its repositories, so every lock
    // is stale at start; nodes sharing storage only clear locks no live update could still hold.
    int locks = storage.removeStaleLocks(sharedStorage ? Duration.ofMinutes(10) : Duration.ZERO);
    if (locks > 0) {
      LOG.warn("removed {} stale lock file(s) left by an earlier crash", locks);
    }
    this.tls =
        config.tlsCert() == null
            ? TlsMaterial.selfSigned(data.resolve("tls"))
            : TlsMaterial.fromPem(config.tlsCert(), config.tlsKey());
    // Two threads: a mail server slow to answer (up to its timeouts) holds one, and the last-used
    // flush, session expiry and certificate reloads go on on the other.
    ScheduledThreadPoolExecutor timers =
        new ScheduledThreadPoolExecutor(
            2,
            r -> {
              Thread t = new Thread(r, "portcullis-maintenance");
              t.setDaemon(true);
              return t;
            });
    this.scheduler = timers;
    long every = config.lastUsedFlushInterval().toMillis();
    scheduler.scheduleWithFixedDelay(policy::flushLastUsed, every, every, TimeUnit.MILLISECONDS);
    scheduler.scheduleWithFixedDelay(this::deleteExpiredSessions, 10, 10 * 60, TimeUnit.SECONDS);

    this.metrics = new GatewayMetrics(policy.cache(), policy.dataSource());
    this.mailSchedule =
        new MailSchedule(
            policy.admin().expiryReminders(),
            config.mail().enabled() ? policy.admin().digests() : null,
            clock,
            config.mail().digestTime());
    if (config.mail().enabled()) {
      this.notifications =
          NotificationSender.smtp(
              config.mail(), policy.admin().notifications(), clock, this::publicBaseUrl);
      metrics.notifications(
          policy.admin().notifications()::failedCount,
          notifications::sent,
          notifications::failedAttempts);
    } else {
      this.notifications = null;
      metrics.notifications(policy.admin().notifications()::failedCount, () -> 0, () -> 0);
      LOG.info("{}: notifications are kept in the store and sent by a node with mail", MAIL_OFF);
    }

    // Organization webhooks: every node delivers (on a thread of its own, since a receiver may take
    // its 10 s); the outbox's leases keep nodes from attempting the same delivery at once.
    this.webhookStore = PolicyStores.webhooks(policy.dataSource());
    this.webhookSecrets = new WebhookSecrets(data, System.getenv());
    this.webhooksApi =
        new OrgWebhooksApi(
            policy.admin(),
            PolicyStores.jdbc(policy.dataSource()),
            webhookStore,
            webhookSecrets,
            policy.audit(),
            clock,
            config.webhooks().allowPrivate(),
            this::publicBaseUrl);
    this.webhooks = newWebhookSender(clock, WebhookSender.RETRIES);
    metrics.webhooks(
        () -> webhookStore.count(WebhookStore.FAILED),
        webhooks::delivered,
        webhooks::failedAttempts);
    this.webhookTimer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "portcullis-webhooks");
              t.setDaemon(true);
              return t;
            });

    QueuedThreadPool threads = new QueuedThreadPool(config.maxThreads(), 8);
    threads.setName("portcullis-http");
    this.server = new Server(threads);
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    http.setSendXPoweredBy(false);
    http.setRequestHeaderSize(16 * 1024);
    http.setResponseHeaderSize(16 * 1024);
    // No per-connection cache of request header fields. Jetty's would keep the Authorization
    // fields a connection sent and by default match a new one against them ignoring letter case
    // (a credential differing from an earlier one only in case would be handed over as the earlier
    // one: HeaderCacheTest); made case-sensitive, it inserts every new credential into a trie, a
    // cost paid on each request of a client that rotates tokens, to save one string per request
    // of a client that does not.
    http.setHeaderCacheSize(0);
    // A client that sends or reads slower than this cannot hold a thread for long.
    http.setMinRequestDataRate(config.limits().minDataRateBytesPerSecond());
    http.setMinResponseDataRate(config.limits().minDataRateBytesPerSecond());
    // The client address every part of the gateway records and limits by, and the base of the
    // absolute URLs the API writes (never taken from the Host header).
    http.addCustomizer(new RequestOrigin(config.proxies(), config.publicUrl()));
    HttpConfiguration https = new HttpConfiguration(http);
    https.addCustomizer(new SecureRequestCustomizer());
    SslContextFactory.Server ssl = new SslContextFactory.Server();
    ssl.setKeyStore(tls.keyStore());
    ssl.setKeyStorePassword(tls.keyStorePassword());
    ssl.setKeyManagerPassword(tls.keyStorePassword());
    ssl.setIncludeProtocols("TLSv1.3", "TLSv1.2");
    // TLS 1.2 with AEAD suites only (GCM, ChaCha20-Poly1305): no CBC, beside Jetty's exclusions.
    ssl.addExcludeCipherSuites("^.*_CBC_.*$");
    Path certFile = config.tlsCert() != null ? config.tlsCert() : tls.certificateFile();
    Path keyFile =
        config.tlsKey() != null
            ? config.tlsKey()
            : data.resolve("tls").resolve(TlsMaterial.KEY_FILE_NAME);
    this.tlsReloader = new TlsReloader(ssl, tls, certFile, keyFile);
    tlsReloader.scheduleOn(scheduler);
    this.httpsConnector =
        new ServerConnector(
            server, new SslConnectionFactory(ssl, "http/1.1"), new HttpConnectionFactory(https));
    httpsConnector.setHost(config.bind());
    httpsConnector.setPort(config.httpsPort());
    httpsConnector.setIdleTimeout(config.limits().idleTimeout().toMillis());
    server.addConnector(httpsConnector);
    if (config.httpPort() != null) {
      this.httpConnector = new ServerConnector(server, new HttpConnectionFactory(http));
      httpConnector.setHost(config.bind());
      httpConnector.setPort(config.httpPort());
      httpConnector.setIdleTimeout(config.limits().idleTimeout().toMillis());
      server.addConnector(httpConnector);
    } else {
      this.httpConnector = null;
    }

    Limits limits = config.limits();
    // Past their longest duration, git requests and API calls have their connection closed.
    RequestWatchdog watchdog =
        new RequestWatchdog(
            scheduler,
            limits.maxApiRequestDuration().compareTo(limits.maxRequestDuration()) < 0
                ? limits.maxApiRequestDuration()
                : limits.maxRequestDuration());
    ServletContextHandler context = new ServletContextHandler(ServletContextHandler.NO_SESSIONS);
    context.setContextPath("/");
    ServletHolder api =
        new ServletHolder(
            "api",
            new ApiServlet(
                policy.admin(),
                policy.access(),
                storage,
                clock,
                policy.limiter(),
                policy.audit(),
                watchdog,
                limits.maxApiRequestDuration(),
                limits.apiBodyTimeout(),
                limits.minBodyRateBytesPerSecond(),
                webhooksApi));
    // The API reads request bodies asynchronously: a slow body holds no thread while it arrives.
    api.setAsyncSupported(true);
    context.addServlet(api, "/api/v3/*");
    if (config.webConsole()) {
      ConsoleServlet servlet = new ConsoleServlet(policy.admin(), clock);
      ServletHolder console = new ServletHolder("console", servlet);
      for (String path : servlet.paths()) {
        context.addServlet(console, path);
      }
    }
    context.addServlet(
        new ServletHolder(
            "git", GitServlets.create(storage, config.limits(), policy.admin().tokens())),
        "/*");
    // With --metrics-port, metrics and health have a listener of their own (operators keep it
    // internal) and the public listeners answer them 404; without it they share the public one.
    ServletContextHandler operations =
        config.metricsPort() == null
            ? context
            : new ServletContextHandler(ServletContextHandler.NO_SESSIONS);
    operations.setContextPath("/");
    operations.addServlet(new ServletHolder("metrics", new MetricsServlet(metrics)), "/metrics");
    ServletHolder health =
        new ServletHolder(
            "health",
            new HealthServlet(
                policy.dataSource(),
                policy::changesConnected,
                config.mail().enabled() ? List.of() : List.of(MAIL_OFF)));
    operations.addServlet(health, "/healthz");
    operations.addServlet(health, "/readyz");
    FilterHolder filter =
        new FilterHolder(
            new GitAccessFilter(
                policy.access(),
                policy.limiter(),
                metrics,
                policy.audit(),
                "Portcullis",
                maintenance,
                watchdog,
                limits.maxRequestDuration(),
                limits.minBodyRateBytesPerSecond()));
    filter.setName("git-access");
    context.getServletHandler().addFilter(filter, filterMapping(filter));
    GatewayErrorHandler errors = new GatewayErrorHandler();
    server.setErrorHandler(errors);
    context.setErrorHandler(errors);
    // What one client address may hold of the public listeners at a time.
    if (limits.maxRequestsPerClient() > 0) {
      context.insertHandler(new ClientRequestLimit(limits.maxRequestsPerClient(), metrics));
    }
    if (config.metricsPort() == null) {
      this.operationsConnector = null;
      server.setHandler(context);
    } else {
      this.operationsConnector = new ServerConnector(server, new HttpConnectionFactory(http));
      operationsConnector.setName("operations");
      operationsConnector.setHost(config.bind());
      operationsConnector.setPort(config.metricsPort());
      operationsConnector.setIdleTimeout(config.limits().idleTimeout().toMillis());
      server.addConnector(operationsConnector);
      httpsConnector.setName("public");
      if (httpConnector != null) {
        httpConnector.setName("public");
      }
      context.setVirtualHosts(List.of("@public"));
      operations.setVirtualHosts(List.of("@operations"));
      operations.setErrorHandler(errors);
      server.setHandler(new ContextHandlerCollection(context, operations));
    }
    server.setStopTimeout(5_000);
  }

  /**
   * Creates {@code dir} readable by this user only (0700), or takes group and other access away
   * from an existing one: what lies below it (the store's token digests, repositories, the TLS key)
   * is then out of other local users' reach whatever modes its files were created with.
   */
  private static void privateDirectory(Path dir) throws IOException {
    Files.createDirectories(dir);
    try {
      Set<PosixFilePermission> now = Files.getPosixFilePermissions(dir);
      Set<PosixFilePermission> ownerOnly =
          EnumSet.of(
              PosixFilePermission.OWNER_READ,
              PosixFilePermission.OWNER_WRITE,
              PosixFilePermission.OWNER_EXECUTE);
      if (!ownerOnly.equals(now)) {
        Files.setPosixFilePermissions(dir, ownerOnly);
        LOG.info(
            "{} is now readable by its owner only (was {})",
            dir,
            PosixFilePermissions.toString(now));
      }
    } catch (UnsupportedOperationException e) {
      // Not a POSIX file system: its own access control applies.
    }
  }

  private void deleteExpiredSessions() {
    try {
      policy.admin().sessions().deleteExpired();
    } catch (RuntimeException e) {
      LOG.warn("could not remove expired console sessions: {}", e.toString());
    }
  }

  /** The SHA-256 fingerprint of the certificate being served. */
  public String servedCertificateFingerprint() {
    return tlsReloader.servedFingerprint();
  }

  /** The access filter guards every path except the REST API. */
  private static org.eclipse.jetty.ee10.servlet.FilterMapping filterMapping(FilterHolder holder) {
    org.eclipse.jetty.ee10.servlet.FilterMapping m =
        new org.eclipse.jetty.ee10.servlet.FilterMapping();
    m.setFilterName(holder.getName());
    m.setServletName("git");
    m.setDispatcherTypes(EnumSet.of(DispatcherType.REQUEST));
    return m;
  }

  /**
   * Builds and starts a gateway. The checks an operator can act on come first, before anything is
   * written: every port is free, and no other gateway serves the data directory. The site
   * administrator of a first start is created once the listeners are up, so a start that fails
   * never leaves an administrator whose token nobody saw.
   *
   * @throws StartupException when a port is in use or another gateway holds the data directory
   */
  public static Gateway start(GatewayConfig config) throws Exception {
    checkFree(config.bind(), config.httpsPort());
    checkFree(config.bind(), config.httpPort());
    checkFree(config.bind(), config.metricsPort());
    Path data = config.dataDir().toAbsolutePath();
    // Token digests, repositories and keys: no other local user reads them.
    privateDirectory(data);
    DataDirectoryLock lock = DataDirectoryLock.acquire(data);
    Gateway g;
    try {
      g = new Gateway(config, lock);
    } catch (Exception | Error e) {
      lock.close();
      throw e;
    }
    try {
      g.server.start();
    } catch (Exception e) {
      g.close();
      if (causedBy(e, BindException.class)) {
        // Taken between the check and the bind.
        throw new StartupException("a port on " + config.bind() + " is in use: " + e.getMessage());
      }
      throw e;
    }
    g.bootstrapToken = g.policy.admin().bootstrapAdmin();
    g.bootstrapToken.ifPresent(t -> writeSecret(data.resolve(ADMIN_TOKEN_FILE), t.plaintext()));
    // The admin's way into the console: a one-time link, shown once beside the token.
    if (g.bootstrapToken.isPresent() && config.webConsole()) {
      g.bootstrapSetupLink =
          Optional.of(g.policy.admin().passwords().createSetupLink(Actor.SYSTEM, "admin"));
    }
    g.startNotifications();
    g.startWebhooks();
    g.startMailSchedule();
    g.writeEndpoint();
    g.serving = g.describeServing();
    LOG.info("Portcullis {} started: {}", version(), g.serving);
    return g;
  }

  /**
   * What the start and stop lines name: the listeners, the data directory and the store (its URL
   * without a password).
   */
  private String describeServing() {
    return httpsUrl()
        + (httpConnector == null ? "" : " and " + httpUrl())
        + (operationsConnector == null ? "" : ", metrics and health on " + metricsUrl())
        + " (data "
        + config.dataDir()
        + ", store "
        + policy.storeUrl().replaceAll("password=[^;&]*", "password=…")
        + ")";
  }

  /**
   * Runs the webhook sender on its thread, unless the configuration turns it off (tests). A node
   * without mail also looks for due expiry reminders, whose webhook events it delivers (a node with
   * mail does so with its digests); their unique keys make that safe on any number of nodes.
   */
  private void startWebhooks() {
    if (!config.webhooks().deliver()) {
      return;
    }
    long every = config.webhooks().pollInterval().toMillis();
    webhookTimer.scheduleWithFixedDelay(webhooks::deliverDue, every, every, TimeUnit.MILLISECONDS);
  }

  /**
   * The scan for due reminders and digests, on a node that sends mail or delivers webhooks (a
   * reminder is both a mail and a webhook event): a first look one poll interval after start, then
   * every {@link MailSettings#SCAN_INTERVAL}.
   */
  private void startMailSchedule() {
    Duration first;
    if (notifications != null) {
      first = config.mail().pollInterval();
    } else if (config.webhooks().deliver()) {
      first = config.webhooks().pollInterval();
    } else {
      return;
    }
    scheduler.scheduleWithFixedDelay(
        mailSchedule::run,
        first.toMillis(),
        MailSettings.SCAN_INTERVAL.toMillis(),
        TimeUnit.MILLISECONDS);
  }

  /**
   * A webhook sender like this node's, on {@code clock} with these retry delays: tests drive one to
   * move time instead of waiting.
   */
  public WebhookSender newWebhookSender(Clock clock, List<Duration> retries) {
    return new WebhookSender(
        webhookStore,
        webhooksApi::render,
        webhookSecrets,
        clock,
        config.webhooks().allowPrivate(),
        retries,
        version());
  }

  /**
   * Runs the notification sender, and the look for due reminders and digests, on the scheduler,
   * when mail is on.
   */
  private void startNotifications() {
    if (notifications == null) {
      return;
    }
    long every = config.mail().pollInterval().toMillis();
    scheduler.scheduleWithFixedDelay(
        notifications::deliverDue, every, every, TimeUnit.MILLISECONDS);
    LOG.info(
        "mail is on: notifications go through {}://{}:{} from {}, the digest at {} UTC",
        config.mail().protocol(),
        config.mail().host(),
        config.mail().port(),
        config.mail().from(),
        config.mail().digestTime());
  }

  /** The base of links written outside a request (mails): {@code --public-url} or the listener. */
  private String publicBaseUrl() {
    return config.publicUrl() != null ? config.publicUrl() : httpsUrl();
  }

  /** The version in the gateway jar's manifest ({@code dev} when run from classes). */
  public static String version() {
    String v = Gateway.class.getPackage().getImplementationVersion();
    return v == null ? "dev" : v;
  }

  /** Refuses a port that is in use, with the one line an operator needs (port 0: any free one). */
  private static void checkFree(String host, Integer port) throws StartupException {
    if (port == null || port == 0) {
      return;
    }
    try (ServerSocket probe = new ServerSocket()) {
      // As Jetty binds: a port whose last connections linger in TIME_WAIT is free.
      probe.setReuseAddress(true);
      probe.bind(new InetSocketAddress(host, port));
    } catch (BindException e) {
      throw new StartupException("port " + port + " on " + host + " is in use");
    } catch (IOException | IllegalArgumentException e) {
      throw new StartupException("cannot listen on " + host + ":" + port + ": " + e.getMessage());
    }
  }

  private static boolean causedBy(Throwable e, Class<? extends Throwable> type) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (type.isInstance(t)) {
        return true;
      }
    }
    return false;
  }

  private void writeEndpoint() throws IOException {
    String props =
        "url="
            + httpsUrl()
            + "\n"
            + "ca="
            + tls.certificateFile().toAbsolutePath()
            + "\n"
            + (httpConnector == null ? "" : "http_url=" + httpUrl() + "\n");
    Path target = config.dataDir().toAbsolutePath().resolve(ENDPOINT_FILE);
    Path tmp = Files.createTempFile(target.getParent(), ".endpoint", ".tmp");
    Files.writeString(tmp, props, StandardCharsets.UTF_8);
    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  private static void writeSecret(Path file, String secret) {
    try {
      Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
      Files.deleteIfExists(tmp);
      try {
        Files.createFile(
            tmp,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } catch (UnsupportedOperationException e) {
        Files.createFile(tmp);
      }
      Files.writeString(tmp, secret + "\n", StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + file, e);
    }
  }

  public String httpsUrl() {
    return "https://" + urlHost() + ":" + httpsConnector.getLocalPort();
  }

  /**
   * The base URL of the metrics and health listener, or {@code null} without {@code
   * --metrics-port}.
   */
  public String metricsUrl() {
    return operationsConnector == null
        ? null
        : "http://" + urlHost() + ":" + operationsConnector.getLocalPort();
  }

  /** The plain-HTTP base URL, or {@code null} when there is no HTTP listener. */
  public String httpUrl() {
    return httpConnector == null
        ? null
        : "http://" + urlHost() + ":" + httpConnector.getLocalPort();
  }

  private String urlHost() {
    String b = config.bind();
    if (b.equals("0.0.0.0") || b.equals("::") || b.equals("127.0.0.1")) {
      return "127.0.0.1";
    }
    return b.contains(":") ? "[" + b + "]" : b;
  }

  /** The data directory as configured (for messages). */
  public String dataDirForDisplay() {
    return config.dataDir().toString();
  }

  public Path certificateFile() {
    return tls.certificateFile();
  }

  public Admin admin() {
    return policy.admin();
  }

  public AccessService access() {
    return policy.access();
  }

  /** Whether change events from other nodes are received (readiness). */
  public boolean changeListenerConnected() {
    return policy.changesConnected();
  }

  /** Background repository GC (tests run it at once). */
  public RepositoryMaintenance maintenance() {
    return maintenance;
  }

  /** The audit log (tests flush it). */
  public AuditLog audit() {
    return policy.audit();
  }

  public RepositoryStorage storage() {
    return storage;
  }

  /**
   * The token created at first start, if this start created it (its plaintext is also in the
   * admin-token file).
   */
  public Optional<CreatedToken> bootstrapToken() {
    return bootstrapToken;
  }

  /**
   * The URL of the one-time link with which {@code admin} chooses a console password, if this start
   * created the admin (and the console is on): shown once, never stored in plain.
   */
  public Optional<String> bootstrapSetupUrl() {
    String base = publicBaseUrl();
    return bootstrapSetupLink.map(l -> base + l.path());
  }

  /** Flushes pending last-used times now (tests, shutdown). */
  public int flushLastUsed() {
    return policy.flushLastUsed();
  }

  public void join() throws InterruptedException {
    server.join();
  }

  @Override
  public void close() {
    try {
      server.stop();
    } catch (Exception e) {
      LOG.warn("error stopping the server: {}", e.toString());
    }
    scheduler.shutdownNow();
    webhookTimer.shutdownNow();
    maintenance.close();
    policy.close();
    if (auditFile != null) {
      auditFile.close();
    }
    dataLock.close();
    if (serving != null) {
      LOG.info("Portcullis {} stopped: {}", version(), serving);
    } else {
      LOG.info("Portcullis {} stopped before serving (data {})", version(), config.dataDir());
    }
  }
}
