package dev.portcullis.policy.access;

import dev.portcullis.policy.token.TokenDigest;

/**
 * What a write changed, so the caches can drop exactly the entries it affects. Published after the
 * write commits and before the call that made it returns; on several nodes the same events travel
 * between them.
 */
public sealed interface Invalidation {
  record TokenChanged(TokenDigest digest, long tokenId) implements Invalidation {}

  record UserChanged(long userId) implements Invalidation {}

  /** A login now names an account (creation), so negative lookups must go. */
  record OwnerCreated(String login) implements Invalidation {}

  /**
   * A user or organization was deleted: its login no longer names an account and nothing cached
   * under its id holds.
   */
  record OwnerDeleted(long ownerId, String login) implements Invalidation {}

  record OrganizationChanged(long orgId) implements Invalidation {}

  /** Every organization's effective policy may have changed. */
  record EnterpriseChanged(long enterpriseId) implements Invalidation {}

  record MembershipChanged(long userId) implements Invalidation {}

  record CollaboratorChanged(long userId) implements Invalidation {}

  record RepositoryChanged(long ownerId, String name) implements Invalidation {}

  record GrantChanged(long tokenId) implements Invalidation {}
}
