package dev.portcullis.policy.decision;

import dev.portcullis.policy.model.AccessToken;
import dev.portcullis.policy.model.ClassicScopes;
import dev.portcullis.policy.model.EffectivePolicy;
import dev.portcullis.policy.model.GitOperation;
import dev.portcullis.policy.model.Grant;
import dev.portcullis.policy.model.GrantStatus;
import dev.portcullis.policy.model.NetworkList;
import dev.portcullis.policy.model.OrgRole;
import dev.portcullis.policy.model.Organization;
import dev.portcullis.policy.model.PermissionLevel;
import dev.portcullis.policy.model.RepoPermission;
import dev.portcullis.policy.model.Repository;
import dev.portcullis.policy.model.User;
import dev.portcullis.policy.model.Visibility;
import dev.portcullis.policy.token.TokenKind;
import java.time.Instant;

/**
 * The access decision of DESIGN.md, rules 1–7 in order: a pure function of {@link AccessInputs},
 * the operation, the current time and the client's address. The first rule that fails decides.
 * Right after rule 1 comes the token's networks: the client's address must be in the token's {@code
 * allowed_networks}, and a fine-grained token must meet its target organization's network settings.
 * Like rule 1 it looks at no repository, so its refusals reveal nothing about one. Rule 6 also ends
 * an approval given until an instant once the time given reaches it ("approval expired").
 *
 * <p>Status codes matter to git: 401 only for credentials that are not valid (credential helpers
 * erase a stored credential on 401); a valid token that a policy refuses gets 403; a repository the
 * user may not see is 404 so its existence is never revealed.
 */
public final class AccessEvaluator {
  /** Rule 1's message, GitHub's wording. */
  public static final String INVALID_CREDENTIALS_MESSAGE =
      "Invalid username or token. Password authentication is not supported for Git operations.";

  static final String NOT_FOUND_MESSAGE = "Repository not found.";

  private static final Decision ANONYMOUS_READ =
      new Decision.Allowed(Decision.Reason.ANONYMOUS_PUBLIC_READ);
  private static final Decision PUBLIC_READ = new Decision.Allowed(Decision.Reason.PUBLIC_READ);
  private static final Decision AUTHORIZED = new Decision.Allowed(Decision.Reason.AUTHORIZED);
  private static final Decision NO_CREDENTIALS =
      new Decision.Denied(401, Decision.Reason.NO_CREDENTIALS, "Authentication required.");
  private static final Decision INVALID =
      new Decision.Denied(401, Decision.Reason.INVALID_CREDENTIALS, INVALID_CREDENTIALS_MESSAGE);
  private static final Decision.Denied EXPIRED =
      new Decision.Denied(401, Decision.Reason.TOKEN_EXPIRED, INVALID_CREDENTIALS_MESSAGE);
  private static final Decision.Denied DELETED =
      new Decision.Denied(401, Decision.Reason.TOKEN_DELETED, INVALID_CREDENTIALS_MESSAGE);
  private static final Decision.Denied SUSPENDED =
      new Decision.Denied(403, Decision.Reason.USER_SUSPENDED, "Your account is suspended.");
  private static final Decision NOT_FOUND =
      new Decision.Denied(404, Decision.Reason.REPOSITORY_NOT_FOUND, NOT_FOUND_MESSAGE);
  private static final Decision OWNER_MISMATCH =
      new Decision.Denied(404, Decision.Reason.RESOURCE_OWNER_MISMATCH, NOT_FOUND_MESSAGE);
  private static final Decision NOT_SELECTED =
      new Decision.Denied(404, Decision.Reason.NOT_IN_SELECTION, NOT_FOUND_MESSAGE);

  private final boolean anonymousRead;

  /**
   * @param anonymousRead whether reads of public repositories need no credentials (GitHub's
   *     default)
   */
  public AccessEvaluator(boolean anonymousRead) {
    this.anonymousRead = anonymousRead;
  }

  /** Decides one git request from the client address {@code client} (an IP literal). */
  public Decision decide(AccessInputs in, GitOperation op, Instant now, String client) {
    return fromClient(decide(in, op, now), in.credential(), client);
  }

  /**
   * Decides one git request except for the address part of the network rule, which {@link
   * #fromClient} applies on top: what a warm request reuses for whatever address it comes from.
   */
  public Decision decide(AccessInputs in, GitOperation op, Instant now) {
    Repository repo = in.repository();
    Credential credential = in.credential();

    // Rule 1: credentials.
    if (credential instanceof Credential.None) {
      boolean publicRead =
          repo != null && repo.visibility() == Visibility.PUBLIC && op == GitOperation.READ;
      return publicRead && anonymousRead ? ANONYMOUS_READ : NO_CREDENTIALS;
    }
    if (!(credential instanceof Credential.Token t)) {
      return INVALID;
    }
    AccessToken token = t.token();
    User user = t.user();
    Decision.Denied unusable = unusable(t, now);
    if (unusable != null) {
      return unusable;
    }

    // The network rule's organization part (its address part is fromClient's).
    Decision.Denied byOrg = orgNetworks(t);
    if (byOrg != null) {
      return byOrg;
    }

    // Rule 2: the repository exists and the user can see it.
    if (repo == null) {
      return NOT_FOUND;
    }
    RepoPermission permission = permission(user, in);
    boolean isPublic = repo.visibility() == Visibility.PUBLIC;
    if (!isPublic && permission == RepoPermission.NONE) {
      return NOT_FOUND;
    }

    // Rule 3: any valid token reads a public repository.
    if (isPublic && op == GitOperation.READ) {
      return PUBLIC_READ;
    }

    // Rule 4 computed the user's own permission above; rules 5 and 6 narrow it by token kind.
    Decision byToken =
        token.kind() == TokenKind.CLASSIC
            ? classic(token, repo, in, op)
            : fineGrained(token, repo, in, op, now);
    if (byToken != null) {
      return byToken;
    }

    // Rule 7: writing needs the user's own push permission.
    if (op == GitOperation.WRITE && !permission.atLeast(RepoPermission.WRITE)) {
      return new Decision.Denied(
          403,
          Decision.Reason.NO_PUSH_PERMISSION,
          "Permission to " + repo.fullName() + ".git denied to " + user.login() + ".");
    }
    return AUTHORIZED;
  }

  /**
   * Rule 1 for a token found in the store: deleted, expired, or its user suspended; {@code null}
   * when it is usable at {@code now}. The REST API authenticates its callers with the same rule.
   */
  public static Decision.Denied unusable(Credential.Token t, Instant now) {
    if (t.token().deleted()) {
      return DELETED;
    }
    if (t.token().expired(now)) {
      return EXPIRED;
    }
    if (t.user().suspended()) {
      return SUSPENDED;
    }
    return null;
  }

  /**
   * The network rule's address part applied to {@code decided}, the decision on everything else: a
   * usable token whose {@code allowed_networks} do not hold {@code client} is refused, unless rule
   * 1 refused it already. A token without a list costs one null check.
   */
  public static Decision fromClient(Decision decided, Credential credential, String client) {
    return credential instanceof Credential.Token t
        ? fromClient(decided, t.token().allowedNetworks(), client)
        : decided;
  }

  /**
   * {@link #fromClient(Decision, Credential, String)} for a token whose {@code allowed_networks}
   * are {@code networks} ({@code null} for none): what a warm request runs, on the list its kept
   * decision holds, without going through the token to find it.
   */
  public static Decision fromClient(Decision decided, NetworkList networks, String client) {
    if (networks == null) {
      return decided;
    }
    Decision.Reason r = decided.reason();
    if (r == Decision.Reason.TOKEN_DELETED
        || r == Decision.Reason.TOKEN_EXPIRED
        || r == Decision.Reason.USER_SUSPENDED
        || networks.contains(client)) {
      return decided;
    }
    return elsewhere(client);
  }

  /**
   * The network rule for a usable token (rule 1 passed): its {@code allowed_networks} must hold
   * {@code client} and it must meet its target organization's network settings; {@code null} when
   * it passes. The REST API authenticates its callers with the same rule.
   */
  public static Decision.Denied networks(Credential.Token t, String client) {
    if (t.token().allowedNetworks() != null && !t.token().allowedNetworks().contains(client)) {
      return elsewhere(client);
    }
    return orgNetworks(t);
  }

  private static Decision.Denied elsewhere(String client) {
    String shown =
        client == null
            ? "an unknown address"
            : client.startsWith("[") && client.endsWith("]")
                ? client.substring(1, client.length() - 1)
                : client;
    return new Decision.Denied(
        403, Decision.Reason.NETWORK_NOT_ALLOWED, "This token may not be used from " + shown + ".");
  }

  /**
   * The network rule's organization part: a fine-grained token must meet the network settings of
   * the organization it targets ({@code require_token_networks}, {@code token_networks}), as they
   * are now; {@code null} when it does.
   */
  private static Decision.Denied orgNetworks(Credential.Token t) {
    Organization target = t.target();
    if (target == null || target.policy().admitsTokenNetworks(t.token().allowedNetworks())) {
      return null;
    }
    NetworkList within = target.policy().tokenNetworks();
    return new Decision.Denied(
        403,
        Decision.Reason.ORG_TOKEN_NETWORKS,
        "The '"
            + target.login()
            + "' organization requires fine-grained personal access tokens to be limited to "
            + (within == null ? "networks" : "networks within " + within)
            + "; this token's allowed networks do not meet that.");
  }

  /**
   * The one instant at which time alone can change a decision on {@code in}, or {@code null} when
   * none: the token's expiry, or for a secret replaced by a rotation the end of its overlap when
   * earlier ({@link AccessToken#usableUntil}). Rule 1's expiry check is the only place {@link
   * #decide} reads {@code now}, so two decisions on the same inputs and operation agree whenever
   * both times are on the same side of this instant (which is what lets {@link AccessService} reuse
   * them).
   */
  public static Instant changesAt(AccessInputs in) {
    return in.credential() instanceof Credential.Token t ? t.token().usableUntil() : null;
  }

  /**
   * The other instant at which time alone can change a decision on {@code in}, or {@code null} when
   * none: the end of an approval given for a limited time (rule 6's only other read of {@code
   * now}). Decisions on the same inputs agree whenever both times are on the same side of this
   * instant and of {@link #changesAt}.
   */
  public static Instant grantChangesAt(AccessInputs in) {
    Grant g = in.grant();
    return g != null && g.status() == GrantStatus.APPROVED ? g.approvalExpiresAt() : null;
  }

  /**
   * Rule 2: whether {@code user} may see the repository of {@code in} (public, or some permission
   * of their own). The management API hides what a caller may not see by the same rule.
   */
  public static boolean visible(User user, AccessInputs in) {
    return in.repository() != null
        && (in.repository().visibility() == Visibility.PUBLIC
            || permission(user, in) != RepoPermission.NONE);
  }

  /**
   * Rule 4: the user's own permission on the repository. The management API shows a caller theirs
   * by the same rule.
   */
  public static RepoPermission permission(User user, AccessInputs in) {
    Repository repo = in.repository();
    RepoPermission p =
        in.collaboratorPermission() == null ? RepoPermission.NONE : in.collaboratorPermission();
    Organization org = in.org();
    if (org == null) {
      return repo.ownerId() == user.id() ? RepoPermission.ADMIN : p;
    }
    if (in.orgRole() == OrgRole.ADMIN) {
      return RepoPermission.ADMIN;
    }
    if (in.orgRole() == OrgRole.MEMBER) {
      p = RepoPermission.max(p, org.basePermission().grants());
    }
    if (repo.visibility() == Visibility.INTERNAL
        && (in.orgRole() != null || in.enterpriseMember())) {
      p = RepoPermission.max(p, RepoPermission.READ);
    }
    return p;
  }

  /**
   * Rule 5's organization part: the effective policy of the repository's organization on a classic
   * token (restriction, maximum lifetime), or {@code null} when it passes or there is no
   * organization. The management API applies the same rule to its callers.
   */
  public static Decision.Denied classicOrgPolicy(AccessToken token, EffectivePolicy policy) {
    if (policy == null) {
      return null;
    }
    if (policy.classicRestricted()) {
      String by =
          policy.classicRestrictedByEnterprise()
              ? "The '"
                  + policy.enterpriseSlug()
                  + "' enterprise forbids access via personal access tokens (classic) to the '"
                  + policy.orgLogin()
                  + "' organization."
              : "The '"
                  + policy.orgLogin()
                  + "' organization has forbidden access via personal access tokens (classic).";
      return new Decision.Denied(
          403,
          Decision.Reason.CLASSIC_RESTRICTED,
          by + " Use a fine-grained personal access token instead.");
    }
    if (token.lifetimeExceeds(policy.classicMaxLifetimeDays())) {
      return new Decision.Denied(
          403,
          Decision.Reason.CLASSIC_LIFETIME,
          policy.lifetimeImposer(true)
              + " forbids access via personal access tokens (classic) with a lifetime longer than "
              + policy.classicMaxLifetimeDays()
              + " days to the '"
              + policy.orgLogin()
              + "' organization.");
    }
    return null;
  }

  /** Rule 5, or {@code null} when the classic token passes it. */
  private static Decision classic(
      AccessToken token, Repository repo, AccessInputs in, GitOperation op) {
    Decision.Denied byOrg = classicOrgPolicy(token, in.policy());
    if (byOrg != null) {
      return byOrg;
    }
    boolean ok =
        token.scopes().contains(ClassicScopes.REPO)
            || (op == GitOperation.WRITE
                && repo.visibility() == Visibility.PUBLIC
                && token.scopes().contains(ClassicScopes.PUBLIC_REPO));
    if (!ok) {
      String needs =
          op == GitOperation.WRITE && repo.visibility() == Visibility.PUBLIC
              ? "'repo' or 'public_repo'"
              : "'repo'";
      return new Decision.Denied(
          403,
          Decision.Reason.MISSING_SCOPE,
          "Your token has not been granted the "
              + needs
              + " scope needed to "
              + (op == GitOperation.WRITE ? "push to " : "read ")
              + repo.fullName()
              + ".");
    }
    return null;
  }

  /**
   * Rule 6's organization part: the effective policy of the repository's organization on a
   * fine-grained token (restriction, maximum lifetime) and the state of its grant there, or {@code
   * null} when it passes or there is no organization. The management API applies the same rule to
   * its callers.
   */
  public static Decision.Denied fineGrainedOrgPolicy(
      AccessToken token, EffectivePolicy policy, Grant grant, Instant now) {
    if (policy == null) {
      return null;
    }
    if (policy.fineGrainedRestricted()) {
      String by =
          policy.fineGrainedRestrictedByEnterprise()
              ? "The '"
                  + policy.enterpriseSlug()
                  + "' enterprise forbids access via fine-grained personal access tokens to the '"
                  + policy.orgLogin()
                  + "' organization."
              : "The '"
                  + policy.orgLogin()
                  + "' organization has forbidden access via fine-grained personal access tokens.";
      return new Decision.Denied(403, Decision.Reason.FINE_GRAINED_RESTRICTED, by);
    }
    if (token.lifetimeExceeds(policy.fineGrainedMaxLifetimeDays())) {
      return new Decision.Denied(
          403,
          Decision.Reason.FINE_GRAINED_LIFETIME,
          policy.lifetimeImposer(false)
              + " forbids access via fine-grained personal access tokens with a lifetime longer than "
              + policy.fineGrainedMaxLifetimeDays()
              + " days to the '"
              + policy.orgLogin()
              + "' organization.");
    }
    GrantStatus status = grant == null ? GrantStatus.PENDING : grant.status();
    if (status == GrantStatus.REVOKED) {
      return new Decision.Denied(
          403,
          Decision.Reason.GRANT_REVOKED,
          "The '" + policy.orgLogin() + "' organization has revoked this token's access.");
    }
    if (status == GrantStatus.DENIED) {
      return new Decision.Denied(
          403,
          Decision.Reason.GRANT_DENIED,
          "The '" + policy.orgLogin() + "' organization has denied this token's access request.");
    }
    // An approval for a limited time ends by itself, as a revocation would: whatever the policy.
    if (grant != null && grant.approvalLapsed(now)) {
      return new Decision.Denied(
          403,
          Decision.Reason.GRANT_EXPIRED,
          "approval expired: the '"
              + policy.orgLogin()
              + "' organization approved this token's access until "
              + grant.approvalExpiresAt()
              + ".");
    }
    if (policy.approvalRequired() && status != GrantStatus.APPROVED) {
      return new Decision.Denied(
          403,
          Decision.Reason.GRANT_PENDING,
          "This token's access to the '"
              + policy.orgLogin()
              + "' organization is pending approval by an organization owner; until then it reads public repositories only.");
    }
    return null;
  }

  /** Rule 6, or {@code null} when the fine-grained token passes it. */
  private static Decision fineGrained(
      AccessToken token, Repository repo, AccessInputs in, GitOperation op, Instant now) {
    if (token.resourceOwnerId() == null || token.resourceOwnerId() != repo.ownerId()) {
      return OWNER_MISMATCH;
    }
    EffectivePolicy policy = in.policy();
    if (policy != null && in.orgRole() == null) {
      return new Decision.Denied(
          403,
          Decision.Reason.OUTSIDE_COLLABORATOR,
          "Fine-grained personal access tokens can only be used by members of the '"
              + policy.orgLogin()
              + "' organization; outside collaborators need a personal access token (classic).");
    }
    boolean selected =
        switch (token.repositorySelection()) {
          case ALL -> true;
          case SUBSET -> token.repositoryIds().contains(repo.id());
          case NONE -> false;
        };
    if (!selected) {
      return NOT_SELECTED;
    }
    Decision.Denied byOrg = fineGrainedOrgPolicy(token, policy, in.grant(), now);
    if (byOrg != null) {
      return byOrg;
    }
    PermissionLevel contents = token.permission("contents");
    PermissionLevel needed =
        op == GitOperation.WRITE ? PermissionLevel.WRITE : PermissionLevel.READ;
    if (contents == null || !contents.includes(needed)) {
      return new Decision.Denied(
          403,
          Decision.Reason.MISSING_PERMISSION,
          "This token has not been granted contents:"
              + needed.apiName()
              + " on "
              + repo.fullName()
              + ".");
    }
    return null;
  }
}
