package dev.portcullis.policy.admin;

import dev.portcullis.policy.model.EffectivePolicy;
import dev.portcullis.policy.model.Enterprise;
import dev.portcullis.policy.model.Grant;
import dev.portcullis.policy.model.Organization;
import dev.portcullis.policy.model.Owner;
import dev.portcullis.policy.model.PolicyException;
import dev.portcullis.policy.model.Repository;
import dev.portcullis.policy.model.User;
import dev.portcullis.policy.store.PolicyStore;
import java.util.Optional;

/**
 * Looks accounts, repositories and grants up by name or id for the management use cases and their
 * callers; a missing name is a {@link PolicyException} with {@code NOT_FOUND}.
 */
public final class Directory {
  private final PolicyStore store;

  Directory(PolicyStore store) {
    this.store = store;
  }

  public User user(String login) {
    return findUser(login)
        .orElseThrow(() -> PolicyException.notFound("No user named '" + login + "'."));
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
    return store
        .enterpriseBySlug(slug)
        .orElseThrow(() -> PolicyException.notFound("No enterprise named '" + slug + "'."));
  }

  public Owner owner(String login) {
    return store
        .ownerByLogin(login)
        .orElseThrow(
            () -> PolicyException.notFound("No user or organization named '" + login + "'."));
  }

  public Repository repository(String owner, String name) {
    Owner o = owner(owner);
    return store
        .repository(o.id(), name)
        .orElseThrow(
            () -> PolicyException.notFound("No repository named '" + owner + "/" + name + "'."));
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
