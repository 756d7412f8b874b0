package dev.portcullis.policy.model;

/** Which repositories of its resource owner a fine-grained token may reach. */
public enum RepositorySelection {
  /** Every repository of the resource owner, present and future. */
  ALL,
  /** Only the repositories named at creation. */
  SUBSET,
  /** None: public repositories only, read-only. */
  NONE;

  public String apiName() {
    return ApiEnums.apiName(this);
  }

  public static RepositorySelection fromApiName(String s) {
    return ApiEnums.fromApiName(RepositorySelection.class, s);
  }
}
