package dev.portcullis.policy.model;

/**
 * The policy that actually applies to one organization's resources, after the enterprise's
 * overrides. Each restriction remembers who imposed it, so denials can name the enterprise or the
 * organization.
 *
 * @param enterpriseSlug the organization's enterprise, or {@code null}
 * @param fineGrainedMaxLifetimeDays the stricter of enterprise and organization, null = none
 * @param fineGrainedMaxByEnterprise the binding maximum is the enterprise's
 */
public record EffectivePolicy(
    String orgLogin,
    String enterpriseSlug,
    boolean fineGrainedRestricted,
    boolean fineGrainedRestrictedByEnterprise,
    boolean classicRestricted,
    boolean classicRestrictedByEnterprise,
    boolean approvalRequired,
    Integer fineGrainedMaxLifetimeDays,
    boolean fineGrainedMaxByEnterprise,
    Integer classicMaxLifetimeDays,
    boolean classicMaxByEnterprise) {

  /** Applies the effective-value rules of DESIGN.md. {@code enterprise} may be null. */
  public static EffectivePolicy of(Organization org, Enterprise enterprise) {
    OrgPolicy o = org.policy();
    EnterprisePolicy e = enterprise == null ? EnterprisePolicy.DEFAULT : enterprise.policy();
    boolean fgByEnt = e.fineGrainedAccess() != EnterprisePolicy.Access.ORG_CONFIGURES;
    boolean fgRestricted =
        fgByEnt
            ? e.fineGrainedAccess() == EnterprisePolicy.Access.RESTRICTED
            : o.fineGrainedAccess() == OrgPolicy.Access.RESTRICTED;
    boolean clByEnt = e.classicAccess() != EnterprisePolicy.Access.ORG_CONFIGURES;
    boolean clRestricted =
        clByEnt
            ? e.classicAccess() == EnterprisePolicy.Access.RESTRICTED
            : o.classicAccess() == OrgPolicy.Access.RESTRICTED;
    boolean approval =
        switch (e.fineGrainedApproval()) {
          case REQUIRED -> true;
          case DISABLED -> false;
          case ORG_CONFIGURES -> o.fineGrainedApproval() == OrgPolicy.Approval.REQUIRED;
        };
    return new EffectivePolicy(
        org.login(),
        enterprise == null ? null : enterprise.slug(),
        fgRestricted,
        fgByEnt && fgRestricted,
        clRestricted,
        clByEnt && clRestricted,
        approval,
        MaxLifetime.stricter(e.fineGrainedMaxLifetimeDays(), o.fineGrainedMaxLifetimeDays()),
        bindsFirst(e.fineGrainedMaxLifetimeDays(), o.fineGrainedMaxLifetimeDays()),
        MaxLifetime.stricter(e.classicMaxLifetimeDays(), o.classicMaxLifetimeDays()),
        bindsFirst(e.classicMaxLifetimeDays(), o.classicMaxLifetimeDays()));
  }

  /** Whether limit {@code a} is the binding one of the two (ties go to {@code a}). */
  private static boolean bindsFirst(Integer a, Integer b) {
    return a != null && (b == null || a <= b);
  }

  /** Who a lifetime denial names: the enterprise when its maximum binds, else the organization. */
  public String lifetimeImposer(boolean classic) {
    boolean byEnterprise = classic ? classicMaxByEnterprise : fineGrainedMaxByEnterprise;
    return byEnterprise && enterpriseSlug != null
        ? "The '" + enterpriseSlug + "' enterprise"
        : "The '" + orgLogin + "' organization";
  }
}
