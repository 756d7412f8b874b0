package dev.portcullis.policy.model;

import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The catalog of fine-grained permissions: name, the kind of resource it applies to and the levels
 * it supports, from GitHub's table (shared/seeds/004). Creation refuses names not listed here and
 * levels a permission does not support.
 */
public final class FineGrainedPermissions {

  /** Where a permission applies; also how the org token endpoints group permissions. */
  public enum Category {
    /**
     * Account permissions: only with the user itself as resource owner. GitHub groups them as
     * "other".
     */
    ACCOUNT,
    REPOSITORY,
    ORGANIZATION
  }

  /** One row of the table. */
  public record Definition(String name, Category category, Set<PermissionLevel> levels) {}

  private static final Map<String, Definition> CATALOG = new LinkedHashMap<>();

  private static void def(Category c, String levels, String... names) {
    EnumSet<PermissionLevel> set = EnumSet.noneOf(PermissionLevel.class);
    for (String l : levels.split(",")) {
      set.add(PermissionLevel.fromApiName(l));
    }
    for (String n : names) {
      CATALOG.put(n, new Definition(n, c, Collections.unmodifiableSet(set)));
    }
  }

  static {
    Category a = Category.ACCOUNT;
    def(
        a,
        "read,write",
        "blocking",
        "codespaces_user_secrets",
        "emails",
        "followers",
        "gpg_keys",
        "keys",
        "interaction_limits",
        "knowledge_bases",
        "git_signing_ssh_public_keys",
        "starring",
        "watching");
    def(
        a,
        "read",
        "copilot_messages",
        "copilot_editor_context",
        "user_events",
        "user_models",
        "plan",
        "private_repository_invitations");
    def(a, "write", "gists", "profile");

    Category r = Category.REPOSITORY;
    def(
        r,
        "read,write",
        "actions",
        "administration",
        "attestations",
        "security_events",
        "codespaces",
        "codespaces_lifecycle_admin",
        "statuses",
        "contents",
        "repository_custom_properties",
        "vulnerability_alerts",
        "dependabot_secrets",
        "deployments",
        "discussions",
        "environments",
        "issues",
        "merge_queues",
        "pages",
        "pull_requests",
        "repository_advisories",
        "secret_scanning_alerts",
        "secrets",
        "actions_variables",
        "repository_hooks");
    def(r, "read", "codespaces_metadata", "metadata");
    def(r, "write", "codespaces_secrets", "workflows");

    Category o = Category.ORGANIZATION;
    def(
        o,
        "read",
        "organization_api_insights",
        "organization_events",
        "organization_models",
        "organization_plan");
    def(
        o,
        "read,write",
        "organization_administration",
        "organization_user_blocking",
        "organization_campaigns",
        "organization_custom_org_roles",
        "organization_custom_roles",
        "organization_copilot_seat_management",
        "issue_types",
        "organization_knowledge_bases",
        "members",
        "organization_network_configurations",
        "organization_announcement_banners",
        "organization_codespaces",
        "organization_codespaces_secrets",
        "organization_codespaces_settings",
        "organization_dependabot_secrets",
        "organization_code_scanning_dismissal_requests",
        "organization_private_registries",
        "organization_secrets",
        "organization_self_hosted_runners",
        "team_discussions",
        "organization_actions_variables",
        "organization_hooks",
        // Needed by the org token endpoints themselves (GitHub's "Personal access token requests"
        // and
        // "Personal access tokens" organization permissions).
        "organization_personal_access_token_requests",
        "organization_personal_access_tokens");
    def(o, "read,write,admin", "organization_custom_properties", "organization_projects");
  }

  private FineGrainedPermissions() {}

  /** The definition of {@code name}, or {@code null} when GitHub has no such permission. */
  public static Definition get(String name) {
    return CATALOG.get(name);
  }

  /** Every known permission, in table order. */
  public static Map<String, Definition> all() {
    return Collections.unmodifiableMap(CATALOG);
  }
}
