package dev.portcullis.policy.model;

import java.util.Set;

/** The scope names a classic token may carry: GitHub's OAuth scopes plus {@code site_admin}. */
public final class ClassicScopes {
  public static final String REPO = "repo";
  public static final String PUBLIC_REPO = "public_repo";
  public static final String WORKFLOW = "workflow";
  public static final String ADMIN_ORG = "admin:org";
  public static final String ADMIN_ENTERPRISE = "admin:enterprise";
  public static final String SITE_ADMIN = "site_admin";

  private static final Set<String> KNOWN =
      Set.of(
          "repo",
          "repo:status",
          "repo_deployment",
          "public_repo",
          "repo:invite",
          "security_events",
          "admin:repo_hook",
          "write:repo_hook",
          "read:repo_hook",
          "admin:org",
          "write:org",
          "read:org",
          "admin:public_key",
          "write:public_key",
          "read:public_key",
          "admin:org_hook",
          "gist",
          "notifications",
          "user",
          "read:user",
          "user:email",
          "user:follow",
          "delete_repo",
          "write:packages",
          "read:packages",
          "delete:packages",
          "admin:gpg_key",
          "write:gpg_key",
          "read:gpg_key",
          "codespace",
          "workflow",
          "project",
          "read:project",
          "admin:enterprise",
          "manage_runners:enterprise",
          "manage_billing:enterprise",
          "read:enterprise",
          "audit_log",
          "read:audit_log",
          "copilot",
          "manage_billing:copilot",
          "admin:ssh_signing_key",
          "write:ssh_signing_key",
          "read:ssh_signing_key",
          "write:discussion",
          "read:discussion",
          "site_admin");

  private ClassicScopes() {}

  /** Every scope name, in alphabetical order. */
  public static java.util.List<String> all() {
    return KNOWN.stream().sorted().toList();
  }

  public static boolean isKnown(String scope) {
    return KNOWN.contains(scope);
  }
}
