package dev.portcullis.policy;

import java.time.Clock;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * The hot path: authentication (who is this) and then authorization (may they do this to that
 * repository), both from cached inputs, ending in the pure {@link AccessEvaluator}.
 */
public final class AccessService {
  /**
   * The decision with what it was made about and when; {@code repository} is null when unknown.
   */
  public record AccessCheck(Decision decision, Credential credential, Repository repository, java.time.Instant at) {}

  private final PolicyCache cache;
  private final AccessEvaluator evaluator;
  private final LastUsedRecorder lastUsed;
  private final Clock clock;

  public AccessService(PolicyCache cache, AccessEvaluator evaluator, LastUsedRecorder lastUsed, Clock clock) {
    this.cache = cache;
    this.evaluator = evaluator;
    this.lastUsed = lastUsed;
    this.clock = clock;
  }

  /** Authenticates a parsed {@code Authorization} header. */
  public Credential authenticate(AuthorizationHeader header) {
    String token = presentedToken(header);
    return token == null ? header instanceof AuthorizationHeader.Absent ? Credential.NONE : Credential.INVALID
        : authenticateToken(token);
  }

  /**
   * The token a header presents, or {@code null} when it presents none: absent, malformed, or
   * Basic without a username (GitHub requires one although it is not used to authenticate).
   */
  private static String presentedToken(AuthorizationHeader header) {
    if (header instanceof AuthorizationHeader.Basic b) {
      return b.username().isEmpty() ? null : b.password();
    }
    if (header instanceof AuthorizationHeader.BearerToken t) {
      return t.token();
    }
    return null;
  }

  /**
   * Looks a token up by digest. A string with the wrong format or checksum never reaches the cache
   * or the store.
   */
  public Credential authenticateToken(String plaintext) {
    TokenDigest digest = digestOf(plaintext);
    return digest == null ? Credential.INVALID : authenticate(digest, null);
  }

  /** The digest of a well-formed token, or {@code null} for a wrong format or checksum. */
  private static TokenDigest digestOf(String plaintext) {
    byte[] ascii = TokenFormat.ascii(plaintext);
    return TokenFormat.kindOfAscii(ascii) == null ? null : TokenDigest.ofAscii(ascii);
  }

  private Credential authenticate(TokenDigest digest, StampedCache.Age age) {
    Optional<AccessToken> token = cache.token(digest, age);
    if (token.isEmpty()) {
      return Credential.INVALID;
    }
    Optional<User> user = cache.user(token.get().userId(), age);
    return user.isEmpty() ? Credential.INVALID : new Credential.Token(token.get(), user.get());
  }

  /**
   * Authenticates and decides a git request in one step, as the gateway does: a token's inputs for a
   * repository are kept joined (one cache lookup instead of eight) until any change is applied or the
   * oldest entry they came from expires. Unlike {@link #check}, records no use: call {@link
   * #recordUse} once the request is let through.
   */
  public AccessCheck decide(AuthorizationHeader header, String owner, String name, GitOperation op) {
    String token = presentedToken(header);
    if (token == null) {
      Credential c = header instanceof AuthorizationHeader.Absent ? Credential.NONE : Credential.INVALID;
      return decide(c, inputsUnlessInvalid(c, owner, name, null), op);
    }
    TokenDigest digest = digestOf(token);
    if (digest == null) {
      return decide(Credential.INVALID, AccessInputs.unknownRepository(Credential.INVALID), op);
    }
    // The generation is read before anything is gathered: inputs gathered while a change is
    // applied are filed under the older generation and never served after it.
    long gen = cache.generation();
    PolicyCache.JoinedKey key = new PolicyCache.JoinedKey(digest, owner.toLowerCase(Locale.ROOT), name.toLowerCase(Locale.ROOT));
    PolicyCache.Joined joined = cache.joined(key, gen);
    if (joined != null) {
      return decide(joined.inputs().credential(), joined.inputs(), op);
    }
    StampedCache.Age age = new StampedCache.Age();
    Credential c = authenticate(digest, age);
    AccessInputs in = inputsUnlessInvalid(c, owner, name, age);
    if (in.repository() != null) {
      cache.join(key, gen, age, in);
    }
    return decide(c, in, op);
  }

  private AccessCheck decide(Credential credential, AccessInputs in, GitOperation op) {
    java.time.Instant now = clock.instant();
    return new AccessCheck(evaluator.decide(in, op, now), credential, in.repository(), now);
  }

  /** Notes an allowed token request's use at its decision's time (flushed to {@code last_used_at} in batches). */
  public void recordUse(AccessCheck check) {
    if (check.decision().allowed() && check.credential() instanceof Credential.Token t) {
      lastUsed.record(t.token().id(), check.at());
    }
  }

  /** Decides a git request for {@code owner/name} from the individual caches, and records the use. */
  public AccessCheck check(Credential credential, String owner, String name, GitOperation op) {
    AccessCheck check = decide(credential, inputsUnlessInvalid(credential, owner, name, null), op);
    recordUse(check);
    return check;
  }

  /**
   * Invalid credentials are refused whatever the repository: no lookup at all (so garbage costs
   * nothing and gets its 401 even while the store is down).
   */
  private AccessInputs inputsUnlessInvalid(Credential credential, String owner, String name, StampedCache.Age age) {
    return credential instanceof Credential.Invalid ? AccessInputs.unknownRepository(credential) : inputs(credential, owner, name, age);
  }

  /** Gathers the decision's inputs from the caches. */
  public AccessInputs inputs(Credential credential, String owner, String name) {
    return inputs(credential, owner, name, null);
  }

  private AccessInputs inputs(Credential credential, String owner, String name, StampedCache.Age age) {
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
        if (other.isPresent() && org.enterpriseId().equals(other.get().organization().enterpriseId())) {
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
