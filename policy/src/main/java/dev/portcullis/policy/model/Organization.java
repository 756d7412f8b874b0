package dev.portcullis.policy.model;

import java.time.Instant;
import java.util.Objects;

/**
 * An organization, with its own token policy (used where its enterprise lets it decide).
 *
 * @param enterpriseId owning enterprise, or {@code null}
 */
public record Organization(
    long id,
    String login,
    Long enterpriseId,
    BasePermission basePermission,
    OrgPolicy policy,
    Instant createdAt)
    implements Owner {
  public Organization {
    Objects.requireNonNull(login, "login");
    Objects.requireNonNull(basePermission, "basePermission");
    Objects.requireNonNull(policy, "policy");
    Objects.requireNonNull(createdAt, "createdAt");
  }
}
