package dev.portcullis.policy.admin;

import dev.portcullis.policy.model.EffectivePolicy;
import dev.portcullis.policy.model.Enterprise;
import dev.portcullis.policy.model.Grant;
import dev.portcullis.policy.model.Organization;
import dev.portcullis.policy.model.Owner;
import dev.portcullis.policy.model.PolicyException;
import dev.portcullis.policy.model.Repository;
import dev.portcullis.policy.model.User;
import dev.portcullis.policy.model.Visibility;
import dev.portcullis.policy.store.PolicyStore;
import java.util.Optional;

/**
 * Looks accounts, repositories and grants up by name or id for the management use cases and their
 * callers; a missing name is a {@link PolicyException} with {@code NOT_FOUND}. {@link Callers}
 * refuses an object the caller may not see with the very same exception, so the two cannot be told
 * apart.
 */
public final class Directory {
  private final PolicyStore store;

  Directory(PolicyStore store) {
    this.store = store;
  }

  public User user(String login) {
    return findUser(login).orElseThrow(() -> noUser(login));
  }

  public Optional<User> findUser(String login) {
    return store.ownerByLogin(login).filter(User.class::isInstance).map(User.class::cast);
  }

  public Organization organization(String login) {
    return store
        .ownerByLogin(login)
        .filter(Organization.class::isInstance)
        .map(Organization.class::cast)
        .orElseThrow(() -> noOrganization(login));
  }

  public Enterprise enterprise(String slug) {
    return store.enterpriseBySlug(slug).orElseThrow(() -> noEnterprise(slug));
  }

  public Owner owner(String login) {
    return store.ownerByLogin(login).orElseThrow(() -> noOwner(login));
  }

  /** A repository; a missing owner is a missing repository (owners are not revealed here). */
  public Repository repository(String owner, String name) {
    return store
        .ownerByLogin(owner)
        .flatMap(o -> store.repository(o.id(), name))
        .orElseThrow(() -> noRepository(owner, name));
  }

  static PolicyException noOwner(String login) {
    return PolicyException.unseen("No user or organization named '" + login + "'.");
  }

  static PolicyException noUser(String login) {
    return PolicyException.unseen("No user named '" + login + "'.");
  }

  static PolicyException noOrganization(String login) {
    return PolicyException.unseen("No organization named '" + login + "'.");
  }

  static PolicyException noEnterprise(String slug) {
    return PolicyException.unseen("No enterprise named '" + slug + "'.");
  }

  static PolicyException noRepository(String owner, String name) {
    return PolicyException.unseen("No repository named '" + owner + "/" + name + "'.");
  }

  static PolicyException noToken(long id) {
    return PolicyException.unseen("No personal access token with id " + id + ".");
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
    return u.isPresent()
        ? u.map(Owner.class::cast)
        : store.organizationById(id).map(Owner.class::cast);
  }

  public Optional<Enterprise> enterpriseById(long id) {
    return store.enterpriseById(id);
  }

  /** How many public repositories an account owns (GitHub's {@code public_repos}). */
  public int publicRepositoryCount(long ownerId) {
    return (int)
        store.repositoriesOfOwner(ownerId).stream()
            .filter(r -> r.visibility() == Visibility.PUBLIC)
            .count();
  }

  public Optional<Grant> grantOfToken(long tokenId) {
    return store.grantOfToken(tokenId);
  }

  /** The effective policy of an organization (after its enterprise's overrides). */
  public EffectivePolicy effectivePolicy(Organization org) {
    Enterprise e =
        org.enterpriseId() == null ? null : store.enterpriseById(org.enterpriseId()).orElse(null);
    return EffectivePolicy.of(org, e);
  }
}
