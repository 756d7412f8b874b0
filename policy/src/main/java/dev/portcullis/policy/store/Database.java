package dev.portcullis.policy.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.migration.JavaMigration;

/**
 * The connection pool and the schema: an embedded H2 database under the data directory by default,
 * or any JDBC URL. Migrations run at open, so a node always serves the schema it was built for.
 */
public final class Database implements AutoCloseable {
  static {
    // H2 interns every string and number it decodes from a page in a JVM-wide soft cache (hash,
    // compare, SoftReference per value). A cold token lookup in a store larger than the page cache
    // decodes a whole leaf, interning every value of it: with a million tokens, turning it off took
    // the cold decision's p99 from 100 to 65 us (README, Performance). Must be set before H2's
    // classes load; an operator's own -Dh2.objectCache wins.
    if (System.getProperty("h2.objectCache") == null) {
      System.setProperty("h2.objectCache", "false");
    }
  }

  private final HikariDataSource dataSource;
  private final String url;

  private Database(String url, String user, String password, int poolSize) {
    // The policy schema: SQL migrations, and those written in Java (they compute what SQL cannot
    // portably).
    this(url, user, password, poolSize, "classpath:db/migration", new TokensByLookupKey());
  }

  private Database(
      String url,
      String user,
      String password,
      int poolSize,
      String migrations,
      JavaMigration... javaMigrations) {
    HikariConfig cfg = new HikariConfig();
    cfg.setJdbcUrl(url);
    if (user != null) {
      cfg.setUsername(user);
    }
    if (password != null) {
      cfg.setPassword(password);
    }
    cfg.setMaximumPoolSize(poolSize);
    cfg.setPoolName("portcullis-store");
    // Fail fast when the store is down: requests that need it get 503, they do not queue for 30 s.
    cfg.setConnectionTimeout(2_000);
    cfg.setValidationTimeout(1_000);
    cfg.setInitializationFailTimeout(10_000);
    this.dataSource = new HikariDataSource(cfg);
    this.url = url;
    Flyway.configure()
        .dataSource(dataSource)
        .locations(migrations)
        .javaMigrations(javaMigrations)
        .load()
        .migrate();
  }

  /** The embedded H2 store in {@code dir} (created if needed). */
  public static Database embedded(Path dir) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot create the database directory " + dir + ": " + e.getMessage(), e);
    }
    // WRITE_DELAY=0: a commit is on disk before the call that made it returns, so an acknowledged
    // revocation survives a killed process (H2's default delays writes by 500 ms).
    // PAGE_SIZE=4096: H2 splits a page beyond 4 KiB instead of 16 KiB. A cold token lookup in a
    // store far larger than the page cache reads and decodes one whole leaf of the tokens table;
    // with a million tokens the smaller leaves made it cheaper (store hit p99 74 -> 42 us, cold
    // decision p99 101 -> 94 us; README, Performance).
    // H2's default 16 MiB page cache: a 64 MiB one (tried) lives in the Java heap and made every
    // young GC slower: the warm decision lost a third of its throughput with a million tokens in
    // the store.
    String url =
        "jdbc:h2:file:"
            + dir.toAbsolutePath().resolve("portcullis")
            + ";DB_CLOSE_ON_EXIT=FALSE;WRITE_DELAY=0;PAGE_SIZE=4096";
    return new Database(url, "sa", "", 8);
  }

  /**
   * The embedded audit database in {@code dir}: H2's default write delay (the audit stream is
   * write-heavy; a crash may lose its last half second, never a policy change), and a 1 MiB page
   * cache. The audit database is written far more than it is read: every minute it takes a counted
   * row per token used. With H2's default 16 MiB cache the pages of those rows stayed cached in the
   * Java heap for seconds, and each young GC copied them again until they were old: at 10,000
   * tokens about 13 MiB per minute, young GC pauses of 12 ms instead of 2 ms beside bare JGit.
   */
  public static Database embeddedAudit(Path dir) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot create the database directory " + dir + ": " + e.getMessage(), e);
    }
    String url =
        "jdbc:h2:file:"
            + dir.toAbsolutePath().resolve("audit")
            + ";DB_CLOSE_ON_EXIT=FALSE;CACHE_SIZE=1024";
    return new Database(url, "sa", "", 4, "classpath:db/audit");
  }

  /** A store at any JDBC URL (PostgreSQL for several nodes). */
  public static Database open(String url, String user, String password, int poolSize) {
    return new Database(url, user, password, poolSize);
  }

  public DataSource dataSource() {
    return dataSource;
  }

  /** The JDBC URL, without credentials. */
  public String url() {
    return url;
  }

  @Override
  public void close() {
    dataSource.close();
  }
}
