package dev.portcullis.policy.store;

import dev.portcullis.policy.model.AccessToken;
import dev.portcullis.policy.model.BasePermission;
import dev.portcullis.policy.model.Enterprise;
import dev.portcullis.policy.model.EnterprisePolicy;
import dev.portcullis.policy.model.Grant;
import dev.portcullis.policy.model.GrantStatus;
import dev.portcullis.policy.model.NetworkList;
import dev.portcullis.policy.model.NotificationKind;
import dev.portcullis.policy.model.OrgPolicy;
import dev.portcullis.policy.model.OrgRole;
import dev.portcullis.policy.model.Organization;
import dev.portcullis.policy.model.Owner;
import dev.portcullis.policy.model.PermissionLevel;
import dev.portcullis.policy.model.RefPatterns;
import dev.portcullis.policy.model.RepoPermission;
import dev.portcullis.policy.model.Repository;
import dev.portcullis.policy.model.RepositorySelection;
import dev.portcullis.policy.model.User;
import dev.portcullis.policy.model.Visibility;
import dev.portcullis.policy.token.TokenDigest;
import dev.portcullis.policy.token.TokenKind;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import javax.sql.DataSource;

/** The JDBC {@link PolicyStore}: portable SQL for H2 and PostgreSQL (one upsert apart). */
final class JdbcPolicyStore implements PolicyStore {
  private static final String TOKEN_COLUMNS =
      "id, user_id, kind, digest, name, description, created_at, expires_at, last_used_at, deleted_at, "
          + "scopes, resource_owner_id, repository_selection, permissions, allowed_networks, ref_patterns";
  private static final String GRANT_COLUMNS =
      "id, token_id, org_id, status, reason, created_at, reviewed_at, review_reason, access_granted_at, reviewed_by, "
          + "approval_expires_at";
  private static final String ACCOUNT_COLUMNS =
      "id, login, type, site_admin, suspended_at, enterprise_id, base_permission, fine_grained_access, "
          + "classic_access, fine_grained_approval, fine_grained_max_lifetime_days, classic_max_lifetime_days, push_protection, "
          + "require_token_networks, token_networks, created_at";

  /** {@link #ACCOUNT_COLUMNS} of the accounts table named {@code a} in a join. */
  private static final String A_ACCOUNT_COLUMNS = "a." + ACCOUNT_COLUMNS.replace(", ", ", a.");

  private static final String REPO_COLUMNS =
      "r.id, r.owner_id, a.login, r.name, r.visibility, r.created_at";

  private final NotificationOutbox notifications;
  private volatile Boolean postgres;
  private final Transactions sql;

  JdbcPolicyStore(DataSource dataSource) {
    this.sql = new Transactions(dataSource, "policy store");
    this.notifications = new JdbcNotificationOutbox(dataSource);
  }

  // ---------------------------------------------------------------- plumbing

  @FunctionalInterface
  private interface RowMapper<T> {
    T map(ResultSet rs) throws SQLException;
  }

  private <T> T tx(Transactions.Work<T> work) {
    return sql.tx(work);
  }

  private <T> T read(Transactions.Work<T> work) {
    return sql.read(work);
  }

  private static PreparedStatement prepare(Connection c, String sql, Object... args)
      throws SQLException {
    PreparedStatement ps = c.prepareStatement(sql);
    bind(ps, args);
    return ps;
  }

  private static void bind(PreparedStatement ps, Object... args) throws SQLException {
    for (int i = 0; i < args.length; i++) {
      Object a = args[i];
      if (a instanceof Instant t) {
        ps.setObject(i + 1, OffsetDateTime.ofInstant(t, ZoneOffset.UTC));
      } else if (a instanceof NullOf n) {
        ps.setNull(i + 1, n.sqlType);
      } else {
        ps.setObject(i + 1, a);
      }
    }
  }

  /** A typed SQL NULL argument. */
  private record NullOf(int sqlType) {}

  private static final NullOf NULL_TIMESTAMP = new NullOf(java.sql.Types.TIMESTAMP_WITH_TIMEZONE);
  private static final NullOf NULL_BIGINT = new NullOf(java.sql.Types.BIGINT);
  private static final NullOf NULL_INT = new NullOf(java.sql.Types.INTEGER);
  private static final NullOf NULL_VARCHAR = new NullOf(java.sql.Types.VARCHAR);

  private static Object orNull(Instant t) {
    return t == null ? NULL_TIMESTAMP : t;
  }

  private static Object orNull(Long v) {
    return v == null ? NULL_BIGINT : v;
  }

  private static Object orNull(Integer v) {
    return v == null ? NULL_INT : v;
  }

  private static Object orNull(String v) {
    return v == null ? NULL_VARCHAR : v;
  }

  private static <T> Optional<T> one(Connection c, RowMapper<T> m, String sql, Object... args)
      throws SQLException {
    try (PreparedStatement ps = prepare(c, sql, args);
        ResultSet rs = ps.executeQuery()) {
      return rs.next() ? Optional.of(m.map(rs)) : Optional.empty();
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

  private static int update(Connection c, String sql, Object... args) throws SQLException {
    try (PreparedStatement ps = prepare(c, sql, args)) {
      return ps.executeUpdate();
    }
  }

  private static long insert(Connection c, String sql, Object... args) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql, new String[] {"id"})) {
      bind(ps, args);
      ps.executeUpdate();
      try (ResultSet keys = ps.getGeneratedKeys()) {
        if (!keys.next()) {
          throw new SQLException("no generated key");
        }
        return keys.getLong(1);
      }
    }
  }

  /**
   * {@link #insert} of a tokens row; a unique-key violation there can only be the lookup key (the
   * id is generated), which the caller answers by issuing another plaintext.
   */
  private static long insertTokenRow(Connection c, String sql, Object... args) throws SQLException {
    try {
      return insert(c, sql, args);
    } catch (SQLException e) {
      if ("23505".equals(e.getSQLState())) {
        throw new PolicyStore.LookupKeyTaken();
      }
      throw e;
    }
  }

  private static Instant instant(ResultSet rs, String col) throws SQLException {
    OffsetDateTime t = rs.getObject(col, OffsetDateTime.class);
    return t == null ? null : t.toInstant();
  }

  private static Long nullableLong(ResultSet rs, String col) throws SQLException {
    long v = rs.getLong(col);
    return rs.wasNull() ? null : v;
  }

  private static Integer nullableInt(ResultSet rs, String col) throws SQLException {
    int v = rs.getInt(col);
    return rs.wasNull() ? null : v;
  }

  private static String key(String s) {
    return s.toLowerCase(Locale.ROOT);
  }

  // ---------------------------------------------------------------- mappers

  private static AccessToken mapToken(ResultSet rs, Set<Long> repoIds) throws SQLException {
    TokenKind kind = TokenKind.fromApiName(rs.getString("kind"));
    String scopes = rs.getString("scopes");
    Set<String> scopeSet = scopes.isEmpty() ? Set.of() : Set.of(scopes.split(" "));
    Map<String, PermissionLevel> perms = permissions(rs.getString("permissions"));
    String sel = rs.getString("repository_selection");
    return new AccessToken(
        rs.getLong("id"),
        rs.getLong("user_id"),
        kind,
        TokenDigest.fromHex(rs.getString("digest")),
        rs.getString("name"),
        rs.getString("description"),
        instant(rs, "created_at"),
        instant(rs, "expires_at"),
        instant(rs, "last_used_at"),
        instant(rs, "deleted_at"),
        scopeSet,
        nullableLong(rs, "resource_owner_id"),
        sel == null ? null : RepositorySelection.fromApiName(sel),
        repoIds,
        perms,
        networks(rs.getString("allowed_networks")),
        null,
        refPatterns(rs.getString("ref_patterns")));
  }

  /** A stored list of ref patterns (newline-separated), parsed once as it is loaded. */
  private static RefPatterns refPatterns(String stored) {
    return stored == null ? null : RefPatterns.of(List.of(stored.split("\n")));
  }

  private static String refPatterns(RefPatterns patterns) {
    return patterns == null ? null : String.join("\n", patterns.patterns());
  }

  /** A stored list of networks (space-separated CIDR blocks), parsed once as it is loaded. */
  private static NetworkList networks(String stored) {
    return stored == null ? null : NetworkList.of(List.of(stored.split(" ")));
  }

  private static String networks(NetworkList list) {
    return list == null ? null : String.join(" ", list.cidrs());
  }

  /** A tokens row's {@code permissions}: {@code name:level} pairs, comma-separated. */
  private static Map<String, PermissionLevel> permissions(String p) {
    Map<String, PermissionLevel> perms = new LinkedHashMap<>();
    if (!p.isEmpty()) {
      for (String pair : p.split(",")) {
        int colon = pair.indexOf(':');
        perms.put(pair.substring(0, colon), PermissionLevel.fromApiName(pair.substring(colon + 1)));
      }
    }
    return perms;
  }

  private static Grant mapGrant(ResultSet rs) throws SQLException {
    return new Grant(
        rs.getLong("id"),
        rs.getLong("token_id"),
        rs.getLong("org_id"),
        GrantStatus.valueOf(rs.getString("status").toUpperCase(Locale.ROOT)),
        rs.getString("reason"),
        instant(rs, "created_at"),
        instant(rs, "reviewed_at"),
        rs.getString("review_reason"),
        instant(rs, "access_granted_at"),
        nullableLong(rs, "reviewed_by"),
        instant(rs, "approval_expires_at"));
  }

  private static Owner mapAccount(ResultSet rs) throws SQLException {
    long id = rs.getLong("id");
    String login = rs.getString("login");
    Instant created = instant(rs, "created_at");
    if ("User".equals(rs.getString("type"))) {
      return new User(id, login, rs.getBoolean("site_admin"), instant(rs, "suspended_at"), created);
    }
    OrgPolicy policy =
        new OrgPolicy(
            OrgPolicy.Access.fromApiName(rs.getString("fine_grained_access")),
            OrgPolicy.Access.fromApiName(rs.getString("classic_access")),
            OrgPolicy.Approval.fromApiName(rs.getString("fine_grained_approval")),
            nullableInt(rs, "fine_grained_max_lifetime_days"),
            nullableInt(rs, "classic_max_lifetime_days"),
            OrgPolicy.PushProtection.fromApiName(rs.getString("push_protection")),
            rs.getBoolean("require_token_networks"),
            networks(rs.getString("token_networks")));
    return new Organization(
        id,
        login,
        nullableLong(rs, "enterprise_id"),
        BasePermission.fromApiName(rs.getString("base_permission")),
        policy,
        created);
  }

  private static Enterprise mapEnterprise(ResultSet rs) throws SQLException {
    EnterprisePolicy policy =
        new EnterprisePolicy(
            EnterprisePolicy.Access.fromApiName(rs.getString("fine_grained_access")),
            EnterprisePolicy.Access.fromApiName(rs.getString("classic_access")),
            EnterprisePolicy.Approval.fromApiName(rs.getString("fine_grained_approval")),
            nullableInt(rs, "fine_grained_max_lifetime_days"),
            nullableInt(rs, "classic_max_lifetime_days"));
    return new Enterprise(
        rs.getLong("id"), rs.getString("slug"), policy, instant(rs, "created_at"));
  }

  private static Repository mapRepo(ResultSet rs) throws SQLException {
    return new Repository(
        rs.getLong(1),
        rs.getLong(2),
        rs.getString(3),
        rs.getString(4),
        Visibility.fromApiName(rs.getString(5)),
        rs.getObject(6, OffsetDateTime.class).toInstant());
  }

  private static Set<Long> tokenRepos(Connection c, long tokenId) throws SQLException {
    return new HashSet<>(
        list(
            c,
            rs -> rs.getLong(1),
            "SELECT repo_id FROM token_repositories WHERE token_id = ?",
            tokenId));
  }

  private Optional<AccessToken> token(Connection c, String where, Object... args)
      throws SQLException {
    try (PreparedStatement ps =
            prepare(
                c,
                "SELECT "
                    + TOKEN_COLUMNS
                    + " FROM tokens LEFT JOIN token_last_used ON token_id = id WHERE "
                    + where,
                args);
        ResultSet rs = ps.executeQuery()) {
      if (!rs.next()) {
        return Optional.empty();
      }
      long id = rs.getLong("id");
      boolean subset = "subset".equals(rs.getString("repository_selection"));
      return Optional.of(mapToken(rs, subset ? tokenRepos(c, id) : Set.of()));
    }
  }

  // ---------------------------------------------------------------- reads

  @Override
  public Optional<AccessToken> tokenByDigest(TokenDigest digest) {
    // By the lookup key (the embedded store's row key, see TokensByLookupKey), then the whole
    // digest.
    return read(
        c -> {
          Optional<AccessToken> current =
              token(c, "lookup_key = ? AND digest = ?", digest.lookupKey(), digest.hex());
          return current.isPresent() ? current : rotated(c, digest);
        });
  }

  /**
   * The token that had the secret {@code digest} before a rotation, as that secret presents it: its
   * digest, issue time, expiry, last use and the end of its overlap ({@link AccessToken#rotated});
   * everything else (id, settings, deletion) the token's own.
   */
  private Optional<AccessToken> rotated(Connection c, TokenDigest digest) throws SQLException {
    Optional<TokenSecret> secret =
        one(
            c,
            JdbcPolicyStore::mapSecret,
            "SELECT " + SECRET_COLUMNS + " FROM token_secrets WHERE lookup_key = ? AND digest = ?",
            digest.lookupKey(),
            digest.hex());
    if (secret.isEmpty()) {
      return Optional.empty();
    }
    TokenSecret s = secret.get();
    return token(c, "id = ?", s.tokenId())
        .map(
            t ->
                new AccessToken(
                    t.id(),
                    t.userId(),
                    t.kind(),
                    s.digest(),
                    t.name(),
                    t.description(),
                    s.createdAt(),
                    s.expiresAt(),
                    s.lastUsedAt(),
                    t.deletedAt(),
                    t.scopes(),
                    t.resourceOwnerId(),
                    t.repositorySelection(),
                    t.repositoryIds(),
                    t.permissions(),
                    t.allowedNetworks(),
                    new AccessToken.RotatedSecret(s.id(), s.validUntil()),
                    t.refPatterns()));
  }

  private static final String SECRET_COLUMNS =
      "id, token_id, digest, created_at, expires_at, rotated_at, valid_until, last_used_at";

  private static TokenSecret mapSecret(ResultSet rs) throws SQLException {
    return new TokenSecret(
        rs.getLong("id"),
        rs.getLong("token_id"),
        TokenDigest.fromHex(rs.getString("digest")),
        instant(rs, "created_at"),
        instant(rs, "expires_at"),
        instant(rs, "rotated_at"),
        instant(rs, "valid_until"),
        instant(rs, "last_used_at"));
  }

  @Override
  public List<TokenSecret> rotatedSecrets(long tokenId) {
    return read(
        c ->
            list(
                c,
                JdbcPolicyStore::mapSecret,
                "SELECT "
                    + SECRET_COLUMNS
                    + " FROM token_secrets WHERE token_id = ? ORDER BY rotated_at DESC, id DESC",
                tokenId));
  }

  @Override
  public Optional<AccessToken> tokenById(long id) {
    return read(c -> token(c, "id = ?", id));
  }

  @Override
  public List<AccessToken> tokensOfUser(long userId) {
    return read(
        c -> {
          List<Long> ids =
              list(
                  c,
                  rs -> rs.getLong(1),
                  "SELECT id FROM tokens WHERE user_id = ? AND deleted_at IS NULL ORDER BY id",
                  userId);
          List<AccessToken> out = new ArrayList<>();
          for (long id : ids) {
            token(c, "id = ?", id).ifPresent(out::add);
          }
          return out;
        });
  }

  @Override
  public Optional<User> userById(long id) {
    return read(c ->
            one(
                c,
                JdbcPolicyStore::mapAccount,
                "SELECT " + ACCOUNT_COLUMNS + " FROM accounts WHERE id = ?",
                id))
        .filter(User.class::isInstance)
        .map(User.class::cast);
  }

  @Override
  public Optional<Owner> ownerByLogin(String login) {
    return read(
        c ->
            one(
                c,
                JdbcPolicyStore::mapAccount,
                "SELECT " + ACCOUNT_COLUMNS + " FROM accounts WHERE login_key = ?",
                key(login)));
  }

  @Override
  public Optional<Organization> organizationById(long id) {
    return read(c ->
            one(
                c,
                JdbcPolicyStore::mapAccount,
                "SELECT " + ACCOUNT_COLUMNS + " FROM accounts WHERE id = ?",
                id))
        .filter(Organization.class::isInstance)
        .map(Organization.class::cast);
  }

  @Override
  public Optional<Enterprise> enterpriseById(long id) {
    return read(
        c -> one(c, JdbcPolicyStore::mapEnterprise, "SELECT * FROM enterprises WHERE id = ?", id));
  }

  @Override
  public Optional<Enterprise> enterpriseBySlug(String slug) {
    return read(
        c ->
            one(
                c,
                JdbcPolicyStore::mapEnterprise,
                "SELECT * FROM enterprises WHERE slug_key = ?",
                key(slug)));
  }

  @Override
  public Optional<Repository> repository(long ownerId, String name) {
    return read(
        c ->
            one(
                c,
                JdbcPolicyStore::mapRepo,
                "SELECT "
                    + REPO_COLUMNS
                    + " FROM repositories r JOIN accounts a ON a.id = r.owner_id WHERE r.owner_id = ? AND r.name_key = ?",
                ownerId,
                key(name)));
  }

  @Override
  public Optional<Repository> repositoryById(long id) {
    return read(
        c ->
            one(
                c,
                JdbcPolicyStore::mapRepo,
                "SELECT "
                    + REPO_COLUMNS
                    + " FROM repositories r JOIN accounts a ON a.id = r.owner_id WHERE r.id = ?",
                id));
  }

  @Override
  public Map<Long, OrgRole> membershipsOfUser(long userId) {
    return read(
        c -> {
          Map<Long, OrgRole> m = new HashMap<>();
          try (PreparedStatement ps =
                  prepare(c, "SELECT org_id, role FROM memberships WHERE user_id = ?", userId);
              ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              m.put(rs.getLong(1), OrgRole.fromApiName(rs.getString(2)));
            }
          }
          return Map.copyOf(m);
        });
  }

  @Override
  public Map<Long, RepoPermission> collaborationsOfUser(long userId) {
    return read(
        c -> {
          Map<Long, RepoPermission> m = new HashMap<>();
          try (PreparedStatement ps =
                  prepare(
                      c,
                      "SELECT repo_id, permission FROM collaborators WHERE user_id = ?",
                      userId);
              ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              m.put(rs.getLong(1), RepoPermission.fromCollaboratorName(rs.getString(2)));
            }
          }
          return Map.copyOf(m);
        });
  }

  @Override
  public Optional<Grant> grantOfToken(long tokenId) {
    return read(
        c ->
            one(
                c,
                JdbcPolicyStore::mapGrant,
                "SELECT " + GRANT_COLUMNS + " FROM token_grants WHERE token_id = ?",
                tokenId));
  }

  @Override
  public Optional<Grant> grantById(long id) {
    return read(
        c ->
            one(
                c,
                JdbcPolicyStore::mapGrant,
                "SELECT " + GRANT_COLUMNS + " FROM token_grants WHERE id = ?",
                id));
  }

  /** The joins and conditions every listing of one organization's grants in one state shares. */
  private static final String LIVE_GRANTS =
      " FROM token_grants g JOIN tokens t ON t.id = g.token_id "
          + "WHERE g.org_id = ? AND g.status = ? AND t.deleted_at IS NULL";

  @Override
  public List<GrantKey> grantKeys(long orgId, GrantStatus status, GrantFilter f) {
    StringBuilder sql =
        new StringBuilder(
            "SELECT g.id, g.token_id, g.created_at, u.last_used_at FROM token_grants g "
                + "JOIN tokens t ON t.id = g.token_id "
                + "LEFT JOIN token_last_used u ON u.token_id = t.id "
                + "WHERE g.org_id = ? AND g.status = ? AND t.deleted_at IS NULL");
    List<Object> args = new ArrayList<>(List.of(orgId, status.apiName()));
    if (f.ownerLogins() != null) {
      sql.append(" AND t.user_id IN (SELECT id FROM accounts WHERE login_key IN (")
          .append(placeholders(f.ownerLogins().size()))
          .append("))");
      f.ownerLogins().forEach(l -> args.add(key(l)));
    }
    if (f.repositoryId() != null) {
      sql.append(
          " AND (t.repository_selection = 'all' OR EXISTS (SELECT 1 FROM token_repositories tr "
              + "WHERE tr.token_id = t.id AND tr.repo_id = ?))");
      args.add(f.repositoryId());
    }
    if (f.permission() != null) {
      // permissions is "name:level,name:level": a level matches the levels that include it.
      List<String> terms = new ArrayList<>();
      for (PermissionLevel l : PermissionLevel.values()) {
        if (l.includes(f.level())) {
          terms.add("POSITION(? IN ',' || t.permissions || ',') > 0");
          args.add("," + f.permission() + ":" + l.apiName() + ",");
        }
      }
      sql.append(" AND (").append(String.join(" OR ", terms)).append(")");
    }
    if (f.tokenIds() != null) {
      if (f.tokenIds().isEmpty()) {
        return List.of();
      }
      sql.append(" AND t.id IN (").append(placeholders(f.tokenIds().size())).append(")");
      args.addAll(f.tokenIds());
    }
    return read(
        c ->
            list(
                c,
                rs ->
                    new GrantKey(
                        rs.getLong(1),
                        rs.getLong(2),
                        rs.getObject(3, OffsetDateTime.class).toInstant(),
                        instant(rs, "last_used_at")),
                sql.toString(),
                args.toArray()));
  }

  private static String placeholders(int n) {
    return String.join(", ", java.util.Collections.nCopies(n, "?"));
  }

  @Override
  public List<GrantRow> grantRows(List<Long> grantIds) {
    if (grantIds.isEmpty()) {
      return List.of();
    }
    return read(
        c -> {
          Map<Long, Grant> byId = new HashMap<>();
          for (Grant g :
              list(
                  c,
                  JdbcPolicyStore::mapGrant,
                  "SELECT "
                      + GRANT_COLUMNS
                      + " FROM token_grants WHERE id IN ("
                      + placeholders(grantIds.size())
                      + ")",
                  grantIds.toArray())) {
            byId.put(g.id(), g);
          }
          List<GrantRow> out = new ArrayList<>(grantIds.size());
          for (long id : grantIds) {
            Grant g = byId.get(id);
            if (g != null) {
              token(c, "id = ?", g.tokenId()).ifPresent(t -> out.add(new GrantRow(g, t)));
            }
          }
          return out;
        });
  }

  @Override
  public GrantFacets grantFacets(long orgId, GrantStatus status) {
    return read(
        c -> {
          Set<Long> users = new HashSet<>();
          Set<String> permissionSets = new LinkedHashSet<>();
          boolean all = false;
          try (PreparedStatement ps =
                  prepare(
                      c,
                      "SELECT t.user_id, t.permissions, MAX(CASE WHEN t.repository_selection = 'all' "
                          + "THEN 1 ELSE 0 END)"
                          + LIVE_GRANTS
                          + " GROUP BY t.user_id, t.permissions",
                      orgId,
                      status.apiName());
              ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              users.add(rs.getLong(1));
              permissionSets.add(rs.getString(2));
              all |= rs.getInt(3) == 1;
            }
          }
          List<String> logins =
              users.isEmpty()
                  ? List.of()
                  : list(
                      c,
                      rs -> rs.getString(1),
                      "SELECT login, login_key FROM accounts WHERE id IN ("
                          + placeholders(users.size())
                          + ") ORDER BY login_key",
                      users.toArray());
          String reached =
              all
                  ? ""
                  : " AND r.id IN (SELECT tr.repo_id FROM token_repositories tr "
                      + "JOIN token_grants g ON g.token_id = tr.token_id "
                      + "JOIN tokens t ON t.id = g.token_id "
                      + "WHERE g.org_id = ? AND g.status = ? AND t.deleted_at IS NULL)";
          List<String> repos =
              users.isEmpty()
                  ? List.of()
                  : list(
                      c,
                      rs -> rs.getString(1),
                      "SELECT r.name, r.name_key FROM repositories r WHERE r.owner_id = ?"
                          + reached
                          + " ORDER BY r.name_key",
                      all ? new Object[] {orgId} : new Object[] {orgId, orgId, status.apiName()});
          return new GrantFacets(
              logins, repos, permissionSets.stream().map(JdbcPolicyStore::permissions).toList());
        });
  }

  @Override
  public Map<Long, Integer> grantCounts(List<Long> orgIds, GrantStatus status) {
    if (orgIds.isEmpty()) {
      return Map.of();
    }
    List<Object> args = new ArrayList<>(orgIds);
    args.add(status.apiName());
    return read(
        c -> {
          Map<Long, Integer> out = new HashMap<>();
          for (long[] row :
              list(
                  c,
                  rs -> new long[] {rs.getLong(1), rs.getLong(2)},
                  "SELECT g.org_id, COUNT(*) FROM token_grants g JOIN tokens t ON t.id = g.token_id "
                      + "WHERE g.org_id IN ("
                      + placeholders(orgIds.size())
                      + ") AND g.status = ? AND t.deleted_at IS NULL GROUP BY g.org_id",
                  args.toArray())) {
            out.put(row[0], (int) row[1]);
          }
          return out;
        });
  }

  @Override
  public List<Enterprise> enterprisesOwnedBy(long userId) {
    return read(
        c ->
            list(
                c,
                JdbcPolicyStore::mapEnterprise,
                "SELECT e.* FROM enterprises e JOIN enterprise_owners o ON o.enterprise_id = e.id "
                    + "WHERE o.user_id = ? ORDER BY e.slug_key",
                userId));
  }

  @Override
  public List<Repository> repositoriesOfOwner(long ownerId) {
    return read(
        c ->
            list(
                c,
                JdbcPolicyStore::mapRepo,
                "SELECT "
                    + REPO_COLUMNS
                    + " FROM repositories r JOIN accounts a ON a.id = r.owner_id WHERE r.owner_id = ? ORDER BY r.name_key",
                ownerId));
  }

  @Override
  public List<Owner> accounts() {
    return read(
        c ->
            list(
                c,
                JdbcPolicyStore::mapAccount,
                "SELECT " + ACCOUNT_COLUMNS + " FROM accounts ORDER BY id"));
  }

  @Override
  public List<Organization> organizationsOfEnterprise(long enterpriseId) {
    return read(
        c ->
            list(
                c,
                rs -> (Organization) mapAccount(rs),
                "SELECT "
                    + ACCOUNT_COLUMNS
                    + " FROM accounts WHERE enterprise_id = ? AND type = 'Organization' ORDER BY login_key",
                enterpriseId));
  }

  @Override
  public List<Member> membersOfOrganization(long orgId) {
    return read(
        c ->
            list(
                c,
                rs -> new Member((User) mapAccount(rs), OrgRole.fromApiName(rs.getString("role"))),
                "SELECT "
                    + A_ACCOUNT_COLUMNS
                    + ", m.role FROM memberships m JOIN accounts a ON a.id = m.user_id "
                    + "WHERE m.org_id = ? ORDER BY a.login_key",
                orgId));
  }

  @Override
  public List<Collaborator> collaboratorsOfRepository(long repoId) {
    return read(
        c ->
            list(
                c,
                rs ->
                    new Collaborator(
                        (User) mapAccount(rs),
                        RepoPermission.fromCollaboratorName(rs.getString("permission"))),
                "SELECT "
                    + A_ACCOUNT_COLUMNS
                    + ", c.permission FROM collaborators c JOIN accounts a ON a.id = c.user_id "
                    + "WHERE c.repo_id = ? ORDER BY a.login_key",
                repoId));
  }

  // ---------------------------------------------------------------- writes

  @Override
  public User createUser(String login, boolean siteAdmin, Instant now) {
    return tx(
        c -> {
          long id =
              insert(
                  c,
                  "INSERT INTO accounts (login, login_key, type, site_admin, created_at) VALUES (?, ?, 'User', ?, ?)",
                  login,
                  key(login),
                  siteAdmin,
                  now);
          return new User(id, login, siteAdmin, null, now);
        });
  }

  @Override
  public boolean setSuspended(long userId, Instant suspendedAt) {
    return tx(
        c ->
            update(
                    c,
                    "UPDATE accounts SET suspended_at = ? WHERE id = ? AND type = 'User'",
                    orNull(suspendedAt),
                    userId)
                == 1);
  }

  @Override
  public Enterprise createEnterprise(String slug, Instant now) {
    EnterprisePolicy p = EnterprisePolicy.DEFAULT;
    return tx(
        c -> {
          long id =
              insert(
                  c,
                  "INSERT INTO enterprises (slug, slug_key, fine_grained_access, classic_access, fine_grained_approval, created_at) "
                      + "VALUES (?, ?, ?, ?, ?, ?)",
                  slug,
                  key(slug),
                  p.fineGrainedAccess().apiName(),
                  p.classicAccess().apiName(),
                  p.fineGrainedApproval().apiName(),
                  now);
          return new Enterprise(id, slug, p, now);
        });
  }

  @Override
  public void updateEnterprisePolicy(long enterpriseId, EnterprisePolicy p) {
    tx(
        c ->
            update(
                c,
                "UPDATE enterprises SET fine_grained_access = ?, classic_access = ?, fine_grained_approval = ?, "
                    + "fine_grained_max_lifetime_days = ?, classic_max_lifetime_days = ? WHERE id = ?",
                p.fineGrainedAccess().apiName(),
                p.classicAccess().apiName(),
                p.fineGrainedApproval().apiName(),
                orNull(p.fineGrainedMaxLifetimeDays()),
                orNull(p.classicMaxLifetimeDays()),
                enterpriseId));
  }

  @Override
  public Organization createOrganization(
      String login, Long enterpriseId, long adminUserId, Instant now) {
    OrgPolicy p = OrgPolicy.DEFAULT;
    return tx(
        c -> {
          long id =
              insert(
                  c,
                  "INSERT INTO accounts (login, login_key, type, enterprise_id, base_permission, fine_grained_access, "
                      + "classic_access, fine_grained_approval, push_protection, created_at) "
                      + "VALUES (?, ?, 'Organization', ?, ?, ?, ?, ?, ?, ?)",
                  login,
                  key(login),
                  orNull(enterpriseId),
                  BasePermission.READ.apiName(),
                  p.fineGrainedAccess().apiName(),
                  p.classicAccess().apiName(),
                  p.fineGrainedApproval().apiName(),
                  p.pushProtection().apiName(),
                  now);
          update(
              c,
              "INSERT INTO memberships (org_id, user_id, role, created_at) VALUES (?, ?, 'admin', ?)",
              id,
              adminUserId,
              now);
          return new Organization(id, login, enterpriseId, BasePermission.READ, p, now);
        });
  }

  @Override
  public void updateOrgPolicy(long orgId, OrgPolicy p) {
    tx(
        c ->
            update(
                c,
                "UPDATE accounts SET fine_grained_access = ?, classic_access = ?, fine_grained_approval = ?, "
                    + "fine_grained_max_lifetime_days = ?, classic_max_lifetime_days = ?, push_protection = ?, "
                    + "require_token_networks = ?, token_networks = ? "
                    + "WHERE id = ? AND type = 'Organization'",
                p.fineGrainedAccess().apiName(),
                p.classicAccess().apiName(),
                p.fineGrainedApproval().apiName(),
                orNull(p.fineGrainedMaxLifetimeDays()),
                orNull(p.classicMaxLifetimeDays()),
                p.pushProtection().apiName(),
                p.requireTokenNetworks(),
                orNull(networks(p.tokenNetworks())),
                orgId));
  }

  @Override
  public void setBasePermission(long orgId, BasePermission permission) {
    tx(
        c ->
            update(
                c,
                "UPDATE accounts SET base_permission = ? WHERE id = ? AND type = 'Organization'",
                permission.apiName(),
                orgId));
  }

  @Override
  public boolean addEnterpriseOwner(long enterpriseId, long userId, Instant now) {
    return tx(
        c -> {
          if (one(
                  c,
                  rs -> rs.getInt(1),
                  "SELECT 1 FROM enterprise_owners WHERE enterprise_id = ? AND user_id = ?",
                  enterpriseId,
                  userId)
              .isPresent()) {
            return false;
          }
          update(
              c,
              "INSERT INTO enterprise_owners (enterprise_id, user_id, created_at) VALUES (?, ?, ?)",
              enterpriseId,
              userId,
              now);
          return true;
        });
  }

  @Override
  public boolean removeEnterpriseOwner(long enterpriseId, long userId) {
    return tx(
        c ->
            update(
                    c,
                    "DELETE FROM enterprise_owners WHERE enterprise_id = ? AND user_id = ?",
                    enterpriseId,
                    userId)
                == 1);
  }

  @Override
  public void setMembership(long orgId, long userId, OrgRole role, Instant now) {
    tx(
        c -> {
          int n =
              update(
                  c,
                  "UPDATE memberships SET role = ? WHERE org_id = ? AND user_id = ?",
                  role.apiName(),
                  orgId,
                  userId);
          if (n == 0) {
            update(
                c,
                "INSERT INTO memberships (org_id, user_id, role, created_at) VALUES (?, ?, ?, ?)",
                orgId,
                userId,
                role.apiName(),
                now);
          }
          return null;
        });
  }

  @Override
  public boolean removeMembership(long orgId, long userId) {
    return tx(
        c ->
            update(c, "DELETE FROM memberships WHERE org_id = ? AND user_id = ?", orgId, userId)
                == 1);
  }

  @Override
  public Repository createRepository(
      long ownerId,
      String name,
      Visibility visibility,
      Instant now,
      Consumer<Repository> beforeCommit) {
    return tx(
        c -> {
          long id =
              insert(
                  c,
                  "INSERT INTO repositories (owner_id, name, name_key, visibility, created_at) VALUES (?, ?, ?, ?, ?)",
                  ownerId,
                  name,
                  key(name),
                  visibility.apiName(),
                  now);
          String ownerLogin =
              one(c, rs -> rs.getString(1), "SELECT login FROM accounts WHERE id = ?", ownerId)
                  .orElseThrow();
          Repository repo = new Repository(id, ownerId, ownerLogin, name, visibility, now);
          beforeCommit.accept(repo);
          return repo;
        });
  }

  @Override
  public void setCollaborator(long repoId, long userId, RepoPermission permission) {
    tx(
        c -> {
          int n =
              update(
                  c,
                  "UPDATE collaborators SET permission = ? WHERE repo_id = ? AND user_id = ?",
                  permission.apiName(),
                  repoId,
                  userId);
          if (n == 0) {
            update(
                c,
                "INSERT INTO collaborators (repo_id, user_id, permission) VALUES (?, ?, ?)",
                repoId,
                userId,
                permission.apiName());
          }
          return null;
        });
  }

  @Override
  public boolean removeCollaborator(long repoId, long userId) {
    return tx(
        c ->
            update(c, "DELETE FROM collaborators WHERE repo_id = ? AND user_id = ?", repoId, userId)
                == 1);
  }

  @Override
  public StoredToken insertToken(
      AccessToken t, Long grantOrgId, GrantStatus initialStatus, String reason) {
    StringBuilder perms = new StringBuilder();
    t.permissions().entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(
            e ->
                perms
                    .append(perms.length() == 0 ? "" : ",")
                    .append(e.getKey())
                    .append(':')
                    .append(e.getValue().apiName()));
    String scopes = String.join(" ", new java.util.TreeSet<>(t.scopes()));
    return tx(
        c -> {
          long id =
              insertTokenRow(
                  c,
                  "INSERT INTO tokens (lookup_key, user_id, kind, digest, name, description, created_at, expires_at, scopes, "
                      + "resource_owner_id, repository_selection, permissions, allowed_networks, ref_patterns) "
                      + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  t.digest().lookupKey(),
                  t.userId(),
                  t.kind().apiName(),
                  t.digest().hex(),
                  t.name(),
                  orNull(t.description()),
                  t.createdAt(),
                  orNull(t.expiresAt()),
                  scopes,
                  orNull(t.resourceOwnerId()),
                  orNull(
                      t.repositorySelection() == null ? null : t.repositorySelection().apiName()),
                  perms.toString(),
                  orNull(networks(t.allowedNetworks())),
                  orNull(refPatterns(t.refPatterns())));
          if (!t.repositoryIds().isEmpty()) {
            try (PreparedStatement ps =
                c.prepareStatement(
                    "INSERT INTO token_repositories (token_id, repo_id) VALUES (?, ?)")) {
              for (long repoId : t.repositoryIds()) {
                ps.setLong(1, id);
                ps.setLong(2, repoId);
                ps.addBatch();
              }
              ps.executeBatch();
            }
          }
          AccessToken stored =
              new AccessToken(
                  id,
                  t.userId(),
                  t.kind(),
                  t.digest(),
                  t.name(),
                  t.description(),
                  t.createdAt(),
                  t.expiresAt(),
                  null,
                  null,
                  t.scopes(),
                  t.resourceOwnerId(),
                  t.repositorySelection(),
                  t.repositoryIds(),
                  t.permissions(),
                  t.allowedNetworks(),
                  t.rotated(),
                  t.refPatterns());
          Grant grant = null;
          if (grantOrgId != null) {
            Instant granted = initialStatus == GrantStatus.APPROVED ? t.createdAt() : null;
            long gid =
                insert(
                    c,
                    "INSERT INTO token_grants (token_id, org_id, status, reason, created_at, access_granted_at) VALUES (?, ?, ?, ?, ?, ?)",
                    id,
                    grantOrgId,
                    initialStatus.apiName(),
                    orNull(reason),
                    t.createdAt(),
                    orNull(granted));
            // A request to an organization requiring approval is created; one that needs none is
            // approved at once (GitHub's event for both), in this transaction.
            JdbcWebhookStore.requestEvent(
                c,
                gid,
                initialStatus == GrantStatus.PENDING ? "created" : initialStatus.apiName(),
                t.userId(),
                t.createdAt());
            grant =
                new Grant(
                    gid,
                    id,
                    grantOrgId,
                    initialStatus,
                    reason,
                    t.createdAt(),
                    null,
                    null,
                    granted,
                    null);
          }
          return new StoredToken(stored, grant);
        });
  }

  @Override
  public Optional<List<TokenDigest>> rotateSecret(
      long tokenId,
      TokenDigest previous,
      TokenDigest next,
      Instant now,
      Instant expiresAt,
      Instant previousValidUntil) {
    return tx(
        c -> {
          Optional<Instant[]> old =
              one(
                  c,
                  rs -> new Instant[] {instant(rs, "created_at"), instant(rs, "expires_at")},
                  "SELECT created_at, expires_at FROM tokens WHERE id = ? AND digest = ? AND deleted_at IS NULL",
                  tokenId,
                  previous.hex());
          if (old.isEmpty()) {
            return Optional.<List<TokenDigest>>empty();
          }
          int replaced;
          try {
            // Compare-and-set on the digest: of two rotations of the same secret, one wins.
            replaced =
                update(
                    c,
                    "UPDATE tokens SET lookup_key = ?, digest = ?, created_at = ?, expires_at = ? "
                        + "WHERE id = ? AND digest = ? AND deleted_at IS NULL",
                    next.lookupKey(),
                    next.hex(),
                    now,
                    orNull(expiresAt),
                    tokenId,
                    previous.hex());
          } catch (SQLException e) {
            if ("23505".equals(e.getSQLState())) {
              throw new PolicyStore.LookupKeyTaken();
            }
            throw e;
          }
          if (replaced != 1) {
            return Optional.<List<TokenDigest>>empty();
          }
          Instant oldExpiry = old.get()[1];
          Instant until =
              oldExpiry != null && oldExpiry.isBefore(previousValidUntil)
                  ? oldExpiry
                  : previousValidUntil;
          List<TokenDigest> changed = new ArrayList<>();
          changed.add(previous);
          // An earlier overlap ends no later than this one.
          changed.addAll(
              list(
                  c,
                  rs -> TokenDigest.fromHex(rs.getString(1)),
                  "SELECT digest FROM token_secrets WHERE token_id = ? AND valid_until > ?",
                  tokenId,
                  until));
          update(
              c,
              "UPDATE token_secrets SET valid_until = ? WHERE token_id = ? AND valid_until > ?",
              until,
              tokenId,
              until);
          // The current secret's last use goes with it; the new secret starts unused.
          Instant lastUsed =
              one(
                      c,
                      rs -> instant(rs, "last_used_at"),
                      "SELECT last_used_at FROM token_last_used WHERE token_id = ?",
                      tokenId)
                  .orElse(null);
          update(c, "DELETE FROM token_last_used WHERE token_id = ?", tokenId);
          insert(
              c,
              "INSERT INTO token_secrets (token_id, lookup_key, digest, created_at, expires_at, rotated_at, "
                  + "valid_until, last_used_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
              tokenId,
              previous.lookupKey(),
              previous.hex(),
              old.get()[0],
              orNull(oldExpiry),
              now,
              until,
              orNull(lastUsed));
          return Optional.of(List.copyOf(changed));
        });
  }

  @Override
  public boolean deleteToken(long tokenId, Instant now) {
    return deleteToken(tokenId, now, null);
  }

  @Override
  public boolean deleteToken(long tokenId, Instant now, NotificationOutbox.Notice notice) {
    return tx(
        c -> {
          boolean deleted =
              update(
                      c,
                      "UPDATE tokens SET deleted_at = ? WHERE id = ? AND deleted_at IS NULL",
                      now,
                      tokenId)
                  == 1;
          // In the same transaction: the revocation and its notification are kept or lost
          // together.
          if (deleted && notice != null) {
            JdbcNotificationOutbox.enqueue(c, notice, now);
          }
          if (deleted) {
            // A request still pending is cancelled with its token.
            for (long[] g :
                list(
                    c,
                    rs -> new long[] {rs.getLong(1), rs.getLong(2)},
                    "SELECT g.id, t.user_id FROM token_grants g JOIN tokens t ON t.id = g.token_id "
                        + "WHERE g.token_id = ? AND g.status = 'pending'",
                    tokenId)) {
              JdbcWebhookStore.requestEvent(c, g[0], "cancelled", g[1], now);
            }
          }
          return deleted;
        });
  }

  @Override
  public boolean updateGrantStatus(
      long grantId,
      GrantStatus expected,
      GrantStatus next,
      Long reviewerId,
      String reviewReason,
      Instant now) {
    return updateGrantStatus(grantId, expected, next, reviewerId, reviewReason, now, null);
  }

  @Override
  public boolean updateGrantStatus(
      long grantId,
      GrantStatus expected,
      GrantStatus next,
      Long reviewerId,
      String reviewReason,
      Instant now,
      NotificationOutbox.Notice notice) {
    return updateGrantStatus(grantId, expected, next, reviewerId, reviewReason, now, notice, null);
  }

  @Override
  public boolean updateGrantStatus(
      long grantId,
      GrantStatus expected,
      GrantStatus next,
      Long reviewerId,
      String reviewReason,
      Instant now,
      NotificationOutbox.Notice notice,
      Instant approvalExpiresAt) {
    Instant end = next == GrantStatus.APPROVED ? approvalExpiresAt : null;
    return tx(
        c -> {
          boolean changed =
              update(
                      c,
                      "UPDATE token_grants SET status = ?, reviewed_at = ?, reviewed_by = ?, review_reason = ?, "
                          + "access_granted_at = CASE WHEN ? THEN ? ELSE access_granted_at END, "
                          + "approval_expires_at = ? WHERE id = ? AND status = ?",
                      next.apiName(),
                      now,
                      orNull(reviewerId),
                      orNull(reviewReason),
                      next == GrantStatus.APPROVED,
                      now,
                      orNull(end),
                      grantId,
                      expected.apiName())
                  == 1;
          // In the same transaction: the change and its notification are kept or lost together.
          if (changed && notice != null) {
            JdbcNotificationOutbox.enqueue(c, notice, now);
          }
          // So are the organization's webhook deliveries of a reviewed request.
          if (changed
              && expected == GrantStatus.PENDING
              && (next == GrantStatus.APPROVED || next == GrantStatus.DENIED)) {
            JdbcWebhookStore.requestEvent(c, grantId, next.apiName(), reviewerId, now);
          }
          return changed;
        });
  }

  @Override
  public Optional<StoredToken> updateRefPatterns(
      long tokenId, RefPatterns patterns, Grant reopen, String reason, Instant now) {
    return tx(
        c -> {
          if (reopen != null) {
            // The approved grant gives way to a new request; notices about the old one keep their
            // rows without pointing at it. Rolled back when it is no longer approved.
            update(
                c,
                "UPDATE notification_outbox SET grant_id = NULL WHERE grant_id = ?",
                reopen.id());
            JdbcWebhookStore.forgetGrant(c, reopen.id());
            if (update(
                    c,
                    "DELETE FROM token_grants WHERE id = ? AND token_id = ? AND status = 'approved'",
                    reopen.id(),
                    tokenId)
                != 1) {
              c.rollback();
              return Optional.empty();
            }
            long gid =
                insert(
                    c,
                    "INSERT INTO token_grants (token_id, org_id, status, reason, created_at) VALUES (?, ?, ?, ?, ?)",
                    tokenId,
                    reopen.orgId(),
                    GrantStatus.PENDING.apiName(),
                    orNull(reason),
                    now);
            // The new request is announced as any new request is.
            Long owner =
                one(c, rs -> rs.getLong(1), "SELECT user_id FROM tokens WHERE id = ?", tokenId)
                    .orElse(null);
            JdbcWebhookStore.requestEvent(c, gid, "created", owner, now);
          }
          if (update(
                  c,
                  "UPDATE tokens SET ref_patterns = ? WHERE id = ? AND deleted_at IS NULL",
                  orNull(refPatterns(patterns)),
                  tokenId)
              != 1) {
            c.rollback();
            return Optional.empty();
          }
          AccessToken t = token(c, "id = ?", tokenId).orElseThrow();
          Grant g =
              one(
                      c,
                      JdbcPolicyStore::mapGrant,
                      "SELECT " + GRANT_COLUMNS + " FROM token_grants WHERE token_id = ?",
                      tokenId)
                  .orElse(null);
          return Optional.of(new StoredToken(t, g));
        });
  }

  @Override
  public int noticeLapsedApprovals(Instant now) {
    NotificationKind kind = NotificationKind.GRANT_EXPIRED;
    return tx(
        c -> {
          List<NotificationOutbox.Notice> due =
              list(
                  c,
                  rs ->
                      new NotificationOutbox.Notice(
                          kind,
                          kind.apiName() + ":grant:" + rs.getLong(1),
                          rs.getLong(4),
                          rs.getLong(3),
                          rs.getLong(2),
                          rs.getLong(1),
                          null),
                  "SELECT g.id, g.token_id, g.org_id, t.user_id FROM token_grants g "
                      + "JOIN tokens t ON t.id = g.token_id "
                      + "WHERE g.status = 'approved' AND g.approval_expires_at <= ? AND t.deleted_at IS NULL "
                      + "AND NOT EXISTS (SELECT 1 FROM notification_outbox n "
                      + "WHERE n.grant_id = g.id AND n.kind = ?) ORDER BY g.id",
                  now,
                  kind.apiName());
          for (NotificationOutbox.Notice n : due) {
            JdbcNotificationOutbox.enqueue(c, n, now);
          }
          return due.size();
        });
  }

  @Override
  public NotificationOutbox notifications() {
    return notifications;
  }

  @Override
  public Optional<Removed> deleteRepository(long repoId) {
    return tx(
        c -> {
          List<Repository> repos = repositories(c, "r.id = ?", repoId);
          if (repos.isEmpty()) {
            return Optional.empty();
          }
          Set<Long> collaborators = removeRepositories(c, repos);
          return Optional.of(new Removed(List.of(), repos, Set.of(), collaborators));
        });
  }

  @Override
  public Optional<Removed> deleteOrganization(long orgId) {
    return tx(
        c -> {
          if (!accountOfType(c, orgId, "Organization")) {
            return Optional.empty();
          }
          // Notices about the organization's requests and grants go with them, sent or not.
          update(c, "DELETE FROM notification_outbox WHERE org_id = ?", orgId);
          List<TokenKey> secrets = new ArrayList<>();
          JdbcWebhookStore.forgetOrganization(c, orgId);
          List<TokenKey> tokens =
              removeTokens(
                  c,
                  secrets,
                  "resource_owner_id = ? OR id IN (SELECT token_id FROM token_grants WHERE org_id = ?)",
                  orgId,
                  orgId);
          List<Repository> repos = repositories(c, "r.owner_id = ?", orgId);
          Set<Long> collaborators = removeRepositories(c, repos);
          Set<Long> members =
              new HashSet<>(
                  list(
                      c,
                      rs -> rs.getLong(1),
                      "SELECT user_id FROM memberships WHERE org_id = ?",
                      orgId));
          update(c, "DELETE FROM memberships WHERE org_id = ?", orgId);
          update(c, "DELETE FROM accounts WHERE id = ?", orgId);
          return Optional.of(new Removed(tokens, repos, members, collaborators, secrets));
        });
  }

  @Override
  public Optional<Removed> deleteUser(long userId) {
    return tx(
        c -> {
          if (!accountOfType(c, userId, "User")) {
            return Optional.empty();
          }
          // Notices to the user go with the account, sent or not.
          update(c, "DELETE FROM notification_outbox WHERE recipient_id = ?", userId);
          List<TokenKey> secrets = new ArrayList<>();
          JdbcWebhookStore.forgetSender(c, userId);
          List<TokenKey> tokens =
              removeTokens(c, secrets, "user_id = ? OR resource_owner_id = ?", userId, userId);
          List<Repository> repos = repositories(c, "r.owner_id = ?", userId);
          Set<Long> collaborators = removeRepositories(c, repos);
          collaborators.add(userId);
          update(c, "DELETE FROM collaborators WHERE user_id = ?", userId);
          update(c, "DELETE FROM memberships WHERE user_id = ?", userId);
          // The audit log keeps who reviewed; the grant row no longer points at the account.
          update(c, "UPDATE token_grants SET reviewed_by = NULL WHERE reviewed_by = ?", userId);
          // The console's sign-in: the password, unused setup links, and every session.
          update(c, "DELETE FROM enterprise_owners WHERE user_id = ?", userId);
          update(c, "DELETE FROM console_sessions WHERE user_id = ?", userId);
          update(c, "DELETE FROM password_setup_links WHERE user_id = ?", userId);
          update(c, "DELETE FROM user_passwords WHERE user_id = ?", userId);
          update(c, "DELETE FROM accounts WHERE id = ?", userId);
          return Optional.of(new Removed(tokens, repos, Set.of(userId), collaborators, secrets));
        });
  }

  private static boolean accountOfType(Connection c, long id, String type) throws SQLException {
    return one(c, rs -> rs.getString(1), "SELECT type FROM accounts WHERE id = ?", id)
        .filter(type::equals)
        .isPresent();
  }

  private static List<Repository> repositories(Connection c, String where, Object... args)
      throws SQLException {
    return list(
        c,
        JdbcPolicyStore::mapRepo,
        "SELECT "
            + REPO_COLUMNS
            + " FROM repositories r JOIN accounts a ON a.id = r.owner_id WHERE "
            + where,
        args);
  }

  /**
   * Deletes the tokens matching {@code where} with every row that refers to them (last use,
   * selected repositories, request or grant), child rows first; returns them.
   */
  private static List<TokenKey> removeTokens(
      Connection c, List<TokenKey> rotatedSecrets, String where, Object... args)
      throws SQLException {
    List<TokenKey> tokens =
        list(
            c,
            rs -> new TokenKey(rs.getLong(1), TokenDigest.fromHex(rs.getString(2))),
            "SELECT id, digest FROM tokens WHERE " + where,
            args);
    rotatedSecrets.addAll(
        list(
            c,
            rs -> new TokenKey(rs.getLong(1), TokenDigest.fromHex(rs.getString(2))),
            "SELECT token_id, digest FROM token_secrets WHERE token_id IN (SELECT id FROM tokens WHERE "
                + where
                + ")",
            args));
    for (TokenKey t : tokens) {
      JdbcWebhookStore.forgetToken(c, t.id());
    }
    for (String table :
        List.of(
            "notification_outbox",
            "token_last_used",
            "token_repositories",
            "token_grants",
            "token_secrets")) {
      deleteEach(c, "DELETE FROM " + table + " WHERE token_id = ?", tokens);
    }
    deleteEach(c, "DELETE FROM tokens WHERE id = ?", tokens);
    return tokens;
  }

  private static void deleteEach(Connection c, String sql, List<TokenKey> tokens)
      throws SQLException {
    if (tokens.isEmpty()) {
      return;
    }
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (TokenKey t : tokens) {
        ps.setLong(1, t.id());
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  /**
   * Deletes {@code repos} with their collaborators and their place in tokens' selections; returns
   * the collaborators' user ids.
   */
  private static Set<Long> removeRepositories(Connection c, List<Repository> repos)
      throws SQLException {
    Set<Long> collaborators = new HashSet<>();
    for (Repository r : repos) {
      collaborators.addAll(
          list(
              c,
              rs -> rs.getLong(1),
              "SELECT user_id FROM collaborators WHERE repo_id = ?",
              r.id()));
      update(c, "DELETE FROM token_repositories WHERE repo_id = ?", r.id());
      update(c, "DELETE FROM collaborators WHERE repo_id = ?", r.id());
      update(c, "DELETE FROM repositories WHERE id = ?", r.id());
    }
    return collaborators;
  }

  @Override
  public void recordLastUsed(Map<Long, Instant> uses) {
    if (uses.isEmpty()) {
      return;
    }
    Map<Long, Instant> lastUsed = new HashMap<>();
    Map<Long, Instant> secrets = new HashMap<>();
    uses.forEach((k, t) -> (k < 0 ? secrets : lastUsed).put(k < 0 ? -k : k, t));
    tx(
        c -> {
          if (!secrets.isEmpty()) {
            // A rotated secret's row exists (or went with its token): an update is all it needs.
            try (PreparedStatement ps =
                c.prepareStatement(
                    "UPDATE token_secrets SET last_used_at = ? WHERE id = ? "
                        + "AND (last_used_at IS NULL OR last_used_at < ?)")) {
              for (Map.Entry<Long, Instant> e : secrets.entrySet()) {
                OffsetDateTime at = OffsetDateTime.ofInstant(e.getValue(), ZoneOffset.UTC);
                ps.setObject(1, at);
                ps.setLong(2, e.getKey());
                ps.setObject(3, at);
                ps.addBatch();
              }
              ps.executeBatch();
            }
          }
          if (lastUsed.isEmpty()) {
            return null;
          }
          // A token's row exists after its first use: an indexed update that moves the time
          // forward is all most tokens need. H2 runs a MERGE with a source query row by row, at
          // about ten times the cost of the update.
          List<Map.Entry<Long, Instant>> entries = new ArrayList<>(lastUsed.entrySet());
          int[] updated;
          try (PreparedStatement ps =
              c.prepareStatement(
                  "UPDATE token_last_used SET last_used_at = ? WHERE token_id = ? AND last_used_at < ?")) {
            for (Map.Entry<Long, Instant> e : entries) {
              OffsetDateTime at = OffsetDateTime.ofInstant(e.getValue(), ZoneOffset.UTC);
              ps.setObject(1, at);
              ps.setLong(2, e.getKey());
              ps.setObject(3, at);
              ps.addBatch();
            }
            updated = ps.executeBatch();
          }
          // The rest: a first use (insert, only for a token that exists), or a row that already
          // holds a later time (nothing to do). PostgreSQL's upsert is safe against another node
          // inserting the same token's row at the same moment.
          String insert =
              postgres(c)
                  ? "INSERT INTO token_last_used (token_id, last_used_at) SELECT id, ? FROM tokens WHERE id = ? "
                      + "ON CONFLICT (token_id) DO UPDATE SET last_used_at = EXCLUDED.last_used_at "
                      + "WHERE token_last_used.last_used_at < EXCLUDED.last_used_at"
                  : "MERGE INTO token_last_used u USING (SELECT id, CAST(? AS TIMESTAMP WITH TIME ZONE) AS at FROM tokens WHERE id = ?) s "
                      + "ON u.token_id = s.id WHEN MATCHED AND u.last_used_at < s.at THEN UPDATE SET last_used_at = s.at "
                      + "WHEN NOT MATCHED THEN INSERT (token_id, last_used_at) VALUES (s.id, s.at)";
          boolean any = false;
          try (PreparedStatement ps = c.prepareStatement(insert)) {
            for (int i = 0; i < entries.size(); i++) {
              if (updated[i] > 0) {
                continue;
              }
              Map.Entry<Long, Instant> e = entries.get(i);
              ps.setObject(1, OffsetDateTime.ofInstant(e.getValue(), ZoneOffset.UTC));
              ps.setLong(2, e.getKey());
              ps.addBatch();
              any = true;
            }
            if (any) {
              ps.executeBatch();
            }
          }
          return null;
        });
  }

  /** Whether the store is PostgreSQL (else H2): asked once. */
  private boolean postgres(Connection c) throws SQLException {
    Boolean pg = postgres;
    if (pg == null) {
      pg = c.getMetaData().getDatabaseProductName().toLowerCase(Locale.ROOT).contains("postgres");
      postgres = pg;
    }
    return pg;
  }
}
