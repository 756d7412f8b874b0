package dev.portcullis.gateway;

import dev.portcullis.gateway.api.ApiServlet;
import dev.portcullis.gateway.git.GitAccessFilter;
import dev.portcullis.gateway.git.GitServlets;
import dev.portcullis.gateway.ops.AuditFileSink;
import dev.portcullis.gateway.ops.GatewayMetrics;
import dev.portcullis.gateway.ops.HealthServlet;
import dev.portcullis.gateway.ops.MetricsServlet;
import dev.portcullis.gateway.tls.TlsMaterial;
import dev.portcullis.policy.AccessEvaluator;
import dev.portcullis.policy.AccessService;
import dev.portcullis.policy.AuditLog;
import dev.portcullis.policy.ChangeBus;
import dev.portcullis.policy.PostgresChangeBus;
import dev.portcullis.policy.CreatedToken;
import dev.portcullis.policy.Database;
import dev.portcullis.policy.FailedAuthLimiter;
import dev.portcullis.policy.LastUsedRecorder;
import dev.portcullis.policy.Management;
import dev.portcullis.policy.PolicyCache;
import dev.portcullis.policy.PolicyStore;
import dev.portcullis.policy.PolicyStores;
import dev.portcullis.repos.RepositoryMaintenance;
import dev.portcullis.repos.RepositoryStorage;
import jakarta.servlet.DispatcherType;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ScheduledExecutorService;
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

  private final GatewayConfig config;
  private final Database database;
  private final PolicyCache cache;
  private final ChangeBus bus;
  private final Management management;
  private final AccessService access;
  private final RepositoryStorage storage;
  private final RepositoryMaintenance maintenance;
  private final LastUsedRecorder lastUsed;
  private final ScheduledExecutorService scheduler;
  private final Server server;
  private final ServerConnector httpsConnector;
  private final ServerConnector httpConnector;
  private final TlsMaterial tls;
  private final FailedAuthLimiter limiter;
  private final SslContextFactory.Server ssl;
  private volatile String tlsStamp;
  private volatile TlsMaterial currentTls;
  private final AuditLog audit;
  private final Database auditDatabase;
  private final AuditFileSink auditFile;
  private final GatewayMetrics metrics;
  private final Optional<CreatedToken> bootstrapToken;

  private Gateway(GatewayConfig config) throws Exception {
    this.config = config;
    Path data = config.dataDir().toAbsolutePath();
    Files.createDirectories(data);
    Clock clock = Clock.systemUTC();
    this.database = config.dbUrl() == null
        ? Database.embedded(data.resolve("db"))
        : Database.open(config.dbUrl(), config.dbUser(), config.dbPassword(), 16);
    PolicyStore store = PolicyStores.jdbc(database.dataSource());
    this.cache = new PolicyCache(store, config.caches(), com.github.benmanes.caffeine.cache.Ticker.systemTicker());
    this.lastUsed = new LastUsedRecorder(store, Duration.ofMinutes(1));
    if (config.dbUrl() != null && config.dbUrl().startsWith("jdbc:postgresql:")) {
      PostgresChangeBus pg = new PostgresChangeBus(cache, database.dataSource(), config.dbUrl(), config.dbUser(), config.dbPassword());
      if (!pg.awaitConnected(Duration.ofSeconds(10))) {
        LOG.warn("the change listener is not connected yet; serving from the store without caching until it is");
      }
      this.bus = pg;
    } else {
      if (config.dbUrl() != null) {
        LOG.warn("change events are only shared between nodes on PostgreSQL; run a single node on {}", config.dbUrl());
      }
      this.bus = ChangeBus.local(cache);
    }
    this.auditFile = config.auditFile() == null ? null : new AuditFileSink(config.auditFile());
    this.auditDatabase = config.dbUrl() == null ? Database.embeddedAudit(data.resolve("db")) : null;
    this.audit = new AuditLog((auditDatabase != null ? auditDatabase : database).dataSource(), 100_000,
        auditFile == null ? List.of() : List.of(auditFile), !config.limits().auditEachRead());
    this.management = new Management(store, bus::publish, clock, new SecureRandom(), lastUsed::pendingFor, audit::record);
    this.access = new AccessService(cache, new AccessEvaluator(config.anonymousRead()), lastUsed, clock);
    RepositoryStorage.configureJGit(256L * 1024 * 1024);
    // On PostgreSQL, nodes may share the repositories; the embedded store means one node owns them.
    boolean sharedStorage = config.dbUrl() != null;
    // Replaced packs then stay an hour (JGit's default), so no node deletes a pack another is reading.
    this.storage = new RepositoryStorage(config.repositoriesDir() != null ? config.repositoriesDir() : data.resolve("repositories"),
        sharedStorage ? Duration.ofHours(1) : Duration.ZERO);
    this.maintenance = new RepositoryMaintenance(storage, Duration.ofMinutes(10));
    // A killed process may have left lock files. A single node owns its repositories, so every lock
    // is stale at start; nodes sharing storage only clear locks no live update could still hold.
    int locks = storage.removeStaleLocks(sharedStorage ? Duration.ofMinutes(10) : Duration.ZERO);
    if (locks > 0) {
      LOG.warn("removed {} stale lock file(s) left by an earlier crash", locks);
    }
    this.tls = config.tlsCert() == null
        ? TlsMaterial.selfSigned(data.resolve("tls"))
        : TlsMaterial.fromPem(config.tlsCert(), config.tlsKey());
    this.bootstrapToken = management.bootstrapAdmin();
    bootstrapToken.ifPresent(t -> writeSecret(data.resolve(ADMIN_TOKEN_FILE), t.plaintext()));

    ScheduledThreadPoolExecutor timers = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "portcullis-maintenance");
      t.setDaemon(true);
      return t;
    });
    // Every git request schedules a deadline and cancels it when done: cancelled ones must leave the queue.
    timers.setRemoveOnCancelPolicy(true);
    this.scheduler = timers;
    long every = config.lastUsedFlushInterval().toMillis();
    scheduler.scheduleWithFixedDelay(() -> lastUsed.flush(clock.instant()), every, every, TimeUnit.MILLISECONDS);

    this.limiter = new FailedAuthLimiter(config.limits().failedAuth(), com.github.benmanes.caffeine.cache.Ticker.systemTicker());
    this.metrics = new GatewayMetrics(cache, database.dataSource());

    QueuedThreadPool threads = new QueuedThreadPool(config.maxThreads(), 8);
    threads.setName("portcullis-http");
    this.server = new Server(threads);
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    http.setSendXPoweredBy(false);
    http.setRequestHeaderSize(16 * 1024);
    http.setResponseHeaderSize(16 * 1024);
    // Jetty keeps the Authorization fields a connection sent and, by default, matches a new one
    // against them ignoring letter case: a credential differing from an earlier one on the same
    // connection only in case would be handed over as the earlier one (HeaderCacheTest).
    http.setHeaderCacheCaseSensitive(true);
    // A client that sends or reads slower than this cannot hold a thread for long.
    http.setMinRequestDataRate(config.limits().minDataRateBytesPerSecond());
    http.setMinResponseDataRate(config.limits().minDataRateBytesPerSecond());
    HttpConfiguration https = new HttpConfiguration(http);
    https.addCustomizer(new SecureRequestCustomizer());
    SslContextFactory.Server ssl = new SslContextFactory.Server();
    ssl.setKeyStore(tls.keyStore());
    ssl.setKeyStorePassword(tls.keyStorePassword());
    ssl.setKeyManagerPassword(tls.keyStorePassword());
    ssl.setIncludeProtocols("TLSv1.3", "TLSv1.2");
    this.ssl = ssl;
    Path certFile = config.tlsCert() != null ? config.tlsCert() : tls.certificateFile();
    Path keyFile = config.tlsKey() != null ? config.tlsKey() : data.resolve("tls").resolve(TlsMaterial.KEY_FILE_NAME);
    this.tlsStamp = stamp(certFile, keyFile);
    scheduler.scheduleWithFixedDelay(() -> reloadTlsIfChanged(certFile, keyFile), 2, 2, TimeUnit.SECONDS);
    this.httpsConnector = new ServerConnector(server, new SslConnectionFactory(ssl, "http/1.1"), new HttpConnectionFactory(https));
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

    ServletContextHandler context = new ServletContextHandler(ServletContextHandler.NO_SESSIONS);
    context.setContextPath("/");
    context.addServlet(new ServletHolder("api", new ApiServlet(management, access, storage, clock, limiter, audit)), "/api/v3/*");
    context.addServlet(new ServletHolder("git", GitServlets.create(storage, config.limits())), "/*");
    context.addServlet(new ServletHolder("metrics", new MetricsServlet(metrics)), "/metrics");
    ServletHolder health = new ServletHolder("health", new HealthServlet(database.dataSource(), bus::connected));
    context.addServlet(health, "/healthz");
    context.addServlet(health, "/readyz");
    FilterHolder filter = new FilterHolder(new GitAccessFilter(access, limiter, metrics, audit, clock, "Portcullis", maintenance::touched,
        scheduler, config.limits().maxRequestDuration()));
    filter.setName("git-access");
    context.getServletHandler().addFilter(filter, filterMapping(filter));
    GatewayErrorHandler errors = new GatewayErrorHandler();
    server.setErrorHandler(errors);
    context.setErrorHandler(errors);
    server.setHandler(context);
    server.setStopTimeout(5_000);
  }

  /** Modification times and sizes of the PEM files, to notice a replacement. */
  private static String stamp(Path cert, Path key) {
    try {
      return Files.getLastModifiedTime(cert).toMillis() + ":" + Files.size(cert) + ":" + Files.getLastModifiedTime(key).toMillis() + ":"
          + Files.size(key);
    } catch (IOException e) {
      return "missing";
    }
  }

  /**
   * Reloads the certificate without a restart when its PEM files change. A replacement that does
   * not load (half-written, mismatched key) is refused and the current certificate stays.
   */
  private void reloadTlsIfChanged(Path cert, Path key) {
    String now = stamp(cert, key);
    if (now.equals(tlsStamp) || now.equals("missing")) {
      return;
    }
    try {
      TlsMaterial next = TlsMaterial.fromPem(cert, key);
      ssl.reload(f -> {
        f.setKeyStore(next.keyStore());
        f.setKeyStorePassword(next.keyStorePassword());
        f.setKeyManagerPassword(next.keyStorePassword());
      });
      tlsStamp = now;
      currentTls = next;
      LOG.info("reloaded the TLS certificate from {} (SHA-256 {})", cert, next.fingerprintSha256());
    } catch (Exception e) {
      tlsStamp = now;
      LOG.error("the TLS certificate in {} could not be loaded; keeping the current one: {}", cert, e.getMessage());
    }
  }

  /** The SHA-256 fingerprint of the certificate being served. */
  public String servedCertificateFingerprint() {
    TlsMaterial t = currentTls;
    return (t != null ? t : tls).fingerprintSha256();
  }

  /** The access filter guards every path except the REST API. */
  private static org.eclipse.jetty.ee10.servlet.FilterMapping filterMapping(FilterHolder holder) {
    org.eclipse.jetty.ee10.servlet.FilterMapping m = new org.eclipse.jetty.ee10.servlet.FilterMapping();
    m.setFilterName(holder.getName());
    m.setServletName("git");
    m.setDispatcherTypes(EnumSet.of(DispatcherType.REQUEST));
    return m;
  }

  /** Builds and starts a gateway. */
  public static Gateway start(GatewayConfig config) throws Exception {
    Gateway g = new Gateway(config);
    try {
      g.server.start();
    } catch (Exception e) {
      g.close();
      throw e;
    }
    g.writeEndpoint();
    LOG.info("Portcullis listening: {}{} (data {}, store {})", g.httpsUrl(),
        g.httpConnector == null ? "" : " and " + g.httpUrl(), config.dataDir(), g.database.url().replaceAll("password=[^;&]*", "password=…"));
    return g;
  }

  private void writeEndpoint() throws IOException {
    String props = "url=" + httpsUrl() + "\n" + "ca=" + tls.certificateFile().toAbsolutePath() + "\n"
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
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
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

  /** The plain-HTTP base URL, or {@code null} when there is no HTTP listener. */
  public String httpUrl() {
    return httpConnector == null ? null : "http://" + urlHost() + ":" + httpConnector.getLocalPort();
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

  public Management management() {
    return management;
  }

  public AccessService access() {
    return access;
  }

  /** Whether change events from other nodes are received (readiness). */
  public boolean changeListenerConnected() {
    return bus.connected();
  }

  /** Background repository GC (tests run it at once). */
  public RepositoryMaintenance maintenance() {
    return maintenance;
  }

  /** The audit log (tests flush it). */
  public AuditLog audit() {
    return audit;
  }

  public PolicyCache cache() {
    return cache;
  }

  public RepositoryStorage storage() {
    return storage;
  }

  /** The token created at first start, if this start created it (its plaintext is also in the admin-token file). */
  public Optional<CreatedToken> bootstrapToken() {
    return bootstrapToken;
  }

  /** Flushes pending last-used times now (tests, shutdown). */
  public int flushLastUsed() {
    return lastUsed.flush(Clock.systemUTC().instant());
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
    maintenance.close();
    bus.close();
    audit.close();
    if (auditDatabase != null) {
      auditDatabase.close();
    }
    if (auditFile != null) {
      auditFile.close();
    }
    try {
      lastUsed.flush(Clock.systemUTC().instant());
    } catch (RuntimeException e) {
      LOG.warn("could not flush last-used times at shutdown: {}", e.toString());
    }
    database.close();
  }
}
