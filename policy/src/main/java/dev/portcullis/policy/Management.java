package dev.portcullis.policy;

import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.LongFunction;
import java.util.regex.Pattern;

/**
 * Every management operation: validation, authorization of the caller, the store write, and the
 * cache invalidation that makes a narrowing change hold on the very next request. Invalidations are
 * published after the write commits and before the method returns.
 */
public final class Management {
  private static final Pattern LOGIN = Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}");
  private static final Pattern SLUG = Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,59}");
  private static final Pattern REPO_NAME = Pattern.compile("[A-Za-z0-9._-]{1,100}");

  private final PolicyStore store;
  private final Consumer<Invalidation> publish;
  private final Clock clock;
  private final SecureRandom random;
  private final LongFunction<Instant> unflushedLastUse;
  private final Consumer<AuditEvent> audit;

  public Management(PolicyStore store, Consumer<Invalidation> publish, Clock clock, SecureRandom random) {
    this(store, publish, clock, random, id -> null);
  }

  /**
   * @param unflushedLastUse a token's last use recorded in memory and not yet written, or null
   *     (so listings show real use at once)
   */
  public Management(PolicyStore store, Consumer<Invalidation> publish, Clock clock, SecureRandom random,
      LongFunction<Instant> unflushedLastUse) {
    this(store, publish, clock, random, unflushedLastUse, e -> {});
  }

  /** @param audit receives one event per admin change (who, what, before/after), never a plaintext */
  public Management(PolicyStore store, Consumer<Invalidation> publish, Clock clock, SecureRandom random,
      LongFunction<Instant> unflushedLastUse, Consumer<AuditEvent> audit) {
    this.audit = audit;
    this.store = store;
    this.publish = publish;
    this.clock = clock;
    this.random = random;
    this.unflushedLastUse = unflushedLastUse;
  }

  private Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.SECONDS);
  }

  private void audit(Actor actor, String action, String target, String before, String after) {
    audit.accept(AuditEvent.admin(clock.instant(), actor, action, target, before, after));
  }

  // ------------------------------------------------------------------ lookups

  public User user(String login) {
    return findUser(login).orElseThrow(() -> PolicyException.notFound("No user named '" + login + "'."));
  }

  public Optional<User> findUser(String login) {
    return store.ownerByLogin(login).filter(User.class::isInstance).map(User.class::cast);
  }

  public Organization organization(String login) {
    return store
        .ownerByLogin(login)
        .filter(Organization.class::isInstance)
        .map(Organization.class::cast)
        .orElseThrow(() -> PolicyException.notFound("No organization named '" + login + "'."));
  }

  public Enterprise enterprise(String slug) {
    return store.enterpriseBySlug(slug).orElseThrow(() -> PolicyException.notFound("No enterprise named '" + slug + "'."));
  }

  public Owner owner(String login) {
    return store.ownerByLogin(login).orElseThrow(() -> PolicyException.notFound("No user or organization named '" + login + "'."));
  }

  public Repository repository(String owner, String name) {
    Owner o = owner(owner);
    return store.repository(o.id(), name).orElseThrow(() -> PolicyException.notFound("No repository named '" + owner + "/" + name + "'."));
  }

  public Optional<Repository> repositoryById(long id) {
    return store.repositoryById(id);
  }

  public Optional<Organization> organizationById(long id) {
    return store.organizationById(id);
  }

  public Optional<User> userById(long id) {
    return store.userById(id);
  }

  public Optional<Owner> ownerById(long id) {
    Optional<User> u = store.userById(id);
    return u.isPresent() ? u.map(Owner.class::cast) : store.organizationById(id).map(Owner.class::cast);
  }

  public Optional<Grant> grantOfToken(long tokenId) {
    return store.grantOfToken(tokenId);
  }

  /** The effective policy of an organization (after its enterprise's overrides). */
  public EffectivePolicy effectivePolicy(Organization org) {
    Enterprise e = org.enterpriseId() == null ? null : store.enterpriseById(org.enterpriseId()).orElse(null);
    return EffectivePolicy.of(org, e);
  }

  // ------------------------------------------------------------------ authorization of callers

  /** Site administrators only. */
  public void requireSiteAdmin(Actor actor) {
    if (!actor.isSiteAdmin()) {
      throw PolicyException.forbidden("Must be a site administrator using a token with the site_admin scope.");
    }
  }

  /**
   * A site admin, or an owner of {@code org} using a classic token with {@code admin:org} or a
   * fine-grained token on {@code org} with {@code permission} at {@code level} or more.
   */
  public void requireOrgOwner(Actor actor, Organization org, String permission, PermissionLevel level) {
    if (actor.isSiteAdmin()) {
      return;
    }
    boolean owner = store.membershipsOfUser(actor.user().id()).get(org.id()) == OrgRole.ADMIN;
    AccessToken t = actor.token();
    EffectivePolicy policy = effectivePolicy(org);
    boolean tokenOk;
    if (t.kind() == TokenKind.CLASSIC) {
      // The org's token policy binds its management API as it binds git access.
      tokenOk = t.scopes().contains(ClassicScopes.ADMIN_ORG)
          && !policy.classicRestricted()
          && !t.lifetimeExceeds(policy.classicMaxLifetimeDays());
    } else {
      PermissionLevel granted = t.permission(permission);
      Optional<Grant> grant = store.grantOfToken(t.id());
      tokenOk =
          t.resourceOwnerId() != null
              && t.resourceOwnerId() == org.id()
              && granted != null
              && granted.includes(level)
              && !policy.fineGrainedRestricted()
              && !t.lifetimeExceeds(policy.fineGrainedMaxLifetimeDays())
              && grant.map(g -> g.status() == GrantStatus.APPROVED).orElse(false);
    }
    if (!owner || !tokenOk) {
      throw PolicyException.forbidden(
          "Must be an owner of the '" + org.login() + "' organization using a token with admin:org (classic) or "
              + permission + ":" + level.apiName() + " (fine-grained).");
    }
  }

  // ------------------------------------------------------------------ users, enterprises, organizations

  public User createUser(Actor actor, String login) {
    requireSiteAdmin(actor);
    User u = createUserUnchecked(login, false);
    audit(actor, "user.create", "user:" + u.login(), null, JsonText.object("id", u.id(), "login", u.login()));
    return u;
  }

  private User createUserUnchecked(String login, boolean siteAdmin) {
    checkLogin("User", login);
    checkLoginFree("User", login);
    User u = store.createUser(login, siteAdmin, now());
    publish.accept(new Invalidation.OwnerCreated(login));
    return u;
  }

  public void setSuspended(Actor actor, String login, boolean suspended) {
    requireSiteAdmin(actor);
    User u = user(login);
    store.setSuspended(u.id(), suspended ? (u.suspended() ? u.suspendedAt() : now()) : null);
    publish.accept(new Invalidation.UserChanged(u.id()));
    audit(actor, suspended ? "user.suspend" : "user.unsuspend", "user:" + u.login(),
        JsonText.object("suspended", u.suspended()), JsonText.object("suspended", suspended));
  }

  public Enterprise createEnterprise(Actor actor, String slug) {
    requireSiteAdmin(actor);
    if (slug == null || !SLUG.matcher(slug).matches()) {
      throw PolicyException.invalid("Enterprise", "slug", "invalid",
          "slug must be 1–60 letters, digits or single hyphens, not starting or ending with a hyphen");
    }
    if (store.enterpriseBySlug(slug).isPresent()) {
      throw PolicyException.invalid("Enterprise", "slug", "already_exists", "an enterprise named '" + slug + "' already exists");
    }
    Enterprise e = store.createEnterprise(slug, now());
    audit(actor, "enterprise.create", "enterprise:" + e.slug(), null, JsonText.object("id", e.id(), "slug", e.slug()));
    return e;
  }

  /**
   * Applies a partial update: fields left out keep their value, {@code null} clears a max lifetime.
   * Values are Strings or Integers as parsed from JSON.
   */
  public EnterprisePolicy updateEnterprisePolicy(Actor actor, String slug, Map<String, Object> patch) {
    requireSiteAdmin(actor);
    Enterprise e = enterprise(slug);
    EnterprisePolicy p = e.policy();
    List<PolicyException.FieldError> errors = new ArrayList<>();
    EnterprisePolicy.Access fg = p.fineGrainedAccess();
    EnterprisePolicy.Access cl = p.classicAccess();
    EnterprisePolicy.Approval ap = p.fineGrainedApproval();
    Integer fgMax = p.fineGrainedMaxLifetimeDays();
    Integer clMax = p.classicMaxLifetimeDays();
    for (Map.Entry<String, Object> f : patch.entrySet()) {
      Object v = f.getValue();
      switch (f.getKey()) {
        case "fine_grained_access" -> fg = enumField(errors, f.getKey(), v, EnterprisePolicy.Access.fromApiName(str(v)), fg, "org_configures, restricted, allowed");
        case "classic_access" -> cl = enumField(errors, f.getKey(), v, EnterprisePolicy.Access.fromApiName(str(v)), cl, "org_configures, restricted, allowed");
        case "fine_grained_approval" -> ap = enumField(errors, f.getKey(), v, EnterprisePolicy.Approval.fromApiName(str(v)), ap, "org_configures, required, disabled");
        case "fine_grained_max_lifetime_days" -> fgMax = lifetimeField(errors, f.getKey(), v, fgMax);
        case "classic_max_lifetime_days" -> clMax = lifetimeField(errors, f.getKey(), v, clMax);
        default -> errors.add(new PolicyException.FieldError("EnterprisePolicy", f.getKey(), "invalid", "unknown field '" + f.getKey() + "'"));
      }
    }
    failIf(errors);
    EnterprisePolicy next = new EnterprisePolicy(fg, cl, ap, fgMax, clMax);
    store.updateEnterprisePolicy(e.id(), next);
    publish.accept(new Invalidation.EnterpriseChanged(e.id()));
    audit(actor, "enterprise.policy.update", "enterprise:" + e.slug(), JsonText.of(p), JsonText.of(next));
    return next;
  }

  public Organization createOrganization(Actor actor, String login, String adminLogin, String enterpriseSlug) {
    requireSiteAdmin(actor);
    checkLogin("Organization", login);
    checkLoginFree("Organization", login);
    if (adminLogin == null) {
      throw PolicyException.invalid("Organization", "admin", "missing_field", "admin (the first owner's login) is required");
    }
    User admin = findUser(adminLogin).orElseThrow(() ->
        PolicyException.invalid("Organization", "admin", "invalid", "no user named '" + adminLogin + "'"));
    Long entId = null;
    if (enterpriseSlug != null) {
      entId = store.enterpriseBySlug(enterpriseSlug).map(Enterprise::id).orElseThrow(() ->
          PolicyException.invalid("Organization", "enterprise", "invalid", "no enterprise named '" + enterpriseSlug + "'"));
    }
    Organization o = store.createOrganization(login, entId, admin.id(), now());
    publish.accept(new Invalidation.OwnerCreated(login));
    publish.accept(new Invalidation.MembershipChanged(admin.id()));
    audit(actor, "org.create", "org:" + o.login(), null,
        JsonText.object("id", o.id(), "login", o.login(), "admin", admin.login(), "enterprise", enterpriseSlug));
    return o;
  }

  public OrgPolicy updateOrgPolicy(Actor actor, String orgLogin, Map<String, Object> patch) {
    Organization o = organization(orgLogin);
    requireOrgOwner(actor, o, "organization_administration", PermissionLevel.WRITE);
    OrgPolicy p = o.policy();
    List<PolicyException.FieldError> errors = new ArrayList<>();
    OrgPolicy.Access fg = p.fineGrainedAccess();
    OrgPolicy.Access cl = p.classicAccess();
    OrgPolicy.Approval ap = p.fineGrainedApproval();
    Integer fgMax = p.fineGrainedMaxLifetimeDays();
    Integer clMax = p.classicMaxLifetimeDays();
    for (Map.Entry<String, Object> f : patch.entrySet()) {
      Object v = f.getValue();
      switch (f.getKey()) {
        case "fine_grained_access" -> fg = enumField(errors, f.getKey(), v, OrgPolicy.Access.fromApiName(str(v)), fg, "allowed, restricted");
        case "classic_access" -> cl = enumField(errors, f.getKey(), v, OrgPolicy.Access.fromApiName(str(v)), cl, "allowed, restricted");
        case "fine_grained_approval" -> ap = enumField(errors, f.getKey(), v, OrgPolicy.Approval.fromApiName(str(v)), ap, "required, not_required");
        case "fine_grained_max_lifetime_days" -> fgMax = lifetimeField(errors, f.getKey(), v, fgMax);
        case "classic_max_lifetime_days" -> clMax = lifetimeField(errors, f.getKey(), v, clMax);
        default -> errors.add(new PolicyException.FieldError("OrganizationPolicy", f.getKey(), "invalid", "unknown field '" + f.getKey() + "'"));
      }
    }
    failIf(errors);
    OrgPolicy next = new OrgPolicy(fg, cl, ap, fgMax, clMax);
    store.updateOrgPolicy(o.id(), next);
    publish.accept(new Invalidation.OrganizationChanged(o.id()));
    audit(actor, "org.policy.update", "org:" + o.login(), JsonText.of(p), JsonText.of(next));
    return next;
  }

  public void setBasePermission(Actor actor, String orgLogin, String permission) {
    Organization o = organization(orgLogin);
    requireOrgOwner(actor, o, "organization_administration", PermissionLevel.WRITE);
    BasePermission bp = BasePermission.fromApiName(permission);
    if (bp == null) {
      throw PolicyException.invalid("Organization", "permission", "invalid", "permission must be one of none, read, write, admin");
    }
    store.setBasePermission(o.id(), bp);
    publish.accept(new Invalidation.OrganizationChanged(o.id()));
    audit(actor, "org.base_permission.update", "org:" + o.login(), JsonText.object("base_permission", o.basePermission().apiName()),
        JsonText.object("base_permission", bp.apiName()));
  }

  public OrgRole setMembership(Actor actor, String orgLogin, String login, String role) {
    Organization o = organization(orgLogin);
    requireOrgOwner(actor, o, "members", PermissionLevel.WRITE);
    OrgRole r = role == null ? OrgRole.MEMBER : OrgRole.fromApiName(role);
    if (r == null) {
      throw PolicyException.invalid("Membership", "role", "invalid", "role must be admin or member");
    }
    User u = user(login);
    OrgRole before = store.membershipsOfUser(u.id()).get(o.id());
    store.setMembership(o.id(), u.id(), r, now());
    publish.accept(new Invalidation.MembershipChanged(u.id()));
    audit(actor, "org.membership.set", "org:" + o.login() + "/user:" + u.login(),
        before == null ? null : JsonText.object("role", before.apiName()), JsonText.object("role", r.apiName()));
    return r;
  }

  public void removeMembership(Actor actor, String orgLogin, String login) {
    Organization o = organization(orgLogin);
    requireOrgOwner(actor, o, "members", PermissionLevel.WRITE);
    User u = user(login);
    if (!store.removeMembership(o.id(), u.id())) {
      throw PolicyException.notFound("'" + login + "' is not a member of '" + o.login() + "'.");
    }
    publish.accept(new Invalidation.MembershipChanged(u.id()));
    audit(actor, "org.membership.remove", "org:" + o.login() + "/user:" + u.login(), JsonText.object("member", true), null);
  }

  // ------------------------------------------------------------------ repositories

  /** Creates a repository; {@code onDisk} creates the bare repository inside the store's transaction. */
  public Repository createRepository(Actor actor, String ownerLogin, String name, String visibility, Consumer<Repository> onDisk) {
    Owner owner = owner(ownerLogin);
    if (owner instanceof Organization o) {
      requireOrgOwner(actor, o, "organization_administration", PermissionLevel.WRITE);
    } else {
      requireSiteAdmin(actor);
    }
    checkRepoName(name);
    Visibility v = visibility == null ? Visibility.PUBLIC : Visibility.fromApiName(visibility);
    if (v == null) {
      throw PolicyException.invalid("Repository", "visibility", "invalid", "visibility must be public, private or internal");
    }
    if (v == Visibility.INTERNAL && !(owner instanceof Organization o2 && o2.enterpriseId() != null)) {
      throw PolicyException.invalid("Repository", "visibility", "invalid",
          "internal repositories belong to organizations of an enterprise");
    }
    if (store.repository(owner.id(), name).isPresent()) {
      throw PolicyException.invalid("Repository", "name", "already_exists", "name already exists on this account");
    }
    Repository r = store.createRepository(owner.id(), name, v, now(), onDisk);
    publish.accept(new Invalidation.RepositoryChanged(owner.id(), name));
    audit(actor, "repo.create", "repo:" + r.fullName(), null,
        JsonText.object("id", r.id(), "full_name", r.fullName(), "visibility", r.visibility().apiName()));
    return r;
  }

  public RepoPermission setCollaborator(Actor actor, String owner, String repo, String login, String permission) {
    Repository r = repository(owner, repo);
    requireRepoAdmin(actor, r);
    RepoPermission p = permission == null ? RepoPermission.WRITE : RepoPermission.fromCollaboratorName(permission);
    if (p == null) {
      throw PolicyException.invalid("Collaborator", "permission", "invalid", "permission must be one of pull, triage, push, maintain, admin");
    }
    User u = user(login);
    RepoPermission before = store.collaborationsOfUser(u.id()).get(r.id());
    store.setCollaborator(r.id(), u.id(), p);
    publish.accept(new Invalidation.CollaboratorChanged(u.id()));
    audit(actor, "repo.collaborator.set", "repo:" + r.fullName() + "/user:" + u.login(),
        before == null ? null : JsonText.object("permission", before.apiName()), JsonText.object("permission", p.apiName()));
    return p;
  }

  public void removeCollaborator(Actor actor, String owner, String repo, String login) {
    Repository r = repository(owner, repo);
    requireRepoAdmin(actor, r);
    User u = user(login);
    if (!store.removeCollaborator(r.id(), u.id())) {
      throw PolicyException.notFound("'" + login + "' is not a collaborator on '" + r.fullName() + "'.");
    }
    publish.accept(new Invalidation.CollaboratorChanged(u.id()));
    audit(actor, "repo.collaborator.remove", "repo:" + r.fullName() + "/user:" + u.login(), JsonText.object("collaborator", true), null);
  }

  private void requireRepoAdmin(Actor actor, Repository r) {
    Optional<Organization> org = store.organizationById(r.ownerId());
    if (org.isPresent()) {
      requireOrgOwner(actor, org.get(), "organization_administration", PermissionLevel.WRITE);
    } else {
      requireSiteAdmin(actor);
    }
  }

  // ------------------------------------------------------------------ tokens

  /**
   * Creates the first-start site administrator {@code admin} and its classic {@code site_admin}
   * token when there is no such user yet; returns the token (with its plaintext) or empty.
   */
  public Optional<CreatedToken> bootstrapAdmin() {
    if (findUser("admin").isPresent()) {
      return Optional.empty();
    }
    User admin;
    try {
      admin = createUserUnchecked("admin", true);
    } catch (PolicyException e) {
      // Another node sharing the store created it first.
      return Optional.empty();
    }
    NewToken req = new NewToken("classic", "bootstrap admin token", "created at first start", null,
        List.of(ClassicScopes.SITE_ADMIN, ClassicScopes.ADMIN_ORG, ClassicScopes.REPO), null, null, null, null, null);
    return Optional.of(createToken(Actor.SYSTEM, admin.login(), req));
  }

  /** Creates a user with the given site-admin flag, without a caller check: seeding only. */
  public User createUserForSeed(String login) {
    return createUserUnchecked(login, false);
  }

  public CreatedToken createToken(Actor actor, String login, NewToken req) {
    requireSiteAdmin(actor);
    User user = user(login);
    List<PolicyException.FieldError> errors = new ArrayList<>();
    TokenKind kind = TokenKind.fromApiName(req.type());
    if (kind == null) {
      errors.add(fe("type", req.type() == null ? "missing_field" : "invalid", "type must be fine_grained or classic"));
    }
    if (req.name() == null || req.name().isEmpty() || req.name().length() > 40) {
      errors.add(fe("name", req.name() == null ? "missing_field" : "invalid", "name must be 1–40 characters"));
    }
    if (req.description() != null && req.description().length() > 1024) {
      errors.add(fe("description", "invalid", "description must be at most 1024 characters"));
    }
    if (hasControl(req.name())) {
      errors.add(fe("name", "invalid", "name must not contain control characters"));
    }
    if (hasControl(req.description()) && !req.description().chars().allMatch(c -> c >= 0x20 || c == '\n' || c == '\t')) {
      errors.add(fe("description", "invalid", "description must not contain control characters other than newlines and tabs"));
    }
    if (hasControl(req.reason()) && !req.reason().chars().allMatch(c -> c >= 0x20 || c == '\n' || c == '\t')) {
      errors.add(fe("reason", "invalid", "reason must not contain control characters other than newlines and tabs"));
    }
    if (req.expiresIn() != null && (req.expiresIn() < MaxLifetime.MIN_DAYS || req.expiresIn() > MaxLifetime.MAX_DAYS)) {
      errors.add(fe("expires_in", "invalid", "expires_in must be 1–366 days or null, not " + req.expiresIn()));
    }
    if (req.reason() != null && req.reason().length() > 1024) {
      errors.add(fe("reason", "invalid", "reason must be at most 1024 characters"));
    }
    failIf(errors);
    Instant created = now();
    Instant expires = req.expiresIn() == null ? null : created.plus(Duration.ofDays(req.expiresIn()));
    if (kind == TokenKind.CLASSIC) {
      Set<String> scopes = new HashSet<>();
      if (req.repositorySelection() != null || req.resourceOwner() != null || req.permissions() != null || req.repositories() != null) {
        errors.add(fe("type", "invalid", "classic tokens take scopes, not resource_owner, repository_selection, repositories or permissions"));
      }
      for (String s : req.scopes() == null ? List.<String>of() : req.scopes()) {
        if (s == null || !ClassicScopes.isKnown(s)) {
          errors.add(fe("scopes", "invalid", "unknown scope '" + s + "'"));
        } else if (s.equals(ClassicScopes.SITE_ADMIN) && !user.siteAdmin()) {
          errors.add(fe("scopes", "invalid", "site_admin is only for site administrators"));
        } else {
          scopes.add(s);
        }
      }
      failIf(errors);
      Issued issued = issue(kind, digest -> new AccessToken(0, user.id(), kind, digest, req.name(), req.description(), created, expires,
          null, null, scopes, null, null, Set.of(), Map.of()), null, null, null);
      audit(actor, "token.create", "user:" + user.login(), null, JsonText.of(issued.stored().token()));
      return new CreatedToken(issued.stored().token(), issued.plaintext(), null);
    }

    // Fine-grained.
    if (req.scopes() != null && !req.scopes().isEmpty()) {
      errors.add(fe("scopes", "invalid", "fine-grained tokens take permissions, not scopes"));
    }
    Owner resourceOwner = null;
    if (req.resourceOwner() == null) {
      errors.add(fe("resource_owner", "missing_field", "resource_owner (the user itself or an organization) is required"));
    } else {
      resourceOwner = store.ownerByLogin(req.resourceOwner()).orElse(null);
      if (resourceOwner == null) {
        errors.add(fe("resource_owner", "invalid", "no user or organization named '" + req.resourceOwner() + "'"));
      } else if (resourceOwner instanceof User u && u.id() != user.id()) {
        errors.add(fe("resource_owner", "invalid", "a user can only be the resource owner of their own tokens"));
      }
    }
    Organization org = resourceOwner instanceof Organization o ? o : null;
    OrgRole role = null;
    EffectivePolicy policy = null;
    if (org != null) {
      role = store.membershipsOfUser(user.id()).get(org.id());
      policy = effectivePolicy(org);
      if (role == null) {
        errors.add(fe("resource_owner", "invalid", "'" + user.login() + "' is not a member of '" + org.login() + "'"));
      } else if (policy.fineGrainedRestricted()) {
        errors.add(fe("resource_owner", "invalid", "the '" + org.login() + "' organization does not allow fine-grained personal access tokens"));
      } else if (policy.fineGrainedMaxLifetimeDays() != null
          && (req.expiresIn() == null || req.expiresIn() > policy.fineGrainedMaxLifetimeDays())) {
        errors.add(fe("expires_in", "invalid", "the '" + org.login() + "' organization requires fine-grained tokens to expire within "
            + policy.fineGrainedMaxLifetimeDays() + " days"));
      }
    }
    RepositorySelection selection = RepositorySelection.fromApiName(req.repositorySelection());
    if (selection == null) {
      errors.add(fe("repository_selection", req.repositorySelection() == null ? "missing_field" : "invalid",
          "repository_selection must be all, subset or none"));
    }
    Set<Long> repoIds = new HashSet<>();
    List<String> names = req.repositories() == null ? List.of() : req.repositories();
    if (selection == RepositorySelection.SUBSET && names.isEmpty()) {
      errors.add(fe("repositories", "missing_field", "repository_selection subset needs at least one repository"));
    } else if (selection != null && selection != RepositorySelection.SUBSET && !names.isEmpty()) {
      errors.add(fe("repositories", "invalid", "repositories are only given with repository_selection subset"));
    }
    if (selection == RepositorySelection.SUBSET && resourceOwner != null) {
      for (String n : names) {
        Optional<Repository> r = n == null ? Optional.empty() : store.repository(resourceOwner.id(), n);
        if (r.isEmpty()) {
          errors.add(fe("repositories", "invalid", "no repository named '" + n + "' owned by '" + resourceOwner.login() + "'"));
        } else {
          repoIds.add(r.get().id());
        }
      }
    }
    Map<String, PermissionLevel> perms = new LinkedHashMap<>();
    perms.put("metadata", PermissionLevel.READ);
    if (req.permissions() != null) {
      for (Map.Entry<String, String> p : req.permissions().entrySet()) {
        FineGrainedPermissions.Definition def = FineGrainedPermissions.get(p.getKey());
        PermissionLevel level = PermissionLevel.fromApiName(p.getValue());
        if (def == null) {
          errors.add(fe("permissions", "invalid", "unknown permission '" + p.getKey() + "'"));
        } else if (level == null || !def.levels().contains(level)) {
          errors.add(fe("permissions", "invalid", "permission '" + p.getKey() + "' does not support level '" + p.getValue() + "'"));
        } else if (def.category() == FineGrainedPermissions.Category.ORGANIZATION && org == null) {
          errors.add(fe("permissions", "invalid", "organization permission '" + p.getKey() + "' needs an organization as resource owner"));
        } else if (def.category() == FineGrainedPermissions.Category.ACCOUNT && org != null) {
          errors.add(fe("permissions", "invalid", "account permission '" + p.getKey() + "' needs the user as resource owner"));
        } else {
          perms.put(p.getKey(), level);
        }
      }
    }
    failIf(errors);
    GrantStatus initial = null;
    if (org != null) {
      initial = policy.approvalRequired() && role != OrgRole.ADMIN ? GrantStatus.PENDING : GrantStatus.APPROVED;
    }
    long ownerId = resourceOwner.id();
    Issued issued = issue(kind, digest -> new AccessToken(0, user.id(), kind, digest, req.name(), req.description(), created, expires,
        null, null, Set.of(), ownerId, selection, repoIds, perms), org == null ? null : org.id(), initial, req.reason());
    PolicyStore.StoredToken st = issued.stored();
    audit(actor, "token.create", "user:" + user.login(), null, JsonText.of(st.token()));
    return new CreatedToken(st.token(), issued.plaintext(), st.grant());
  }

  /** A stored token and the plaintext it was issued with. */
  private record Issued(PolicyStore.StoredToken stored, String plaintext) {}

  /** How many plaintexts are tried when each one's lookup key is taken (each time about 10^-13). */
  private static final int ISSUE_ATTEMPTS = 3;

  /**
   * Generates a plaintext and stores the token {@code build} makes of its digest; when another token
   * has the same lookup key (the digest's first 8 bytes, unique in the store), generates another.
   */
  private Issued issue(TokenKind kind, java.util.function.Function<TokenDigest, AccessToken> build, Long grantOrgId,
      GrantStatus initial, String reason) {
    for (int attempt = 1; ; attempt++) {
      String plaintext = TokenFormat.generate(kind, random);
      try {
        return new Issued(store.insertToken(build.apply(TokenDigest.of(plaintext)), grantOrgId, initial, reason), plaintext);
      } catch (PolicyStore.LookupKeyTaken e) {
        if (attempt == ISSUE_ATTEMPTS) {
          throw new StoreUnavailableException("could not issue a token: " + ISSUE_ATTEMPTS + " generated tokens all had taken lookup keys", e);
        }
      }
    }
  }

  public List<AccessToken> tokensOf(Actor actor, String login) {
    requireSiteAdmin(actor);
    return store.tokensOfUser(user(login).id());
  }

  public void deleteToken(Actor actor, long tokenId) {
    requireSiteAdmin(actor);
    AccessToken t = store.tokenById(tokenId).filter(x -> !x.deleted())
        .orElseThrow(() -> PolicyException.notFound("No personal access token with id " + tokenId + "."));
    delete(t);
    audit(actor, "token.delete", "token:" + t.id(), JsonText.of(t), JsonText.object("deleted", true));
  }

  private void delete(AccessToken t) {
    store.deleteToken(t.id(), now());
    publish.accept(new Invalidation.TokenChanged(t.digest(), t.id()));
  }

  /**
   * Revokes every valid token among {@code plaintexts} (anyone holding a leaked token may revoke
   * it). Says nothing about which were real.
   */
  public void revokeCredentials(List<String> plaintexts) {
    for (String p : plaintexts) {
      if (p == null || TokenFormat.kindOf(p) == null) {
        continue;
      }
      store.tokenByDigest(TokenDigest.of(p)).filter(t -> !t.deleted()).ifPresent(t -> {
        delete(t);
        audit(null, "token.revoke_leaked", "token:" + t.id(), JsonText.of(t), JsonText.object("deleted", true));
      });
    }
  }

  // ------------------------------------------------------------------ organization approvals

  /** Approves or denies a pending request of {@code org}. */
  public void reviewRequest(Actor actor, String orgLogin, long requestId, boolean approve, String reason) {
    reviewRequests(actor, orgLogin, List.of(requestId), approve, reason);
  }

  /**
   * Approves or denies pending requests of {@code org}: all of them are checked first, so a bad id
   * changes nothing.
   */
  public void reviewRequests(Actor actor, String orgLogin, List<Long> requestIds, boolean approve, String reason) {
    Organization org = organization(orgLogin);
    requireOrgOwner(actor, org, "organization_personal_access_token_requests", PermissionLevel.WRITE);
    if (reason != null && reason.length() > 1024) {
      throw PolicyException.invalid("PersonalAccessTokenRequest", "reason", "invalid", "reason must be at most 1024 characters");
    }
    List<Grant> grants = new ArrayList<>();
    for (long requestId : requestIds) {
      Grant g = store.grantById(requestId).filter(x -> x.orgId() == org.id())
          // A deleted token's request is gone, as it is from the listings.
          .filter(x -> store.tokenById(x.tokenId()).map(t -> !t.deleted()).orElse(false))
          .orElseThrow(() -> PolicyException.notFound("No personal access token request with id " + requestId + " in '" + org.login() + "'."));
      if (g.status() != GrantStatus.PENDING) {
        throw PolicyException.invalid("PersonalAccessTokenRequest", "pat_request_id", "invalid",
            "request " + requestId + " is not pending (it is " + g.status().apiName() + ")");
      }
      grants.add(g);
    }
    Long reviewer = actor.system() ? null : actor.user().id();
    for (Grant g : grants) {
      // Compare-and-set: a request another reviewer decided meanwhile keeps that decision.
      boolean changed = store.updateGrantStatus(
          g.id(), GrantStatus.PENDING, approve ? GrantStatus.APPROVED : GrantStatus.DENIED, reviewer, reason, now());
      publish.accept(new Invalidation.GrantChanged(g.tokenId()));
      if (changed) {
        audit(actor, approve ? "token_request.approve" : "token_request.deny", "org:" + org.login() + "/request:" + g.id(),
            JsonText.object("status", "pending"), JsonText.object("status", approve ? "approved" : "denied", "reason", reason));
      }
    }
  }

  /** Revokes an approved token's access to {@code org}; {@code tokenId} is the {@code pat_id}. */
  public void revokeGrant(Actor actor, String orgLogin, long tokenId) {
    revokeGrants(actor, orgLogin, List.of(tokenId));
  }

  /** Revokes approved tokens' access to {@code org}; all ids are checked first. */
  public void revokeGrants(Actor actor, String orgLogin, List<Long> tokenIds) {
    Organization org = organization(orgLogin);
    requireOrgOwner(actor, org, "organization_personal_access_tokens", PermissionLevel.WRITE);
    List<Grant> grants = new ArrayList<>();
    for (long tokenId : tokenIds) {
      grants.add(store.grantOfToken(tokenId)
          .filter(x -> x.orgId() == org.id() && x.status() == GrantStatus.APPROVED)
          .filter(x -> store.tokenById(tokenId).map(t -> !t.deleted()).orElse(false))
          .orElseThrow(() -> PolicyException.notFound("No personal access token with id " + tokenId + " has access to '" + org.login() + "'.")));
    }
    Long reviewer = actor.system() ? null : actor.user().id();
    for (Grant g : grants) {
      boolean changed = store.updateGrantStatus(g.id(), GrantStatus.APPROVED, GrantStatus.REVOKED, reviewer, null, now());
      publish.accept(new Invalidation.GrantChanged(g.tokenId()));
      if (changed) {
        audit(actor, "token_grant.revoke", "org:" + org.login() + "/token:" + g.tokenId(),
            JsonText.object("status", "approved"), JsonText.object("status", "revoked"));
      }
    }
  }

  // ------------------------------------------------------------------ organization listings

  /**
   * Lists an organization's pending token requests ({@code requests}) or approved grants, filtered,
   * ordered by creation and paged as GitHub's endpoints do.
   */
  public Page<GrantListing> listGrants(Actor actor, String orgLogin, boolean requests, GrantQuery q) {
    Organization org = organization(orgLogin);
    requireOrgOwner(actor, org, requests ? "organization_personal_access_token_requests" : "organization_personal_access_tokens",
        PermissionLevel.READ);
    GrantStatus wanted = requests ? GrantStatus.PENDING : GrantStatus.APPROVED;
    Long repoId = null;
    if (q.repository() != null) {
      Optional<Repository> r = store.repository(org.id(), q.repository());
      if (r.isEmpty()) {
        return new Page<>(List.of(), q.page(), q.perPage(), 0);
      }
      repoId = r.get().id();
    }
    String permName = null;
    PermissionLevel permLevel = null;
    if (q.permission() != null) {
      int cut = q.permission().lastIndexOf('_');
      permLevel = cut <= 0 ? null : PermissionLevel.fromApiName(q.permission().substring(cut + 1));
      permName = cut <= 0 ? null : q.permission().substring(0, cut);
      if (permLevel == null || FineGrainedPermissions.get(permName) == null) {
        throw PolicyException.invalid("PersonalAccessToken", "permission", "invalid",
            "permission must be <name>_<level> with a known permission, e.g. contents_read");
      }
    }
    Map<Long, Optional<User>> users = new java.util.HashMap<>();
    List<GrantListing> all = new ArrayList<>();
    for (PolicyStore.GrantRow row : store.grantsOfOrganization(org.id())) {
      Grant g = row.grant();
      AccessToken t = row.token();
      if (g.status() != wanted) {
        continue;
      }
      if (q.tokenIds() != null && !q.tokenIds().contains(t.id())) {
        continue;
      }
      if (q.owners() != null && !ownerIdsContains(q.owners(), t.userId(), users)) {
        continue;
      }
      if (repoId != null) {
        boolean reaches = t.repositorySelection() == RepositorySelection.ALL
            || (t.repositorySelection() == RepositorySelection.SUBSET && t.repositoryIds().contains(repoId));
        if (!reaches) {
          continue;
        }
      }
      if (permName != null) {
        PermissionLevel have = t.permission(permName);
        if (have == null || !have.includes(permLevel)) {
          continue;
        }
      }
      Instant lastUsed = latest(t.lastUsedAt(), unflushedLastUse.apply(t.id()));
      if (q.lastUsedBefore() != null && (lastUsed == null || !lastUsed.isBefore(q.lastUsedBefore()))) {
        continue;
      }
      if (q.lastUsedAfter() != null && (lastUsed == null || !lastUsed.isAfter(q.lastUsedAfter()))) {
        continue;
      }
      Optional<User> owner = users.computeIfAbsent(t.userId(), store::userById);
      if (owner.isEmpty()) {
        continue;
      }
      all.add(new GrantListing(g, t, owner.get(), lastUsed));
    }
    java.util.Comparator<GrantListing> order =
        java.util.Comparator.comparing((GrantListing l) -> l.grant().createdAt()).thenComparing(l -> l.grant().id());
    all.sort(q.ascending() ? order : order.reversed());
    return Page.of(all, q.page(), q.perPage());
  }

  private boolean ownerIdsContains(List<String> logins, long userId, Map<Long, Optional<User>> users) {
    Optional<User> u = users.computeIfAbsent(userId, store::userById);
    return u.isPresent() && logins.stream().anyMatch(l -> l.equalsIgnoreCase(u.get().login()));
  }

  private static Instant latest(Instant a, Instant b) {
    if (a == null) {
      return b;
    }
    return b == null || a.isAfter(b) ? a : b;
  }

  /**
   * The repositories a pending request ({@code request}, by request id) or an approved grant (by
   * token id) asks for or reaches: all of the organization's for selection {@code all}.
   */
  public Page<Repository> grantRepositories(Actor actor, String orgLogin, boolean request, long id, int page, int perPage) {
    Organization org = organization(orgLogin);
    requireOrgOwner(actor, org, request ? "organization_personal_access_token_requests" : "organization_personal_access_tokens",
        PermissionLevel.READ);
    Optional<Grant> g = request ? store.grantById(id) : store.grantOfToken(id);
    Grant grant = g.filter(x -> x.orgId() == org.id())
        .filter(x -> x.status() == (request ? GrantStatus.PENDING : GrantStatus.APPROVED))
        .orElseThrow(() -> PolicyException.notFound(request
            ? "No pending personal access token request with id " + id + " in '" + org.login() + "'."
            : "No personal access token with id " + id + " has access to '" + org.login() + "'."));
    AccessToken t = store.tokenById(grant.tokenId()).filter(x -> !x.deleted())
        .orElseThrow(() -> PolicyException.notFound("No personal access token with id " + grant.tokenId() + "."));
    List<Repository> repos = switch (t.repositorySelection()) {
      case ALL -> store.repositoriesOfOwner(org.id());
      case NONE -> List.of();
      case SUBSET -> store.repositoriesOfOwner(org.id()).stream().filter(r -> t.repositoryIds().contains(r.id())).toList();
    };
    return Page.of(repos, page, perPage);
  }

  // ------------------------------------------------------------------ validation helpers

  private static boolean hasControl(String s) {
    return s != null && s.chars().anyMatch(Character::isISOControl);
  }

  private static PolicyException.FieldError fe(String field, String code, String message) {
    return new PolicyException.FieldError("PersonalAccessToken", field, code, message);
  }

  private static void failIf(List<PolicyException.FieldError> errors) {
    if (!errors.isEmpty()) {
      throw new PolicyException(PolicyException.Kind.INVALID, "Validation Failed", errors);
    }
  }

  private static void checkLogin(String resource, String login) {
    if (login == null || !LOGIN.matcher(login).matches()) {
      throw PolicyException.invalid(resource, "login", login == null ? "missing_field" : "invalid",
          "login must be 1–39 letters, digits or single hyphens, not starting or ending with a hyphen");
    }
  }

  private void checkLoginFree(String resource, String login) {
    if (store.ownerByLogin(login).isPresent()) {
      throw PolicyException.invalid(resource, "login", "already_exists",
          "the login '" + login + "' is already taken by a user or organization");
    }
  }

  static void checkRepoName(String name) {
    if (name == null || !REPO_NAME.matcher(name).matches() || name.equals(".") || name.equals("..")
        || name.toLowerCase(java.util.Locale.ROOT).endsWith(".git")) {
      throw PolicyException.invalid("Repository", "name", name == null ? "missing_field" : "invalid",
          "name must be 1–100 letters, digits, '.', '-' or '_', not '.' or '..', and not end in .git");
    }
  }

  private static String str(Object v) {
    return v instanceof String s ? s : null;
  }

  private static <E> E enumField(List<PolicyException.FieldError> errors, String field, Object raw, E parsed, E current, String allowed) {
    if (parsed == null) {
      errors.add(new PolicyException.FieldError("Policy", field, "invalid", field + " must be one of " + allowed));
      return current;
    }
    return parsed;
  }

  private static Integer lifetimeField(List<PolicyException.FieldError> errors, String field, Object v, Integer current) {
    if (v == null) {
      return null;
    }
    if (v instanceof Integer i && i >= MaxLifetime.MIN_DAYS && i <= MaxLifetime.MAX_DAYS) {
      return i;
    }
    errors.add(new PolicyException.FieldError("Policy", field, "invalid", field + " must be null or an integer 1–366"));
    return current;
  }
}
