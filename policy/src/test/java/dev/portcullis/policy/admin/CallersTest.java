package dev.portcullis.policy.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.policy.model.Actor;
import dev.portcullis.policy.model.BasePermission;
import dev.portcullis.policy.model.Grant;
import dev.portcullis.policy.model.GrantStatus;
import dev.portcullis.policy.model.PermissionLevel;
import dev.portcullis.policy.model.PolicyException;
import dev.portcullis.policy.model.User;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@link Callers}: who may manage an organization ({@code requireOrgOwner}) and the site ({@code
 * requireSiteAdmin}), through the use cases that ask.
 */
@DisplayName("requireOrgOwner and requireSiteAdmin")
class CallersTest extends AdminFixture {
  @Test
  void ownerWithClassicAdminOrgManagesTheOrg() {
    Actor owner = actor(alice, create("alice", classic(30, "admin:org")));
    mgmt.callers()
        .requireOrgOwner(
            owner, mgmt.directory().organization("acme"), "members", PermissionLevel.WRITE);
    mgmt.accounts().setBasePermission(owner, "acme", "write");
    assertEquals(BasePermission.WRITE, mgmt.directory().organization("acme").basePermission());
    mgmt.accounts().setMembership(owner, "acme", "carol", "member");
  }

  @Test
  void memberWithAdminOrgIsForbidden() {
    Actor member = actor(bob, create("bob", classic(30, "admin:org")));
    assertPolicyException(
        PolicyException.Kind.FORBIDDEN,
        () -> mgmt.accounts().setBasePermission(member, "acme", "admin"));
    assertEquals(BasePermission.READ, mgmt.directory().organization("acme").basePermission());
    CreatedToken req = create("bob", fineGrainedOn("acme", "read"));
    assertPolicyException(
        PolicyException.Kind.FORBIDDEN,
        () -> mgmt.reviews().reviewRequest(member, "acme", req.grant().id(), true, null));
    assertEquals(GrantStatus.PENDING, store.grantById(req.grant().id()).orElseThrow().status());
  }

  @Test
  void ownerWithoutAdminOrgIsForbidden() {
    Actor owner = actor(alice, create("alice", classic(30, "repo")));
    assertPolicyException(
        PolicyException.Kind.FORBIDDEN,
        () -> mgmt.accounts().setBasePermission(owner, "acme", "admin"));
  }

  @Test
  void ownerFineGrainedTokenWithRequestsWriteReviews() {
    CreatedToken req = create("bob", fineGrainedOn("acme", "read"));
    Actor owner =
        actor(
            alice,
            create(
                "alice",
                fineGrained(
                    "acme",
                    "none",
                    null,
                    Map.of("organization_personal_access_token_requests", "write"))));
    mgmt.reviews().reviewRequest(owner, "acme", req.grant().id(), true, "ok");
    Grant g = store.grantById(req.grant().id()).orElseThrow();
    assertEquals(GrantStatus.APPROVED, g.status());
    // ...but that permission does not reach other management calls.
    assertPolicyException(
        PolicyException.Kind.FORBIDDEN,
        () -> mgmt.accounts().setBasePermission(owner, "acme", "write"));
  }

  @Test
  void ownerFineGrainedTokenWithRequestsReadCannotReview() {
    CreatedToken req = create("bob", fineGrainedOn("acme", "read"));
    Actor owner =
        actor(
            alice,
            create(
                "alice",
                fineGrained(
                    "acme",
                    "none",
                    null,
                    Map.of("organization_personal_access_token_requests", "read"))));
    assertPolicyException(
        PolicyException.Kind.FORBIDDEN,
        () -> mgmt.reviews().reviewRequest(owner, "acme", req.grant().id(), true, null));
  }

  @Test
  void ownerFineGrainedTokenOnAnotherOrgIsForbidden() {
    mgmt.accounts().createOrganization(Actor.SYSTEM, "widgets", "alice", null);
    CreatedToken req = create("bob", fineGrainedOn("acme", "read"));
    Actor owner =
        actor(
            alice,
            create(
                "alice",
                fineGrained(
                    "widgets",
                    "none",
                    null,
                    Map.of("organization_personal_access_token_requests", "write"))));
    assertPolicyException(
        PolicyException.Kind.FORBIDDEN,
        () -> mgmt.reviews().reviewRequest(owner, "acme", req.grant().id(), true, null));
  }

  @Test
  void ownerFineGrainedTokenStopsWorkingWhenFineGrainedIsRestricted() {
    Actor owner =
        actor(
            alice,
            create(
                "alice",
                fineGrained(
                    "acme",
                    "none",
                    null,
                    Map.of("organization_personal_access_token_requests", "write"))));
    CreatedToken req = create("bob", fineGrainedOn("acme", "read"));
    mgmt.policies()
        .updateEnterprisePolicy(
            Actor.SYSTEM, "globex", Map.of("fine_grained_access", "restricted"));
    assertPolicyException(
        PolicyException.Kind.FORBIDDEN,
        () -> mgmt.reviews().reviewRequest(owner, "acme", req.grant().id(), true, null));
  }

  @Test
  void memberFineGrainedTokenIsForbidden() {
    mgmt.policies()
        .updateOrgPolicy(Actor.SYSTEM, "acme", Map.of("fine_grained_approval", "not_required"));
    Actor member =
        actor(
            bob,
            create(
                "bob",
                fineGrained(
                    "acme",
                    "none",
                    null,
                    Map.of("organization_personal_access_token_requests", "write"))));
    assertPolicyException(
        PolicyException.Kind.FORBIDDEN,
        () ->
            mgmt.callers()
                .requireOrgOwner(
                    member,
                    mgmt.directory().organization("acme"),
                    "organization_personal_access_token_requests",
                    PermissionLevel.WRITE));
  }

  @Test
  void ownersClassicTokenIsRefusedWhereClassicTokensAreRestricted() {
    Actor owner = actor(alice, create("alice", classic(30, "admin:org")));
    mgmt.policies()
        .updateEnterprisePolicy(Actor.SYSTEM, "globex", Map.of("classic_access", "restricted"));
    assertPolicyException(
        PolicyException.Kind.FORBIDDEN,
        () -> mgmt.accounts().setBasePermission(owner, "acme", "write"));
    mgmt.policies()
        .updateEnterprisePolicy(Actor.SYSTEM, "globex", Map.of("classic_access", "org_configures"));
    mgmt.policies().updateOrgPolicy(Actor.SYSTEM, "acme", Map.of("classic_access", "restricted"));
    assertPolicyException(
        PolicyException.Kind.FORBIDDEN,
        () -> mgmt.accounts().setBasePermission(owner, "acme", "write"));
  }

  @Test
  void siteAdminChecks() {
    CreatedToken boot = mgmt.bootstrapAdmin().orElseThrow();
    User admin = mgmt.directory().user("admin");
    Actor siteAdmin = actor(admin, boot);
    mgmt.callers().requireSiteAdmin(Actor.SYSTEM);
    mgmt.callers().requireSiteAdmin(siteAdmin);
    mgmt.accounts().createUser(siteAdmin, "dave");
    // Site admins may manage any org.
    mgmt.accounts().setBasePermission(siteAdmin, "acme", "none");

    // The site admin's other tokens do not carry the power without the scope.
    Actor adminWithoutScope = actor(admin, create("admin", classic(30, "repo", "admin:org")));
    assertPolicyException(
        PolicyException.Kind.FORBIDDEN,
        () -> mgmt.accounts().createUser(adminWithoutScope, "erin"));
    // Nor does the scope without the flag (it cannot even be created).
    assertFieldError(
        assertThrows(PolicyException.class, () -> create("alice", classic(30, "site_admin"))),
        "scopes");
    // An org owner is no site admin: refused 403 what it may see (itself, its own tokens, its
    // organization's enterprise), and 404 other users' accounts and tokens.
    CreatedToken ownersToken = create("alice", classic(30, "admin:org"));
    Actor owner = actor(alice, ownersToken);
    assertPolicyException(
        PolicyException.Kind.FORBIDDEN, () -> mgmt.accounts().createUser(owner, "erin"));
    assertPolicyException(
        PolicyException.Kind.FORBIDDEN,
        () -> mgmt.tokens().createToken(owner, "alice", classic(30, "repo")));
    assertPolicyException(
        PolicyException.Kind.NOT_FOUND,
        () -> mgmt.tokens().createToken(owner, "bob", classic(30, "repo")));
    assertPolicyException(
        PolicyException.Kind.FORBIDDEN, () -> mgmt.accounts().setSuspended(owner, "alice", true));
    assertPolicyException(
        PolicyException.Kind.NOT_FOUND, () -> mgmt.accounts().setSuspended(owner, "bob", true));
    assertPolicyException(
        PolicyException.Kind.FORBIDDEN,
        () -> mgmt.tokens().deleteToken(owner, ownersToken.token().id()));
    long bobsToken = create("bob", classic(30, "repo")).token().id();
    assertPolicyException(
        PolicyException.Kind.NOT_FOUND, () -> mgmt.tokens().deleteToken(owner, bobsToken));
    assertPolicyException(
        PolicyException.Kind.FORBIDDEN,
        () -> mgmt.policies().updateEnterprisePolicy(owner, "globex", Map.of()));
    assertTrue(mgmt.directory().findUser("erin").isEmpty());
    assertFalse(store.userById(bob.id()).orElseThrow().suspended());
    assertFalse(store.tokenById(bobsToken).orElseThrow().deleted());
  }
}
