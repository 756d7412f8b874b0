package dev.portcullis.policy.admin;

import dev.portcullis.policy.model.NetworkList;
import java.util.List;

/**
 * A resource owner the console offers for a new fine-grained token.
 *
 * @param organization whether it is an organization (else it is the user themself)
 * @param approvalRequired whether a token on it waits for its owners' approval
 * @param maxLifetimeDays the effective maximum lifetime of its fine-grained tokens, or null
 * @param maxLifetimeSetBy who set that maximum ("The 'acme' organization"), or null
 * @param repositories the names of its repositories the user can see
 * @param networksRequired whether a token on it must carry {@code allowed_networks} (the
 *     organization's {@code require_token_networks}, or a {@code token_networks} list)
 * @param networksWithin the organization's {@code token_networks}, which a token's list must sit
 *     inside, or null
 */
public record TokenTarget(
    String login,
    boolean organization,
    boolean approvalRequired,
    Integer maxLifetimeDays,
    String maxLifetimeSetBy,
    List<String> repositories,
    boolean networksRequired,
    NetworkList networksWithin) {
  public TokenTarget {
    repositories = List.copyOf(repositories);
  }

  /** A resource owner that puts no network condition on tokens. */
  public TokenTarget(
      String login,
      boolean organization,
      boolean approvalRequired,
      Integer maxLifetimeDays,
      String maxLifetimeSetBy,
      List<String> repositories) {
    this(
        login,
        organization,
        approvalRequired,
        maxLifetimeDays,
        maxLifetimeSetBy,
        repositories,
        false,
        null);
  }
}
