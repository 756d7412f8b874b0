package dev.portcullis.policy.admin;

import dev.portcullis.policy.decision.Decision.Reason;
import dev.portcullis.policy.model.Actor;
import dev.portcullis.policy.model.GitOperation;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * {@link Repositories}: a collaborator removed or lowered holds on the very next check, and a new
 * repository is found despite the negative cache entry of its name.
 */
class RepositoriesTest extends AdminFixture {

  @Nested
  @DisplayName("a narrowing change holds on the very next check")
  class Narrowing {
    @Test
    void removeCollaborator() {
      mgmt.repositories().setCollaborator(Actor.SYSTEM, "acme", "app", "carol", "push");
      CreatedToken t = create("carol", classic(30, "repo"));
      warm(t.plaintext(), "app", GitOperation.WRITE);
      mgmt.repositories().removeCollaborator(Actor.SYSTEM, "acme", "app", "carol");
      assertDenied(t.plaintext(), "app", GitOperation.WRITE, 404, Reason.REPOSITORY_NOT_FOUND);
    }

    @Test
    void lowerCollaboratorPermission() {
      mgmt.repositories().setCollaborator(Actor.SYSTEM, "acme", "app", "carol", "maintain");
      CreatedToken t = create("carol", classic(30, "repo"));
      warm(t.plaintext(), "app", GitOperation.WRITE);
      mgmt.repositories().setCollaborator(Actor.SYSTEM, "acme", "app", "carol", "triage");
      assertDenied(t.plaintext(), "app", GitOperation.WRITE, 403, Reason.NO_PUSH_PERMISSION);
    }

    @Test
    void aNewRepositoryIsFoundDespiteTheNegativeEntry() {
      CreatedToken t = create("bob", classic(30, "repo"));
      assertDenied(t.plaintext(), "lib", GitOperation.READ, 404, Reason.REPOSITORY_NOT_FOUND);
      mgmt.repositories().createRepository(Actor.SYSTEM, "acme", "Lib", "private", r -> {});
      assertAllowed(t.plaintext(), "lib", GitOperation.READ);
    }
  }
}
