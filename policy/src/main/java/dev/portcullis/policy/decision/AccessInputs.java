package dev.portcullis.policy.decision;

import dev.portcullis.policy.model.EffectivePolicy;
import dev.portcullis.policy.model.Grant;
import dev.portcullis.policy.model.OrgRole;
import dev.portcullis.policy.model.Organization;
import dev.portcullis.policy.model.RepoPermission;
import dev.portcullis.policy.model.Repository;

/**
 * Everything the access decision looks at, gathered (from caches) before it runs.
 *
 * @param repository the addressed repository, or {@code null} when it does not exist
 * @param org the owning organization, or {@code null} for a user-owned (or unknown) repository
 * @param policy the effective token policy of {@code org}, or {@code null}
 * @param orgRole the token user's role in {@code org}, or {@code null} if not a member
 * @param collaboratorPermission the token user's collaborator grant on the repository, or {@code
 *     null}
 * @param enterpriseMember the token user belongs to an organization of {@code org}'s enterprise
 * @param grant a fine-grained token's grant for {@code org}, or {@code null}
 */
public record AccessInputs(
    Credential credential,
    Repository repository,
    Organization org,
    EffectivePolicy policy,
    OrgRole orgRole,
    RepoPermission collaboratorPermission,
    boolean enterpriseMember,
    Grant grant) {

  public AccessInputs {
    if (credential == null) {
      throw new IllegalArgumentException("credential is required (use Credential.NONE)");
    }
    if ((org == null) != (policy == null)) {
      throw new IllegalArgumentException("an organization comes with its effective policy");
    }
  }

  /** Inputs for a request that named no known repository. */
  public static AccessInputs unknownRepository(Credential credential) {
    return new AccessInputs(credential, null, null, null, null, null, false, null);
  }
}
