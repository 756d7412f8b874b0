package dev.portcullis.policy.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.policy.decision.Decision;
import dev.portcullis.policy.decision.Decision.Reason;
import dev.portcullis.policy.model.Actor;
import dev.portcullis.policy.model.GitOperation;
import dev.portcullis.policy.model.GrantStatus;
import dev.portcullis.policy.model.OrgPolicy;
import dev.portcullis.policy.model.PolicyException;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * {@link Policies}: validation of policy patches, and that an organization or enterprise policy
 * that narrows access holds on the very next check.
 */
class PoliciesTest extends AdminFixture {
  @Test
  void pushProtectionIsEnabledByDefaultAndStoredWhenChanged() {
    assertEquals(
        OrgPolicy.PushProtection.ENABLED,
        mgmt.directory().organization("acme").policy().pushProtection());
    assertPolicyException(
        PolicyException.Kind.INVALID,
        () ->
            mgmt.policies()
                .updateOrgPolicy(Actor.SYSTEM, "acme", Map.of("push_protection", "off")));
    mgmt.policies().updateOrgPolicy(Actor.SYSTEM, "acme", Map.of("push_protection", "disabled"));
    assertEquals(
        OrgPolicy.PushProtection.DISABLED,
        mgmt.directory().organization("acme").policy().pushProtection());
    mgmt.policies().updateOrgPolicy(Actor.SYSTEM, "acme", Map.of("classic_access", "restricted"));
    assertEquals(
        OrgPolicy.PushProtection.DISABLED,
        mgmt.directory().organization("acme").policy().pushProtection(),
        "another field's change keeps it");
  }

  @Test
  void policyPatchesValidateEveryFieldAndKeepOmittedOnes() {
    mgmt.policies().updateOrgPolicy(Actor.SYSTEM, "acme", Map.of("classic_max_lifetime_days", 90));
    Map<String, Object> bad = new HashMap<>();
    bad.put("fine_grained_access", "org_configures");
    bad.put("classic_max_lifetime_days", 0);
    bad.put("colour", "red");
    PolicyException e =
        assertPolicyException(
            PolicyException.Kind.INVALID,
            () -> mgmt.policies().updateOrgPolicy(Actor.SYSTEM, "acme", bad));
    assertEquals(3, e.errors().size(), "every error at once: " + e.errors());
    assertEquals(
        90,
        mgmt.directory().organization("acme").policy().classicMaxLifetimeDays(),
        "nothing changed");

    OrgPolicy p =
        mgmt.policies()
            .updateOrgPolicy(Actor.SYSTEM, "acme", Map.of("classic_access", "restricted"));
    assertEquals(90, p.classicMaxLifetimeDays(), "omitted fields keep their value");
    Map<String, Object> clear = new HashMap<>();
    clear.put("classic_max_lifetime_days", null);
    assertNull(
        mgmt.policies().updateOrgPolicy(Actor.SYSTEM, "acme", clear).classicMaxLifetimeDays(),
        "null clears");
    assertEquals(
        OrgPolicy.Access.RESTRICTED,
        mgmt.directory().organization("acme").policy().classicAccess());

    assertPolicyException(
        PolicyException.Kind.INVALID,
        () ->
            mgmt.policies()
                .updateEnterprisePolicy(
                    Actor.SYSTEM, "globex", Map.of("fine_grained_approval", "not_required")));
    assertPolicyException(
        PolicyException.Kind.INVALID,
        () ->
            mgmt.policies()
                .updateEnterprisePolicy(
                    Actor.SYSTEM, "globex", Map.of("fine_grained_max_lifetime_days", "30")));
  }

  @Nested
  @DisplayName("a narrowing change holds on the very next check")
  class Narrowing {
    @Test
    void orgRestrictsFineGrained() {
      CreatedToken t = create("alice", fineGrainedOn("acme", "write"));
      warm(t.plaintext(), "app", GitOperation.WRITE);
      mgmt.policies()
          .updateOrgPolicy(Actor.SYSTEM, "acme", Map.of("fine_grained_access", "restricted"));
      assertDenied(t.plaintext(), "app", GitOperation.WRITE, 403, Reason.FINE_GRAINED_RESTRICTED);
    }

    @Test
    void orgRestrictsClassic() {
      CreatedToken t = create("bob", classic(30, "repo"));
      warm(t.plaintext(), "app", GitOperation.READ);
      mgmt.policies().updateOrgPolicy(Actor.SYSTEM, "acme", Map.of("classic_access", "restricted"));
      assertDenied(t.plaintext(), "app", GitOperation.READ, 403, Reason.CLASSIC_RESTRICTED);
    }

    @Test
    void orgLowersClassicMaxLifetime() {
      CreatedToken t = create("bob", classic(30, "repo"));
      warm(t.plaintext(), "app", GitOperation.READ);
      mgmt.policies().updateOrgPolicy(Actor.SYSTEM, "acme", Map.of("classic_max_lifetime_days", 7));
      assertDenied(t.plaintext(), "app", GitOperation.READ, 403, Reason.CLASSIC_LIFETIME);
    }

    @Test
    void enterpriseRestrictsClassic() {
      CreatedToken t = create("bob", classic(30, "repo"));
      warm(t.plaintext(), "app", GitOperation.READ);
      mgmt.policies()
          .updateEnterprisePolicy(Actor.SYSTEM, "globex", Map.of("classic_access", "restricted"));
      Decision d = check(t.plaintext(), "acme", "app", GitOperation.READ);
      assertEquals(Reason.CLASSIC_RESTRICTED, d.reason());
      assertTrue(((Decision.Denied) d).message().contains("'globex'"), d::toString);
    }

    @Test
    void enterpriseRestrictsFineGrained() {
      mgmt.policies()
          .updateOrgPolicy(Actor.SYSTEM, "acme", Map.of("fine_grained_access", "restricted"));
      mgmt.policies()
          .updateEnterprisePolicy(Actor.SYSTEM, "globex", Map.of("fine_grained_access", "allowed"));
      CreatedToken t = create("alice", fineGrainedOn("acme", "read"));
      warm(t.plaintext(), "app", GitOperation.READ);
      mgmt.policies()
          .updateEnterprisePolicy(
              Actor.SYSTEM, "globex", Map.of("fine_grained_access", "restricted"));
      assertDenied(t.plaintext(), "app", GitOperation.READ, 403, Reason.FINE_GRAINED_RESTRICTED);
    }

    @Test
    void enterpriseRequiresApproval() {
      CreatedToken pending =
          create("bob", fineGrainedOn("acme", "read")); // created while the org requires approval
      mgmt.policies()
          .updateOrgPolicy(Actor.SYSTEM, "acme", Map.of("fine_grained_approval", "not_required"));
      CreatedToken approved = create("bob", fineGrainedOn("acme", "read"));
      assertEquals(GrantStatus.PENDING, pending.grant().status());
      assertEquals(GrantStatus.APPROVED, approved.grant().status());
      warm(pending.plaintext(), "app", GitOperation.READ);
      warm(approved.plaintext(), "app", GitOperation.READ);
      mgmt.policies()
          .updateEnterprisePolicy(
              Actor.SYSTEM, "globex", Map.of("fine_grained_approval", "required"));
      assertDenied(pending.plaintext(), "app", GitOperation.READ, 403, Reason.GRANT_PENDING);
      assertAllowed(approved.plaintext(), "app", GitOperation.READ);
    }
  }
}
