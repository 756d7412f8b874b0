package dev.portcullis.policy.store;

import dev.portcullis.policy.model.Notification;
import dev.portcullis.policy.model.NotificationKind;
import dev.portcullis.policy.model.Page;
import dev.portcullis.policy.token.TokenKind;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import javax.sql.DataSource;

/**
 * The JDBC {@link NotificationOutbox}: portable SQL for H2 and PostgreSQL (one lock clause apart).
 */
final class JdbcNotificationOutbox implements NotificationOutbox {
  private static final String SELECT =
      "SELECT n.id, n.kind, n.status, n.attempts, n.created_at, n.next_attempt_at, n.sent_at, "
          + "n.last_error, n.recipient_id, r.login AS recipient_login, r.email AS recipient_email, "
          + "o.login AS org_login, n.token_id, t.name AS token_name, n.reason, "
          + "t.kind AS token_kind, t.expires_at AS token_expires_at "
          + "FROM notification_outbox n JOIN accounts r ON r.id = n.recipient_id "
          + "LEFT JOIN accounts o ON o.id = n.org_id LEFT JOIN tokens t ON t.id = n.token_id ";

  private final Transactions sql;
  private volatile Boolean postgres;

  JdbcNotificationOutbox(DataSource dataSource) {
    this.sql = new Transactions(dataSource, "notification outbox");
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
      } else if (a instanceof NullOf n) {
        ps.setNull(i + 1, n.sqlType());
      } else {
        ps.setObject(i + 1, a);
      }
    }
    return ps;
  }

  /** A typed SQL NULL argument. */
  private record NullOf(int sqlType) {}

  private static Object nullable(Long v) {
    return v == null ? new NullOf(Types.BIGINT) : v;
  }

  private static Object nullable(String v) {
    return v == null ? new NullOf(Types.VARCHAR) : v;
  }

  private static int update(Connection c, String sql, Object... args) throws SQLException {
    try (PreparedStatement ps = prepare(c, sql, args)) {
      return ps.executeUpdate();
    }
  }

  /**
   * Writes {@code notice} on {@code c}, inside the caller's transaction, unless a row with its
   * dedupe key exists (the unique key settles a race); true when it wrote it.
   */
  static boolean enqueue(Connection c, Notice notice, Instant now) throws SQLException {
    try (PreparedStatement ps =
            prepare(
                c, "SELECT 1 FROM notification_outbox WHERE dedupe_key = ?", notice.dedupeKey());
        ResultSet rs = ps.executeQuery()) {
      if (rs.next()) {
        return false;
      }
    }
    return update(
            c,
            "INSERT INTO notification_outbox (kind, dedupe_key, recipient_id, org_id, token_id, grant_id, "
                + "reason, status, attempts, created_at, next_attempt_at) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?)",
            notice.kind().apiName(),
            notice.dedupeKey(),
            notice.recipientId(),
            nullable(notice.orgId()),
            nullable(notice.tokenId()),
            nullable(notice.grantId()),
            nullable(notice.reason()),
            now,
            now)
        == 1;
  }

  @Override
  public boolean enqueue(Notice notice, Instant now) {
    try {
      return tx(c -> enqueue(c, notice, now));
    } catch (StoreConstraintException e) {
      if (e.kind() == StoreConstraintException.Kind.DUPLICATE) {
        // Another node wrote the same notice meanwhile: the unique key kept one.
        return false;
      }
      throw e;
    }
  }

  @Override
  public boolean remind(Notice notice, long tokenId, String stage, Instant expiresAt, Instant now) {
    try {
      return tx(
          c -> {
            boolean mailed = notice != null && enqueue(c, notice, now);
            int events = JdbcWebhookStore.tokenExpiring(c, tokenId, stage, expiresAt, now);
            return mailed || events > 0;
          });
    } catch (StoreConstraintException e) {
      if (e.kind() == StoreConstraintException.Kind.DUPLICATE) {
        // Another node wrote the same reminder meanwhile: the unique keys kept its rows.
        return false;
      }
      throw e;
    }
  }

  @Override
  public List<ExpiringToken> expiringTokens(Instant from, Instant to) {
    return tx(
        c -> {
          List<ExpiringToken> out = new ArrayList<>();
          try (PreparedStatement ps =
                  prepare(
                      c,
                      "SELECT t.id, t.user_id, t.created_at, t.expires_at, a.expiry_mail "
                          + "FROM tokens t JOIN accounts a ON a.id = t.user_id "
                          + "WHERE t.deleted_at IS NULL AND a.suspended_at IS NULL "
                          + "AND t.expires_at >= ? AND t.expires_at < ? ORDER BY t.id",
                      from,
                      to);
              ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              out.add(
                  new ExpiringToken(
                      rs.getLong(1),
                      rs.getLong(2),
                      instant(rs, "created_at"),
                      instant(rs, "expires_at"),
                      rs.getBoolean(5)));
            }
          }
          return out;
        });
  }

  @Override
  public List<DigestRecipient> digestRecipients(Instant now) {
    return tx(
        c -> {
          List<DigestRecipient> out = new ArrayList<>();
          try (PreparedStatement ps =
                  prepare(
                      c,
                      "SELECT m.org_id, m.user_id, a.digest_mail FROM memberships m "
                          + "JOIN accounts a ON a.id = m.user_id "
                          + "WHERE m.role = 'admin' AND a.suspended_at IS NULL AND m.org_id IN ("
                          + "SELECT g.org_id FROM token_grants g JOIN tokens t ON t.id = g.token_id "
                          + "WHERE g.status = 'pending' AND t.deleted_at IS NULL "
                          + "AND (t.expires_at IS NULL OR t.expires_at > ?)) "
                          + "ORDER BY m.org_id, m.user_id",
                      now);
              ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              out.add(new DigestRecipient(rs.getLong(1), rs.getLong(2), rs.getBoolean(3)));
            }
          }
          return out;
        });
  }

  @Override
  public List<Notification> claimDue(Instant now, String node, Instant leaseUntil, int limit) {
    return tx(
        c -> {
          String due =
              "SELECT id FROM notification_outbox WHERE status = 'pending' AND next_attempt_at <= ? "
                  + "AND (claimed_until IS NULL OR claimed_until < ?) ORDER BY next_attempt_at, id LIMIT ?"
                  + (postgres(c) ? " FOR UPDATE SKIP LOCKED" : "");
          List<Long> ids = new ArrayList<>();
          try (PreparedStatement ps = prepare(c, due, now, now, (long) limit);
              ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              ids.add(rs.getLong(1));
            }
          }
          List<Notification> claimed = new ArrayList<>();
          for (long id : ids) {
            int n =
                update(
                    c,
                    "UPDATE notification_outbox SET claimed_by = ?, claimed_until = ? WHERE id = ? "
                        + "AND status = 'pending' AND (claimed_until IS NULL OR claimed_until < ?)",
                    node,
                    leaseUntil,
                    id,
                    now);
            if (n == 1) {
              try (PreparedStatement ps = prepare(c, SELECT + "WHERE n.id = ?", id);
                  ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                  claimed.add(row(rs));
                }
              }
            }
          }
          return claimed;
        });
  }

  @Override
  public boolean markSent(long id, String node, Instant now) {
    return tx(
        c ->
            update(
                    c,
                    "UPDATE notification_outbox SET status = 'sent', sent_at = ?, last_error = NULL, "
                        + "claimed_by = NULL, claimed_until = NULL "
                        + "WHERE id = ? AND claimed_by = ? AND status = 'pending'",
                    now,
                    id,
                    node)
                == 1);
  }

  @Override
  public boolean reschedule(
      long id, String node, int attempts, Instant nextAttemptAt, String error) {
    return tx(
        c ->
            update(
                    c,
                    "UPDATE notification_outbox SET attempts = ?, next_attempt_at = ?, last_error = ?, "
                        + "claimed_by = NULL, claimed_until = NULL "
                        + "WHERE id = ? AND claimed_by = ? AND status = 'pending'",
                    (long) attempts,
                    nextAttemptAt,
                    clip(error),
                    id,
                    node)
                == 1);
  }

  @Override
  public boolean markFailed(long id, String node, int attempts, String error) {
    return tx(
        c ->
            update(
                    c,
                    "UPDATE notification_outbox SET status = 'failed', attempts = ?, last_error = ?, "
                        + "claimed_by = NULL, claimed_until = NULL "
                        + "WHERE id = ? AND claimed_by = ? AND status = 'pending'",
                    (long) attempts,
                    clip(error),
                    id,
                    node)
                == 1);
  }

  @Override
  public Page<Notification> list(String status, int page, int perPage) {
    return tx(
        c -> {
          int total = (int) count(c, status);
          String where = status == null ? "" : "WHERE n.status = ? ";
          Object[] args =
              status == null
                  ? new Object[] {(long) perPage, (long) (page - 1) * perPage}
                  : new Object[] {status, (long) perPage, (long) (page - 1) * perPage};
          List<Notification> items = new ArrayList<>();
          try (PreparedStatement ps =
                  prepare(c, SELECT + where + "ORDER BY n.id DESC LIMIT ? OFFSET ?", args);
              ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              items.add(row(rs));
            }
          }
          return new Page<>(items, page, perPage, total);
        });
  }

  @Override
  public long count(String status) {
    return tx(c -> count(c, status));
  }

  private static long count(Connection c, String status) throws SQLException {
    try (PreparedStatement ps =
            status == null
                ? prepare(c, "SELECT COUNT(*) FROM notification_outbox")
                : prepare(c, "SELECT COUNT(*) FROM notification_outbox WHERE status = ?", status);
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }

  /** Error texts are kept short: enough to act on, never a whole server transcript. */
  private static Object clip(String error) {
    if (error == null) {
      return new NullOf(Types.VARCHAR);
    }
    return error.length() <= 500 ? error : error.substring(0, 499) + "…";
  }

  private static Notification row(ResultSet rs) throws SQLException {
    long tokenId = rs.getLong("token_id");
    boolean noToken = rs.wasNull();
    return new Notification(
        rs.getLong("id"),
        NotificationKind.of(rs.getString("kind")),
        rs.getString("status"),
        rs.getInt("attempts"),
        instant(rs, "created_at"),
        instant(rs, "next_attempt_at"),
        instant(rs, "sent_at"),
        rs.getString("last_error"),
        rs.getLong("recipient_id"),
        rs.getString("recipient_login"),
        rs.getString("recipient_email"),
        rs.getString("org_login"),
        noToken ? null : tokenId,
        rs.getString("token_name"),
        rs.getString("reason"),
        rs.getString("token_kind") == null
            ? null
            : TokenKind.fromApiName(rs.getString("token_kind")),
        instant(rs, "token_expires_at"));
  }

  private static Instant instant(ResultSet rs, String col) throws SQLException {
    OffsetDateTime t = rs.getObject(col, OffsetDateTime.class);
    return t == null ? null : t.toInstant();
  }

  private boolean postgres(Connection c) throws SQLException {
    Boolean pg = postgres;
    if (pg == null) {
      pg = c.getMetaData().getDatabaseProductName().toLowerCase(Locale.ROOT).contains("postgres");
      postgres = pg;
    }
    return pg;
  }
}
