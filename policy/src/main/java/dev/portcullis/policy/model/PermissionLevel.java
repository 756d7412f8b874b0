package dev.portcullis.policy.model;

/** A fine-grained permission's access level; each level includes the ones before it. */
public enum PermissionLevel {
  READ,
  WRITE,
  ADMIN;

  public String apiName() {
    return ApiEnums.apiName(this);
  }

  public boolean includes(PermissionLevel other) {
    return compareTo(other) >= 0;
  }

  public static PermissionLevel fromApiName(String s) {
    return ApiEnums.fromApiName(PermissionLevel.class, s);
  }
}
