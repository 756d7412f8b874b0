package dev.portcullis.policy.admin;

import java.util.List;
import java.util.Map;

/**
 * A token creation request as it arrived (already type-checked JSON), validated by {@link
 * Management#createToken}.
 *
 * @param expiresIn days, or {@code null} for a token that never expires
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
    String reason) {}
