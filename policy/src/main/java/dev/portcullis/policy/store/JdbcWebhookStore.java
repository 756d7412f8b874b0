package dev.portcullis.policy.store;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Types;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import javax.sql.DataSource;

/** The JDBC {@link WebhookStore}: portable SQL for H2 and PostgreSQL (one lock clause apart). */
final class JdbcWebhookStore implements WebhookStore {
  private static final String HOOK_COLUMNS =
      "id, org_id, url, content_type, insecure_ssl, secret_sealed, events, active, created_at, updated_at";
  private static final String DELIVERY_COLUMNS =
      "id, hook_id, guid, event, action, grant_id, sender_id, payload, redelivery, attempts, created_at, "
          + "token_id, token_stage, token_expires_at";
  private static final String ATTEMPT_SELECT =
      "SELECT a.id, a.delivery_id, a.hook_id, d.guid, d.event, d.action, d.redelivery, a.attempted_at, "
          + "a.duration_ms, a.status_code, a.status, a.request_headers, d.payload, a.response_headers, "
          + "a.response_body FROM webhook_attempts a JOIN webhook_deliveries d ON d.id = a.delivery_id ";

  private final Transactions sql;
  private volatile Boolean postgres;

  JdbcWebhookStore(DataSource dataSource) {
    this.sql = new Transactions(dataSource, "webhook store");
  }

  // ---------------------------------------------------------------- plumbing

  @FunctionalInterface
  private interface RowMapper<T> {
    T map(ResultSet rs) throws SQLException;
  }

  /** A typed SQL NULL argument. */
  private record NullOf(int sqlType) {}

  private static Object orNull(Long v) {
    return v == null ? new NullOf(Types.BIGINT) : v;
  }

  private static Object orNull(String v) {
    return v == null ? new NullOf(Types.VARCHAR) : v;
  }

  private static Object orNull(Instant v) {
    return v == null ? new NullOf(Types.TIMESTAMP_WITH_TIMEZONE) : v;
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

  private static int update(Connection c, String sql, Object... args) throws SQLException {
    try (PreparedStatement ps = prepare(c, sql, args)) {
      return ps.executeUpdate();
    }
  }

  private static <T> List<T> list(Connection c, RowMapper<T> m, String sql, Object... args)
      throws SQLException {
    try (PreparedStatement ps = prepare(c, sql, args);
        ResultSet rs = ps.executeQuery()) {
      List<T> out = new ArrayList<>();
      while (rs.next()) {
        out.add(m.map(rs));
      }
      return out;
    }
  }

  private static <T> Optional<T> one(Connection c, RowMapper<T> m, String sql, Object... args)
      throws SQLException {
    List<T> l = list(c, m, sql, args);
    return l.isEmpty() ? Optional.empty() : Optional.of(l.get(0));
  }

  private static Instant instant(ResultSet rs, String col) throws SQLException {
    OffsetDateTime t = rs.getObject(col, OffsetDateTime.class);
    return t == null ? null : t.toInstant();
  }

  private static Long nullableLong(ResultSet rs, String col) throws SQLException {
    long v = rs.getLong(col);
    return rs.wasNull() ? null : v;
  }

  private static String clip(String s, int max) {
    if (s == null || s.length() <= max) {
      return s;
    }
    return s.substring(0, max - 1) + "…";
  }

  // ---------------------------------------------------------------- written with other changes

  /**
   * Queues the token request {@code grantId}'s {@code action} event for every active hook of its
   * organization subscribed to it, on {@code c}, inside the caller's transaction: the change and
   * its deliveries are kept or lost together.
   */
  static void requestEvent(Connection c, long grantId, String action, Long senderId, Instant now)
      throws SQLException {
    Optional<Long> org =
        one(c, rs -> rs.getLong(1), "SELECT org_id FROM token_grants WHERE id = ?", grantId);
    if (org.isEmpty()) {
      return;
    }
    for (Hook h : hooks(c, "org_id = ? AND active = TRUE", org.get())) {
      if (h.events().contains(PAT_REQUEST_EVENT)) {
        insertDelivery(
            c,
            h.id(),
            UUID.randomUUID().toString(),
            PAT_REQUEST_EVENT,
            action,
            grantId,
            null,
            null,
            null,
            senderId,
            null,
            false,
            now);
      }
    }
  }

  /**
   * Queues the {@link #PAT_EVENT} {@link #EXPIRING_ACTION} event of a token's reminder {@code
   * stage} of {@code expiresAt}, on {@code c}, inside the caller's transaction: when the token is a
   * fine-grained one whose resource owner is an organization, one delivery for each active hook of
   * that organization subscribed to the event that has none for this token, stage and expiry yet
   * (the unique key settles a race between nodes). Returns how many it wrote.
   */
  static int tokenExpiring(Connection c, long tokenId, String stage, Instant expiresAt, Instant now)
      throws SQLException {
    Optional<Long> org =
        one(
            c,
            rs -> rs.getLong(1),
            "SELECT t.resource_owner_id FROM tokens t JOIN accounts o ON o.id = t.resource_owner_id "
                + "WHERE t.id = ? AND t.kind = 'fine_grained' AND o.type = 'Organization'",
            tokenId);
    if (org.isEmpty()) {
      return 0;
    }
    int written = 0;
    for (Hook h : hooks(c, "org_id = ? AND active = TRUE", org.get())) {
      if (!h.events().contains(PAT_EVENT)
          || one(
                  c,
                  rs -> rs.getLong(1),
                  "SELECT id FROM webhook_deliveries WHERE hook_id = ? AND token_id = ? "
                      + "AND token_stage = ? AND token_expires_at = ?",
                  h.id(),
                  tokenId,
                  stage,
                  expiresAt)
              .isPresent()) {
        continue;
      }
      insertDelivery(
          c,
          h.id(),
          UUID.randomUUID().toString(),
          PAT_EVENT,
          EXPIRING_ACTION,
          null,
          tokenId,
          stage,
          expiresAt,
          null,
          null,
          false,
          now);
      written++;
    }
    return written;
  }

  /** Deletes an organization's hooks with their deliveries and log (inside its deletion). */
  static void forgetOrganization(Connection c, long orgId) throws SQLException {
    String hooks = "SELECT id FROM webhooks WHERE org_id = ?";
    update(c, "DELETE FROM webhook_attempts WHERE hook_id IN (" + hooks + ")", orgId);
    update(c, "DELETE FROM webhook_deliveries WHERE hook_id IN (" + hooks + ")", orgId);
    update(c, "DELETE FROM webhooks WHERE org_id = ?", orgId);
  }

  /**
   * Deletes the deliveries (and their log) about a token being deleted: those about its requests
   * and those about the token itself.
   */
  static void forgetToken(Connection c, long tokenId) throws SQLException {
    String about = "token_id = ? OR grant_id IN (SELECT id FROM token_grants WHERE token_id = ?)";
    update(
        c,
        "DELETE FROM webhook_attempts WHERE delivery_id IN "
            + "(SELECT id FROM webhook_deliveries WHERE "
            + about
            + ")",
        tokenId,
        tokenId);
    update(c, "DELETE FROM webhook_deliveries WHERE " + about, tokenId, tokenId);
  }

  /**
   * Deletes the deliveries (and their log) about one grant, when the grant itself goes (a request
   * replaced by a new one): as for a deleted token, events about a request that no longer exists go
   * with it.
   */
  static void forgetGrant(Connection c, long grantId) throws SQLException {
    update(
        c,
        "DELETE FROM webhook_attempts WHERE delivery_id IN "
            + "(SELECT id FROM webhook_deliveries WHERE grant_id = ?)",
        grantId);
    update(c, "DELETE FROM webhook_deliveries WHERE grant_id = ?", grantId);
  }

  /** A deleted user no longer is the sender of queued events (their payload names the owner). */
  static void forgetSender(Connection c, long userId) throws SQLException {
    update(c, "UPDATE webhook_deliveries SET sender_id = NULL WHERE sender_id = ?", userId);
  }

  private static long insertDelivery(
      Connection c,
      long hookId,
      String guid,
      String event,
      String action,
      Long grantId,
      Long tokenId,
      String tokenStage,
      Instant tokenExpiresAt,
      Long senderId,
      String payload,
      boolean redelivery,
      Instant now)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO webhook_deliveries (hook_id, guid, event, action, grant_id, token_id, "
                + "token_stage, token_expires_at, sender_id, payload, redelivery, status, attempts, "
                + "created_at, next_attempt_at) "
                + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?)",
            Statement.RETURN_GENERATED_KEYS)) {
      Object[] args = {
        hookId,
        guid,
        event,
        orNull(action),
        orNull(grantId),
        orNull(tokenId),
        orNull(tokenStage),
        orNull(tokenExpiresAt),
        orNull(senderId),
        orNull(payload),
        redelivery,
        now,
        now
      };
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
      ps.executeUpdate();
      try (ResultSet keys = ps.getGeneratedKeys()) {
        keys.next();
        return keys.getLong(1);
      }
    }
  }

  // ---------------------------------------------------------------- hooks

  private static Hook hookRow(ResultSet rs) throws SQLException {
    String events = rs.getString("events");
    return new Hook(
        rs.getLong("id"),
        rs.getLong("org_id"),
        rs.getString("url"),
        rs.getString("content_type"),
        rs.getBoolean("insecure_ssl"),
        rs.getString("secret_sealed"),
        events.isEmpty() ? List.of() : Arrays.asList(events.split(",")),
        rs.getBoolean("active"),
        instant(rs, "created_at"),
        instant(rs, "updated_at"));
  }

  private static List<Hook> hooks(Connection c, String where, Object... args) throws SQLException {
    return list(
        c,
        JdbcWebhookStore::hookRow,
        "SELECT " + HOOK_COLUMNS + " FROM webhooks WHERE " + where + " ORDER BY id",
        args);
  }

  @Override
  public Hook create(Hook h) {
    return sql.tx(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "INSERT INTO webhooks (org_id, url, content_type, insecure_ssl, secret_sealed, events, "
                      + "active, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  Statement.RETURN_GENERATED_KEYS)) {
            ps.setLong(1, h.orgId());
            ps.setString(2, h.url());
            ps.setString(3, h.contentType());
            ps.setBoolean(4, h.insecureSsl());
            ps.setString(5, h.sealedSecret());
            ps.setString(6, String.join(",", h.events()));
            ps.setBoolean(7, h.active());
            ps.setObject(8, OffsetDateTime.ofInstant(h.createdAt(), ZoneOffset.UTC));
            ps.setObject(9, OffsetDateTime.ofInstant(h.updatedAt(), ZoneOffset.UTC));
            ps.executeUpdate();
            try (ResultSet keys = ps.getGeneratedKeys()) {
              keys.next();
              long id = keys.getLong(1);
              return new Hook(
                  id,
                  h.orgId(),
                  h.url(),
                  h.contentType(),
                  h.insecureSsl(),
                  h.sealedSecret(),
                  h.events(),
                  h.active(),
                  h.createdAt(),
                  h.updatedAt());
            }
          }
        });
  }

  @Override
  public List<Hook> hooksOf(long orgId) {
    return sql.read(c -> hooks(c, "org_id = ?", orgId));
  }

  @Override
  public Optional<Hook> hook(long orgId, long hookId) {
    return sql.read(c -> hooks(c, "org_id = ? AND id = ?", orgId, hookId).stream().findFirst());
  }

  @Override
  public Optional<Hook> hookById(long hookId) {
    return sql.read(c -> hooks(c, "id = ?", hookId).stream().findFirst());
  }

  @Override
  public boolean update(Hook h) {
    return sql.tx(
        c ->
            update(
                    c,
                    "UPDATE webhooks SET url = ?, content_type = ?, insecure_ssl = ?, secret_sealed = ?, "
                        + "events = ?, active = ?, updated_at = ? WHERE id = ? AND org_id = ?",
                    h.url(),
                    h.contentType(),
                    h.insecureSsl(),
                    orNull(h.sealedSecret()),
                    String.join(",", h.events()),
                    h.active(),
                    h.updatedAt(),
                    h.id(),
                    h.orgId())
                == 1);
  }

  @Override
  public boolean delete(long orgId, long hookId) {
    return sql.tx(
        c -> {
          if (hooks(c, "org_id = ? AND id = ?", orgId, hookId).isEmpty()) {
            return false;
          }
          update(c, "DELETE FROM webhook_attempts WHERE hook_id = ?", hookId);
          update(c, "DELETE FROM webhook_deliveries WHERE hook_id = ?", hookId);
          return update(c, "DELETE FROM webhooks WHERE id = ?", hookId) == 1;
        });
  }

  // ---------------------------------------------------------------- the outbox

  @Override
  public long enqueue(
      long hookId,
      String guid,
      String event,
      String action,
      Long grantId,
      Long tokenId,
      Long senderId,
      String payload,
      boolean redelivery,
      Instant now) {
    return sql.tx(
        c ->
            insertDelivery(
                c,
                hookId,
                guid,
                event,
                action,
                grantId,
                tokenId,
                null,
                null,
                senderId,
                payload,
                redelivery,
                now));
  }

  private static Delivery deliveryRow(ResultSet rs) throws SQLException {
    return new Delivery(
        rs.getLong("id"),
        rs.getLong("hook_id"),
        rs.getString("guid"),
        rs.getString("event"),
        rs.getString("action"),
        nullableLong(rs, "grant_id"),
        nullableLong(rs, "sender_id"),
        rs.getString("payload"),
        rs.getBoolean("redelivery"),
        rs.getInt("attempts"),
        instant(rs, "created_at"),
        nullableLong(rs, "token_id"),
        rs.getString("token_stage"),
        instant(rs, "token_expires_at"));
  }

  @Override
  public List<Delivery> claimDue(Instant now, String node, Instant leaseUntil, int limit) {
    return sql.tx(
        c -> {
          String due =
              "SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= ? "
                  + "AND (claimed_until IS NULL OR claimed_until < ?) ORDER BY next_attempt_at, id LIMIT ?"
                  + (postgres(c) ? " FOR UPDATE SKIP LOCKED" : "");
          List<Long> ids = list(c, rs -> rs.getLong(1), due, now, now, (long) limit);
          List<Delivery> claimed = new ArrayList<>();
          for (long id : ids) {
            int n =
                update(
                    c,
                    "UPDATE webhook_deliveries SET claimed_by = ?, claimed_until = ? WHERE id = ? "
                        + "AND status = 'pending' AND (claimed_until IS NULL OR claimed_until < ?)",
                    node,
                    leaseUntil,
                    id,
                    now);
            if (n == 1) {
              one(
                      c,
                      JdbcWebhookStore::deliveryRow,
                      "SELECT " + DELIVERY_COLUMNS + " FROM webhook_deliveries WHERE id = ?",
                      id)
                  .ifPresent(claimed::add);
            }
          }
          return claimed;
        });
  }

  @Override
  public boolean setPayload(long deliveryId, String node, String payload) {
    return sql.tx(
        c ->
            update(
                    c,
                    "UPDATE webhook_deliveries SET payload = ? WHERE id = ? AND claimed_by = ? "
                        + "AND status = 'pending'",
                    payload,
                    deliveryId,
                    node)
                == 1);
  }

  @Override
  public boolean finish(
      long deliveryId, String node, Outcome o, String status, Instant nextAttemptAt) {
    return sql.tx(
        c -> {
          int n =
              update(
                  c,
                  "UPDATE webhook_deliveries SET status = ?, attempts = attempts + 1, next_attempt_at = ?, "
                      + "last_error = ?, claimed_by = NULL, claimed_until = NULL "
                      + "WHERE id = ? AND claimed_by = ? AND status = 'pending'",
                  status,
                  nextAttemptAt == null ? o.attemptedAt() : nextAttemptAt,
                  orNull(DELIVERED.equals(status) ? null : clip(o.status(), 500)),
                  deliveryId,
                  node);
          if (n != 1) {
            return false;
          }
          update(
              c,
              "INSERT INTO webhook_attempts (delivery_id, hook_id, attempted_at, duration_ms, status_code, "
                  + "status, request_headers, response_headers, response_body) "
                  + "SELECT id, hook_id, ?, ?, ?, ?, ?, ?, ? FROM webhook_deliveries WHERE id = ?",
              o.attemptedAt(),
              o.durationMillis(),
              o.statusCode(),
              clip(o.status(), 200),
              clip(o.requestHeaders(), 4000),
              orNull(clip(o.responseHeaders(), 8000)),
              orNull(clip(o.responseBody(), 20000)),
              deliveryId);
          return true;
        });
  }

  private static Attempt attemptRow(ResultSet rs) throws SQLException {
    return new Attempt(
        rs.getLong("id"),
        rs.getLong("delivery_id"),
        rs.getLong("hook_id"),
        rs.getString("guid"),
        rs.getString("event"),
        rs.getString("action"),
        rs.getBoolean("redelivery"),
        instant(rs, "attempted_at"),
        rs.getLong("duration_ms"),
        rs.getInt("status_code"),
        rs.getString("status"),
        rs.getString("request_headers"),
        rs.getString("payload"),
        rs.getString("response_headers"),
        rs.getString("response_body"));
  }

  @Override
  public List<Attempt> attempts(long hookId, Long before, int limit) {
    return sql.read(
        c ->
            before == null
                ? list(
                    c,
                    JdbcWebhookStore::attemptRow,
                    ATTEMPT_SELECT + "WHERE a.hook_id = ? ORDER BY a.id DESC LIMIT ?",
                    hookId,
                    (long) limit)
                : list(
                    c,
                    JdbcWebhookStore::attemptRow,
                    ATTEMPT_SELECT + "WHERE a.hook_id = ? AND a.id < ? ORDER BY a.id DESC LIMIT ?",
                    hookId,
                    before,
                    (long) limit));
  }

  @Override
  public Optional<Attempt> attempt(long hookId, long attemptId) {
    return sql.read(
        c ->
            one(
                c,
                JdbcWebhookStore::attemptRow,
                ATTEMPT_SELECT + "WHERE a.hook_id = ? AND a.id = ?",
                hookId,
                attemptId));
  }

  @Override
  public Optional<Delivery> delivery(long deliveryId) {
    return sql.read(
        c ->
            one(
                c,
                JdbcWebhookStore::deliveryRow,
                "SELECT " + DELIVERY_COLUMNS + " FROM webhook_deliveries WHERE id = ?",
                deliveryId));
  }

  @Override
  public long count(String status) {
    return sql.read(
        c ->
            one(
                    c,
                    rs -> rs.getLong(1),
                    "SELECT COUNT(*) FROM webhook_deliveries WHERE status = ?",
                    status)
                .orElse(0L));
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
