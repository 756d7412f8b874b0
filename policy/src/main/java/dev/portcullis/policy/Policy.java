package dev.portcullis.policy;

import com.github.benmanes.caffeine.cache.Ticker;
import dev.portcullis.policy.access.AccessService;
import dev.portcullis.policy.access.CacheSettings;
import dev.portcullis.policy.access.ChangeBus;
import dev.portcullis.policy.access.FailedAuthLimiter;
import dev.portcullis.policy.access.LastUsedRecorder;
import dev.portcullis.policy.access.PolicyCache;
import dev.portcullis.policy.admin.Admin;
import dev.portcullis.policy.admin.SessionSettings;
import dev.portcullis.policy.audit.AuditEvent;
import dev.portcullis.policy.audit.AuditLog;
import dev.portcullis.policy.decision.AccessEvaluator;
import dev.portcullis.policy.store.Database;
import dev.portcullis.policy.store.PolicyStore;
import dev.portcullis.policy.store.PolicyStores;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The policy module, assembled: the store, the caches and the change bus between nodes, the access
 * service of the hot path, the management use cases, the audit log and the failed-authentication
 * limiter. The gateway builds it with {@link #open} and never constructs the parts itself.
 */
public final class Policy implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Policy.class);

  /**
   * What the policy module is built from.
   *
   * @param dataDir where the embedded store keeps its databases ({@code <dataDir>/db}); unused with
   *     {@code dbUrl}
   * @param dbUrl a shared store's JDBC URL ({@code jdbc:postgresql:…} for several nodes), or {@code
   *     null} for the embedded H2 store
   * @param countReads count allowed reads and credential-less refusals per minute in the audit log
   *     instead of writing a row for each
   * @param auditSinks where audit batches also go (e.g. a JSON-lines file)
   * @param sessions how long console sessions last
   */
  public record Settings(
      Path dataDir,
      String dbUrl,
      String dbUser,
      String dbPassword,
      CacheSettings caches,
      boolean anonymousRead,
      boolean countReads,
      List<Consumer<List<AuditEvent>>> auditSinks,
      FailedAuthLimiter.Settings failedAuth,
      SessionSettings sessions) {
    public Settings {
      Objects.requireNonNull(caches, "caches");
      Objects.requireNonNull(failedAuth, "failedAuth");
      Objects.requireNonNull(sessions, "sessions");
      auditSinks = List.copyOf(auditSinks);
      if (dbUrl == null) {
        Objects.requireNonNull(dataDir, "the embedded store needs a data directory");
      }
    }
  }

  private final Database database;
  private final Database auditDatabase;
  private final PolicyCache cache;
  private final ChangeBus bus;
  private final LastUsedRecorder lastUsed;
  private final AuditLog audit;
  private final Admin admin;
  private final AccessService access;
  private final FailedAuthLimiter limiter;
  private final Clock clock;

  private Policy(Settings settings, Clock clock) {
    this.clock = clock;
    boolean embedded = settings.dbUrl() == null;
    this.database =
        embedded
            ? Database.embedded(settings.dataDir().resolve("db"))
            : Database.open(settings.dbUrl(), settings.dbUser(), settings.dbPassword(), 16);
    PolicyStore store = PolicyStores.jdbc(database.dataSource());
    this.cache = new PolicyCache(store, settings.caches(), Ticker.systemTicker());
    this.lastUsed = new LastUsedRecorder(store, Duration.ofMinutes(1));
    if (!embedded && settings.dbUrl().startsWith("jdbc:postgresql:")) {
      this.bus =
          ChangeBus.postgres(
              cache,
              database.dataSource(),
              settings.dbUrl(),
              settings.dbUser(),
              settings.dbPassword(),
              Duration.ofSeconds(10));
    } else {
      if (!embedded) {
        LOG.warn(
            "change events are only shared between nodes on PostgreSQL; run a single node on {}",
            settings.dbUrl());
      }
      this.bus = ChangeBus.local(cache);
    }
    // The embedded audit log has its own database: its write-heavy stream never delays a policy
    // change.
    this.auditDatabase = embedded ? Database.embeddedAudit(settings.dataDir().resolve("db")) : null;
    this.audit =
        new AuditLog(
            (embedded ? auditDatabase : database).dataSource(),
            100_000,
            settings.auditSinks(),
            settings.countReads());
    this.limiter = new FailedAuthLimiter(settings.failedAuth(), Ticker.systemTicker());
    this.admin =
        new Admin(
            store,
            bus::publish,
            clock,
            new SecureRandom(),
            lastUsed::pendingFor,
            audit::record,
            PolicyStores.signIn(database.dataSource()),
            limiter,
            settings.sessions());
    this.access =
        new AccessService(cache, new AccessEvaluator(settings.anonymousRead()), lastUsed, clock);
  }

  /** Opens the store (running its migrations) and assembles everything around it. */
  public static Policy open(Settings settings, Clock clock) {
    return new Policy(settings, clock);
  }

  /** The hot path: authentication and the access decision. */
  public AccessService access() {
    return access;
  }

  /** The management use cases. */
  public Admin admin() {
    return admin;
  }

  public AuditLog audit() {
    return audit;
  }

  public FailedAuthLimiter limiter() {
    return limiter;
  }

  /** The decision-input caches (their statistics are metrics). */
  public PolicyCache cache() {
    return cache;
  }

  /** The store's connection pool (readiness and pool metrics). */
  public DataSource dataSource() {
    return database.dataSource();
  }

  /** The store's JDBC URL, without credentials. */
  public String storeUrl() {
    return database.url();
  }

  /** Whether change events from other nodes are received (always true on a single node). */
  public boolean changesConnected() {
    return bus.connected();
  }

  /** Writes the last-used times noted in memory; returns how many tokens were written. */
  public int flushLastUsed() {
    return lastUsed.flush(clock.instant());
  }

  @Override
  public void close() {
    bus.close();
    audit.close();
    if (auditDatabase != null) {
      auditDatabase.close();
    }
    try {
      flushLastUsed();
    } catch (RuntimeException e) {
      LOG.warn("could not flush last-used times at shutdown: {}", e.toString());
    }
    database.close();
  }
}
