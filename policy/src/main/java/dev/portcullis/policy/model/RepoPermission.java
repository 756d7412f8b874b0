package dev.portcullis.policy.model;

/** A user's role on a repository, weakest first, with GitHub's collaborator names. */
public enum RepoPermission {
  NONE("none"),
  READ("pull"),
  TRIAGE("triage"),
  WRITE("push"),
  MAINTAIN("maintain"),
  ADMIN("admin");

  private final String apiName;

  RepoPermission(String apiName) {
    this.apiName = apiName;
  }

  /** {@code pull}, {@code triage}, {@code push}, {@code maintain} or {@code admin}. */
  public String apiName() {
    return apiName;
  }

  public boolean atLeast(RepoPermission other) {
    return compareTo(other) >= 0;
  }

  public static RepoPermission max(RepoPermission a, RepoPermission b) {
    return a.compareTo(b) >= 0 ? a : b;
  }

  /** A collaborator permission by its API name (not {@code none}), or {@code null}. */
  public static RepoPermission fromCollaboratorName(String name) {
    for (RepoPermission p : values()) {
      if (p != NONE && p.apiName.equals(name)) {
        return p;
      }
    }
    return null;
  }
}
