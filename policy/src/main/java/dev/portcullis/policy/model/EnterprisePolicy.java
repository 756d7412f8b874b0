package dev.portcullis.policy.model;

import java.util.Objects;

/**
 * An enterprise's personal access token policy. Each setting defaults to {@code org_configures};
 * anything else overrides the organizations of the enterprise.
 *
 * @param fineGrainedMaxLifetimeDays null (no limit) or 1–366
 * @param classicMaxLifetimeDays null (no limit) or 1–366
 */
public record EnterprisePolicy(
    Access fineGrainedAccess,
    Access classicAccess,
    Approval fineGrainedApproval,
    Integer fineGrainedMaxLifetimeDays,
    Integer classicMaxLifetimeDays) {

  /** {@code fine_grained_access} / {@code classic_access}. */
  public enum Access {
    ORG_CONFIGURES,
    RESTRICTED,
    ALLOWED;

    public String apiName() {
      return ApiEnums.apiName(this);
    }

    public static Access fromApiName(String s) {
      return ApiEnums.fromApiName(Access.class, s);
    }
  }

  /** {@code fine_grained_approval}. */
  public enum Approval {
    ORG_CONFIGURES,
    REQUIRED,
    DISABLED;

    public String apiName() {
      return ApiEnums.apiName(this);
    }

    public static Approval fromApiName(String s) {
      return ApiEnums.fromApiName(Approval.class, s);
    }
  }

  public static final EnterprisePolicy DEFAULT =
      new EnterprisePolicy(
          Access.ORG_CONFIGURES, Access.ORG_CONFIGURES, Approval.ORG_CONFIGURES, null, null);

  public EnterprisePolicy {
    Objects.requireNonNull(fineGrainedAccess, "fineGrainedAccess");
    Objects.requireNonNull(classicAccess, "classicAccess");
    Objects.requireNonNull(fineGrainedApproval, "fineGrainedApproval");
    MaxLifetime.check(fineGrainedMaxLifetimeDays, "fine_grained_max_lifetime_days");
    MaxLifetime.check(classicMaxLifetimeDays, "classic_max_lifetime_days");
  }
}
