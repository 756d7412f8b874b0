package dev.portcullis.policy.admin;

import dev.portcullis.policy.access.Invalidation;
import dev.portcullis.policy.audit.AuditEvent;
import dev.portcullis.policy.model.AccessToken;
import dev.portcullis.policy.model.Actor;
import dev.portcullis.policy.model.EffectivePolicy;
import dev.portcullis.policy.model.Enterprise;
import dev.portcullis.policy.model.Organization;
import dev.portcullis.policy.model.Owner;
import dev.portcullis.policy.model.PermissionLevel;
import dev.portcullis.policy.model.PolicyException;
import dev.portcullis.policy.model.RepoPermission;
import dev.portcullis.policy.model.Repository;
import dev.portcullis.policy.model.User;
import dev.portcullis.policy.store.PolicyStore;
import dev.portcullis.policy.store.SignInStore;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.LongFunction;
import java.util.function.Predicate;

/**
 * The shared part of every management use case: validation of the caller, the store write, the
 * invalidation that makes a narrowing change hold on the very next request, and one audit event per
 * change.
 */
abstract class UseCase {
  final PolicyStore store;
  final Consumer<Invalidation> publish;
  final Clock clock;
  final SecureRandom random;
  final LongFunction<Instant> unflushedLastUse;
  final SignInStore signIns;
  final PasswordHasher hasher;
  private final Consumer<AuditEvent> audit;
  private final Directory directory;
  private final Callers callers;

  UseCase(AdminContext context) {
    this.store = context.store();
    this.publish = context.publish();
    this.clock = context.clock();
    this.random = context.random();
    this.unflushedLastUse = context.unflushedLastUse();
    this.signIns = context.signIns();
    this.hasher = context.hasher();
    this.audit = context.audit();
    this.directory = context.directory();
    this.callers = context.callers();
  }

  /** Store times have second precision. */
  Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.SECONDS);
  }

  void audit(Actor actor, String action, String target, String before, String after) {
    audit.accept(AuditEvent.admin(clock.instant(), actor, action, target, before, after));
  }

  User user(String login) {
    return directory.user(login);
  }

  Optional<User> findUser(String login) {
    return directory.findUser(login);
  }

  Optional<User> userById(long id) {
    return directory.userById(id);
  }

  Organization organization(String login) {
    return directory.organization(login);
  }

  Enterprise enterprise(String slug) {
    return directory.enterprise(slug);
  }

  Optional<Owner> ownerById(long id) {
    return directory.ownerById(id);
  }

  Owner owner(String login) {
    return directory.owner(login);
  }

  Repository repository(String owner, String name) {
    return directory.repository(owner, name);
  }

  EffectivePolicy effectivePolicy(Organization org) {
    return directory.effectivePolicy(org);
  }

  void requireSiteAdmin(Actor actor) {
    callers.requireSiteAdmin(actor);
  }

  void requireSiteAdmin(Actor actor, User user) {
    callers.requireSiteAdmin(actor, user);
  }

  void requireSiteAdmin(Actor actor, Enterprise enterprise) {
    callers.requireSiteAdmin(actor, enterprise);
  }

  void requireEnterpriseOwner(Actor actor, Enterprise enterprise) {
    callers.requireEnterpriseOwner(actor, enterprise);
  }

  void requireSiteAdmin(Actor actor, AccessToken token) {
    callers.requireSiteAdmin(actor, token);
  }

  /** The user themself (by token or console session) or a site administrator. */
  void requireSelfOrSiteAdmin(Actor actor, User user) {
    if (actor.isSiteAdmin() || actor.user().id() == user.id()) {
      return;
    }
    callers.requireSiteAdmin(actor, user);
  }

  void requireRepoAdmin(Actor actor, Repository repo) {
    callers.requireRepoAdmin(actor, repo);
  }

  void requireOrgOwner(Actor actor, Organization org, String permission, PermissionLevel level) {
    callers.requireOrgOwner(actor, org, permission, level);
  }

  void requireVisible(Actor actor, User user) {
    callers.requireVisible(actor, user);
  }

  void requireMember(Actor actor, Organization org) {
    callers.requireMember(actor, org);
  }

  RepoPermission requireVisible(Actor actor, Repository repo) {
    return callers.requireVisible(actor, repo);
  }

  Predicate<Repository> visibleIn(Actor actor, Organization org) {
    return callers.visibleIn(actor, org);
  }

  void requirePushAccess(Actor actor, Repository repo) {
    callers.requirePushAccess(actor, repo);
  }

  /**
   * Makes a deletion hold on the very next request: drops what the caches hold of the deleted
   * tokens (under each of their secrets), repositories, memberships and collaborations (and, with
   * {@code owner}, of the deleted account), then removes each deleted repository from disk.
   */
  void removed(PolicyStore.Removed removed, Owner owner, Consumer<Repository> fromDisk) {
    if (owner != null) {
      publish.accept(new Invalidation.OwnerDeleted(owner.id(), owner.login()));
    }
    for (PolicyStore.TokenKey t : removed.tokens()) {
      publish.accept(new Invalidation.TokenChanged(t.digest(), t.id()));
    }
    for (PolicyStore.TokenKey t : removed.rotatedSecrets()) {
      publish.accept(new Invalidation.TokenChanged(t.digest(), t.id()));
    }
    for (Repository r : removed.repositories()) {
      publish.accept(new Invalidation.RepositoryChanged(r.ownerId(), r.name()));
    }
    removed.members().forEach(id -> publish.accept(new Invalidation.MembershipChanged(id)));
    removed.collaborators().forEach(id -> publish.accept(new Invalidation.CollaboratorChanged(id)));
    removed.repositories().forEach(fromDisk);
  }

  void checkLoginFree(String resource, String login) {
    if (store.ownerByLogin(login).isPresent()) {
      throw PolicyException.invalid(
          resource,
          "login",
          "already_exists",
          "the login '" + login + "' is already taken by a user or organization");
    }
  }
}
