package dev.portcullis.policy.model;

/** The state of a fine-grained token's access to an organization. */
public enum GrantStatus {
  PENDING,
  APPROVED,
  DENIED,
  /** Approved once, then revoked by the organization: final. */
  REVOKED;

  public String apiName() {
    return ApiEnums.apiName(this);
  }
}
