package dev.portcullis.policy.store;

import static org.junit.jupiter.api.Assertions.fail;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.HexFormat;
import java.util.Properties;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/**
 * The store's PostgreSQL-only SQL, against the PostgreSQL at 127.0.0.1:5432 (a fresh database per
 * run, dropped afterwards). Skipped when it is unreachable, unless {@code
 * PORTCULLIS_REQUIRE_POSTGRES=1} (set by .ci/run) makes it required.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PostgresStoreTest {
  private static final String SERVER = "jdbc:postgresql://127.0.0.1:5432/";

  private String database;
  private Database db;

  private static Connection admin() throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", "postgres");
    p.setProperty("connectTimeout", "5");
    return DriverManager.getConnection(SERVER + "test", p);
  }

  @BeforeAll
  void create() {
    database =
        "portcullis_store_" + HexFormat.of().formatHex(java.security.SecureRandom.getSeed(6));
    try (Connection c = admin();
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + database);
    } catch (SQLException e) {
      String msg = "PostgreSQL is not reachable at 127.0.0.1:5432 (" + e.getMessage() + ")";
      if ("1".equals(System.getenv("PORTCULLIS_REQUIRE_POSTGRES"))) {
        fail(msg + " and PORTCULLIS_REQUIRE_POSTGRES=1 makes these tests required");
      }
      Assumptions.abort(msg);
    }
    db = Database.open(SERVER + database, "postgres", null, 2);
  }

  @AfterAll
  void drop() {
    if (db != null) {
      db.close();
    }
    if (database != null) {
      try (Connection c = admin();
          Statement s = c.createStatement()) {
        s.execute("DROP DATABASE IF EXISTS " + database);
      } catch (SQLException e) {
        System.err.println("could not drop the test database " + database + ": " + e.getMessage());
      }
    }
  }

  @Test
  void tokensMoveToLookupKeysWithTheirIdsGrantsAndRepositories() throws Exception {
    String other = database + "_v4";
    try (Connection c = admin();
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + other);
    }
    try {
      JdbcPolicyStoreTest.tokensMoveToLookupKeys(
          SERVER + other, "postgres", () -> Database.open(SERVER + other, "postgres", null, 2));
    } finally {
      try (Connection c = admin();
          Statement s = c.createStatement()) {
        s.execute("DROP DATABASE IF EXISTS " + other);
      }
    }
  }

  @Test
  void theConsolesSessionsLinksAndPasswords() {
    SignInStoreTest.roundTrip(
        PolicyStores.jdbc(db.dataSource()), PolicyStores.signIn(db.dataSource()));
  }

  @Test
  void lastUsedTimesOnlyMoveForwardAndOnlyForExistingTokens() {
    JdbcPolicyStoreTest.lastUsedMovesForward(PolicyStores.jdbc(db.dataSource()), db.dataSource());
  }

  @Test
  void deletionsLeaveNoRowsBehind() throws Exception {
    // A database of its own: the check counts every row of the tables it writes to.
    String other = database + "_del";
    try (Connection c = admin();
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + other);
    }
    try (Database own = Database.open(SERVER + other, "postgres", null, 2)) {
      JdbcPolicyStoreTest.deletionsLeaveNoRows(
          PolicyStores.jdbc(own.dataSource()), own.dataSource());
    } finally {
      try (Connection c = admin();
          Statement s = c.createStatement()) {
        s.execute("DROP DATABASE IF EXISTS " + other);
      }
    }
  }

  @Test
  void anExpiryReminderAnnouncesTheTokenOnceToItsOrganizationsSubscribedHooks() {
    WebhookStoreTest.expiryEvents(
        PolicyStores.jdbc(db.dataSource()), PolicyStores.webhooks(db.dataSource()));
  }

  @Test
  void rotationKeepsTheOldSecretWithItsOverlap() {
    JdbcPolicyStoreTest.rotationKeepsTheOldSecret(PolicyStores.jdbc(db.dataSource()));
  }

  @Test
  void refPatternsAndApprovalEndsRoundTrip() {
    JdbcPolicyStoreTest.refPatternsAndApprovalEnds(
        PolicyStores.jdbc(db.dataSource()), PolicyStores.webhooks(db.dataSource()));
  }

  @Test
  void listingsReadBackInTheirOrder() {
    JdbcPolicyStoreTest.listingsReadBack(PolicyStores.jdbc(db.dataSource()));
  }
}
