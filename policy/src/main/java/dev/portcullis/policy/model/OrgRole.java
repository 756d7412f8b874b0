package dev.portcullis.policy.model;

import java.util.Locale;

/** A member's role in an organization: {@code admin} is an owner. */
public enum OrgRole {
  ADMIN,
  MEMBER;

  public String apiName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static OrgRole fromApiName(String name) {
    for (OrgRole r : values()) {
      if (r.apiName().equals(name)) {
        return r;
      }
    }
    return null;
  }
}
