package dev.portcullis.policy.decision;

import dev.portcullis.policy.model.AccessToken;
import dev.portcullis.policy.model.ClassicScopes;
import dev.portcullis.policy.model.OrgPolicy;
import dev.portcullis.policy.model.PermissionLevel;
import dev.portcullis.policy.model.RefPatterns;
import dev.portcullis.policy.model.RepoPermission;
import dev.portcullis.policy.model.Repository;
import dev.portcullis.policy.model.User;
import dev.portcullis.policy.model.Visibility;
import dev.portcullis.policy.token.TokenKind;
import java.util.Objects;

/**
 * What the rules on pushed content (DESIGN.md, "Push rules") allow one allowed push: the token's
 * {@code ref_patterns}, rule 8 on workflow files, and push protection. Derived from the same inputs
 * as the access decision; the receive-pack applies it to each ref update.
 *
 * @param user who pushes
 * @param token the token they push with
 * @param repository where
 * @param workflows whether the token may add, change or delete files under {@code
 *     .github/workflows/}: {@code workflows: write} (fine-grained) or the {@code workflow} scope
 *     (classic)
 * @param pushProtection whether pushed content carrying a token of this gateway is refused: the
 *     organization's {@code push_protection}; always for a user's repository
 * @param mayBypass whether the user may push such content anyway (admin on the repository)
 */
public record PushRules(
    User user,
    AccessToken token,
    Repository repository,
    boolean workflows,
    boolean pushProtection,
    boolean mayBypass) {

  /** The directory whose files rule 8 protects, with its final slash. */
  public static final String WORKFLOWS_DIRECTORY = ".github/workflows/";

  public PushRules {
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(token, "token");
    Objects.requireNonNull(repository, "repository");
  }

  /** The rules for a push by the token of {@code in}, which the access decision allowed. */
  public static PushRules of(AccessInputs in) {
    if (!(in.credential() instanceof Credential.Token t) || in.repository() == null) {
      throw new IllegalArgumentException("push rules apply to a token's push to a repository");
    }
    AccessToken token = t.token();
    boolean workflows =
        token.kind() == TokenKind.CLASSIC
            ? token.scopes().contains(ClassicScopes.WORKFLOW)
            : token.permission("workflows") == PermissionLevel.WRITE;
    boolean protection =
        in.org() == null || in.org().policy().pushProtection() == OrgPolicy.PushProtection.ENABLED;
    boolean admin = AccessEvaluator.permission(t.user(), in) == RepoPermission.ADMIN;
    return new PushRules(t.user(), token, in.repository(), workflows, protection, admin);
  }

  /** Whether the repository is public: a token bypassed into it is revoked. */
  public boolean publicRepository() {
    return repository.visibility() == Visibility.PUBLIC;
  }

  /**
   * The token's {@code ref_patterns}: why an update of {@code ref} ({@code refs/heads/main}) is
   * refused, naming the ref and the patterns; {@code null} when the token may update it (any ref,
   * for a token without patterns).
   */
  public String refRefusal(String ref) {
    RefPatterns patterns = token.refPatterns();
    if (patterns == null || patterns.matches(ref)) {
      return null;
    }
    return "refusing to allow a Personal Access Token to update "
        + ref
        + ": its ref_patterns allow only "
        + patterns;
  }

  /** Whether the token may update only some refs (it has {@code ref_patterns}). */
  public boolean limitsRefs() {
    return token.refPatterns() != null;
  }

  /**
   * Rule 8: why a ref update that adds, changes or deletes {@code path} (under {@link
   * #WORKFLOWS_DIRECTORY}) is refused, in GitHub's words; {@code null} when the token may.
   */
  public String workflowRefusal(String path) {
    if (workflows) {
      return null;
    }
    return "refusing to allow a Personal Access Token to create or update workflow `"
        + path
        + "` without `"
        + (token.kind() == TokenKind.CLASSIC ? "workflow` scope" : "workflows` permission");
  }
}
