package dev.portcullis.policy.access;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import dev.portcullis.policy.model.AccessToken;
import dev.portcullis.policy.model.EffectivePolicy;
import dev.portcullis.policy.model.Enterprise;
import dev.portcullis.policy.model.Grant;
import dev.portcullis.policy.model.OrgRole;
import dev.portcullis.policy.model.Organization;
import dev.portcullis.policy.model.RepoPermission;
import dev.portcullis.policy.model.Repository;
import dev.portcullis.policy.model.User;
import dev.portcullis.policy.store.PolicyStore;
import dev.portcullis.policy.token.TokenDigest;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Caffeine caches around every input of the access decision, keyed by token digest and by ids,
 * never by plaintext. Unknown keys are cached too (a random well-formed token that does not exist
 * cannot come to exist). {@link #apply} drops exactly what a write changed.
 */
public final class PolicyCache {
  /** What a login names. */
  public record OwnerRef(long id, boolean organization) {}

  /** An organization with its effective token policy. */
  public record OrgEntry(Organization organization, EffectivePolicy policy) {}

  private record RepoKey(long ownerId, String name) {}

  /**
   * A token (by digest) addressing a repository (owner and name lowercased). The digest is held as
   * four longs, so that a lookup compares it without following a pointer.
   */
  static final class JoinedKey {
    private final long d0;
    private final long d1;
    private final long d2;
    private final long d3;
    private final String owner;
    private final String name;
    private final int hash;

    private JoinedKey(long d0, long d1, long d2, long d3, String owner, String name, int hash) {
      this.d0 = d0;
      this.d1 = d1;
      this.d2 = d2;
      this.d3 = d3;
      this.owner = owner;
      this.name = name;
      this.hash = hash;
    }

    /**
     * The same key with owner and name as the JVM's one shared copy of each string, as it is kept:
     * every token's entry for a repository then points to the same two strings, which stay in the
     * processor's caches, rather than to its own copies, which a lookup comparing them would have
     * to fetch from memory. Only names of existing repositories are kept, so the set is bounded.
     */
    JoinedKey shared() {
      return new JoinedKey(d0, d1, d2, d3, owner.intern(), name.intern(), hash);
    }

    JoinedKey(TokenDigest digest, String owner, String name) {
      this.d0 = digest.longAt(0);
      this.d1 = digest.longAt(1);
      this.d2 = digest.longAt(2);
      this.d3 = digest.longAt(3);
      this.owner = owner;
      this.name = name;
      this.hash = (digest.hashCode() * 31 + owner.hashCode()) * 31 + name.hashCode();
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof JoinedKey k
          && d0 == k.d0
          && d1 == k.d1
          && d2 == k.d2
          && d3 == k.d3
          && owner.equals(k.owner)
          && name.equals(k.name);
    }

    @Override
    public int hashCode() {
      return hash;
    }

    @Override
    public String toString() {
      return "JoinedKey[" + Long.toHexString(d0) + "…, " + owner + "/" + name + "]";
    }
  }

  /**
   * What the joined cache keeps: a token's whole decision input for one repository, joined from the
   * caches below ({@link AccessService.Prepared}). Valid while {@link #generation} is unchanged,
   * and expiring when the oldest entry it was built from would; both are set by {@link #join}
   * before the entry is published.
   */
  abstract static class Joined {
    private long generation;
    private long expiresAt;
  }

  private final PolicyStore store;
  private final StampedCache<TokenDigest, Optional<AccessToken>> tokens;
  private final StampedCache<Long, Optional<User>> users;
  private final StampedCache<String, Optional<OwnerRef>> owners;
  private final StampedCache<Long, Optional<OrgEntry>> orgs;
  private final StampedCache<RepoKey, Optional<Repository>> repos;
  private final StampedCache<Long, Map<Long, OrgRole>> memberships;
  private final StampedCache<Long, Map<Long, RepoPermission>> collaborations;
  private final StampedCache<Long, Optional<Grant>> grants;
  private final Cache<JoinedKey, Joined> joined;

  /**
   * Rises after every change applied (and every flush): a joined entry of an older one is stale.
   */
  private final AtomicLong generation = new AtomicLong();

  private final Ticker ticker;
  private final long ttlNanos;
  private volatile boolean bypass;

  public PolicyCache(PolicyStore store, CacheSettings settings, Ticker ticker) {
    this.store = store;
    AtomicLong clock = new AtomicLong();
    long n = settings.maximumEntries();
    var ttl = settings.expireAfterWrite();
    // Each cache owns its loader, so a lookup allocates no lambda.
    tokens =
        new StampedCache<>(
            "tokens", settings.maximumTokens(), ttl, ticker, clock, store::tokenByDigest);
    users = new StampedCache<>("users", n, ttl, ticker, clock, store::userById);
    owners =
        new StampedCache<>(
            "owners",
            n,
            ttl,
            ticker,
            clock,
            k -> store.ownerByLogin(k).map(o -> new OwnerRef(o.id(), o instanceof Organization)));
    orgs =
        new StampedCache<>(
            "organizations",
            n,
            ttl,
            ticker,
            clock,
            k ->
                store
                    .organizationById(k)
                    .map(
                        o -> {
                          Enterprise e =
                              o.enterpriseId() == null
                                  ? null
                                  : store.enterpriseById(o.enterpriseId()).orElse(null);
                          return new OrgEntry(o, EffectivePolicy.of(o, e));
                        }));
    repos =
        new StampedCache<>(
            "repositories", n, ttl, ticker, clock, k -> store.repository(k.ownerId(), k.name()));
    memberships =
        new StampedCache<>("memberships", n, ttl, ticker, clock, store::membershipsOfUser);
    collaborations =
        new StampedCache<>("collaborations", n, ttl, ticker, clock, store::collaborationsOfUser);
    grants = new StampedCache<>("grants", n, ttl, ticker, clock, store::grantOfToken);
    this.ticker = ticker;
    this.ttlNanos = ttl.toNanos();
    joined =
        Caffeine.newBuilder()
            .maximumSize(settings.maximumTokens())
            // Caffeine drops an entry a cache period after it was joined; joined() refuses it
            // earlier, once the oldest entry it was built from has expired. A fixed expiry, unlike
            // a variable one (Caffeine's expireAfter), lets Caffeine skip buffering reads while the
            // cache is under half full, so no lookup in 16 pays for replaying them into the
            // eviction policy: with a variable expiry the warm decision's p99 was 1.9 µs instead
            // of 1.0 µs.
            .expireAfterWrite(ttl)
            .ticker(ticker)
            // Maintenance (replaying reads into the eviction policy every few reads) runs on the
            // calling thread: handing it to the common pool wakes a parked worker, which costs
            // more.
            .executor(Runnable::run)
            .recordStats()
            .build();
  }

  /**
   * The current change generation; read it before gathering what a {@link Joined} is built from.
   */
  long generation() {
    return generation.get();
  }

  /** A joined entry still valid in generation {@code gen}, or {@code null}. */
  Joined joined(JoinedKey key, long gen) {
    if (bypass) {
      return null;
    }
    Joined j = joined.getIfPresent(key);
    return j != null && j.generation == gen && ticker.read() - j.expiresAt < 0 ? j : null;
  }

  /** Keeps inputs gathered (through the {@code age}-taking lookups) in generation {@code gen}. */
  void join(JoinedKey key, long gen, StampedCache.Age age, Joined entry) {
    if (!bypass && age.oldest() != Long.MAX_VALUE) {
      entry.generation = gen;
      entry.expiresAt = age.oldest() + ttlNanos;
      joined.put(key.shared(), entry);
    }
  }

  public Optional<AccessToken> token(TokenDigest digest) {
    return token(digest, null);
  }

  public Optional<User> user(long id) {
    return user(id, null);
  }

  public Optional<OwnerRef> owner(String login) {
    return owner(login, null);
  }

  public Optional<OrgEntry> organization(long id) {
    return organization(id, null);
  }

  public Optional<Repository> repository(long ownerId, String name) {
    return repository(ownerId, name, null);
  }

  public Map<Long, OrgRole> memberships(long userId) {
    return memberships(userId, null);
  }

  public Map<Long, RepoPermission> collaborations(long userId) {
    return collaborations(userId, null);
  }

  public Optional<Grant> grant(long tokenId) {
    return grant(tokenId, null);
  }

  // The lookups themselves; {@code age}, when not null, notes when each returned entry was loaded.

  Optional<AccessToken> token(TokenDigest digest, StampedCache.Age age) {
    return tokens.get(digest, age);
  }

  Optional<User> user(long id, StampedCache.Age age) {
    return users.get(id, age);
  }

  Optional<OwnerRef> owner(String login, StampedCache.Age age) {
    return owners.get(login.toLowerCase(Locale.ROOT), age);
  }

  Optional<OrgEntry> organization(long id, StampedCache.Age age) {
    return orgs.get(id, age);
  }

  Optional<Repository> repository(long ownerId, String name, StampedCache.Age age) {
    return repos.get(new RepoKey(ownerId, name.toLowerCase(Locale.ROOT)), age);
  }

  Map<Long, OrgRole> memberships(long userId, StampedCache.Age age) {
    return memberships.get(userId, age);
  }

  Map<Long, RepoPermission> collaborations(long userId, StampedCache.Age age) {
    return collaborations.get(userId, age);
  }

  Optional<Grant> grant(long tokenId, StampedCache.Age age) {
    return grants.get(tokenId, age);
  }

  /** Drops the entries a committed write changed (and with them every joined entry). */
  public void apply(Invalidation event) {
    try {
      drop(event);
    } finally {
      // After the drop: a joined entry gathered before it carries an older generation.
      generation.incrementAndGet();
    }
  }

  private void drop(Invalidation event) {
    if (event instanceof Invalidation.TokenChanged t) {
      tokens.invalidate(t.digest());
      grants.invalidate(t.tokenId());
    } else if (event instanceof Invalidation.UserChanged u) {
      users.invalidate(u.userId());
    } else if (event instanceof Invalidation.OwnerCreated o) {
      owners.invalidate(o.login().toLowerCase(Locale.ROOT));
    } else if (event instanceof Invalidation.OwnerDeleted d) {
      owners.invalidate(d.login().toLowerCase(Locale.ROOT));
      users.invalidate(d.ownerId());
      orgs.invalidate(d.ownerId());
      memberships.invalidate(d.ownerId());
      collaborations.invalidate(d.ownerId());
    } else if (event instanceof Invalidation.OrganizationChanged o) {
      orgs.invalidate(o.orgId());
    } else if (event instanceof Invalidation.EnterpriseChanged) {
      orgs.invalidateAll();
    } else if (event instanceof Invalidation.MembershipChanged m) {
      memberships.invalidate(m.userId());
    } else if (event instanceof Invalidation.CollaboratorChanged c) {
      collaborations.invalidate(c.userId());
    } else if (event instanceof Invalidation.RepositoryChanged r) {
      repos.invalidate(new RepoKey(r.ownerId(), r.name().toLowerCase(Locale.ROOT)));
    } else if (event instanceof Invalidation.GrantChanged g) {
      grants.invalidate(g.tokenId());
    }
  }

  /**
   * Stops (or resumes) caching: while change events from other nodes cannot be received, every
   * decision reads the store. Turning it on drops everything cached.
   */
  public void bypass(boolean on) {
    bypass = on;
    for (StampedCache<?, ?> c : all()) {
      c.bypass(on);
    }
    generation.incrementAndGet();
    if (on) {
      joined.invalidateAll();
    }
  }

  private List<StampedCache<?, ?>> all() {
    return List.of(tokens, users, owners, orgs, repos, memberships, collaborations, grants);
  }

  /** Hit rate and size of each cache, for metrics and the load tester. */
  public Map<String, double[]> stats() {
    Map<String, double[]> m = new java.util.LinkedHashMap<>();
    String[] names = {
      "tokens",
      "users",
      "owners",
      "organizations",
      "repositories",
      "memberships",
      "collaborations",
      "grants"
    };
    List<StampedCache<?, ?>> caches = all();
    for (int i = 0; i < names.length; i++) {
      m.put(names[i], new double[] {caches.get(i).hitRate(), caches.get(i).estimatedSize()});
    }
    m.put("joined", new double[] {joined.stats().hitRate(), joined.estimatedSize()});
    return m;
  }

  /** Drops everything (used when change events may have been missed). */
  public void invalidateAll() {
    tokens.invalidateAll();
    users.invalidateAll();
    owners.invalidateAll();
    orgs.invalidateAll();
    repos.invalidateAll();
    memberships.invalidateAll();
    collaborations.invalidateAll();
    grants.invalidateAll();
    generation.incrementAndGet();
    joined.invalidateAll();
  }
}
