package dev.portcullis.policy.model;

import dev.portcullis.policy.token.TokenDigest;
import dev.portcullis.policy.token.TokenKind;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * A stored personal access token: never its plaintext, only its digest.
 *
 * @param expiresAt null = never expires
 * @param deletedAt non-null once deleted or revoked through {@code /credentials/revoke}
 * @param scopes classic tokens only; empty for fine-grained
 * @param resourceOwnerId fine-grained only: the user itself or one organization
 * @param repositoryIds fine-grained {@code subset} only
 * @param permissions fine-grained only: permission name → level ({@code metadata: read} always
 *     present)
 * @param allowedNetworks the only networks the token may be used from, parsed once when the token
 *     is loaded; {@code null} = anywhere
 * @param rotated when the token was looked up by a secret it had before a rotation: that secret
 *     (then {@code digest}, {@code createdAt}, {@code expiresAt} and {@code lastUsedAt} are that
 *     secret's); {@code null} for the current secret
 * @param refPatterns fine-grained {@code contents: write} only: the only refs a push may update,
 *     parsed once when the token is loaded; {@code null} = any ref
 */
public record AccessToken(
    long id,
    long userId,
    TokenKind kind,
    TokenDigest digest,
    String name,
    String description,
    Instant createdAt,
    Instant expiresAt,
    Instant lastUsedAt,
    Instant deletedAt,
    Set<String> scopes,
    Long resourceOwnerId,
    RepositorySelection repositorySelection,
    Set<Long> repositoryIds,
    Map<String, PermissionLevel> permissions,
    NetworkList allowedNetworks,
    RotatedSecret rotated,
    RefPatterns refPatterns) {

  /**
   * A secret replaced by a rotation, still known by its digest: usable until {@code validUntil}
   * (the end of the rotation's overlap), recognised as reuse after.
   *
   * @param id the secret's row, under which its uses are recorded
   */
  public record RotatedSecret(long id, Instant validUntil) {
    public RotatedSecret {
      Objects.requireNonNull(validUntil, "validUntil");
    }
  }

  /** A token looked up by its current secret, that may update any ref its permissions allow. */
  public AccessToken(
      long id,
      long userId,
      TokenKind kind,
      TokenDigest digest,
      String name,
      String description,
      Instant createdAt,
      Instant expiresAt,
      Instant lastUsedAt,
      Instant deletedAt,
      Set<String> scopes,
      Long resourceOwnerId,
      RepositorySelection repositorySelection,
      Set<Long> repositoryIds,
      Map<String, PermissionLevel> permissions,
      NetworkList allowedNetworks) {
    this(
        id,
        userId,
        kind,
        digest,
        name,
        description,
        createdAt,
        expiresAt,
        lastUsedAt,
        deletedAt,
        scopes,
        resourceOwnerId,
        repositorySelection,
        repositoryIds,
        permissions,
        allowedNetworks,
        null,
        null);
  }

  /** A token usable from anywhere. */
  public AccessToken(
      long id,
      long userId,
      TokenKind kind,
      TokenDigest digest,
      String name,
      String description,
      Instant createdAt,
      Instant expiresAt,
      Instant lastUsedAt,
      Instant deletedAt,
      Set<String> scopes,
      Long resourceOwnerId,
      RepositorySelection repositorySelection,
      Set<Long> repositoryIds,
      Map<String, PermissionLevel> permissions) {
    this(
        id,
        userId,
        kind,
        digest,
        name,
        description,
        createdAt,
        expiresAt,
        lastUsedAt,
        deletedAt,
        scopes,
        resourceOwnerId,
        repositorySelection,
        repositoryIds,
        permissions,
        (NetworkList) null);
  }

  public AccessToken {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(digest, "digest");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(createdAt, "createdAt");
    scopes = Set.copyOf(scopes);
    repositoryIds = Set.copyOf(repositoryIds);
    permissions = Map.copyOf(permissions);
    if (kind == TokenKind.FINE_GRAINED) {
      Objects.requireNonNull(resourceOwnerId, "a fine-grained token has a resource owner");
      Objects.requireNonNull(
          repositorySelection, "a fine-grained token has a repository selection");
    }
  }

  /**
   * Whether the presented secret no longer works at {@code now}: the token (or that secret) has
   * expired, or the secret was rotated and its overlap is over.
   */
  public boolean expired(Instant now) {
    Instant until = usableUntil();
    return until != null && !now.isBefore(until);
  }

  /**
   * When the presented secret stops working by time alone: its expiry, or for a rotated secret the
   * end of its overlap when earlier; {@code null} = never.
   */
  public Instant usableUntil() {
    if (rotated == null) {
      return expiresAt;
    }
    Instant overlap = rotated.validUntil();
    return expiresAt == null || overlap.isBefore(expiresAt) ? overlap : expiresAt;
  }

  public boolean deleted() {
    return deletedAt != null;
  }

  /** The token's lifetime, or {@code null} for a token that never expires. */
  public Duration lifetime() {
    return expiresAt == null ? null : Duration.between(createdAt, expiresAt);
  }

  /** Whether the lifetime exceeds a policy's maximum ({@code null} = no maximum). */
  public boolean lifetimeExceeds(Integer maxDays) {
    if (maxDays == null) {
      return false;
    }
    Duration l = lifetime();
    return l == null || l.compareTo(Duration.ofDays(maxDays)) > 0;
  }

  /** This token with {@code patterns} as its {@code ref_patterns}. */
  public AccessToken withRefPatterns(RefPatterns patterns) {
    return new AccessToken(
        id,
        userId,
        kind,
        digest,
        name,
        description,
        createdAt,
        expiresAt,
        lastUsedAt,
        deletedAt,
        scopes,
        resourceOwnerId,
        repositorySelection,
        repositoryIds,
        permissions,
        allowedNetworks,
        rotated,
        patterns);
  }

  /** The level granted for a fine-grained permission, or {@code null}. */
  public PermissionLevel permission(String name) {
    return permissions.get(name);
  }

  /**
   * Whether {@code ref_patterns} apply to this token: only a push can be limited to refs, so a
   * fine-grained token with {@code contents: write}.
   */
  public boolean takesRefPatterns() {
    return kind == TokenKind.FINE_GRAINED && permission("contents") == PermissionLevel.WRITE;
  }

  @Override
  public String toString() {
    return "AccessToken[id="
        + id
        + ", user="
        + userId
        + ", kind="
        + kind.apiName()
        + ", name="
        + name
        + "]";
  }
}
