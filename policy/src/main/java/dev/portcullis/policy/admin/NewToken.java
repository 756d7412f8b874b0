package dev.portcullis.policy.admin;

import java.util.List;
import java.util.Map;

/**
 * A token creation request as it arrived (already type-checked JSON), validated by {@link
 * TokenIssuance#createToken}.
 *
 * @param expiresIn days, or {@code null} for a token that never expires
 * @param expiryGiven whether the creator chose {@code expiresIn}; when not, the token expires in
 *     {@value TokenIssuance#DEFAULT_EXPIRY_DAYS} days (GitHub's default), or sooner where the
 *     target organization's maximum lifetime is shorter
 * @param allowedNetworks the CIDR blocks the token may be used from, or {@code null} for anywhere
 * @param refPatterns fine-grained {@code contents: write} only: the refs a push may update, or
 *     {@code null} for any
 */
public record NewToken(
    String type,
    String name,
    String description,
    Integer expiresIn,
    List<String> scopes,
    String resourceOwner,
    String repositorySelection,
    List<String> repositories,
    Map<String, String> permissions,
    String reason,
    boolean expiryGiven,
    List<String> allowedNetworks,
    List<String> refPatterns) {

  /** A request without {@code allowed_networks}. */
  public NewToken(
      String type,
      String name,
      String description,
      Integer expiresIn,
      List<String> scopes,
      String resourceOwner,
      String repositorySelection,
      List<String> repositories,
      Map<String, String> permissions,
      String reason,
      boolean expiryGiven) {
    this(
        type,
        name,
        description,
        expiresIn,
        scopes,
        resourceOwner,
        repositorySelection,
        repositories,
        permissions,
        reason,
        expiryGiven,
        null,
        null);
  }

  /** A request whose expiry was chosen: {@code expiresIn} null means never. */
  public NewToken(
      String type,
      String name,
      String description,
      Integer expiresIn,
      List<String> scopes,
      String resourceOwner,
      String repositorySelection,
      List<String> repositories,
      Map<String, String> permissions,
      String reason) {
    this(
        type,
        name,
        description,
        expiresIn,
        scopes,
        resourceOwner,
        repositorySelection,
        repositories,
        permissions,
        reason,
        true);
  }

  /** The same request with its expiry chosen. */
  NewToken expiringIn(Integer days) {
    return new NewToken(
        type,
        name,
        description,
        days,
        scopes,
        resourceOwner,
        repositorySelection,
        repositories,
        permissions,
        reason,
        true,
        allowedNetworks,
        refPatterns);
  }
}
