package dev.portcullis.policy.model;

import java.time.Instant;
import java.util.Objects;

/**
 * A person. {@code suspendedAt} non-null means every token of the user is refused.
 *
 * @param id account id, shared id space with organizations
 * @param login display login (unique case-insensitively among users and organizations)
 */
public record User(long id, String login, boolean siteAdmin, Instant suspendedAt, Instant createdAt)
    implements Owner {
  public User {
    Objects.requireNonNull(login, "login");
    Objects.requireNonNull(createdAt, "createdAt");
  }

  public boolean suspended() {
    return suspendedAt != null;
  }
}
