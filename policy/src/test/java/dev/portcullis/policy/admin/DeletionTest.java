package dev.portcullis.policy.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.policy.decision.Decision.Reason;
import dev.portcullis.policy.model.Actor;
import dev.portcullis.policy.model.GitOperation;
import dev.portcullis.policy.model.PolicyException;
import dev.portcullis.policy.model.Repository;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Deleting users, organizations and repositories: the rows go, what the caches held goes with them
 * (the next request already sees it, with every cache warm before), the bare repositories are
 * handed over for removal from disk, and only those who may delete can.
 */
class DeletionTest extends AdminFixture {
  private final List<String> removedFromDisk = new ArrayList<>();

  private void fromDisk(Repository r) {
    removedFromDisk.add(r.fullName());
  }

  @Test
  void aDeletedUsersTokensGet401OnTheNextRequestAndLeaveNoRows() {
    mgmt.repositories().setCollaborator(Actor.SYSTEM, "acme", "app", "carol", "push");
    mgmt.repositories().createRepository(Actor.SYSTEM, "carol", "own", "private", r -> {});
    CreatedToken classic = create("carol", classic(30, "repo"));
    CreatedToken bobs = create("bob", fineGrainedOn("acme", "read"));
    mgmt.reviews().reviewRequest(Actor.SYSTEM, "acme", bobs.grant().id(), true, null);
    warm(classic.plaintext(), "app", GitOperation.WRITE);

    mgmt.accounts().deleteUser(Actor.SYSTEM, "carol", this::fromDisk);

    assertDenied(classic.plaintext(), "app", GitOperation.READ, 401, Reason.INVALID_CREDENTIALS);
    assertTrue(store.ownerByLogin("carol").isEmpty());
    assertTrue(store.tokenById(classic.token().id()).isEmpty(), "the token row is gone");
    assertTrue(store.collaboratorsOfRepository(appId()).isEmpty());
    assertEquals(List.of("carol/own"), removedFromDisk);
    assertTrue(store.repositoriesOfOwner(carol.id()).isEmpty());
    // Others are untouched.
    assertAllowed(bobs.plaintext(), "app", GitOperation.READ);
  }

  @Test
  void aUserWhoReviewedRequestsCanBeDeletedOnceTheOrganizationHasAnotherOwner() {
    CreatedToken bobs = create("bob", fineGrainedOn("acme", "read"));
    Actor alices = actor(alice, create("alice", classic(30, "admin:org")));
    mgmt.reviews().reviewRequest(alices, "acme", bobs.grant().id(), true, "ok");
    PolicyException lastOwner =
        assertPolicyException(
            PolicyException.Kind.INVALID,
            () -> mgmt.accounts().deleteUser(Actor.SYSTEM, "alice", this::fromDisk));
    assertTrue(
        lastOwner.errors().toString().contains("only owner of the organization 'acme'"),
        lastOwner.errors()::toString);
    mgmt.accounts().setMembership(Actor.SYSTEM, "acme", "bob", "admin");

    mgmt.accounts().deleteUser(Actor.SYSTEM, "alice", this::fromDisk);

    assertTrue(store.ownerByLogin("alice").isEmpty());
    assertEquals(
        "approved",
        store.grantById(bobs.grant().id()).orElseThrow().status().apiName(),
        "the grant alice approved stands");
    assertAllowed(bobs.plaintext(), "app", GitOperation.READ);
  }

  @Test
  void aDeletedOrganizationTakesItsRepositoriesMembershipsAndTokensAlong() {
    CreatedToken fine = create("bob", fineGrainedOn("acme", "write"));
    CreatedToken pending = create("bob", fineGrainedOn("acme", "read"));
    mgmt.reviews().reviewRequest(Actor.SYSTEM, "acme", fine.grant().id(), true, null);
    CreatedToken classic = create("bob", classic(30, "repo"));
    warm(fine.plaintext(), "app", GitOperation.READ);
    warm(classic.plaintext(), "app", GitOperation.READ);

    mgmt.accounts().deleteOrganization(Actor.SYSTEM, "acme", this::fromDisk);

    assertDenied(classic.plaintext(), "app", GitOperation.READ, 404, Reason.REPOSITORY_NOT_FOUND);
    assertDenied(fine.plaintext(), "site", GitOperation.READ, 401, Reason.INVALID_CREDENTIALS);
    assertTrue(store.ownerByLogin("acme").isEmpty());
    assertTrue(store.tokenById(fine.token().id()).isEmpty());
    assertTrue(store.tokenById(pending.token().id()).isEmpty());
    assertTrue(store.grantById(pending.grant().id()).isEmpty(), "the pending request is gone");
    assertTrue(store.membershipsOfUser(bob.id()).isEmpty());
    assertEquals(
        List.of("acme/app", "acme/inner", "acme/site"), removedFromDisk.stream().sorted().toList());
    // The classic token was bob's, not the organization's.
    assertTrue(store.tokenById(classic.token().id()).isPresent());
    // The login is free again.
    mgmt.accounts().createOrganization(Actor.SYSTEM, "acme", "alice", null);
    assertTrue(store.repositoriesOfOwner(store.ownerByLogin("acme").orElseThrow().id()).isEmpty());
  }

  @Test
  void aDeletedRepositoryAnswers404AndLeavesTokenSelections() {
    CreatedToken subset =
        create("bob", fineGrained("acme", "subset", List.of("app"), Map.of("contents", "read")));
    mgmt.reviews().reviewRequest(Actor.SYSTEM, "acme", subset.grant().id(), true, null);
    CreatedToken classic = create("bob", classic(30, "repo"));
    warm(classic.plaintext(), "app", GitOperation.READ);

    mgmt.repositories().deleteRepository(Actor.SYSTEM, "acme", "app", this::fromDisk);

    assertDenied(classic.plaintext(), "app", GitOperation.READ, 404, Reason.REPOSITORY_NOT_FOUND);
    assertTrue(store.tokenById(subset.token().id()).orElseThrow().repositoryIds().isEmpty());
    assertEquals(List.of("acme/app"), removedFromDisk);
    // The name can be taken again, and the old token does not reach the new repository.
    mgmt.repositories().createRepository(Actor.SYSTEM, "acme", "app", "private", r -> {});
    assertDenied(subset.plaintext(), "app", GitOperation.READ, 404, Reason.NOT_IN_SELECTION);
  }

  @Test
  void onlySiteAdminsDeleteUsersAndOnlyOwnersDeleteOrganizationsAndTheirRepositories() {
    Actor bobs = actor(bob, create("bob", classic(30, "repo", "admin:org")));
    Actor carols = actor(carol, create("carol", classic(30, "repo", "admin:org")));
    Actor alices = actor(alice, create("alice", classic(30, "repo", "admin:org")));
    // An outsider: the missing object's 404. A member: 403.
    assertPolicyException(
        PolicyException.Kind.NOT_FOUND,
        () -> mgmt.accounts().deleteOrganization(carols, "acme", this::fromDisk));
    assertPolicyException(
        PolicyException.Kind.FORBIDDEN,
        () -> mgmt.accounts().deleteOrganization(bobs, "acme", this::fromDisk));
    assertPolicyException(
        PolicyException.Kind.NOT_FOUND,
        () -> mgmt.repositories().deleteRepository(carols, "acme", "app", this::fromDisk));
    assertPolicyException(
        PolicyException.Kind.FORBIDDEN,
        () -> mgmt.repositories().deleteRepository(bobs, "acme", "app", this::fromDisk));
    assertPolicyException(
        PolicyException.Kind.NOT_FOUND,
        () -> mgmt.accounts().deleteUser(carols, "bob", this::fromDisk));
    assertPolicyException(
        PolicyException.Kind.FORBIDDEN,
        () -> mgmt.accounts().deleteUser(carols, "carol", this::fromDisk));
    assertTrue(removedFromDisk.isEmpty());
    assertTrue(store.ownerByLogin("bob").isPresent());
    // The owner may.
    mgmt.repositories().deleteRepository(alices, "acme", "app", this::fromDisk);
    mgmt.accounts().deleteOrganization(alices, "acme", this::fromDisk);
    assertTrue(store.ownerByLogin("acme").isEmpty());
  }

  private long appId() {
    return mgmt.directory().repository("acme", "app").id();
  }
}
