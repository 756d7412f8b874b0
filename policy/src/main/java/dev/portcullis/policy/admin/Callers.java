package dev.portcullis.policy.admin;

import dev.portcullis.policy.decision.AccessEvaluator;
import dev.portcullis.policy.decision.AccessInputs;
import dev.portcullis.policy.decision.Credential;
import dev.portcullis.policy.model.AccessToken;
import dev.portcullis.policy.model.Actor;
import dev.portcullis.policy.model.ClassicScopes;
import dev.portcullis.policy.model.EffectivePolicy;
import dev.portcullis.policy.model.Enterprise;
import dev.portcullis.policy.model.Grant;
import dev.portcullis.policy.model.GrantStatus;
import dev.portcullis.policy.model.OrgRole;
import dev.portcullis.policy.model.Organization;
import dev.portcullis.policy.model.PermissionLevel;
import dev.portcullis.policy.model.PolicyException;
import dev.portcullis.policy.model.RepoPermission;
import dev.portcullis.policy.model.Repository;
import dev.portcullis.policy.model.User;
import dev.portcullis.policy.model.Visibility;
import dev.portcullis.policy.store.PolicyStore;
import dev.portcullis.policy.token.TokenKind;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * Who may call a management operation: site administrators, organization owners with the right
 * token, and enterprise owners for their enterprise's policy. A console session ({@link Actor#web})
 * carries no token: its user's own role decides.
 *
 * <p>A caller who may not see the object an operation names gets the {@code NOT_FOUND} that a
 * missing object of that name gets (the REST API answers both with GitHub's bare {@code Not
 * Found}); only a caller who may see it learns, with {@code FORBIDDEN}, that it may not act on it.
 * Site administrators see everything. A user sees their own account and tokens, the organizations
 * they belong to and those organizations' enterprises, and the repositories git would let them read
 * (public ones, and those rule 2 of the access decision lets them see).
 */
public final class Callers {
  private static final String SITE_ADMIN_ONLY =
      "Must be a site administrator using a token with the site_admin scope.";

  private final PolicyStore store;
  private final Directory directory;
  private final java.time.Clock clock;

  Callers(PolicyStore store, Directory directory, java.time.Clock clock) {
    this.store = store;
    this.directory = directory;
    this.clock = clock;
  }

  /** Site administrators only, for an operation that names no object (creating one, the log). */
  public void requireSiteAdmin(Actor actor) {
    if (!actor.isSiteAdmin()) {
      throw PolicyException.forbidden(SITE_ADMIN_ONLY);
    }
  }

  /**
   * Site administrators only, on {@code user}: anyone else gets the missing user's 404, except the
   * user themself, who gets 403.
   */
  public void requireSiteAdmin(Actor actor, User user) {
    if (actor.isSiteAdmin()) {
      return;
    }
    if (actor.user().id() != user.id()) {
      throw Directory.noUser(user.login());
    }
    throw PolicyException.forbidden(SITE_ADMIN_ONLY);
  }

  /**
   * Site administrators only, on {@code enterprise}: members of its organizations get 403, anyone
   * else the missing enterprise's 404.
   */
  public void requireSiteAdmin(Actor actor, Enterprise enterprise) {
    if (actor.isSiteAdmin()) {
      return;
    }
    boolean member =
        store.membershipsOfUser(actor.user().id()).keySet().stream()
            .map(directory::organizationById)
            .flatMap(Optional::stream)
            .anyMatch(o -> o.enterpriseId() != null && o.enterpriseId() == enterprise.id());
    if (!member) {
      throw Directory.noEnterprise(enterprise.slug());
    }
    throw PolicyException.forbidden(SITE_ADMIN_ONLY);
  }

  /**
   * Who may set {@code enterprise}'s token policy: site administrators and its owners, signed in to
   * the console or using a classic token with {@code admin:enterprise}. An owner with another token
   * and members of its organizations get 403, anyone else the missing enterprise's 404.
   */
  public void requireEnterpriseOwner(Actor actor, Enterprise enterprise) {
    if (actor.isSiteAdmin()) {
      return;
    }
    boolean owner =
        store.enterprisesOwnedBy(actor.user().id()).stream()
            .anyMatch(e -> e.id() == enterprise.id());
    if (!owner) {
      requireSiteAdmin(actor, enterprise);
      return;
    }
    AccessToken t = actor.token();
    if (t != null
        && (t.kind() != TokenKind.CLASSIC
            || !t.scopes().contains(ClassicScopes.ADMIN_ENTERPRISE))) {
      throw PolicyException.forbidden(
          "Must be an owner of the '"
              + enterprise.slug()
              + "' enterprise using a token with admin:enterprise (classic).");
    }
  }

  /**
   * Site administrators only, on a token: its own user gets 403, anyone else the missing token's
   * 404.
   */
  public void requireSiteAdmin(Actor actor, AccessToken token) {
    if (actor.isSiteAdmin()) {
      return;
    }
    if (actor.user().id() != token.userId()) {
      throw Directory.noToken(token.id());
    }
    throw PolicyException.forbidden(SITE_ADMIN_ONLY);
  }

  /**
   * A site admin, or an owner of {@code org} using a classic token with {@code admin:org} or a
   * fine-grained token on {@code org} with {@code permission} at {@code level} or more. A caller
   * who is not a member of {@code org} gets the missing organization's 404; a member, 403.
   */
  public void requireOrgOwner(
      Actor actor, Organization org, String permission, PermissionLevel level) {
    if (actor.isSiteAdmin()) {
      return;
    }
    OrgRole role = store.membershipsOfUser(actor.user().id()).get(org.id());
    if (role == null) {
      throw Directory.noOrganization(org.login());
    }
    requireOwnerToken(actor, org, role, permission, level);
  }

  /**
   * Who may manage {@code repo}'s collaborators: for an organization's repository its owners (as
   * {@link #requireOrgOwner} with {@code organization_administration: write}), for a user's
   * repository site administrators. A caller who may not see the repository gets the missing
   * repository's 404; one who may, 403.
   */
  public void requireRepoAdmin(Actor actor, Repository repo) {
    if (actor.isSiteAdmin()) {
      return;
    }
    Optional<Organization> org = directory.organizationById(repo.ownerId());
    Map<Long, OrgRole> roles = store.membershipsOfUser(actor.user().id());
    OrgRole role = org.map(o -> roles.get(o.id())).orElse(null);
    if (!visible(actor, repo, org.orElse(null), role, roles)) {
      throw Directory.noRepository(repo.ownerLogin(), repo.name());
    }
    if (org.isEmpty()) {
      throw PolicyException.forbidden(SITE_ADMIN_ONLY);
    }
    requireOwnerToken(actor, org.get(), role, "organization_administration", PermissionLevel.WRITE);
  }

  /**
   * Who may read {@code user}: site administrators, the user themself, and the members of an
   * organization the user belongs to (who see them in its member list). Anyone else gets the
   * missing user's 404.
   */
  public void requireVisible(Actor actor, User user) {
    if (actor.isSiteAdmin() || actor.user().id() == user.id()) {
      return;
    }
    Set<Long> theirs = store.membershipsOfUser(user.id()).keySet();
    if (store.membershipsOfUser(actor.user().id()).keySet().stream().noneMatch(theirs::contains)) {
      throw Directory.noUser(user.login());
    }
  }

  /**
   * Who may read {@code org}, its members and its repositories: site administrators and its
   * members. Anyone else gets the missing organization's 404.
   */
  public void requireMember(Actor actor, Organization org) {
    if (!actor.isSiteAdmin() && !store.membershipsOfUser(actor.user().id()).containsKey(org.id())) {
      throw Directory.noOrganization(org.login());
    }
  }

  /**
   * Who may read {@code repo}: site administrators and whoever rule 2 of the access decision lets
   * see it. Anyone else gets the missing repository's 404.
   *
   * @return the caller's own permission on it (rule 4)
   */
  public RepoPermission requireVisible(Actor actor, Repository repo) {
    RepoPermission p = permission(actor, repo);
    if (!actor.isSiteAdmin()
        && repo.visibility() != Visibility.PUBLIC
        && p == RepoPermission.NONE) {
      throw Directory.noRepository(repo.ownerLogin(), repo.name());
    }
    return p;
  }

  /**
   * Whether the caller may see each repository of {@code org}, as {@link #requireVisible(Actor,
   * Repository)} decides, with the caller's memberships and grants looked up once for them all.
   */
  public Predicate<Repository> visibleIn(Actor actor, Organization org) {
    if (actor.isSiteAdmin()) {
      return r -> true;
    }
    User user = actor.user();
    Map<Long, OrgRole> roles = store.membershipsOfUser(user.id());
    Map<Long, RepoPermission> grants = store.collaborationsOfUser(user.id());
    // A console user has no token: rule 4 needs only the user's own grants.
    Credential credential =
        actor.token() == null ? Credential.NONE : new Credential.Token(actor.token(), user);
    EffectivePolicy policy = directory.effectivePolicy(org);
    OrgRole role = roles.get(org.id());
    boolean sameEnterprise = sameEnterprise(org, roles);
    return r ->
        r.visibility() == Visibility.PUBLIC
            || AccessEvaluator.permission(
                    user,
                    new AccessInputs(
                        credential,
                        r,
                        org,
                        policy,
                        role,
                        grants.get(r.id()),
                        sameEnterprise && r.visibility() == Visibility.INTERNAL,
                        null))
                != RepoPermission.NONE;
  }

  /** The caller's own permission on {@code repo} (rule 4 for its user); the gateway's is admin. */
  private RepoPermission permission(Actor actor, Repository repo) {
    if (actor.system()) {
      return RepoPermission.ADMIN;
    }
    Optional<Organization> org = directory.organizationById(repo.ownerId());
    Map<Long, OrgRole> roles = store.membershipsOfUser(actor.user().id());
    OrgRole role = org.map(o -> roles.get(o.id())).orElse(null);
    return permission(actor, repo, org.orElse(null), role, roles);
  }

  /**
   * Who may list {@code repo}'s collaborators: as on GitHub, those with push access or more, and
   * site administrators. A caller who may not see the repository gets its 404; one who may, 403.
   */
  public void requirePushAccess(Actor actor, Repository repo) {
    RepoPermission p = requireVisible(actor, repo);
    if (!actor.isSiteAdmin() && !p.atLeast(RepoPermission.WRITE)) {
      throw PolicyException.forbidden("Must have push access to view repository collaborators.");
    }
  }

  /** Rule 2 of the access decision for the caller's user, whatever its token. */
  private boolean visible(
      Actor actor, Repository repo, Organization org, OrgRole role, Map<Long, OrgRole> roles) {
    return repo.visibility() == Visibility.PUBLIC
        || permission(actor, repo, org, role, roles) != RepoPermission.NONE;
  }

  /** Rule 4 of the access decision for the caller's user, whatever its token. */
  private RepoPermission permission(
      Actor actor, Repository repo, Organization org, OrgRole role, Map<Long, OrgRole> roles) {
    User user = actor.user();
    boolean enterpriseMember =
        org != null && repo.visibility() == Visibility.INTERNAL && sameEnterprise(org, roles);
    AccessInputs in =
        new AccessInputs(
            actor.token() == null ? Credential.NONE : new Credential.Token(actor.token(), user),
            repo,
            org,
            org == null ? null : directory.effectivePolicy(org),
            role,
            store.collaborationsOfUser(user.id()).get(repo.id()),
            enterpriseMember,
            null);
    return AccessEvaluator.permission(user, in);
  }

  /** Whether one of the organizations in {@code roles} shares {@code org}'s enterprise. */
  private boolean sameEnterprise(Organization org, Map<Long, OrgRole> roles) {
    return org.enterpriseId() != null
        && roles.keySet().stream()
            .map(directory::organizationById)
            .flatMap(Optional::stream)
            .anyMatch(o -> org.enterpriseId().equals(o.enterpriseId()));
  }

  /** The owner-and-token part of {@link #requireOrgOwner}, for a member of {@code org}: 403. */
  private void requireOwnerToken(
      Actor actor, Organization org, OrgRole role, String permission, PermissionLevel level) {
    boolean owner = role == OrgRole.ADMIN;
    AccessToken t = actor.token();
    // The org's token policy binds its management API as it binds git access (rules 5 and 6).
    EffectivePolicy policy = directory.effectivePolicy(org);
    boolean tokenOk;
    if (t == null) {
      // A console session is the owner themself, signed in with their password: no token stands
      // between them and their organization, so their role alone decides.
      tokenOk = true;
    } else if (t.kind() == TokenKind.CLASSIC) {
      tokenOk =
          t.scopes().contains(ClassicScopes.ADMIN_ORG)
              && AccessEvaluator.classicOrgPolicy(t, policy) == null;
    } else {
      PermissionLevel granted = t.permission(permission);
      Grant grant = store.grantOfToken(t.id()).orElse(null);
      // Beyond rule 6, the management API needs an approved grant even where approval is not
      // required.
      tokenOk =
          t.resourceOwnerId() != null
              && t.resourceOwnerId() == org.id()
              && granted != null
              && granted.includes(level)
              && AccessEvaluator.fineGrainedOrgPolicy(t, policy, grant, clock.instant()) == null
              && grant != null
              && grant.status() == GrantStatus.APPROVED;
    }
    if (!owner || !tokenOk) {
      throw PolicyException.forbidden(
          "Must be an owner of the '"
              + org.login()
              + "' organization using a token with admin:org (classic) or "
              + permission
              + ":"
              + level.apiName()
              + " (fine-grained).");
    }
  }
}
