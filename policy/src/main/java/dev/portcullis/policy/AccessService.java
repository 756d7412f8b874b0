package dev.portcullis.policy;

import java.time.Clock;
import java.util.Map;
import java.util.Optional;

/**
 * The hot path: authentication (who is this) and then authorization (may they do this to that
 * repository), both from cached inputs, ending in the pure {@link AccessEvaluator}.
 */
public final class AccessService {
  /** The decision with what it was made about; {@code repository} is null when unknown. */
  public record AccessCheck(Decision decision, Credential credential, Repository repository) {}

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
    if (header instanceof AuthorizationHeader.Absent) {
      return Credential.NONE;
    }
    if (header instanceof AuthorizationHeader.Basic b) {
      // GitHub requires a username although it is not used to authenticate.
      return b.username().isEmpty() ? Credential.INVALID : authenticateToken(b.password());
    }
    if (header instanceof AuthorizationHeader.BearerToken t) {
      return authenticateToken(t.token());
    }
    return Credential.INVALID;
  }

  /**
   * Looks a token up by digest. A string with the wrong format or checksum never reaches the cache
   * or the store.
   */
  public Credential authenticateToken(String plaintext) {
    byte[] ascii = TokenFormat.ascii(plaintext);
    if (TokenFormat.kindOfAscii(ascii) == null) {
      return Credential.INVALID;
    }
    Optional<AccessToken> token = cache.token(TokenDigest.ofAscii(ascii));
    if (token.isEmpty()) {
      return Credential.INVALID;
    }
    Optional<User> user = cache.user(token.get().userId());
    return user.isEmpty() ? Credential.INVALID : new Credential.Token(token.get(), user.get());
  }

  /** Decides a git request for {@code owner/name}. */
  public AccessCheck check(Credential credential, String owner, String name, GitOperation op) {
    // Invalid credentials are refused whatever the repository: no lookup at all (so garbage costs
    // nothing and gets its 401 even while the store is down).
    AccessInputs in = credential instanceof Credential.Invalid
        ? AccessInputs.unknownRepository(credential)
        : inputs(credential, owner, name);
    java.time.Instant now = clock.instant();
    Decision d = evaluator.decide(in, op, now);
    if (d.allowed() && credential instanceof Credential.Token t) {
      lastUsed.record(t.token().id(), now);
    }
    return new AccessCheck(d, credential, in.repository());
  }

  /** Gathers the decision's inputs from the caches. */
  public AccessInputs inputs(Credential credential, String owner, String name) {
    Optional<PolicyCache.OwnerRef> ref = cache.owner(owner);
    if (ref.isEmpty()) {
      return AccessInputs.unknownRepository(credential);
    }
    Optional<Repository> repo = cache.repository(ref.get().id(), name);
    if (repo.isEmpty()) {
      return AccessInputs.unknownRepository(credential);
    }
    Repository r = repo.get();
    Organization org = null;
    EffectivePolicy policy = null;
    if (ref.get().organization()) {
      Optional<PolicyCache.OrgEntry> entry = cache.organization(r.ownerId());
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
    Map<Long, OrgRole> roles = cache.memberships(userId);
    OrgRole role = org == null ? null : roles.get(org.id());
    RepoPermission collab = cache.collaborations(userId).get(r.id());
    boolean enterpriseMember = false;
    if (org != null && org.enterpriseId() != null && r.visibility() == Visibility.INTERNAL) {
      for (Long orgId : roles.keySet()) {
        Optional<PolicyCache.OrgEntry> other = cache.organization(orgId);
        if (other.isPresent() && org.enterpriseId().equals(other.get().organization().enterpriseId())) {
          enterpriseMember = true;
          break;
        }
      }
    }
    Grant grant = null;
    if (org != null && t.token().kind() == TokenKind.FINE_GRAINED) {
      grant = cache.grant(t.token().id()).orElse(null);
    }
    return new AccessInputs(credential, r, org, policy, role, collab, enterpriseMember, grant);
  }
}
