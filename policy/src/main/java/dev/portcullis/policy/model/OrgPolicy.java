package dev.portcullis.policy.model;

import java.util.Objects;

/**
 * An organization's own personal access token policy, used only where its enterprise says {@code
 * org_configures} (or it has no enterprise), and its push protection setting, which is the
 * organization's alone.
 *
 * @param pushProtection whether pushes carrying a token of this gateway are refused
 * @param requireTokenNetworks whether fine-grained tokens that target the organization must carry
 *     {@code allowed_networks}
 * @param tokenNetworks the networks every such token's {@code allowed_networks} must sit inside;
 *     {@code null} = no limit
 */
public record OrgPolicy(
    Access fineGrainedAccess,
    Access classicAccess,
    Approval fineGrainedApproval,
    Integer fineGrainedMaxLifetimeDays,
    Integer classicMaxLifetimeDays,
    PushProtection pushProtection,
    boolean requireTokenNetworks,
    NetworkList tokenNetworks) {

  /** {@code allowed} (default) or {@code restricted}. */
  public enum Access {
    ALLOWED,
    RESTRICTED;

    public String apiName() {
      return ApiEnums.apiName(this);
    }

    public static Access fromApiName(String s) {
      return ApiEnums.fromApiName(Access.class, s);
    }
  }

  /** {@code required} (default) or {@code not_required}. */
  public enum Approval {
    REQUIRED,
    NOT_REQUIRED;

    public String apiName() {
      return ApiEnums.apiName(this);
    }

    public static Approval fromApiName(String s) {
      return ApiEnums.fromApiName(Approval.class, s);
    }
  }

  /** {@code enabled} (default) or {@code disabled}. */
  public enum PushProtection {
    ENABLED,
    DISABLED;

    public String apiName() {
      return ApiEnums.apiName(this);
    }

    public static PushProtection fromApiName(String s) {
      return ApiEnums.fromApiName(PushProtection.class, s);
    }
  }

  public static final OrgPolicy DEFAULT =
      new OrgPolicy(
          Access.ALLOWED, Access.ALLOWED, Approval.REQUIRED, null, null, PushProtection.ENABLED);

  /** A token policy with push protection at its default, enabled. */
  public OrgPolicy(
      Access fineGrainedAccess,
      Access classicAccess,
      Approval fineGrainedApproval,
      Integer fineGrainedMaxLifetimeDays,
      Integer classicMaxLifetimeDays) {
    this(
        fineGrainedAccess,
        classicAccess,
        fineGrainedApproval,
        fineGrainedMaxLifetimeDays,
        classicMaxLifetimeDays,
        PushProtection.ENABLED);
  }

  /** A policy that puts no network condition on tokens. */
  public OrgPolicy(
      Access fineGrainedAccess,
      Access classicAccess,
      Approval fineGrainedApproval,
      Integer fineGrainedMaxLifetimeDays,
      Integer classicMaxLifetimeDays,
      PushProtection pushProtection) {
    this(
        fineGrainedAccess,
        classicAccess,
        fineGrainedApproval,
        fineGrainedMaxLifetimeDays,
        classicMaxLifetimeDays,
        pushProtection,
        false,
        null);
  }

  /**
   * Whether a fine-grained token targeting the organization with {@code allowed} ({@code null} =
   * none) meets its network settings: a list when one is required, and inside {@link
   * #tokenNetworks} when that is set (a token usable from anywhere is not inside it).
   */
  public boolean admitsTokenNetworks(NetworkList allowed) {
    if (allowed == null) {
      return !requireTokenNetworks && tokenNetworks == null;
    }
    return tokenNetworks == null || tokenNetworks.covers(allowed);
  }

  public OrgPolicy {
    Objects.requireNonNull(fineGrainedAccess, "fineGrainedAccess");
    Objects.requireNonNull(pushProtection, "pushProtection");
    Objects.requireNonNull(classicAccess, "classicAccess");
    Objects.requireNonNull(fineGrainedApproval, "fineGrainedApproval");
    MaxLifetime.check(fineGrainedMaxLifetimeDays, "fine_grained_max_lifetime_days");
    MaxLifetime.check(classicMaxLifetimeDays, "classic_max_lifetime_days");
  }
}
