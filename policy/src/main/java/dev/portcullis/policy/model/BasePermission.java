package dev.portcullis.policy.model;

import java.util.Locale;

/** An organization's base permission for its members on all its repositories. */
public enum BasePermission {
  NONE(RepoPermission.NONE),
  READ(RepoPermission.READ),
  WRITE(RepoPermission.WRITE),
  ADMIN(RepoPermission.ADMIN);

  private final RepoPermission grants;

  BasePermission(RepoPermission grants) {
    this.grants = grants;
  }

  /** The repository permission this base permission gives every member. */
  public RepoPermission grants() {
    return grants;
  }

  public String apiName() {
    return name().toLowerCase(Locale.ROOT);
  }

  public static BasePermission fromApiName(String name) {
    for (BasePermission p : values()) {
      if (p.apiName().equals(name)) {
        return p;
      }
    }
    return null;
  }
}
