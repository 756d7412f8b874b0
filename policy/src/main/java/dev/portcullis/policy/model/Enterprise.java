package dev.portcullis.policy.model;

import java.time.Instant;
import java.util.Objects;

/** An enterprise: owns organizations and may override their token policies. */
public record Enterprise(long id, String slug, EnterprisePolicy policy, Instant createdAt) {
  public Enterprise {
    Objects.requireNonNull(slug, "slug");
    Objects.requireNonNull(policy, "policy");
  }
}
