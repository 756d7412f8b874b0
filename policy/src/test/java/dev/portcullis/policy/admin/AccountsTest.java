package dev.portcullis.policy.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.policy.decision.Decision.Reason;
import dev.portcullis.policy.model.Actor;
import dev.portcullis.policy.model.ClassicScopes;
import dev.portcullis.policy.model.GitOperation;
import dev.portcullis.policy.model.PolicyException;
import dev.portcullis.policy.model.User;
import dev.portcullis.policy.token.TokenFormat;
import dev.portcullis.policy.token.TokenKind;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * {@link Accounts} and the first-start administrator: logins, suspension, memberships and the base
 * permission; and that each narrowing change holds on the very next check.
 */
class AccountsTest extends AdminFixture {
  @Test
  void loginsAreUniqueAcrossUsersAndOrganizationsWhateverTheCase() {
    assertFieldError(
        assertThrows(
            PolicyException.class, () -> mgmt.accounts().createUser(Actor.SYSTEM, "ALICE")),
        "login");
    assertFieldError(
        assertThrows(PolicyException.class, () -> mgmt.accounts().createUser(Actor.SYSTEM, "Acme")),
        "login");
    assertFieldError(
        assertThrows(
            PolicyException.class,
            () -> mgmt.accounts().createOrganization(Actor.SYSTEM, "Bob", "alice", null)),
        "login");
    for (String bad : new String[] {"", "-x", "x-", "a--b", "a_b", "n".repeat(40), "dé"}) {
      assertFieldError(
          assertThrows(PolicyException.class, () -> mgmt.accounts().createUser(Actor.SYSTEM, bad)),
          "login");
    }
    assertFieldError(
        assertThrows(PolicyException.class, () -> mgmt.accounts().createUser(Actor.SYSTEM, null)),
        "login");
    mgmt.accounts().createUser(Actor.SYSTEM, "n".repeat(39));
  }

  @Test
  void bootstrapAdminRunsOnce() {
    Optional<CreatedToken> first = mgmt.bootstrapAdmin();
    assertTrue(first.isPresent());
    CreatedToken t = first.get();
    User admin = mgmt.directory().user("admin");
    assertTrue(admin.siteAdmin());
    assertEquals(admin.id(), t.token().userId());
    assertEquals(TokenKind.CLASSIC, TokenFormat.kindOf(t.plaintext()));
    assertTrue(t.token().scopes().contains(ClassicScopes.SITE_ADMIN));
    assertTrue(Actor.of(admin, t.token()).isSiteAdmin());
    assertEquals(Optional.empty(), mgmt.bootstrapAdmin());
    assertEquals(1, mgmt.tokens().tokensOf(Actor.SYSTEM, "admin").size());
  }

  @Nested
  @DisplayName("a narrowing change holds on the very next check")
  class Narrowing {
    @Test
    void suspendUser() {
      CreatedToken t = create("bob", classic(30, "repo"));
      warm(t.plaintext(), "app", GitOperation.READ);
      mgmt.accounts().setSuspended(Actor.SYSTEM, "bob", true);
      assertDenied(t.plaintext(), "app", GitOperation.READ, 403, Reason.USER_SUSPENDED);
      mgmt.accounts().setSuspended(Actor.SYSTEM, "bob", false);
      assertAllowed(t.plaintext(), "app", GitOperation.READ);
    }

    @Test
    void removeMembership() {
      CreatedToken classicToken = create("bob", classic(30, "repo"));
      mgmt.policies()
          .updateOrgPolicy(Actor.SYSTEM, "acme", Map.of("fine_grained_approval", "not_required"));
      CreatedToken fg = create("bob", fineGrainedOn("acme", "read"));
      warm(classicToken.plaintext(), "app", GitOperation.READ);
      warm(fg.plaintext(), "app", GitOperation.READ);
      warm(classicToken.plaintext(), "inner", GitOperation.READ);
      mgmt.accounts().removeMembership(Actor.SYSTEM, "acme", "bob");
      assertDenied(
          classicToken.plaintext(), "app", GitOperation.READ, 404, Reason.REPOSITORY_NOT_FOUND);
      assertDenied(fg.plaintext(), "app", GitOperation.READ, 404, Reason.REPOSITORY_NOT_FOUND);
      assertDenied(
          classicToken.plaintext(), "inner", GitOperation.READ, 404, Reason.REPOSITORY_NOT_FOUND);
    }

    @Test
    void demoteOwnerToMember() {
      mgmt.accounts().setMembership(Actor.SYSTEM, "acme", "bob", "admin");
      mgmt.accounts().setBasePermission(Actor.SYSTEM, "acme", "none");
      CreatedToken t = create("bob", classic(30, "repo"));
      warm(t.plaintext(), "app", GitOperation.WRITE);
      mgmt.accounts().setMembership(Actor.SYSTEM, "acme", "bob", "member");
      assertDenied(t.plaintext(), "app", GitOperation.WRITE, 404, Reason.REPOSITORY_NOT_FOUND);
    }

    @Test
    void lowerBasePermission() {
      mgmt.accounts().setBasePermission(Actor.SYSTEM, "acme", "write");
      CreatedToken t = create("bob", classic(30, "repo"));
      warm(t.plaintext(), "app", GitOperation.WRITE);
      mgmt.accounts().setBasePermission(Actor.SYSTEM, "acme", "read");
      assertDenied(t.plaintext(), "app", GitOperation.WRITE, 403, Reason.NO_PUSH_PERMISSION);
      mgmt.accounts().setBasePermission(Actor.SYSTEM, "acme", "none");
      assertDenied(t.plaintext(), "app", GitOperation.READ, 404, Reason.REPOSITORY_NOT_FOUND);
    }
  }
}
