package dev.portcullis.policy.admin;

import dev.portcullis.policy.model.Owner;
import dev.portcullis.policy.model.RepoPermission;
import dev.portcullis.policy.model.Repository;
import java.util.Objects;

/**
 * A repository as one caller reads it: with its owner and the caller's own permission on it.
 *
 * @param permission the caller's permission by rule 4 of the access decision ({@code NONE} on a
 *     public repository the caller has no role on)
 */
public record RepositoryView(Repository repository, Owner owner, RepoPermission permission) {
  public RepositoryView {
    Objects.requireNonNull(repository, "repository");
    Objects.requireNonNull(owner, "owner");
    Objects.requireNonNull(permission, "permission");
  }
}
