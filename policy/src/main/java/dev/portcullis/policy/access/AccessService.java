package dev.portcullis.policy.access;

import dev.portcullis.policy.decision.AccessEvaluator;
import dev.portcullis.policy.decision.AccessInputs;
import dev.portcullis.policy.decision.Credential;
import dev.portcullis.policy.decision.Decision;
import dev.portcullis.policy.model.AccessToken;
import dev.portcullis.policy.model.EffectivePolicy;
import dev.portcullis.policy.model.GitOperation;
import dev.portcullis.policy.model.Grant;
import dev.portcullis.policy.model.NetworkList;
import dev.portcullis.policy.model.OrgRole;
import dev.portcullis.policy.model.Organization;
import dev.portcullis.policy.model.RepoPermission;
import dev.portcullis.policy.model.Repository;
import dev.portcullis.policy.model.User;
import dev.portcullis.policy.model.Visibility;
import dev.portcullis.policy.token.AuthorizationHeader;
import dev.portcullis.policy.token.TokenDigest;
import dev.portcullis.policy.token.TokenKind;
import java.time.Clock;
import java.time.Instant;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The hot path: authentication (who is this) and then authorization (may they do this to that
 * repository), both from cached inputs, ending in the pure {@link AccessEvaluator}.
 */
public final class AccessService {
  /** The decision with what it was made about and when; {@code repository} is null when unknown. */
  public static final class AccessCheck {
    private final Decision decision;
    private final Credential credential;
    private final Repository repository;
    private final Instant at;
    private final AccessInputs inputs;

    /** The joined entry the decision came from, or {@code null}: where its uses are noted. */
    private final Prepared prepared;

    AccessCheck(Decision decision, AccessInputs inputs, Instant at, Prepared prepared) {
      this.decision = decision;
      this.credential = inputs.credential();
      this.repository = inputs.repository();
      this.inputs = inputs;
      this.at = at;
      this.prepared = prepared;
    }

    public Decision decision() {
      return decision;
    }

    public Credential credential() {
      return credential;
    }

    /** The addressed repository, or {@code null} when it does not exist (or was not looked up). */
    public Repository repository() {
      return repository;
    }

    /** When the decision was made. */
    public Instant at() {
      return at;
    }

    /** What the decision was made on (the rules on pushed content are derived from it too). */
    public AccessInputs inputs() {
      return inputs;
    }

    @Override
    public String toString() {
      return "AccessCheck["
          + decision
          + ", "
          + credential
          + ", "
          + (repository == null ? "-" : repository.fullName())
          + ", "
          + at
          + "]";
    }
  }

  /**
   * A token's inputs for one repository with the evaluator's decision on them for each operation,
   * made at one instant: what a warm request reuses instead of evaluating again. The evaluator is a
   * pure function of the inputs, the operation and the time, and the time enters it only through
   * the token's expiry ({@link AccessEvaluator#changesAt}) and the end of a time-bound approval
   * ({@link AccessEvaluator#grantChangesAt}); so a decision holds for as long as the clock stays on
   * the side of those instants on which it was made (either way: a clock set back is re-evaluated
   * too). The inputs themselves are kept only while no change has been applied since they were
   * gathered ({@link PolicyCache#joined}).
   */
  static final class Prepared extends PolicyCache.Joined {
    final AccessInputs inputs;
    private final Decision read;
    private final Decision write;

    /**
     * The token's {@code allowed_networks}, or {@code null}: held here so that a warm request
     * follows no pointer through the inputs and the token to learn it or to match it.
     */
    final NetworkList networks;

    /**
     * The IPv4 blocks of {@link #networks} when it has at most two (how many: 0–2), or -1: held in
     * the entry itself, so that a warm request from an IPv4 address reads no other object to match
     * it. With thousands of tokens their lists are rarely in the processor's cache.
     */
    private final int v4Inline;

    private final long v4Block0;
    private final long v4Block1;

    /**
     * The stretch of time the decisions hold for: from the latest instant at which the evaluator's
     * answer may change ({@link AccessEvaluator#changesAt}, {@link AccessEvaluator#grantChangesAt})
     * at or before the decision, to the earliest after it, held as their parts (no pointer to
     * follow); {@code hasFrom}/{@code hasUntil} false when there is none on that side.
     */
    private final boolean hasFrom;

    private final long fromSeconds;
    private final int fromNanos;
    private final boolean hasUntil;
    private final long untilSeconds;
    private final int untilNanos;

    /**
     * When (epoch milliseconds) a use through this entry was last handed to the {@link
     * LastUsedRecorder}; later uses within its granularity are not. A race at worst hands a use
     * over twice, which the recorder absorbs.
     */
    volatile long usedAt;

    Prepared(AccessInputs inputs, AccessEvaluator evaluator, Instant now) {
      this.inputs = inputs;
      this.read = evaluator.decide(inputs, GitOperation.READ, now);
      this.write = evaluator.decide(inputs, GitOperation.WRITE, now);
      Instant from = null;
      Instant until = null;
      for (Instant edge :
          new Instant[] {
            AccessEvaluator.changesAt(inputs), AccessEvaluator.grantChangesAt(inputs)
          }) {
        if (edge == null) {
          continue;
        }
        if (edge.isAfter(now)) {
          until = until == null || edge.isBefore(until) ? edge : until;
        } else {
          from = from == null || edge.isAfter(from) ? edge : from;
        }
      }
      this.hasFrom = from != null;
      this.fromSeconds = from == null ? 0 : from.getEpochSecond();
      this.fromNanos = from == null ? 0 : from.getNano();
      this.hasUntil = until != null;
      this.untilSeconds = until == null ? 0 : until.getEpochSecond();
      this.untilNanos = until == null ? 0 : until.getNano();
      NetworkList list =
          inputs.credential() instanceof Credential.Token t ? t.token().allowedNetworks() : null;
      this.networks = list;
      int inline = list == null || list.v4Blocks() > 2 ? -1 : list.v4Blocks();
      this.v4Inline = inline;
      this.v4Block0 = inline > 0 ? list.v4Block(0) : 0;
      this.v4Block1 = inline > 1 ? list.v4Block(1) : 0;
    }

    /** {@link #decision} for a request from {@code client}, or {@code null} as there. */
    Decision decision(GitOperation op, Instant now, String client) {
      Decision d = decision(op, now);
      if (d == null || networks == null) {
        return d;
      }
      long address = v4Inline < 0 ? -1 : NetworkList.v4Bits(client);
      if (address >= 0) {
        int a = (int) address;
        if ((v4Inline > 0 && NetworkList.inV4Block(v4Block0, a))
            || (v4Inline > 1 && NetworkList.inV4Block(v4Block1, a))) {
          return d;
        }
      }
      // Any other address, and every refusal, goes through the list itself.
      return AccessEvaluator.fromClient(d, networks, client);
    }

    /**
     * The decision for {@code op} at {@code now}, or {@code null} when the clock has left the
     * stretch it was made in (past an edge, or set back before one).
     */
    Decision decision(GitOperation op, Instant now) {
      long s = now.getEpochSecond();
      int n = now.getNano();
      if (hasUntil && (s > untilSeconds || (s == untilSeconds && n >= untilNanos))) {
        return null;
      }
      if (hasFrom && (s < fromSeconds || (s == fromSeconds && n < fromNanos))) {
        return null;
      }
      return op == GitOperation.READ ? read : write;
    }
  }

  private final PolicyCache cache;
  private final AccessEvaluator evaluator;
  private final LastUsedRecorder lastUsed;
  private final Clock clock;

  public AccessService(
      PolicyCache cache, AccessEvaluator evaluator, LastUsedRecorder lastUsed, Clock clock) {
    this.cache = cache;
    this.evaluator = evaluator;
    this.lastUsed = lastUsed;
    this.clock = clock;
  }

  /** Authenticates a parsed {@code Authorization} header. */
  public Credential authenticate(AuthorizationHeader header) {
    TokenDigest digest = header.presentedDigest();
    return digest != null
        ? authenticate(digest, null)
        : header instanceof AuthorizationHeader.Absent ? Credential.NONE : Credential.INVALID;
  }

  /**
   * Looks a token up by digest. A string with the wrong format or checksum never reaches the cache
   * or the store.
   */
  public Credential authenticateToken(String plaintext) {
    TokenDigest digest = TokenDigest.ofWellFormed(plaintext);
    return digest == null ? Credential.INVALID : authenticate(digest, null);
  }

  private Credential authenticate(TokenDigest digest, StampedCache.Age age) {
    Optional<AccessToken> token = cache.token(digest, age);
    if (token.isEmpty()) {
      return Credential.INVALID;
    }
    Optional<User> user = cache.user(token.get().userId(), age);
    if (user.isEmpty()) {
      return Credential.INVALID;
    }
    AccessToken t = token.get();
    Organization target =
        t.kind() == TokenKind.FINE_GRAINED && t.resourceOwnerId() != t.userId()
            ? cache
                .organization(t.resourceOwnerId(), age)
                .map(PolicyCache.OrgEntry::organization)
                .orElse(null)
            : null;
    return new Credential.Token(t, user.get(), target);
  }

  /**
   * Authenticates and decides a git request in one step, as the gateway does: a token's inputs for
   * a repository are kept joined (one cache lookup instead of eight) until any change is applied or
   * the oldest entry they came from expires. Unlike {@link #check}, records no use: call {@link
   * #recordUse} once the request is let through.
   *
   * @param client the client's address (an IP literal), which a token's {@code allowed_networks}
   *     must hold; {@code null} when unknown, which no such list holds
   */
  public AccessCheck decide(
      AuthorizationHeader header, String owner, String name, GitOperation op, String client) {
    TokenDigest digest = header.presentedDigest();
    if (digest == null) {
      Credential c =
          header instanceof AuthorizationHeader.Absent ? Credential.NONE : Credential.INVALID;
      return decide(inputsUnlessInvalid(c, owner, name, null), op, client);
    }
    // The generation is read before anything is gathered: inputs gathered while a change is
    // applied are filed under the older generation and never served after it.
    long gen = cache.generation();
    PolicyCache.JoinedKey key =
        new PolicyCache.JoinedKey(
            digest, owner.toLowerCase(Locale.ROOT), name.toLowerCase(Locale.ROOT));
    Prepared p = (Prepared) cache.joined(key, gen);
    if (p != null) {
      Instant now = clock.instant();
      Decision d = p.decision(op, now, client);
      return new AccessCheck(
          d != null ? d : evaluator.decide(p.inputs, op, now, client), p.inputs, now, p);
    }
    StampedCache.Age age = new StampedCache.Age();
    Credential c = authenticate(digest, age);
    AccessInputs in = inputsUnlessInvalid(c, owner, name, age);
    if (in.repository() == null) {
      return decide(in, op, client);
    }
    Instant now = clock.instant();
    Prepared prepared = new Prepared(in, evaluator, now);
    cache.join(key, gen, age, prepared);
    return new AccessCheck(prepared.decision(op, now, client), in, now, prepared);
  }

  private AccessCheck decide(AccessInputs in, GitOperation op, String client) {
    Instant now = clock.instant();
    return new AccessCheck(evaluator.decide(in, op, now, client), in, now, null);
  }

  /**
   * Notes an allowed token request's use at its decision's time (flushed to {@code last_used_at} in
   * batches). A warm request whose joined entry handed a use over within the recorder's granularity
   * is not handed over again, so the common case costs one comparison.
   */
  public void recordUse(AccessCheck check) {
    if (check.decision().allowed() && check.credential() instanceof Credential.Token t) {
      Prepared p = check.prepared;
      if (p != null) {
        long ms = check.at().toEpochMilli();
        long since = ms - p.usedAt;
        if (since >= 0 && since < lastUsed.granularityMillis()) {
          return;
        }
        p.usedAt = ms;
      }
      // A rotated secret's use is its own (it shows when the old secret stopped being used).
      AccessToken.RotatedSecret rotated = t.token().rotated();
      lastUsed.record(rotated == null ? t.token().id() : -rotated.id(), check.at());
    }
  }

  /**
   * Decides a git request for {@code owner/name} from the individual caches, and records the use.
   * The client's address is not known: a token with {@code allowed_networks} is refused.
   */
  public AccessCheck check(Credential credential, String owner, String name, GitOperation op) {
    return check(credential, owner, name, op, null);
  }

  /**
   * Decides a git request for {@code owner/name} from {@code client} (an IP literal, or {@code
   * null} when unknown) from the individual caches, and records the use.
   */
  public AccessCheck check(
      Credential credential, String owner, String name, GitOperation op, String client) {
    AccessCheck check = decide(inputsUnlessInvalid(credential, owner, name, null), op, client);
    recordUse(check);
    return check;
  }

  /**
   * Invalid credentials are refused whatever the repository: no lookup at all (so garbage costs
   * nothing and gets its 401 even while the store is down).
   */
  private AccessInputs inputsUnlessInvalid(
      Credential credential, String owner, String name, StampedCache.Age age) {
    return credential instanceof Credential.Invalid
        ? AccessInputs.unknownRepository(credential)
        : inputs(credential, owner, name, age);
  }

  /** Gathers the decision's inputs from the caches. */
  public AccessInputs inputs(Credential credential, String owner, String name) {
    return inputs(credential, owner, name, null);
  }

  private AccessInputs inputs(
      Credential credential, String owner, String name, StampedCache.Age age) {
    Optional<PolicyCache.OwnerRef> ref = cache.owner(owner, age);
    if (ref.isEmpty()) {
      return AccessInputs.unknownRepository(credential);
    }
    Optional<Repository> repo = cache.repository(ref.get().id(), name, age);
    if (repo.isEmpty()) {
      return AccessInputs.unknownRepository(credential);
    }
    Repository r = repo.get();
    Organization org = null;
    EffectivePolicy policy = null;
    if (ref.get().organization()) {
      Optional<PolicyCache.OrgEntry> entry = cache.organization(r.ownerId(), age);
      if (entry.isEmpty()) {
        return AccessInputs.unknownRepository(credential);
      }
      org = entry.get().organization();
      policy = entry.get().policy();
    }
    if (!(credential instanceof Credential.Token t)) {
      return new AccessInputs(credential, r, org, policy, null, null, false, null);
    }
    long userId = t.user().id();
    Map<Long, OrgRole> roles = cache.memberships(userId, age);
    OrgRole role = org == null ? null : roles.get(org.id());
    RepoPermission collab = cache.collaborations(userId, age).get(r.id());
    boolean enterpriseMember = false;
    if (org != null && org.enterpriseId() != null && r.visibility() == Visibility.INTERNAL) {
      for (Long orgId : roles.keySet()) {
        Optional<PolicyCache.OrgEntry> other = cache.organization(orgId, age);
        if (other.isPresent()
            && org.enterpriseId().equals(other.get().organization().enterpriseId())) {
          enterpriseMember = true;
          break;
        }
      }
    }
    Grant grant = null;
    if (org != null && t.token().kind() == TokenKind.FINE_GRAINED) {
      grant = cache.grant(t.token().id(), age).orElse(null);
    }
    return new AccessInputs(credential, r, org, policy, role, collab, enterpriseMember, grant);
  }
}
