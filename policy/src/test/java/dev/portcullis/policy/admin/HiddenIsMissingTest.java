package dev.portcullis.policy.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.policy.model.Actor;
import dev.portcullis.policy.model.BasePermission;
import dev.portcullis.policy.model.PolicyException;
import dev.portcullis.policy.model.RepoPermission;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/**
 * An object the caller may not see is refused as a missing one: the same 404 and the same words.
 */
class HiddenIsMissingTest extends AdminFixture {
  /** Both calls fail with NOT_FOUND and the same message. */
  private void assertSameRefusal(Executable hidden, Executable missing) {
    PolicyException h = assertPolicyException(PolicyException.Kind.NOT_FOUND, hidden);
    PolicyException m = assertPolicyException(PolicyException.Kind.NOT_FOUND, missing);
    assertEquals(
        m.getMessage().replace("nosuch", "X"),
        h.getMessage().replace("acme", "X").replace("globex", "X").replace("bob", "X"),
        "the same words, the name aside");
  }

  @Test
  void anOutsiderSeesNoOrganizationNorItsRepositoriesNorOtherUsers() {
    Actor carols = actor(carol, create("carol", classic(30, "repo", "admin:org")));
    assertSameRefusal(
        () -> mgmt.accounts().setBasePermission(carols, "acme", "admin"),
        () -> mgmt.accounts().setBasePermission(carols, "nosuch", "admin"));
    assertSameRefusal(
        () -> mgmt.accounts().setMembership(carols, "acme", "carol", "admin"),
        () -> mgmt.accounts().setMembership(carols, "nosuch", "carol", "admin"));
    assertSameRefusal(
        () -> mgmt.policies().updateOrgPolicy(carols, "acme", Map.of()),
        () -> mgmt.policies().updateOrgPolicy(carols, "nosuch", Map.of()));
    assertSameRefusal(
        () -> mgmt.grants().listGrants(carols, "acme", true, null),
        () -> mgmt.grants().listGrants(carols, "nosuch", true, null));
    assertSameRefusal(
        () -> mgmt.repositories().createRepository(carols, "acme", "x", "private", r -> {}),
        () -> mgmt.repositories().createRepository(carols, "nosuch", "x", "private", r -> {}));
    // A private repository: the same as a missing one, and as a missing owner.
    PolicyException hidden =
        assertPolicyException(
            PolicyException.Kind.NOT_FOUND,
            () -> mgmt.repositories().setCollaborator(carols, "acme", "app", "carol", "admin"));
    PolicyException missing =
        assertPolicyException(
            PolicyException.Kind.NOT_FOUND,
            () -> mgmt.repositories().setCollaborator(carols, "acme", "nope", "carol", "admin"));
    assertEquals(
        missing.getMessage().replace("nope", "app"), hidden.getMessage(), "repository words");
    assertEquals(
        "No repository named 'nosuch/app'.",
        assertPolicyException(
                PolicyException.Kind.NOT_FOUND,
                () -> mgmt.repositories().removeCollaborator(carols, "nosuch", "app", "carol"))
            .getMessage());
    // An internal repository is hidden from a user of no organization of the enterprise.
    assertPolicyException(
        PolicyException.Kind.NOT_FOUND,
        () -> mgmt.repositories().setCollaborator(carols, "acme", "inner", "carol", "admin"));
    // Users, their tokens, and enterprises of organizations one does not belong to.
    assertSameRefusal(
        () -> mgmt.accounts().setSuspended(carols, "bob", true),
        () -> mgmt.accounts().setSuspended(carols, "nosuch", true));
    assertSameRefusal(
        () -> mgmt.tokens().tokensOf(carols, "bob"),
        () -> mgmt.tokens().tokensOf(carols, "nosuch"));
    assertSameRefusal(
        () -> mgmt.policies().updateEnterprisePolicy(carols, "globex", Map.of()),
        () -> mgmt.policies().updateEnterprisePolicy(carols, "nosuch", Map.of()));
    long bobsToken = create("bob", classic(30, "repo")).token().id();
    PolicyException token =
        assertPolicyException(
            PolicyException.Kind.NOT_FOUND, () -> mgmt.tokens().deleteToken(carols, bobsToken));
    assertEquals(
        assertPolicyException(
                PolicyException.Kind.NOT_FOUND, () -> mgmt.tokens().deleteToken(carols, 987_654))
            .getMessage()
            .replace("987654", Long.toString(bobsToken)),
        token.getMessage());
    assertEquals(BasePermission.READ, mgmt.directory().organization("acme").basePermission());
    assertTrue(store.collaborationsOfUser(carol.id()).isEmpty());
  }

  @Test
  void aCallerWhoMaySeeTheObjectIsForbidden() {
    // bob, a member of acme: sees the organization, its private and internal repositories, and
    // its enterprise, but manages none of them.
    Actor bobs = actor(bob, create("bob", classic(30, "repo", "admin:org")));
    assertPolicyException(
        PolicyException.Kind.FORBIDDEN,
        () -> mgmt.accounts().setBasePermission(bobs, "acme", "admin"));
    assertPolicyException(
        PolicyException.Kind.FORBIDDEN,
        () -> mgmt.repositories().setCollaborator(bobs, "acme", "app", "carol", "admin"));
    assertPolicyException(
        PolicyException.Kind.FORBIDDEN,
        () -> mgmt.repositories().setCollaborator(bobs, "acme", "inner", "carol", "admin"));
    assertPolicyException(
        PolicyException.Kind.FORBIDDEN,
        () -> mgmt.policies().updateEnterprisePolicy(bobs, "globex", Map.of()));
    // carol sees a public repository, and a private one once she collaborates on it.
    Actor carols = actor(carol, create("carol", classic(30, "repo", "admin:org")));
    assertPolicyException(
        PolicyException.Kind.FORBIDDEN,
        () -> mgmt.repositories().setCollaborator(carols, "acme", "site", "carol", "admin"));
    mgmt.repositories().setCollaborator(Actor.SYSTEM, "acme", "app", "carol", "pull");
    assertPolicyException(
        PolicyException.Kind.FORBIDDEN,
        () -> mgmt.repositories().removeCollaborator(carols, "acme", "app", "carol"));
    assertEquals(
        RepoPermission.READ, store.collaborationsOfUser(carol.id()).values().iterator().next());
  }
}
