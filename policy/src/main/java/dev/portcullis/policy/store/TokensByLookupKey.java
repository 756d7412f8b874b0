package dev.portcullis.policy.store;

import dev.portcullis.policy.token.TokenDigest;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import org.flywaydb.core.api.MigrationVersion;
import org.flywaydb.core.api.migration.Context;
import org.flywaydb.core.api.migration.JavaMigration;

/**
 * Schema version 5: every token gets a {@code lookup_key}, the first 8 bytes of its digest ({@link
 * TokenDigest#lookupKey}), unique, and the store finds a token by it ({@code lookup_key = ? AND
 * digest = ?}).
 *
 * <p>Why: with a million tokens a lookup by the 64-character digest missed H2's page cache twice,
 * once in the digest index (CHAR(64) keys, compared as strings) and once in the row, and decoded a
 * whole page each time. On H2 the table is rebuilt with {@code lookup_key} as its primary key: H2
 * keeps a table's rows in the order of a single BIGINT primary key, so the lookup becomes one
 * descent of one tree of long keys that ends at the row. {@code id} stays what the API shows,
 * unique, with its identity sequence carried over, and the foreign keys still reference it. On
 * PostgreSQL (rows in a heap, every index separate) {@code lookup_key} gets a unique index of
 * 8-byte keys.
 *
 * <p>The digest's own unique constraint goes: equal digests have equal lookup keys, so the lookup
 * key's uniqueness implies it.
 *
 * <p>A Java migration because the key is computed from the hex digest, which neither database's SQL
 * converts the same way. H2 commits each DDL statement, so a process killed half-way leaves a state
 * that this migration, run again at the next start (Flyway records it only when it completes),
 * recognises and finishes: it never drops the only copy of the tokens.
 */
final class TokensByLookupKey implements JavaMigration {
  private static final int BATCH = 5_000;

  /** The columns of {@code tokens} as of version 4, in order. */
  private static final String COLUMNS =
      "id, user_id, kind, digest, name, description, created_at, expires_at, deleted_at, scopes, resource_owner_id, "
          + "repository_selection, permissions";

  @Override
  public MigrationVersion getVersion() {
    return MigrationVersion.fromVersion("5");
  }

  @Override
  public String getDescription() {
    return "tokens by lookup key";
  }

  @Override
  public Integer getChecksum() {
    return 5;
  }

  @Override
  public boolean canExecuteInTransaction() {
    return true;
  }

  @Override
  public void migrate(Context context) throws Exception {
    Connection c = context.getConnection();
    String product = c.getMetaData().getDatabaseProductName().toLowerCase(Locale.ROOT);
    if (product.contains("h2")) {
      migrateH2(c);
    } else if (product.contains("postgres")) {
      migratePostgres(c);
    } else {
      throw new SQLException("no version 5 migration for " + product);
    }
  }

  private static void migratePostgres(Connection c) throws SQLException {
    try (Statement st = c.createStatement()) {
      st.execute("ALTER TABLE tokens ADD COLUMN lookup_key BIGINT");
      fillLookupKeys(c);
      st.execute("ALTER TABLE tokens ALTER COLUMN lookup_key SET NOT NULL");
      try {
        st.execute("ALTER TABLE tokens ADD CONSTRAINT tokens_lookup_key UNIQUE (lookup_key)");
      } catch (SQLException e) {
        throw collision(e);
      }
      st.execute("ALTER TABLE tokens DROP CONSTRAINT tokens_digest_key");
    }
  }

  private static void migrateH2(Connection c) throws SQLException {
    if (tableExists(c, "TOKENS") && !columnExists(c, "TOKENS", "LOOKUP_KEY")) {
      rebuild(c);
    }
    if (tableExists(c, "TOKENS_KEYED")) {
      exec(c, "ALTER TABLE tokens_keyed RENAME TO tokens");
    }
    // Each step below may have run before a stop: all of them are idempotent.
    exec(c, "ALTER TABLE tokens ADD CONSTRAINT IF NOT EXISTS tokens_v5_id UNIQUE (id)");
    exec(
        c,
        "ALTER TABLE tokens ADD CONSTRAINT IF NOT EXISTS tokens_v5_user FOREIGN KEY (user_id) REFERENCES accounts (id)");
    exec(
        c,
        "ALTER TABLE tokens ADD CONSTRAINT IF NOT EXISTS tokens_v5_resource_owner "
            + "FOREIGN KEY (resource_owner_id) REFERENCES accounts (id)");
    exec(c, "CREATE INDEX IF NOT EXISTS tokens_v5_user_id ON tokens (user_id)");
    exec(
        c,
        "ALTER TABLE token_repositories ADD CONSTRAINT IF NOT EXISTS token_repositories_v5_token "
            + "FOREIGN KEY (token_id) REFERENCES tokens (id)");
    exec(
        c,
        "ALTER TABLE token_grants ADD CONSTRAINT IF NOT EXISTS token_grants_v5_token FOREIGN KEY (token_id) REFERENCES tokens (id)");
    long next = 1;
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT COALESCE(MAX(id), 0) + 1 FROM tokens")) {
      if (rs.next()) {
        next = rs.getLong(1);
      }
    }
    // Ids are never reused: the identity continues after the highest id carried over.
    exec(c, "ALTER TABLE tokens ALTER COLUMN id RESTART WITH " + next);
  }

  /**
   * The first half on H2: {@code tokens_keyed} with every token and its lookup key replaces {@code
   * tokens} (dropped last, with the foreign keys that reference it). A partial {@code tokens_keyed}
   * left by an earlier attempt is dropped first: the old table is then still whole.
   */
  static void rebuild(Connection c) throws SQLException {
    if (tableExists(c, "TOKENS_KEYED")) {
      exec(c, "DROP TABLE tokens_keyed");
    }
    exec(
        c,
        "CREATE TABLE tokens_keyed ("
            + "lookup_key BIGINT PRIMARY KEY, "
            + "id BIGINT GENERATED BY DEFAULT AS IDENTITY NOT NULL, "
            + "user_id BIGINT NOT NULL, "
            + "kind VARCHAR(12) NOT NULL, "
            + "digest CHAR(64) NOT NULL, "
            + "name VARCHAR(40) NOT NULL, "
            + "description VARCHAR(1024), "
            + "created_at TIMESTAMP WITH TIME ZONE NOT NULL, "
            + "expires_at TIMESTAMP WITH TIME ZONE, "
            + "deleted_at TIMESTAMP WITH TIME ZONE, "
            + "scopes VARCHAR(2000) NOT NULL, "
            + "resource_owner_id BIGINT, "
            + "repository_selection VARCHAR(10), "
            + "permissions VARCHAR(4000) NOT NULL, "
            + "CONSTRAINT tokens_v5_kind CHECK (kind IN ('fine_grained', 'classic')))");
    copyWithLookupKeys(c);
    // CASCADE drops the foreign keys of token_repositories and token_grants (added again after).
    exec(c, "DROP TABLE tokens CASCADE");
  }

  /** Copies every row of {@code tokens} into {@code tokens_keyed}, with its lookup key. */
  private static void copyWithLookupKeys(Connection c) throws SQLException {
    String insert =
        "INSERT INTO tokens_keyed (lookup_key, "
            + COLUMNS
            + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT " + COLUMNS + " FROM tokens ORDER BY id");
        PreparedStatement ps = c.prepareStatement(insert)) {
      int n = 0;
      int columns = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        ps.setLong(1, key(rs.getString("digest"), rs.getLong("id")));
        for (int i = 1; i <= columns; i++) {
          ps.setObject(i + 1, rs.getObject(i));
        }
        ps.addBatch();
        if (++n % BATCH == 0) {
          executeBatch(ps);
        }
      }
      executeBatch(ps);
    }
  }

  private static void executeBatch(PreparedStatement ps) throws SQLException {
    try {
      ps.executeBatch();
    } catch (SQLException e) {
      throw collision(e);
    }
  }

  /**
   * Two tokens whose digests begin with the same 8 bytes (about one chance in 10^8 for a million
   * tokens) cannot both be carried over: the migration stops and says so, and changes nothing.
   */
  private static SQLException collision(SQLException e) {
    if (e.getSQLState() != null && e.getSQLState().startsWith("23")) {
      return new SQLException(
          "two tokens have digests that begin with the same 8 bytes (their lookup key); "
              + "find them with SELECT id, digest FROM tokens ORDER BY digest, delete one of them and start again",
          e.getSQLState(),
          e);
    }
    return e;
  }

  /** Sets {@code lookup_key} of every token from its digest (PostgreSQL: the table stays). */
  private static void fillLookupKeys(Connection c) throws SQLException {
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT id, digest FROM tokens ORDER BY id");
        PreparedStatement ps =
            c.prepareStatement("UPDATE tokens SET lookup_key = ? WHERE id = ?")) {
      int n = 0;
      while (rs.next()) {
        ps.setLong(1, key(rs.getString(2), rs.getLong(1)));
        ps.setLong(2, rs.getLong(1));
        ps.addBatch();
        if (++n % BATCH == 0) {
          ps.executeBatch();
        }
      }
      ps.executeBatch();
    }
  }

  private static long key(String hex, long id) throws SQLException {
    try {
      return TokenDigest.fromHex(hex.trim()).lookupKey();
    } catch (IllegalArgumentException e) {
      throw new SQLException("token " + id + " has a malformed digest: " + e.getMessage(), e);
    }
  }

  private static boolean tableExists(Connection c, String table) throws SQLException {
    return exists(
        c,
        "SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = CURRENT_SCHEMA AND TABLE_NAME = ?",
        table);
  }

  private static boolean columnExists(Connection c, String table, String column)
      throws SQLException {
    return exists(
        c,
        "SELECT COUNT(*) FROM INFORMATION_SCHEMA.COLUMNS "
            + "WHERE TABLE_SCHEMA = CURRENT_SCHEMA AND TABLE_NAME = ? AND COLUMN_NAME = ?",
        table,
        column);
  }

  /** Whether the {@code COUNT(*)} query {@code sql} counts anything. */
  private static boolean exists(Connection c, String sql, String... args) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (int i = 0; i < args.length; i++) {
        ps.setString(i + 1, args[i]);
      }
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() && rs.getLong(1) > 0;
      }
    }
  }

  private static void exec(Connection c, String sql) throws SQLException {
    try (Statement st = c.createStatement()) {
      st.execute(sql);
    }
  }
}
