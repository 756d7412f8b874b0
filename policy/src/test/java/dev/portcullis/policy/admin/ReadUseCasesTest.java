package dev.portcullis.policy.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.portcullis.policy.model.Actor;
import dev.portcullis.policy.model.Owner;
import dev.portcullis.policy.model.PolicyException;
import dev.portcullis.policy.model.RepoPermission;
import dev.portcullis.policy.model.Repository;
import dev.portcullis.policy.store.PolicyStore;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The read use cases over the fixture's world: who sees which user, organization and repository
 * (the same rules as the writes and as git's rule 2), what the listings hold, and that a caller who
 * may not see the object learns nothing from a bad filter.
 */
class ReadUseCasesTest extends AdminFixture {
  private Actor as(String login, String... scopes) {
    return actor(mgmt.directory().user(login), create(login, classic(30, scopes)));
  }

  private static List<String> names(List<Repository> repos) {
    return repos.stream().map(Repository::name).toList();
  }

  private static Map<String, RepoPermission> roles(List<PolicyStore.Collaborator> list) {
    Map<String, RepoPermission> out = new LinkedHashMap<>();
    list.forEach(c -> out.put(c.user().login(), c.permission()));
    return out;
  }

  @Test
  void usersAreSeenByThemselvesAndTheirFellowMembers() {
    Actor bobs = as("bob", "repo");
    assertEquals("alice", mgmt.accounts().viewUser(bobs, "alice").login());
    assertEquals("bob", mgmt.accounts().viewUser(bobs, "bob").login());
    Actor carols = as("carol", "repo");
    PolicyException hidden =
        assertPolicyException(
            PolicyException.Kind.NOT_FOUND, () -> mgmt.accounts().viewUser(carols, "bob"));
    PolicyException missing =
        assertPolicyException(
            PolicyException.Kind.NOT_FOUND, () -> mgmt.accounts().viewUser(carols, "nosuch"));
    assertEquals(missing.getMessage().replace("nosuch", "bob"), hidden.getMessage());
    // Only site administrators list accounts; users only in GET /admin/users's list.
    assertPolicyException(
        PolicyException.Kind.FORBIDDEN, () -> mgmt.accounts().listUsers(bobs, 1, 30));
    assertEquals(
        List.of("alice", "bob", "carol"),
        mgmt.accounts().listUsers(Actor.SYSTEM, 1, 30).items().stream().map(Owner::login).toList());
    assertEquals(
        List.of("alice", "bob", "carol", "acme"),
        mgmt.accounts().listAccounts(Actor.SYSTEM, 1, 30).items().stream()
            .map(Owner::login)
            .toList());
  }

  @Test
  void organizationsAndTheirMembersAreTheirMembersToRead() {
    Actor bobs = as("bob", "repo");
    assertEquals("acme", mgmt.accounts().viewOrganization(bobs, "acme").login());
    assertEquals(
        List.of("acme"),
        mgmt.accounts().listOrganizations(bobs, 1, 30).items().stream().map(Owner::login).toList());
    assertEquals(
        List.of("alice"),
        mgmt.accounts().listMembers(bobs, "acme", "admin", 1, 30).items().stream()
            .map(m -> m.user().login())
            .toList());
    assertEquals(2, mgmt.accounts().listMembers(bobs, "acme", null, 1, 1).total());
    PolicyException bad =
        assertPolicyException(
            PolicyException.Kind.INVALID,
            () -> mgmt.accounts().listMembers(bobs, "acme", "owner", 1, 30));
    assertFieldError(bad, "role");

    Actor carols = as("carol", "repo", "admin:org");
    assertEquals(List.of(), mgmt.accounts().listOrganizations(carols, 1, 30).items());
    // Authorized before validated: an outsider's bad filter is still the missing org's 404.
    assertPolicyException(
        PolicyException.Kind.NOT_FOUND,
        () -> mgmt.accounts().listMembers(carols, "acme", "owner", 1, 30));
    assertPolicyException(
        PolicyException.Kind.NOT_FOUND, () -> mgmt.accounts().viewOrganization(carols, "acme"));
    // An enterprise's organizations and policies: site administrators; members get 403.
    assertPolicyException(
        PolicyException.Kind.FORBIDDEN,
        () -> mgmt.accounts().listEnterpriseOrganizations(bobs, "globex", 1, 30));
    assertPolicyException(
        PolicyException.Kind.NOT_FOUND,
        () -> mgmt.accounts().listEnterpriseOrganizations(carols, "globex", 1, 30));
    assertPolicyException(
        PolicyException.Kind.FORBIDDEN, () -> mgmt.policies().enterprisePolicy(bobs, "globex"));
    assertPolicyException(
        PolicyException.Kind.FORBIDDEN, () -> mgmt.policies().orgPolicy(bobs, "acme"));
    assertEquals(
        mgmt.directory().organization("acme").policy(),
        mgmt.policies().orgPolicy(as("alice", "admin:org"), "acme"));
  }

  @Test
  void anInternalRepositoryIsReadByTheWholeEnterprise() {
    mgmt.accounts().createOrganization(Actor.SYSTEM, "sister", "carol", "globex");
    Actor carols = as("carol", "repo");
    RepositoryView inner = mgmt.repositories().viewRepository(carols, "acme", "inner");
    assertEquals(RepoPermission.READ, inner.permission());
    assertEquals("acme", inner.owner().login());
    // Not in acme's listing for carol, who is no member of acme.
    assertPolicyException(
        PolicyException.Kind.NOT_FOUND,
        () -> mgmt.repositories().listRepositories(carols, "acme", null, null, null, 1, 30));
    assertPolicyException(
        PolicyException.Kind.NOT_FOUND,
        () -> mgmt.repositories().viewRepository(carols, "acme", "app"));

    Actor bobs = as("bob", "repo");
    assertEquals(
        List.of("app", "inner", "site"),
        names(
            mgmt.repositories()
                .listRepositories(bobs, "acme", null, "full_name", null, 1, 30)
                .items()));
    assertEquals(
        List.of("app", "inner"),
        names(
            mgmt.repositories()
                .listRepositories(bobs, "acme", "private", "full_name", null, 1, 30)
                .items()));
    mgmt.accounts().setBasePermission(Actor.SYSTEM, "acme", "none");
    assertEquals(
        List.of("inner", "site"),
        names(
            mgmt.repositories()
                .listRepositories(bobs, "acme", null, "full_name", null, 1, 30)
                .items()));
  }

  @Test
  void collaboratorsAreEveryoneWithAccessForThoseWhoMayPush() {
    mgmt.repositories().setCollaborator(Actor.SYSTEM, "acme", "app", "carol", "triage");
    Actor alices = as("alice", "repo");
    assertEquals(
        Map.of(
            "alice",
            RepoPermission.ADMIN,
            "bob",
            RepoPermission.READ,
            "carol",
            RepoPermission.TRIAGE),
        roles(
            mgmt.repositories()
                .listCollaborators(alices, "acme", "app", null, null, 1, 30)
                .items()));
    assertEquals(
        List.of("carol"),
        List.copyOf(
            roles(
                    mgmt.repositories()
                        .listCollaborators(alices, "acme", "app", "outside", null, 1, 30)
                        .items())
                .keySet()));
    assertEquals(
        List.of("alice", "carol"),
        List.copyOf(
            roles(
                    mgmt.repositories()
                        .listCollaborators(alices, "acme", "app", null, "triage", 1, 30)
                        .items())
                .keySet()));
    // A collaborator through a grant on a member keeps the higher permission.
    mgmt.repositories().setCollaborator(Actor.SYSTEM, "acme", "app", "bob", "maintain");
    assertEquals(
        RepoPermission.MAINTAIN,
        roles(
                mgmt.repositories()
                    .listCollaborators(alices, "acme", "app", "direct", null, 1, 30)
                    .items())
            .get("bob"));

    // Seeing the repository is not enough: below push, 403.
    Actor carols = as("carol", "repo");
    assertPolicyException(
        PolicyException.Kind.FORBIDDEN,
        () -> mgmt.repositories().listCollaborators(carols, "acme", "app", null, null, 1, 30));
    mgmt.repositories().removeCollaborator(Actor.SYSTEM, "acme", "app", "carol");
    assertPolicyException(
        PolicyException.Kind.NOT_FOUND,
        () -> mgmt.repositories().listCollaborators(carols, "acme", "app", "bogus", null, 1, 30));
    assertFieldError(
        assertPolicyException(
            PolicyException.Kind.INVALID,
            () ->
                mgmt.repositories().listCollaborators(alices, "acme", "app", "bogus", null, 1, 30)),
        "affiliation");
  }
}
