package dev.portcullis.policy.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.policy.model.Actor;
import dev.portcullis.policy.model.EnterprisePolicy;
import dev.portcullis.policy.model.GrantStatus;
import dev.portcullis.policy.model.PolicyException;
import dev.portcullis.policy.model.User;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A console session ({@link Actor#web}) is the signed-in user themself: their own role decides what
 * they manage, with the same hidden-is-missing answers as the API.
 */
class ConsoleOwnerTest extends AdminFixture {
  @Test
  void anOrgOwnerSignedInReviewsAndSetsPolicyWithoutAToken() {
    CreatedToken req = create("bob", fineGrainedOn("acme", "read"));
    Actor owner = Actor.web(alice);
    mgmt.reviews().reviewRequest(owner, "acme", req.grant().id(), false, "not now");
    assertEquals(GrantStatus.DENIED, store.grantById(req.grant().id()).orElseThrow().status());
    assertEquals(alice.id(), store.grantById(req.grant().id()).orElseThrow().reviewedBy());
    mgmt.policies().updateOrgPolicy(owner, "acme", Map.of("classic_access", "restricted"));
    assertEquals("restricted", mgmt.policies().orgPolicy(owner, "acme").classicAccess().apiName());
  }

  @Test
  void aMemberSignedInGets403AndAStranger404() {
    CreatedToken req = create("bob", fineGrainedOn("acme", "read"));
    assertPolicyException(
        PolicyException.Kind.FORBIDDEN,
        () -> mgmt.reviews().reviewRequest(Actor.web(bob), "acme", req.grant().id(), true, null));
    PolicyException hidden =
        assertPolicyException(
            PolicyException.Kind.NOT_FOUND,
            () ->
                mgmt.reviews()
                    .reviewRequest(Actor.web(carol), "acme", req.grant().id(), true, null));
    assertTrue(hidden.unseen(), "the missing organization's answer");
    assertEquals(GrantStatus.PENDING, store.grantById(req.grant().id()).orElseThrow().status());
  }

  @Test
  void aSiteAdministratorSignedInManagesAnyOrganization() {
    User root = mgmt.accounts().createUserUnchecked("root", true);
    assertTrue(Actor.web(root).isSiteAdmin());
    assertFalse(Actor.web(alice).isSiteAdmin());
    CreatedToken req = create("bob", fineGrainedOn("acme", "read"));
    mgmt.reviews().reviewRequest(Actor.web(root), "acme", req.grant().id(), true, null);
    assertEquals(GrantStatus.APPROVED, store.grantById(req.grant().id()).orElseThrow().status());
  }

  @Test
  void enterpriseOwnersSetTheEnterprisePolicyInTheConsoleOrWithAdminEnterprise() {
    PolicyException hidden =
        assertPolicyException(
            PolicyException.Kind.NOT_FOUND,
            () -> mgmt.policies().enterprisePolicy(Actor.web(carol), "globex"));
    assertTrue(hidden.unseen());
    assertTrue(mgmt.accounts().addEnterpriseOwner(Actor.SYSTEM, "globex", "carol"));
    assertFalse(mgmt.accounts().addEnterpriseOwner(Actor.SYSTEM, "globex", "carol"));
    assertEquals(
        List.of("globex"),
        mgmt.accounts().ownedEnterprises(Actor.web(carol)).stream().map(e -> e.slug()).toList());
    mgmt.policies()
        .updateEnterprisePolicy(Actor.web(carol), "globex", Map.of("classic_access", "restricted"));
    assertEquals(
        EnterprisePolicy.Access.RESTRICTED,
        mgmt.directory().enterprise("globex").policy().classicAccess());
    assertTrue(
        mgmt.policies().enterpriseOrganizationPolicies(Actor.web(carol), "globex").stream()
            .allMatch(p -> p.classicRestrictedByEnterprise()));

    Actor withRepo = actor(carol, create("carol", classic(30, "repo")));
    assertPolicyException(
        PolicyException.Kind.FORBIDDEN, () -> mgmt.policies().enterprisePolicy(withRepo, "globex"));
    Actor withAdmin = actor(carol, create("carol", classic(30, "admin:enterprise")));
    mgmt.policies().enterprisePolicy(withAdmin, "globex");

    assertPolicyException(
        PolicyException.Kind.FORBIDDEN,
        () -> mgmt.accounts().addEnterpriseOwner(Actor.web(alice), "globex", "bob"));
    mgmt.accounts().removeEnterpriseOwner(Actor.SYSTEM, "globex", "carol");
    assertPolicyException(
        PolicyException.Kind.NOT_FOUND,
        () -> mgmt.accounts().removeEnterpriseOwner(Actor.SYSTEM, "globex", "carol"));
    assertPolicyException(
        PolicyException.Kind.NOT_FOUND,
        () -> mgmt.policies().enterprisePolicy(Actor.web(carol), "globex"));
  }

  @Test
  void filterChoicesComeFromThePendingRequestsThemselves() {
    create("bob", fineGrainedOn("acme", "read"));
    create("alice", fineGrainedOn("acme", "write"));
    GrantFilterChoices pending = mgmt.grants().filterChoices(Actor.web(alice), "acme", true);
    assertEquals(List.of("bob"), pending.owners(), "the owner's own token needed no approval");
    assertTrue(pending.permissions().contains("contents_read"), pending.permissions().toString());
    assertFalse(pending.permissions().contains("contents_write"));
    assertEquals(
        Map.of(mgmt.directory().organization("acme").id(), 1),
        mgmt.grants()
            .pendingCounts(Actor.web(alice), mgmt.accounts().ownedOrganizations(Actor.web(alice))));
  }
}
