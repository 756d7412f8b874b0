package dev.portcullis.policy.store;

import dev.portcullis.policy.model.AccessToken;
import dev.portcullis.policy.model.BasePermission;
import dev.portcullis.policy.model.Enterprise;
import dev.portcullis.policy.model.EnterprisePolicy;
import dev.portcullis.policy.model.Grant;
import dev.portcullis.policy.model.GrantStatus;
import dev.portcullis.policy.model.OrgPolicy;
import dev.portcullis.policy.model.OrgRole;
import dev.portcullis.policy.model.Organization;
import dev.portcullis.policy.model.Owner;
import dev.portcullis.policy.model.PermissionLevel;
import dev.portcullis.policy.model.RefPatterns;
import dev.portcullis.policy.model.RepoPermission;
import dev.portcullis.policy.model.Repository;
import dev.portcullis.policy.model.User;
import dev.portcullis.policy.model.Visibility;
import dev.portcullis.policy.token.TokenDigest;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Durable storage of the policy model. Implementations are plain JDBC over a pool; the embedded H2
 * store and PostgreSQL share one implementation and one set of migrations. Logins and names are
 * matched case-insensitively. Every method is one transaction.
 */
public interface PolicyStore {

  // ---- reads behind the caches ----

  Optional<AccessToken> tokenByDigest(TokenDigest digest);

  Optional<AccessToken> tokenById(long id);

  List<AccessToken> tokensOfUser(long userId);

  Optional<User> userById(long id);

  /** The user or organization with this login. */
  Optional<Owner> ownerByLogin(String login);

  Optional<Organization> organizationById(long id);

  Optional<Enterprise> enterpriseById(long id);

  Optional<Enterprise> enterpriseBySlug(String slug);

  Optional<Repository> repository(long ownerId, String name);

  Optional<Repository> repositoryById(long id);

  /** Organization id → role, for every organization the user belongs to. */
  Map<Long, OrgRole> membershipsOfUser(long userId);

  /** Repository id → collaborator permission, for every repository the user collaborates on. */
  Map<Long, RepoPermission> collaborationsOfUser(long userId);

  Optional<Grant> grantOfToken(long tokenId);

  Optional<Grant> grantById(long id);

  /**
   * The grants of an organization in one state whose token is not deleted and matches {@code
   * filter}, as light keys for ordering and paging (the caller then loads one page with {@link
   * #grantRows}).
   */
  List<GrantKey> grantKeys(long orgId, GrantStatus status, GrantFilter filter);

  /** The grants with these ids with their tokens, in the order given (missing ids left out). */
  List<GrantRow> grantRows(List<Long> grantIds);

  /**
   * What an organization's grants in one state have in common, for a listing's filter choices: read
   * in one grouped pass over them (and one more over the repositories of those with selection
   * {@code subset} when none has {@code all}), never row by row.
   */
  GrantFacets grantFacets(long orgId, GrantStatus status);

  /**
   * @param ownerLogins the logins of the grants' token owners, ordered, each once
   * @param repositoryNames the names of the organization's repositories the grants reach (all of
   *     them when one grant's selection is {@code all}), ordered, each once
   * @param permissionSets the distinct permission sets of the grants' tokens
   */
  record GrantFacets(
      List<String> ownerLogins,
      List<String> repositoryNames,
      List<Map<String, PermissionLevel>> permissionSets) {
    public GrantFacets {
      ownerLogins = List.copyOf(ownerLogins);
      repositoryNames = List.copyOf(repositoryNames);
      permissionSets = List.copyOf(permissionSets);
    }
  }

  /** Organization id → number of its grants in one state, for those of {@code orgIds} with any. */
  Map<Long, Integer> grantCounts(List<Long> orgIds, GrantStatus status);

  /**
   * A grant's place in a listing: its ids, creation time and stored last use (of its token).
   *
   * @param lastUsedAt as stored; a later use may still be in memory
   */
  record GrantKey(long grantId, long tokenId, Instant createdAt, Instant lastUsedAt) {}

  /**
   * What a listing of grants is narrowed to; each null filter matches everything.
   *
   * @param ownerLogins logins of the tokens' owners
   * @param repositoryId a repository of the organization the token must reach
   * @param permission a permission name the token must hold at {@code level} or more
   * @param tokenIds the tokens' ids
   */
  record GrantFilter(
      List<String> ownerLogins,
      Long repositoryId,
      String permission,
      PermissionLevel level,
      List<Long> tokenIds) {
    public static final GrantFilter NONE = new GrantFilter(null, null, null, null, null);

    public GrantFilter {
      ownerLogins = ownerLogins == null ? null : List.copyOf(ownerLogins);
      tokenIds = tokenIds == null ? null : List.copyOf(tokenIds);
      if ((permission == null) != (level == null)) {
        throw new IllegalArgumentException("a permission filter has a name and a level");
      }
    }
  }

  /** Every repository of an owner, by name. */
  List<Repository> repositoriesOfOwner(long ownerId);

  /** A grant with its token. */
  record GrantRow(Grant grant, AccessToken token) {}

  /** Every user and organization, in the order they were created (by id). */
  List<Owner> accounts();

  /** The organizations of an enterprise, by login. */
  List<Organization> organizationsOfEnterprise(long enterpriseId);

  /** The enterprises a user owns, by slug. */
  List<Enterprise> enterprisesOwnedBy(long userId);

  /** An organization's members with their roles, by login. */
  List<Member> membersOfOrganization(long orgId);

  /** A repository's collaborators with their grants, by login. */
  List<Collaborator> collaboratorsOfRepository(long repoId);

  /** A member of an organization. */
  record Member(User user, OrgRole role) {}

  /** A collaborator on a repository, with the permission granted to them on it. */
  record Collaborator(User user, RepoPermission permission) {}

  // ---- writes ----

  /**
   * @throws StoreConstraintException when the login is taken by a user or organization
   */
  User createUser(String login, boolean siteAdmin, Instant now);

  /** Sets or clears ({@code null}) the suspension; false when there is no such user. */
  boolean setSuspended(long userId, Instant suspendedAt);

  Enterprise createEnterprise(String slug, Instant now);

  void updateEnterprisePolicy(long enterpriseId, EnterprisePolicy policy);

  /** Creates the organization and makes {@code adminUserId} its first owner, in one transaction. */
  Organization createOrganization(String login, Long enterpriseId, long adminUserId, Instant now);

  void updateOrgPolicy(long orgId, OrgPolicy policy);

  void setBasePermission(long orgId, BasePermission permission);

  /** Makes the user an owner of the enterprise; false when they already were. */
  boolean addEnterpriseOwner(long enterpriseId, long userId, Instant now);

  /** False when the user was not an owner of the enterprise. */
  boolean removeEnterpriseOwner(long enterpriseId, long userId);

  void setMembership(long orgId, long userId, OrgRole role, Instant now);

  boolean removeMembership(long orgId, long userId);

  /**
   * Inserts the repository and runs {@code beforeCommit} (which creates it on disk) inside the same
   * transaction: if it throws, nothing is kept.
   */
  Repository createRepository(
      long ownerId,
      String name,
      Visibility visibility,
      Instant now,
      Consumer<Repository> beforeCommit);

  void setCollaborator(long repoId, long userId, RepoPermission permission);

  boolean removeCollaborator(long repoId, long userId);

  /**
   * Inserts a token and, for a fine-grained token aimed at an organization, its grant with the
   * given initial status, in one transaction.
   *
   * @throws LookupKeyTaken when another token has the same lookup key (nothing is written)
   */
  StoredToken insertToken(
      AccessToken token, Long grantOrgId, GrantStatus initialStatus, String reason);

  /**
   * Rotates a live token's secret with an overlap, in one transaction: the {@code previous}
   * (current) secret becomes a rotated secret, valid until {@code previousValidUntil} (at the
   * latest its own expiry) and carrying its last use; {@code next}, issued at {@code now} and
   * expiring at {@code expiresAt}, becomes the current secret; every older rotated secret still
   * valid after {@code previousValidUntil} is cut to it. Empty if there was no live token with that
   * id and {@code previous} digest.
   *
   * @return the digests of the rotated secrets whose validity changed (the previous secret first),
   *     for the invalidations that make the change hold at once
   * @throws LookupKeyTaken when another token has the new digest's lookup key (nothing is written)
   */
  Optional<List<TokenDigest>> rotateSecret(
      long tokenId,
      TokenDigest previous,
      TokenDigest next,
      Instant now,
      Instant expiresAt,
      Instant previousValidUntil);

  /** A token's rotated secrets, the most recently rotated first. */
  List<TokenSecret> rotatedSecrets(long tokenId);

  /**
   * A secret a token had before a rotation: never its plaintext, only its digest.
   *
   * @param createdAt when the secret was issued
   * @param expiresAt the secret's own expiry ({@code null} = never)
   * @param rotatedAt when a rotation replaced it
   * @param validUntil when it stops working: the end of the rotation's overlap, at the latest its
   *     expiry
   * @param lastUsedAt its last use as stored (a later one may still be in memory)
   */
  record TokenSecret(
      long id,
      long tokenId,
      TokenDigest digest,
      Instant createdAt,
      Instant expiresAt,
      Instant rotatedAt,
      Instant validUntil,
      Instant lastUsedAt) {}

  /** Marks a token deleted; false if there was no live token with that id. */
  boolean deleteToken(long tokenId, Instant now);

  /**
   * {@link #deleteToken(long, Instant)} that also writes {@code notice} to the {@link
   * #notifications() outbox} in the same transaction when the token was deleted.
   */
  boolean deleteToken(long tokenId, Instant now, NotificationOutbox.Notice notice);

  /**
   * Moves a grant from {@code expected} to {@code next} (compare-and-set, so two reviewers cannot
   * both win); false if it was not in the expected state.
   */
  boolean updateGrantStatus(
      long grantId,
      GrantStatus expected,
      GrantStatus next,
      Long reviewerId,
      String reviewReason,
      Instant now);

  /**
   * Deletes a repository with its collaborators and its place in fine-grained tokens' selections;
   * empty when there is no such repository.
   */
  Optional<Removed> deleteRepository(long repoId);

  /**
   * Deletes an organization with its repositories (and their collaborators), its memberships, and
   * the fine-grained tokens aimed at it with their requests and grants; empty when there is no such
   * organization.
   */
  Optional<Removed> deleteOrganization(long orgId);

  /**
   * Deletes a user with every token of theirs (with requests and grants), their repositories (and
   * those repositories' collaborators), memberships and collaborations; grants they reviewed keep
   * no reviewer. Empty when there is no such user.
   */
  Optional<Removed> deleteUser(long userId);

  /**
   * What a deletion removed, for the invalidations that make it hold at once.
   *
   * @param tokens the tokens deleted, by id and digest
   * @param repositories the repositories deleted (the bare repositories on disk go after them)
   * @param members users whose memberships changed
   * @param collaborators users whose collaborations changed
   * @param rotatedSecrets the rotated secrets of the tokens deleted, by token id and digest
   */
  record Removed(
      List<TokenKey> tokens,
      List<Repository> repositories,
      Set<Long> members,
      Set<Long> collaborators,
      List<TokenKey> rotatedSecrets) {
    public Removed(
        List<TokenKey> tokens,
        List<Repository> repositories,
        Set<Long> members,
        Set<Long> collaborators) {
      this(tokens, repositories, members, collaborators, List.of());
    }
  }

  /** A token as the caches know it: by id and digest. */
  record TokenKey(long id, TokenDigest digest) {}

  /**
   * {@link #updateGrantStatus(long, GrantStatus, GrantStatus, Long, String, Instant)} that also
   * writes {@code notice} to the {@link #notifications() outbox} in the same transaction when the
   * grant changed: a crash cannot keep the change and lose its notification.
   */
  boolean updateGrantStatus(
      long grantId,
      GrantStatus expected,
      GrantStatus next,
      Long reviewerId,
      String reviewReason,
      Instant now,
      NotificationOutbox.Notice notice);

  /**
   * {@link #updateGrantStatus(long, GrantStatus, GrantStatus, Long, String, Instant,
   * NotificationOutbox.Notice)} for an approval that lapses by itself at {@code approvalExpiresAt}
   * ({@code null}: no end). Any other move clears a grant's end.
   */
  boolean updateGrantStatus(
      long grantId,
      GrantStatus expected,
      GrantStatus next,
      Long reviewerId,
      String reviewReason,
      Instant now,
      NotificationOutbox.Notice notice,
      Instant approvalExpiresAt);

  /**
   * Sets a live token's {@code ref_patterns}; when {@code reopen} is given, its approved grant
   * {@code reopen} is replaced, in the same transaction, by a new pending request (a new id) made
   * at {@code now} with the creator's {@code reason}: the widened token waits for a review. Returns
   * the token's grant afterwards (empty for a token without one), or empty when there was no live
   * token with that id or {@code reopen} was no longer approved (nothing is written then).
   */
  Optional<StoredToken> updateRefPatterns(
      long tokenId, RefPatterns patterns, Grant reopen, String reason, Instant now);

  /**
   * Writes a {@link dev.portcullis.policy.model.NotificationKind#GRANT_EXPIRED} notice to the
   * token's owner for each live token's approved grant whose approval lapsed by {@code now} and has
   * none yet; returns how many were written. A grant is told once, whatever the number of scans or
   * nodes.
   */
  int noticeLapsedApprovals(Instant now);

  /** The notification outbox in the same store. */
  NotificationOutbox notifications();

  /**
   * Writes a batch of last-used times, each only if later than what is stored. A key is a token's
   * id for a use of its current secret, or minus a rotated secret's id ({@link TokenSecret#id}) for
   * a use of that secret.
   */
  void recordLastUsed(Map<Long, Instant> lastUsedByTokenId);

  /**
   * Thrown by {@link #insertToken} when another token's digest begins with the same 8 bytes ({@link
   * TokenDigest#lookupKey}, unique in the store). Nothing was written; the issuer generates another
   * plaintext. About one chance in 10^13 per token with a million in the store.
   */
  final class LookupKeyTaken extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public LookupKeyTaken() {
      super("another token has the same lookup key", null, false, false);
    }
  }

  /** A token with its grant, as inserted. */
  record StoredToken(AccessToken token, Grant grant) {}
}
