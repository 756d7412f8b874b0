package dev.portcullis.policy.store;

import dev.portcullis.policy.model.MailPreferences;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Optional;
import javax.sql.DataSource;

/** The JDBC {@link SignInStore}: portable SQL for H2 and PostgreSQL. */
final class JdbcSignInStore implements SignInStore {
  private final Transactions sql;

  JdbcSignInStore(DataSource dataSource) {
    this.sql = new Transactions(dataSource, "sign-in store");
  }

  private <T> T tx(Transactions.Work<T> work) {
    return sql.tx(work);
  }

  private static PreparedStatement prepare(Connection c, String sql, Object... args)
      throws SQLException {
    PreparedStatement ps = c.prepareStatement(sql);
    for (int i = 0; i < args.length; i++) {
      Object a = args[i];
      if (a instanceof Instant t) {
        ps.setObject(i + 1, OffsetDateTime.ofInstant(t, ZoneOffset.UTC));
      } else if (a == null) {
        ps.setNull(i + 1, java.sql.Types.VARCHAR);
      } else {
        ps.setObject(i + 1, a);
      }
    }
    return ps;
  }

  private static int update(Connection c, String sql, Object... args) throws SQLException {
    try (PreparedStatement ps = prepare(c, sql, args)) {
      return ps.executeUpdate();
    }
  }

  private static Optional<String> string(Connection c, String sql, Object... args)
      throws SQLException {
    try (PreparedStatement ps = prepare(c, sql, args);
        ResultSet rs = ps.executeQuery()) {
      return rs.next() ? Optional.ofNullable(rs.getString(1)) : Optional.empty();
    }
  }

  private static Optional<Long> id(Connection c, String sql, Object... args) throws SQLException {
    try (PreparedStatement ps = prepare(c, sql, args);
        ResultSet rs = ps.executeQuery()) {
      return rs.next() ? Optional.of(rs.getLong(1)) : Optional.empty();
    }
  }

  private static Instant instant(ResultSet rs, String column) throws SQLException {
    OffsetDateTime t = rs.getObject(column, OffsetDateTime.class);
    return t == null ? null : t.toInstant();
  }

  @Override
  public Optional<String> email(long userId) {
    return tx(c -> string(c, "SELECT email FROM accounts WHERE id = ? AND type = 'User'", userId));
  }

  @Override
  public void setEmail(long userId, String email) {
    tx(
        c ->
            update(
                c, "UPDATE accounts SET email = ? WHERE id = ? AND type = 'User'", email, userId));
  }

  @Override
  public MailPreferences mailPreferences(long userId) {
    return tx(
        c -> {
          try (PreparedStatement ps =
                  prepare(
                      c,
                      "SELECT digest_mail, expiry_mail FROM accounts WHERE id = ? AND type = 'User'",
                      userId);
              ResultSet rs = ps.executeQuery()) {
            return rs.next()
                ? new MailPreferences(rs.getBoolean(1), rs.getBoolean(2))
                : MailPreferences.ALL;
          }
        });
  }

  @Override
  public void setMailPreferences(long userId, MailPreferences preferences) {
    tx(
        c ->
            update(
                c,
                "UPDATE accounts SET digest_mail = ?, expiry_mail = ? WHERE id = ? AND type = 'User'",
                preferences.digest(),
                preferences.expiryReminders(),
                userId));
  }

  @Override
  public Optional<String> passwordHash(long userId) {
    return tx(c -> string(c, "SELECT hash FROM user_passwords WHERE user_id = ?", userId));
  }

  @Override
  public void setPassword(long userId, String hash, Instant now) {
    tx(
        c -> {
          writePassword(c, userId, hash, now);
          return update(c, "DELETE FROM console_sessions WHERE user_id = ?", userId);
        });
  }

  private static void writePassword(Connection c, long userId, String hash, Instant now)
      throws SQLException {
    if (update(
            c,
            "UPDATE user_passwords SET hash = ?, changed_at = ? WHERE user_id = ?",
            hash,
            now,
            userId)
        == 0) {
      update(
          c,
          "INSERT INTO user_passwords (user_id, hash, changed_at) VALUES (?, ?, ?)",
          userId,
          hash,
          now);
    }
  }

  @Override
  public boolean rehashPassword(long userId, String expected, String hash) {
    return tx(
        c ->
            update(
                    c,
                    "UPDATE user_passwords SET hash = ? WHERE user_id = ? AND hash = ?",
                    hash,
                    userId,
                    expected)
                == 1);
  }

  @Override
  public void insertSetupLink(String digest, long userId, Instant now, Instant expiresAt) {
    tx(
        c ->
            update(
                c,
                "INSERT INTO password_setup_links (digest, user_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
                digest,
                userId,
                now,
                expiresAt));
  }

  @Override
  public Optional<Long> setupLinkUser(String digest, Instant now) {
    return tx(
        c ->
            id(
                c,
                "SELECT user_id FROM password_setup_links WHERE digest = ? AND used_at IS NULL AND expires_at > ?",
                digest,
                now));
  }

  @Override
  public Optional<Long> useSetupLink(String digest, String hash, Instant now) {
    return tx(
        c -> {
          Optional<Long> user =
              id(
                  c,
                  "SELECT user_id FROM password_setup_links WHERE digest = ? AND used_at IS NULL AND expires_at > ?",
                  digest,
                  now);
          if (user.isEmpty()) {
            return user;
          }
          // Compare-and-set: of two concurrent uses, only one updates the row.
          if (update(
                  c,
                  "UPDATE password_setup_links SET used_at = ? WHERE digest = ? AND used_at IS NULL",
                  now,
                  digest)
              != 1) {
            return Optional.<Long>empty();
          }
          writePassword(c, user.get(), hash, now);
          update(c, "DELETE FROM console_sessions WHERE user_id = ?", user.get());
          return user;
        });
  }

  @Override
  public void insertSession(String digest, long userId, Instant now, Instant expiresAt) {
    tx(
        c ->
            update(
                c,
                "INSERT INTO console_sessions (digest, user_id, created_at, last_seen_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                digest,
                userId,
                now,
                now,
                expiresAt));
  }

  @Override
  public Optional<StoredSession> session(String digest) {
    return tx(
        c -> {
          try (PreparedStatement ps =
                  prepare(
                      c,
                      "SELECT user_id, created_at, last_seen_at, expires_at FROM console_sessions WHERE digest = ?",
                      digest);
              ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
              return Optional.empty();
            }
            return Optional.of(
                new StoredSession(
                    digest,
                    rs.getLong("user_id"),
                    instant(rs, "created_at"),
                    instant(rs, "last_seen_at"),
                    instant(rs, "expires_at")));
          }
        });
  }

  @Override
  public void touchSession(String digest, Instant now) {
    tx(
        c ->
            update(
                c,
                "UPDATE console_sessions SET last_seen_at = ? WHERE digest = ? AND last_seen_at < ?",
                now,
                digest,
                now));
  }

  @Override
  public boolean deleteSession(String digest) {
    return tx(c -> update(c, "DELETE FROM console_sessions WHERE digest = ?", digest)) == 1;
  }

  @Override
  public int deleteSessionsOf(long userId) {
    return tx(c -> update(c, "DELETE FROM console_sessions WHERE user_id = ?", userId));
  }

  @Override
  public int deleteExpired(Instant now, Instant idleBefore) {
    return tx(
        c ->
            update(
                    c,
                    "DELETE FROM console_sessions WHERE expires_at <= ? OR last_seen_at <= ?",
                    now,
                    idleBefore)
                + update(c, "DELETE FROM password_setup_links WHERE expires_at <= ?", now));
  }
}
