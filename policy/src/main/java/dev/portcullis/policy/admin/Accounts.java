package dev.portcullis.policy.admin;

import static dev.portcullis.policy.admin.Validation.checkEmail;
import static dev.portcullis.policy.admin.Validation.checkLogin;
import static dev.portcullis.policy.admin.Validation.checkPassword;

import dev.portcullis.policy.access.Invalidation;
import dev.portcullis.policy.model.Actor;
import dev.portcullis.policy.model.BasePermission;
import dev.portcullis.policy.model.Enterprise;
import dev.portcullis.policy.model.MailPreferences;
import dev.portcullis.policy.model.OrgRole;
import dev.portcullis.policy.model.Organization;
import dev.portcullis.policy.model.Owner;
import dev.portcullis.policy.model.Page;
import dev.portcullis.policy.model.PermissionLevel;
import dev.portcullis.policy.model.PolicyException;
import dev.portcullis.policy.model.Repository;
import dev.portcullis.policy.model.User;
import dev.portcullis.policy.store.PolicyStore;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/** Users, enterprises, organizations and their members: created, suspended, joined and left. */
public final class Accounts extends UseCase {
  Accounts(AdminContext context) {
    super(context);
  }

  private static final Pattern SLUG =
      Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,59}");

  public User createUser(Actor actor, String login) {
    return createUser(actor, login, null, null);
  }

  /**
   * Creates a user with, optionally, an e-mail address and a first console password (else the user
   * gets one through a setup link). Everything is validated before anything is written.
   */
  public User createUser(Actor actor, String login, String email, String password) {
    requireSiteAdmin(actor);
    checkLogin("User", login);
    checkEmail(email);
    if (password != null) {
      checkPassword("password", password);
    }
    // Hashing takes a while: done before the user exists, so a password set at creation holds from
    // the user's first moment.
    String hash = password == null ? null : hasher.hash(password);
    User u = createUserUnchecked(login, false);
    if (email != null) {
      signIns.setEmail(u.id(), email);
    }
    if (hash != null) {
      signIns.setPassword(u.id(), hash, now());
    }
    audit(
        actor,
        "user.create",
        "user:" + u.login(),
        null,
        JsonText.object(
            "id", u.id(), "login", u.login(), "email", email, "password_set", password != null));
    return u;
  }

  /** The user's e-mail address: the user themself or a site administrator. */
  public java.util.Optional<String> email(Actor actor, String login) {
    User u = user(login);
    requireSelfOrSiteAdmin(actor, u);
    return signIns.email(u.id());
  }

  /** Sets ({@code null}: clears) the user's e-mail address: the user themself or a site admin. */
  public void setEmail(Actor actor, String login, String email) {
    User u = user(login);
    requireSelfOrSiteAdmin(actor, u);
    checkEmail(email);
    String before = signIns.email(u.id()).orElse(null);
    signIns.setEmail(u.id(), email);
    audit(
        actor,
        "user.email.update",
        "user:" + u.login(),
        JsonText.object("email", before),
        JsonText.object("email", email));
  }

  /** The notification mails the user chose: the user themself or a site administrator. */
  public MailPreferences mailPreferences(Actor actor, String login) {
    User u = user(login);
    requireSelfOrSiteAdmin(actor, u);
    return signIns.mailPreferences(u.id());
  }

  /**
   * Turns the digest of pending requests and the expiry reminders on or off: the user themself or a
   * site administrator.
   */
  public void setMailPreferences(Actor actor, String login, MailPreferences preferences) {
    User u = user(login);
    requireSelfOrSiteAdmin(actor, u);
    MailPreferences before = signIns.mailPreferences(u.id());
    signIns.setMailPreferences(u.id(), preferences);
    if (!before.equals(preferences)) {
      audit(
          actor,
          "user.mail_preferences.update",
          "user:" + u.login(),
          JsonText.object("digest", before.digest(), "expiry_reminders", before.expiryReminders()),
          JsonText.object(
              "digest", preferences.digest(), "expiry_reminders", preferences.expiryReminders()));
    }
  }

  User createUserUnchecked(String login, boolean siteAdmin) {
    checkLogin("User", login);
    checkLoginFree("User", login);
    User u = store.createUser(login, siteAdmin, now());
    publish.accept(new Invalidation.OwnerCreated(login));
    return u;
  }

  /** Creates a user with the given site-admin flag, without a caller check: seeding only. */
  public User createUserForSeed(String login) {
    return createUserUnchecked(login, false);
  }

  public void setSuspended(Actor actor, String login, boolean suspended) {
    User u = user(login);
    requireSiteAdmin(actor, u);
    store.setSuspended(u.id(), suspended ? (u.suspended() ? u.suspendedAt() : now()) : null);
    publish.accept(new Invalidation.UserChanged(u.id()));
    if (suspended) {
      // Console sessions end with the suspension, before this call returns.
      signIns.deleteSessionsOf(u.id());
    }
    audit(
        actor,
        suspended ? "user.suspend" : "user.unsuspend",
        "user:" + u.login(),
        JsonText.object("suspended", u.suspended()),
        JsonText.object("suspended", suspended));
  }

  /**
   * Deletes a user (site administrators) with their tokens, requests and grants, their repositories
   * (through {@code fromDisk} on disk too), memberships and collaborations; their tokens answer 401
   * from the next request on. Refused for the caller's own account and for the last owner of an
   * organization (delete the organization or add an owner first).
   */
  public void deleteUser(Actor actor, String login, Consumer<Repository> fromDisk) {
    User u = user(login);
    requireSiteAdmin(actor, u);
    if (!actor.system() && actor.user().id() == u.id()) {
      throw PolicyException.invalid(
          "User", "login", "invalid", "you cannot delete your own account");
    }
    for (Map.Entry<Long, OrgRole> m : store.membershipsOfUser(u.id()).entrySet()) {
      boolean lastOwner =
          m.getValue() == OrgRole.ADMIN
              && store.membersOfOrganization(m.getKey()).stream()
                  .noneMatch(x -> x.role() == OrgRole.ADMIN && x.user().id() != u.id());
      if (lastOwner) {
        String org = store.organizationById(m.getKey()).map(Organization::login).orElse("?");
        throw PolicyException.invalid(
            "User",
            "login",
            "invalid",
            "'"
                + u.login()
                + "' is the only owner of the organization '"
                + org
                + "': delete the organization or make another member an owner first");
      }
    }
    PolicyStore.Removed removed =
        store.deleteUser(u.id()).orElseThrow(() -> Directory.noUser(login));
    removed(removed, u, fromDisk);
    audit(
        actor,
        "user.delete",
        "user:" + u.login(),
        JsonText.object(
            "id",
            u.id(),
            "login",
            u.login(),
            "tokens",
            removed.tokens().size(),
            "repositories",
            removed.repositories().size()),
        null);
  }

  /**
   * Deletes an organization (its owners and site administrators) with its repositories (through
   * {@code fromDisk} on disk too), memberships, and the fine-grained tokens aimed at it with their
   * requests and grants. Its repositories answer 404 from the next request on.
   */
  public void deleteOrganization(Actor actor, String login, Consumer<Repository> fromDisk) {
    Organization o = organization(login);
    requireOrgOwner(actor, o, "organization_administration", PermissionLevel.WRITE);
    PolicyStore.Removed removed =
        store.deleteOrganization(o.id()).orElseThrow(() -> Directory.noOrganization(login));
    removed(removed, o, fromDisk);
    audit(
        actor,
        "org.delete",
        "org:" + o.login(),
        JsonText.object(
            "id",
            o.id(),
            "login",
            o.login(),
            "tokens",
            removed.tokens().size(),
            "repositories",
            removed.repositories().size(),
            "members",
            removed.members().size()),
        null);
  }

  public Enterprise createEnterprise(Actor actor, String slug) {
    requireSiteAdmin(actor);
    if (slug == null || !SLUG.matcher(slug).matches()) {
      throw PolicyException.invalid(
          "Enterprise",
          "slug",
          "invalid",
          "slug must be 1–60 letters, digits or single hyphens, not starting or ending with a hyphen");
    }
    if (store.enterpriseBySlug(slug).isPresent()) {
      throw PolicyException.invalid(
          "Enterprise",
          "slug",
          "already_exists",
          "an enterprise named '" + slug + "' already exists");
    }
    Enterprise e = store.createEnterprise(slug, now());
    audit(
        actor,
        "enterprise.create",
        "enterprise:" + e.slug(),
        null,
        JsonText.object("id", e.id(), "slug", e.slug()));
    return e;
  }

  public Organization createOrganization(
      Actor actor, String login, String adminLogin, String enterpriseSlug) {
    requireSiteAdmin(actor);
    checkLogin("Organization", login);
    checkLoginFree("Organization", login);
    if (adminLogin == null) {
      throw PolicyException.invalid(
          "Organization", "admin", "missing_field", "admin (the first owner's login) is required");
    }
    User admin =
        findUser(adminLogin)
            .orElseThrow(
                () ->
                    PolicyException.invalid(
                        "Organization", "admin", "invalid", "no user named '" + adminLogin + "'"));
    Long entId = null;
    if (enterpriseSlug != null) {
      entId =
          store
              .enterpriseBySlug(enterpriseSlug)
              .map(Enterprise::id)
              .orElseThrow(
                  () ->
                      PolicyException.invalid(
                          "Organization",
                          "enterprise",
                          "invalid",
                          "no enterprise named '" + enterpriseSlug + "'"));
    }
    Organization o = store.createOrganization(login, entId, admin.id(), now());
    publish.accept(new Invalidation.OwnerCreated(login));
    publish.accept(new Invalidation.MembershipChanged(admin.id()));
    audit(
        actor,
        "org.create",
        "org:" + o.login(),
        null,
        JsonText.object(
            "id",
            o.id(),
            "login",
            o.login(),
            "admin",
            admin.login(),
            "enterprise",
            enterpriseSlug));
    return o;
  }

  public void setBasePermission(Actor actor, String orgLogin, String permission) {
    Organization o = organization(orgLogin);
    requireOrgOwner(actor, o, "organization_administration", PermissionLevel.WRITE);
    BasePermission bp = BasePermission.fromApiName(permission);
    if (bp == null) {
      throw PolicyException.invalid(
          "Organization",
          "permission",
          "invalid",
          "permission must be one of none, read, write, admin");
    }
    store.setBasePermission(o.id(), bp);
    publish.accept(new Invalidation.OrganizationChanged(o.id()));
    audit(
        actor,
        "org.base_permission.update",
        "org:" + o.login(),
        JsonText.object("base_permission", o.basePermission().apiName()),
        JsonText.object("base_permission", bp.apiName()));
  }

  public OrgRole setMembership(Actor actor, String orgLogin, String login, String role) {
    Organization o = organization(orgLogin);
    requireOrgOwner(actor, o, "members", PermissionLevel.WRITE);
    OrgRole r = role == null ? OrgRole.MEMBER : OrgRole.fromApiName(role);
    if (r == null) {
      throw PolicyException.invalid(
          "Membership", "role", "invalid", "role must be admin or member");
    }
    User u = user(login);
    OrgRole before = store.membershipsOfUser(u.id()).get(o.id());
    store.setMembership(o.id(), u.id(), r, now());
    publish.accept(new Invalidation.MembershipChanged(u.id()));
    audit(
        actor,
        "org.membership.set",
        "org:" + o.login() + "/user:" + u.login(),
        before == null ? null : JsonText.object("role", before.apiName()),
        JsonText.object("role", r.apiName()));
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
    audit(
        actor,
        "org.membership.remove",
        "org:" + o.login() + "/user:" + u.login(),
        JsonText.object("member", true),
        null);
  }

  /**
   * Makes {@code login} an owner of the enterprise (site administrators only); true when they were
   * not one yet.
   */
  public boolean addEnterpriseOwner(Actor actor, String slug, String login) {
    Enterprise e = enterprise(slug);
    requireSiteAdmin(actor, e);
    User u = user(login);
    boolean added = store.addEnterpriseOwner(e.id(), u.id(), now());
    if (added) {
      audit(
          actor,
          "enterprise.owner.add",
          "enterprise:" + e.slug() + "/user:" + u.login(),
          null,
          JsonText.object("owner", true));
    }
    return added;
  }

  /** Ends {@code login}'s ownership of the enterprise (site administrators only). */
  public void removeEnterpriseOwner(Actor actor, String slug, String login) {
    Enterprise e = enterprise(slug);
    requireSiteAdmin(actor, e);
    User u = user(login);
    if (!store.removeEnterpriseOwner(e.id(), u.id())) {
      throw PolicyException.notFound("'" + login + "' is not an owner of '" + e.slug() + "'.");
    }
    audit(
        actor,
        "enterprise.owner.remove",
        "enterprise:" + e.slug() + "/user:" + u.login(),
        JsonText.object("owner", true),
        null);
  }

  /** The enterprises the caller owns, by slug. */
  public List<Enterprise> ownedEnterprises(Actor actor) {
    return actor.user() == null ? List.of() : store.enterprisesOwnedBy(actor.user().id());
  }

  /** The organizations the caller owns, by login. */
  public List<Organization> ownedOrganizations(Actor actor) {
    if (actor.user() == null) {
      return List.of();
    }
    return store.membershipsOfUser(actor.user().id()).entrySet().stream()
        .filter(m -> m.getValue() == OrgRole.ADMIN)
        .map(m -> store.organizationById(m.getKey()))
        .flatMap(java.util.Optional::stream)
        .sorted(java.util.Comparator.comparing(o -> o.login().toLowerCase(java.util.Locale.ROOT)))
        .toList();
  }

  // ---------------------------------------------------------------- reads

  /**
   * A user, for site administrators, the user themself and the members of a shared organization.
   */
  public User viewUser(Actor actor, String login) {
    User u = user(login);
    requireVisible(actor, u);
    return u;
  }

  /** Every user and organization in the order they were created (site administrators). */
  public Page<Owner> listAccounts(Actor actor, int page, int perPage) {
    requireSiteAdmin(actor);
    return Page.of(store.accounts(), page, perPage);
  }

  /** Every user in the order they were created (site administrators). */
  public Page<User> listUsers(Actor actor, int page, int perPage) {
    requireSiteAdmin(actor);
    List<User> users =
        store.accounts().stream().filter(User.class::isInstance).map(User.class::cast).toList();
    return Page.of(users, page, perPage);
  }

  /** An organization, for its members and site administrators. */
  public Organization viewOrganization(Actor actor, String login) {
    Organization o = organization(login);
    requireMember(actor, o);
    return o;
  }

  /**
   * The organizations the caller may see in the order they were created: every one for a site
   * administrator, else those the caller belongs to.
   */
  public Page<Organization> listOrganizations(Actor actor, int page, int perPage) {
    Map<Long, OrgRole> mine =
        actor.isSiteAdmin() ? Map.of() : store.membershipsOfUser(actor.user().id());
    List<Organization> orgs =
        store.accounts().stream()
            .filter(Organization.class::isInstance)
            .map(Organization.class::cast)
            .filter(o -> actor.isSiteAdmin() || mine.containsKey(o.id()))
            .toList();
    return Page.of(orgs, page, perPage);
  }

  /**
   * An organization's members by login, for its members and site administrators; {@code role} is
   * {@code all} (or null), {@code admin} or {@code member}.
   */
  public Page<PolicyStore.Member> listMembers(
      Actor actor, String orgLogin, String role, int page, int perPage) {
    Organization o = organization(orgLogin);
    requireMember(actor, o);
    OrgRole only = null;
    if (role != null && !role.equals("all")) {
      only = OrgRole.fromApiName(role);
      if (only == null) {
        throw PolicyException.invalid(
            "Membership",
            "role",
            "invalid",
            "role must be all, admin or member, not '" + role + "'");
      }
    }
    OrgRole wanted = only;
    List<PolicyStore.Member> members =
        store.membersOfOrganization(o.id()).stream()
            .filter(m -> wanted == null || m.role() == wanted)
            .toList();
    return Page.of(members, page, perPage);
  }

  /**
   * An enterprise's organizations by login. Who may: as for its policy, its owners and site
   * administrators; members of its organizations get 403, anyone else the missing enterprise's 404.
   */
  public Page<Organization> listEnterpriseOrganizations(
      Actor actor, String slug, int page, int perPage) {
    Enterprise e = enterprise(slug);
    requireEnterpriseOwner(actor, e);
    return Page.of(store.organizationsOfEnterprise(e.id()), page, perPage);
  }
}
