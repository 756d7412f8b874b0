package dev.portcullis.policy.bench;

import dev.portcullis.policy.model.Enterprise;
import dev.portcullis.policy.model.OrgRole;
import dev.portcullis.policy.model.Organization;
import dev.portcullis.policy.model.RepoPermission;
import dev.portcullis.policy.model.Repository;
import dev.portcullis.policy.model.User;
import dev.portcullis.policy.model.Visibility;
import dev.portcullis.policy.store.Database;
import dev.portcullis.policy.store.PolicyStore;
import dev.portcullis.policy.store.PolicyStores;
import dev.portcullis.policy.token.TokenDigest;
import dev.portcullis.policy.token.TokenFormat;
import dev.portcullis.policy.token.TokenKind;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * The benchmark world on a real embedded H2 store: enterprise {@code globex} with organization
 * {@code acme} (default policy: fine-grained approval required), {@value #USERS} users who are all
 * members of {@code acme} (the first is its owner), {@value #REPOS} repositories of {@code acme}
 * (80 % private, 10 % internal, 10 % public), one collaboration per user, and any number of tokens:
 * even-numbered tokens are classic ({@code repo} scope), odd-numbered are fine-grained on {@code
 * acme} ({@code all} repositories, {@code contents: read}) with an approved grant. Half the tokens
 * of either kind ({@link #limited}) may be used only from {@link #NETWORKS}, and the grants of the
 * fine-grained ones among them end in 30 days, so the decision runs the network and approval-end
 * checks on their real inputs.
 *
 * <p>Accounts, repositories, memberships and collaborations go through {@link PolicyStore}; tokens
 * and grants are inserted directly with batched JDBC into the schema of {@code
 * V1__policy_model.sql}, in digest order (B-tree appends: 3–4× faster than random order on H2, and
 * MVStore splits pages in the middle either way). Plaintexts are generated with {@link TokenFormat}
 * from a seeded {@code SHA1PRNG}, so a world is the same on every run, and {@link #open} can reopen
 * a world built earlier (the JMH forks of one run share one store per size).
 *
 * <p>Request {@code i} of the world is token {@code i} reading repository {@code i % REPOS} as the
 * token's user: every such request is allowed.
 */
public final class BenchWorld implements AutoCloseable {
  public static final int USERS = 1_000;
  public static final int REPOS = 100;
  public static final String ORG = "acme";

  /** The client address every benchmark request comes from, as the gateway hands it over. */
  public static final String CLIENT = "192.0.2.1";

  /**
   * The allow list of the tokens {@link #limited}: three blocks, {@link #CLIENT} in the second, as
   * stored (canonical blocks separated by spaces).
   */
  static final String NETWORKS = "198.51.100.0/24 192.0.2.0/24 2001:db8::/32";

  /** Whether token {@code index} is limited to {@link #NETWORKS}: every other pair of tokens. */
  static boolean limited(int index) {
    return index % 4 >= 2;
  }

  /** A token whose plaintext was kept, with the request made with it. */
  public record Sample(
      int index,
      String plaintext,
      TokenDigest digest,
      String login,
      String repoName,
      TokenKind kind) {
    /** The {@code Authorization} value git sends: Basic {@code login:token}. */
    public String basicHeader() {
      return basic(login, plaintext);
    }
  }

  private final Path dir;
  private final boolean deleteOnClose;
  private final Database database;
  private final PolicyStore store;
  private final Organization org;
  private final List<User> users;
  private final List<Repository> repos;
  private final List<Sample> samples;
  private final int tokens;

  private BenchWorld(
      Path dir,
      boolean deleteOnClose,
      Database database,
      PolicyStore store,
      Organization org,
      List<User> users,
      List<Repository> repos,
      List<Sample> samples,
      int tokens) {
    this.dir = dir;
    this.deleteOnClose = deleteOnClose;
    this.database = database;
    this.store = store;
    this.org = org;
    this.users = users;
    this.repos = repos;
    this.samples = samples;
    this.tokens = tokens;
  }

  /** A world in a fresh temporary directory that {@link #close} deletes. */
  public static BenchWorld createTemporary(int tokens, int keepEvery) {
    try {
      return create(Files.createTempDirectory("portcullis-bench-"), true, tokens, keepEvery);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** System property naming a directory where worlds are kept between the JMH forks of one run. */
  public static final String SHARED_DIR_PROPERTY = "portcullis.bench.worlds";

  /**
   * A world of {@code tokens} tokens: reopened from the directory named by {@value
   * #SHARED_DIR_PROPERTY} when an earlier fork of the same run built it there, built there (then
   * closed and reopened, so every fork starts from a store opened from disk) when not, or a
   * temporary one when the property is not set. {@code BenchMain} sets the property and deletes the
   * directory after the run.
   */
  public static BenchWorld shared(int tokens, int keepEvery) {
    String root = System.getProperty(SHARED_DIR_PROPERTY);
    if (root == null || root.isBlank()) {
      return createTemporary(tokens, keepEvery);
    }
    Path dir = Path.of(root).resolve("tokens-" + tokens);
    Path done = dir.resolve("complete");
    if (!Files.exists(done)) {
      deleteTree(dir);
      create(dir, false, tokens, keepEvery).close();
      try {
        Files.writeString(done, "built " + Instant.now() + "\n");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return open(dir, tokens, keepEvery);
  }

  /**
   * Builds the world in {@code dir}.
   *
   * @param tokens how many tokens the store holds
   * @param keepEvery keep the plaintext of every {@code keepEvery}-th token (1 = all) as a {@link
   *     Sample}
   */
  public static BenchWorld create(Path dir, boolean deleteOnClose, int tokens, int keepEvery) {
    if (tokens < 1 || keepEvery < 1) {
      throw new IllegalArgumentException("tokens and keepEvery must be positive");
    }
    Database db = Database.embedded(dir.resolve("db"));
    try {
      PolicyStore store = PolicyStores.jdbc(db.dataSource());
      Instant now = Instant.now();
      Instant longAgo = now.minus(Duration.ofDays(400));
      List<User> users = new ArrayList<>(USERS);
      for (int u = 0; u < USERS; u++) {
        users.add(store.createUser(String.format("user%04d", u), false, longAgo));
      }
      Enterprise globex = store.createEnterprise("globex", longAgo);
      Organization org = store.createOrganization(ORG, globex.id(), users.get(0).id(), longAgo);
      for (int u = 1; u < USERS; u++) {
        store.setMembership(org.id(), users.get(u).id(), OrgRole.MEMBER, longAgo);
      }
      List<Repository> repos = new ArrayList<>(REPOS);
      for (int r = 0; r < REPOS; r++) {
        Visibility v =
            r % 10 == 8
                ? Visibility.INTERNAL
                : r % 10 == 9 ? Visibility.PUBLIC : Visibility.PRIVATE;
        repos.add(
            store.createRepository(org.id(), String.format("repo%03d", r), v, longAgo, x -> {}));
      }
      for (int u = 0; u < USERS; u++) {
        store.setCollaborator(
            repos.get((u * 7) % REPOS).id(), users.get(u).id(), RepoPermission.WRITE);
      }
      List<Sample> samples = insertTokens(db, org, users, repos, tokens, keepEvery, now);
      return new BenchWorld(dir, deleteOnClose, db, store, org, users, repos, samples, tokens);
    } catch (RuntimeException | Error e) {
      db.close();
      throw e;
    }
  }

  /** One generated token: its index (which decides kind, user and repository) and digest. */
  private record Generated(int index, TokenDigest digest) {}

  /**
   * Generates the world's tokens deterministically; keeps a {@link Sample} of every {@code
   * keepEvery}-th and hands every digest to {@code all} (may be null).
   */
  private static List<Sample> generate(
      int tokens, int keepEvery, List<String> logins, List<String> repoNames, List<Generated> all) {
    SecureRandom random;
    try {
      random = SecureRandom.getInstance("SHA1PRNG");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    random.setSeed(0x5eed_0004L + tokens);
    List<Sample> samples = new ArrayList<>(tokens / keepEvery + 1);
    for (int i = 0; i < tokens; i++) {
      TokenKind kind = kindOf(i);
      String plaintext = TokenFormat.generate(kind, random);
      TokenDigest digest = TokenDigest.of(plaintext);
      if (all != null) {
        all.add(new Generated(i, digest));
      }
      if (i % keepEvery == 0) {
        samples.add(
            new Sample(
                i, plaintext, digest, logins.get(i % USERS), repoNames.get(i % REPOS), kind));
      }
    }
    return List.copyOf(samples);
  }

  private static TokenKind kindOf(int i) {
    return i % 2 == 0 ? TokenKind.CLASSIC : TokenKind.FINE_GRAINED;
  }

  private static List<Sample> insertTokens(
      Database db,
      Organization org,
      List<User> users,
      List<Repository> repos,
      int tokens,
      int keepEvery,
      Instant now) {
    List<Generated> all = new ArrayList<>(tokens);
    List<Sample> samples =
        generate(
            tokens,
            keepEvery,
            users.stream().map(User::login).toList(),
            repos.stream().map(Repository::name).toList(),
            all);
    // Inserted in the order they were generated, so in no order of their digests or lookup keys, as
    // tokens issued over time are (sorting them first would pack the store's trees
    // unrealistically).
    OffsetDateTime created =
        OffsetDateTime.ofInstant(now.minus(Duration.ofDays(1)), ZoneOffset.UTC);
    OffsetDateTime expires =
        OffsetDateTime.ofInstant(now.plus(Duration.ofDays(89)), ZoneOffset.UTC);
    String sql =
        "INSERT INTO tokens (user_id, kind, digest, name, created_at, expires_at, scopes, resource_owner_id, "
            + "repository_selection, permissions, lookup_key, allowed_networks) "
            + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
    try (Connection c = db.dataSource().getConnection()) {
      c.setAutoCommit(false);
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        int inBatch = 0;
        for (Generated g : all) {
          TokenKind kind = kindOf(g.index());
          ps.setLong(1, users.get(g.index() % USERS).id());
          ps.setString(2, kind.apiName());
          ps.setString(3, g.digest().hex());
          ps.setLong(11, g.digest().lookupKey());
          ps.setString(4, "bench-" + g.index());
          ps.setObject(5, created);
          ps.setObject(6, expires);
          if (limited(g.index())) {
            ps.setString(12, NETWORKS);
          } else {
            ps.setNull(12, java.sql.Types.VARCHAR);
          }
          if (kind == TokenKind.CLASSIC) {
            ps.setString(7, "repo");
            ps.setNull(8, java.sql.Types.BIGINT);
            ps.setNull(9, java.sql.Types.VARCHAR);
            ps.setString(10, "");
          } else {
            ps.setString(7, "");
            ps.setLong(8, org.id());
            ps.setString(9, "all");
            ps.setString(10, "contents:read,metadata:read");
          }
          ps.addBatch();
          if (++inBatch == 5_000) {
            ps.executeBatch();
            c.commit();
            inBatch = 0;
          }
        }
        if (inBatch > 0) {
          ps.executeBatch();
        }
      }
      try (Statement st = c.createStatement()) {
        // Every fine-grained token gets an approved grant on its organization, as an approval would
        // leave it.
        st.executeUpdate(
            "INSERT INTO token_grants (token_id, org_id, status, created_at, reviewed_at, access_granted_at) "
                + "SELECT id, resource_owner_id, 'approved', created_at, created_at, created_at FROM tokens "
                + "WHERE kind = 'fine_grained' AND resource_owner_id IS NOT NULL");
        // The fine-grained tokens among those limited to networks were approved for a time.
        try (PreparedStatement ends =
            c.prepareStatement(
                "UPDATE token_grants SET approval_expires_at = ? WHERE token_id IN "
                    + "(SELECT id FROM tokens WHERE allowed_networks IS NOT NULL)")) {
          ends.setObject(
              1, OffsetDateTime.ofInstant(now.plus(Duration.ofDays(30)), ZoneOffset.UTC));
          ends.executeUpdate();
        }
      }
      c.commit();
    } catch (SQLException e) {
      throw new IllegalStateException("cannot insert the benchmark tokens: " + e.getMessage(), e);
    }
    return samples;
  }

  /**
   * Reopens a world that {@link #create} built in {@code dir} with the same {@code tokens}: reads
   * its accounts and repositories back and regenerates the samples (no inserts).
   */
  public static BenchWorld open(Path dir, int tokens, int keepEvery) {
    Database db = Database.embedded(dir.resolve("db"));
    try {
      PolicyStore store = PolicyStores.jdbc(db.dataSource());
      Organization org =
          (Organization)
              store
                  .ownerByLogin(ORG)
                  .orElseThrow(() -> new IllegalStateException("no " + ORG + " in " + dir));
      List<User> users = new ArrayList<>(USERS);
      for (int u = 0; u < USERS; u++) {
        users.add((User) store.ownerByLogin(String.format("user%04d", u)).orElseThrow());
      }
      List<Repository> repos = store.repositoriesOfOwner(org.id());
      if (repos.size() != REPOS) {
        throw new IllegalStateException(
            "expected " + REPOS + " repositories in " + dir + ", found " + repos.size());
      }
      List<Sample> samples =
          generate(
              tokens,
              keepEvery,
              users.stream().map(User::login).toList(),
              repos.stream().map(Repository::name).toList(),
              null);
      if (store.tokenByDigest(samples.get(samples.size() - 1).digest()).isEmpty()) {
        throw new IllegalStateException(
            "the store in " + dir + " was not built for " + tokens + " tokens");
      }
      return new BenchWorld(dir, false, db, store, org, users, repos, samples, tokens);
    } catch (RuntimeException | Error e) {
      db.close();
      throw e;
    }
  }

  /** {@code Basic base64(login:password)}. */
  public static String basic(String login, String password) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((login + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  public PolicyStore store() {
    return store;
  }

  public Database database() {
    return database;
  }

  public Organization org() {
    return org;
  }

  public List<User> users() {
    return users;
  }

  public List<Repository> repos() {
    return repos;
  }

  /** The tokens whose plaintext was kept, in insertion order. */
  public List<Sample> samples() {
    return samples;
  }

  /** How many tokens the store holds. */
  public int tokens() {
    return tokens;
  }

  @Override
  public void close() {
    database.close();
    if (deleteOnClose) {
      deleteTree(dir);
    }
  }

  static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      System.err.println("bench: could not delete " + root + ": " + e);
    }
  }
}
