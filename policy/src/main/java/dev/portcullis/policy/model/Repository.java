package dev.portcullis.policy.model;

import java.time.Instant;
import java.util.Objects;

/**
 * A repository as a resource of the policy model (the bare repository on disk is the {@code repos}
 * module's business).
 */
public record Repository(
    long id,
    long ownerId,
    String ownerLogin,
    String name,
    Visibility visibility,
    Instant createdAt) {
  public Repository {
    Objects.requireNonNull(ownerLogin, "ownerLogin");
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(visibility, "visibility");
  }

  /** {@code owner/name}. */
  public String fullName() {
    return ownerLogin + "/" + name;
  }
}
