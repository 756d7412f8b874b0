package dev.portcullis.policy.admin;

import java.util.List;

/**
 * A resource owner the console offers for a new fine-grained token.
 *
 * @param organization whether it is an organization (else it is the user themself)
 * @param approvalRequired whether a token on it waits for its owners' approval
 * @param maxLifetimeDays the effective maximum lifetime of its fine-grained tokens, or null
 * @param maxLifetimeSetBy who set that maximum ("The 'acme' organization"), or null
 * @param repositories the names of its repositories the user can see
 */
public record TokenTarget(
    String login,
    boolean organization,
    boolean approvalRequired,
    Integer maxLifetimeDays,
    String maxLifetimeSetBy,
    List<String> repositories) {
  public TokenTarget {
    repositories = List.copyOf(repositories);
  }
}
