package dev.portcullis.policy.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.policy.testing.Fixtures;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The effective-value rules of DESIGN.md "Policies": an enterprise setting other than {@code
 * org_configures} overrides the organization and is remembered as the enterprise's; the max
 * lifetimes are the stricter of the two; an organization without an enterprise decides alone.
 */
class EffectivePolicyTest {
  private static final Integer[] LIFETIMES = {null, 1, 30, 90, 366};

  /** Every enterprise × org combination of the three settings (3×2 each: 216 rows). */
  static Stream<Arguments> accessAndApprovalCombinations() {
    List<Arguments> rows = new ArrayList<>();
    for (EnterprisePolicy.Access efg : EnterprisePolicy.Access.values()) {
      for (OrgPolicy.Access ofg : OrgPolicy.Access.values()) {
        for (EnterprisePolicy.Access ecl : EnterprisePolicy.Access.values()) {
          for (OrgPolicy.Access ocl : OrgPolicy.Access.values()) {
            for (EnterprisePolicy.Approval eap : EnterprisePolicy.Approval.values()) {
              for (OrgPolicy.Approval oap : OrgPolicy.Approval.values()) {
                rows.add(Arguments.of(efg, ofg, ecl, ocl, eap, oap));
              }
            }
          }
        }
      }
    }
    return rows.stream();
  }

  @ParameterizedTest(name = "fine_grained {0}/{1}, classic {2}/{3}, approval {4}/{5}")
  @MethodSource("accessAndApprovalCombinations")
  void enterpriseOverridesUnlessOrgConfigures(
      EnterprisePolicy.Access efg,
      OrgPolicy.Access ofg,
      EnterprisePolicy.Access ecl,
      OrgPolicy.Access ocl,
      EnterprisePolicy.Approval eap,
      OrgPolicy.Approval oap) {
    Organization org = org(new OrgPolicy(ofg, ocl, oap, null, null), 900L);
    Enterprise ent =
        new Enterprise(
            900, "globex", new EnterprisePolicy(efg, ecl, eap, null, null), Fixtures.LONG_AGO);
    EffectivePolicy p = EffectivePolicy.of(org, ent);

    assertEquals("acme", p.orgLogin());
    assertEquals("globex", p.enterpriseSlug());

    boolean fgRestricted =
        switch (efg) {
          case RESTRICTED -> true;
          case ALLOWED -> false;
          case ORG_CONFIGURES -> ofg == OrgPolicy.Access.RESTRICTED;
        };
    assertEquals(fgRestricted, p.fineGrainedRestricted(), "fine_grained_access");
    assertEquals(
        efg == EnterprisePolicy.Access.RESTRICTED,
        p.fineGrainedRestrictedByEnterprise(),
        "restricted by the enterprise");

    boolean clRestricted =
        switch (ecl) {
          case RESTRICTED -> true;
          case ALLOWED -> false;
          case ORG_CONFIGURES -> ocl == OrgPolicy.Access.RESTRICTED;
        };
    assertEquals(clRestricted, p.classicRestricted(), "classic_access");
    assertEquals(
        ecl == EnterprisePolicy.Access.RESTRICTED,
        p.classicRestrictedByEnterprise(),
        "restricted by the enterprise");

    boolean approval =
        switch (eap) {
          case REQUIRED -> true;
          case DISABLED -> false;
          case ORG_CONFIGURES -> oap == OrgPolicy.Approval.REQUIRED;
        };
    assertEquals(approval, p.approvalRequired(), "fine_grained_approval");
  }

  static Stream<Arguments> orgWithoutEnterprise() {
    List<Arguments> rows = new ArrayList<>();
    for (OrgPolicy.Access fg : OrgPolicy.Access.values()) {
      for (OrgPolicy.Access cl : OrgPolicy.Access.values()) {
        for (OrgPolicy.Approval ap : OrgPolicy.Approval.values()) {
          rows.add(Arguments.of(fg, cl, ap));
        }
      }
    }
    return rows.stream();
  }

  @ParameterizedTest(name = "no enterprise: fine_grained {0}, classic {1}, approval {2}")
  @MethodSource("orgWithoutEnterprise")
  void orgWithoutEnterpriseDecidesAlone(
      OrgPolicy.Access fg, OrgPolicy.Access cl, OrgPolicy.Approval ap) {
    EffectivePolicy p = EffectivePolicy.of(org(new OrgPolicy(fg, cl, ap, 30, 60), null), null);
    assertNull(p.enterpriseSlug());
    assertEquals(fg == OrgPolicy.Access.RESTRICTED, p.fineGrainedRestricted());
    assertEquals(cl == OrgPolicy.Access.RESTRICTED, p.classicRestricted());
    assertFalse(p.fineGrainedRestrictedByEnterprise());
    assertFalse(p.classicRestrictedByEnterprise());
    assertEquals(ap == OrgPolicy.Approval.REQUIRED, p.approvalRequired());
    assertEquals(30, p.fineGrainedMaxLifetimeDays());
    assertEquals(60, p.classicMaxLifetimeDays());
  }

  static Stream<Arguments> lifetimes() {
    List<Arguments> rows = new ArrayList<>();
    for (Integer e : LIFETIMES) {
      for (Integer o : LIFETIMES) {
        rows.add(Arguments.of(e, o));
      }
    }
    return rows.stream();
  }

  @ParameterizedTest(name = "max lifetime enterprise {0} × org {1}")
  @MethodSource("lifetimes")
  void maxLifetimeIsTheStricterOfBoth(Integer ent, Integer org) {
    Integer expected = ent == null ? org : org == null ? ent : Integer.valueOf(Math.min(ent, org));
    // Whatever the access settings say: the lifetime rule does not depend on org_configures.
    for (EnterprisePolicy.Access access : EnterprisePolicy.Access.values()) {
      EffectivePolicy fg =
          EffectivePolicy.of(
              org(
                  new OrgPolicy(
                      OrgPolicy.Access.ALLOWED,
                      OrgPolicy.Access.ALLOWED,
                      OrgPolicy.Approval.REQUIRED,
                      org,
                      null),
                  900L),
              new Enterprise(
                  900,
                  "globex",
                  new EnterprisePolicy(
                      access, access, EnterprisePolicy.Approval.ORG_CONFIGURES, ent, null),
                  Fixtures.LONG_AGO));
      assertEquals(expected, fg.fineGrainedMaxLifetimeDays(), "fine-grained, access " + access);
      assertNull(fg.classicMaxLifetimeDays(), "the other kind is untouched");
      EffectivePolicy cl =
          EffectivePolicy.of(
              org(
                  new OrgPolicy(
                      OrgPolicy.Access.ALLOWED,
                      OrgPolicy.Access.ALLOWED,
                      OrgPolicy.Approval.REQUIRED,
                      null,
                      org),
                  900L),
              new Enterprise(
                  900,
                  "globex",
                  new EnterprisePolicy(
                      access, access, EnterprisePolicy.Approval.ORG_CONFIGURES, null, ent),
                  Fixtures.LONG_AGO));
      assertEquals(expected, cl.classicMaxLifetimeDays(), "classic, access " + access);
      assertNull(cl.fineGrainedMaxLifetimeDays(), "the other kind is untouched");
    }
  }

  @Test
  void defaultsAllowEverythingAndRequireApproval() {
    EffectivePolicy p =
        EffectivePolicy.of(
            org(OrgPolicy.DEFAULT, 900L),
            new Enterprise(900, "globex", EnterprisePolicy.DEFAULT, Fixtures.LONG_AGO));
    assertFalse(p.fineGrainedRestricted());
    assertFalse(p.classicRestricted());
    assertTrue(p.approvalRequired(), "GitHub's default: approval required");
    assertNull(p.fineGrainedMaxLifetimeDays());
    assertNull(p.classicMaxLifetimeDays());
    assertEquals(
        EnterprisePolicy.Access.ORG_CONFIGURES, EnterprisePolicy.DEFAULT.fineGrainedAccess());
    assertEquals(EnterprisePolicy.Access.ORG_CONFIGURES, EnterprisePolicy.DEFAULT.classicAccess());
    assertEquals(
        EnterprisePolicy.Approval.ORG_CONFIGURES, EnterprisePolicy.DEFAULT.fineGrainedApproval());
  }

  @Test
  void policyRecordsRejectLifetimesOutside1To366() {
    for (int bad : new int[] {0, -1, 367}) {
      assertThrows(
          IllegalArgumentException.class,
          () ->
              new OrgPolicy(
                  OrgPolicy.Access.ALLOWED,
                  OrgPolicy.Access.ALLOWED,
                  OrgPolicy.Approval.REQUIRED,
                  bad,
                  null));
      assertThrows(
          IllegalArgumentException.class,
          () ->
              new EnterprisePolicy(
                  EnterprisePolicy.Access.ALLOWED,
                  EnterprisePolicy.Access.ALLOWED,
                  EnterprisePolicy.Approval.REQUIRED,
                  null,
                  bad));
    }
    new OrgPolicy(
        OrgPolicy.Access.ALLOWED, OrgPolicy.Access.ALLOWED, OrgPolicy.Approval.REQUIRED, 1, 366);
  }

  @Test
  void apiNamesRoundTrip() {
    for (EnterprisePolicy.Access a : EnterprisePolicy.Access.values()) {
      assertEquals(a, EnterprisePolicy.Access.fromApiName(a.apiName()));
    }
    for (EnterprisePolicy.Approval a : EnterprisePolicy.Approval.values()) {
      assertEquals(a, EnterprisePolicy.Approval.fromApiName(a.apiName()));
    }
    for (OrgPolicy.Access a : OrgPolicy.Access.values()) {
      assertEquals(a, OrgPolicy.Access.fromApiName(a.apiName()));
    }
    for (OrgPolicy.Approval a : OrgPolicy.Approval.values()) {
      assertEquals(a, OrgPolicy.Approval.fromApiName(a.apiName()));
    }
    assertEquals(
        List.of("org_configures", "restricted", "allowed"),
        Arrays.stream(EnterprisePolicy.Access.values())
            .map(EnterprisePolicy.Access::apiName)
            .toList());
    assertEquals("not_required", OrgPolicy.Approval.NOT_REQUIRED.apiName());
    assertNull(OrgPolicy.Access.fromApiName("org_configures"), "an org cannot say org_configures");
    assertNull(OrgPolicy.Access.fromApiName("ALLOWED"), "API names are lowercase");
  }

  private static Organization org(OrgPolicy p, Long enterpriseId) {
    return new Organization(100, "acme", enterpriseId, BasePermission.READ, p, Fixtures.LONG_AGO);
  }
}
