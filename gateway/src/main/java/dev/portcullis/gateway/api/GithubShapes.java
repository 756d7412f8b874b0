package dev.portcullis.gateway.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.policy.admin.GrantListing;
import dev.portcullis.policy.admin.RepositoryView;
import dev.portcullis.policy.model.AccessToken;
import dev.portcullis.policy.model.Enterprise;
import dev.portcullis.policy.model.EnterprisePolicy;
import dev.portcullis.policy.model.FineGrainedPermissions;
import dev.portcullis.policy.model.Grant;
import dev.portcullis.policy.model.NetworkList;
import dev.portcullis.policy.model.Notification;
import dev.portcullis.policy.model.OrgPolicy;
import dev.portcullis.policy.model.OrgRole;
import dev.portcullis.policy.model.Organization;
import dev.portcullis.policy.model.Owner;
import dev.portcullis.policy.model.PermissionLevel;
import dev.portcullis.policy.model.PolicyException;
import dev.portcullis.policy.model.RefPatterns;
import dev.portcullis.policy.model.RepoPermission;
import dev.portcullis.policy.model.Repository;
import dev.portcullis.policy.model.User;
import dev.portcullis.policy.model.Visibility;
import dev.portcullis.policy.store.PolicyStore;
import dev.portcullis.policy.token.TokenKind;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * GitHub's response shapes from shared/contract ({@code simple-user}, {@code minimal-repository},
 * {@code organization-programmatic-access-grant[-request]}) and from GitHub's REST description
 * ({@code public-user}, {@code organization-simple}, {@code organization-full}, {@code
 * full-repository}, {@code collaborator}), with URLs pointing at this gateway.
 */
final class GithubShapes {
  private final ObjectMapper json;

  GithubShapes(ObjectMapper json) {
    this.json = json;
  }

  private static String nodeId(String kind, long id) {
    return Base64.getEncoder()
        .withoutPadding()
        .encodeToString((kind + ":" + id).getBytes(StandardCharsets.UTF_8));
  }

  /** {@code simple-user}; organizations use the same shape with type {@code Organization}. */
  ObjectNode simpleUser(Owner owner, boolean siteAdmin, String base) {
    boolean org = owner instanceof Organization;
    String api = base + ApiServlet.PREFIX + (org ? "/orgs/" : "/users/") + owner.login();
    String users = base + ApiServlet.PREFIX + "/users/" + owner.login();
    ObjectNode o = json.createObjectNode();
    o.put("login", owner.login());
    o.put("id", owner.id());
    o.put("node_id", nodeId(org ? "Organization" : "User", owner.id()));
    o.put("avatar_url", base + "/avatars/" + owner.login());
    o.put("gravatar_id", "");
    o.put("url", api);
    o.put("html_url", base + "/" + owner.login());
    o.put("followers_url", users + "/followers");
    o.put("following_url", users + "/following{/other_user}");
    o.put("gists_url", users + "/gists{/gist_id}");
    o.put("starred_url", users + "/starred{/owner}{/repo}");
    o.put("subscriptions_url", users + "/subscriptions");
    o.put("organizations_url", users + "/orgs");
    o.put("repos_url", api + "/repos");
    o.put("events_url", users + "/events{/privacy}");
    o.put("received_events_url", users + "/received_events");
    o.put("type", org ? "Organization" : "User");
    o.put("site_admin", siteAdmin);
    o.put("user_view_type", "public");
    return o;
  }

  /** {@code minimal-repository}: all 46 required fields, plus the useful optional ones. */
  ObjectNode minimalRepository(Repository r, Owner owner, String base) {
    String api = base + ApiServlet.PREFIX + "/repos/" + r.fullName();
    ObjectNode o = json.createObjectNode();
    o.put("id", r.id());
    o.put("node_id", nodeId("Repository", r.id()));
    o.put("name", r.name());
    o.put("full_name", r.fullName());
    o.set("owner", simpleUser(owner, false, base));
    o.put("private", r.visibility() != Visibility.PUBLIC);
    o.put("html_url", base + "/" + r.fullName());
    o.putNull("description");
    o.put("fork", false);
    o.put("url", api);
    o.put("archive_url", api + "/{archive_format}{/ref}");
    o.put("assignees_url", api + "/assignees{/user}");
    o.put("blobs_url", api + "/git/blobs{/sha}");
    o.put("branches_url", api + "/branches{/branch}");
    o.put("collaborators_url", api + "/collaborators{/collaborator}");
    o.put("comments_url", api + "/comments{/number}");
    o.put("commits_url", api + "/commits{/sha}");
    o.put("compare_url", api + "/compare/{base}...{head}");
    o.put("contents_url", api + "/contents/{+path}");
    o.put("contributors_url", api + "/contributors");
    o.put("deployments_url", api + "/deployments");
    o.put("downloads_url", api + "/downloads");
    o.put("events_url", api + "/events");
    o.put("forks_url", api + "/forks");
    o.put("git_commits_url", api + "/git/commits{/sha}");
    o.put("git_refs_url", api + "/git/refs{/sha}");
    o.put("git_tags_url", api + "/git/tags{/sha}");
    o.put("hooks_url", api + "/hooks");
    o.put("issue_comment_url", api + "/issues/comments{/number}");
    o.put("issue_events_url", api + "/issues/events{/number}");
    o.put("issues_url", api + "/issues{/number}");
    o.put("keys_url", api + "/keys{/key_id}");
    o.put("labels_url", api + "/labels{/name}");
    o.put("languages_url", api + "/languages");
    o.put("merges_url", api + "/merges");
    o.put("milestones_url", api + "/milestones{/number}");
    o.put("notifications_url", api + "/notifications{?since,all,participating}");
    o.put("pulls_url", api + "/pulls{/number}");
    o.put("releases_url", api + "/releases{/id}");
    o.put("stargazers_url", api + "/stargazers");
    o.put("statuses_url", api + "/statuses/{sha}");
    o.put("subscribers_url", api + "/subscribers");
    o.put("subscription_url", api + "/subscription");
    o.put("tags_url", api + "/tags");
    o.put("teams_url", api + "/teams");
    o.put("trees_url", api + "/git/trees{/sha}");
    o.put("clone_url", base + "/" + r.fullName() + ".git");
    o.put("default_branch", "main");
    o.put("visibility", r.visibility().apiName());
    o.put("archived", false);
    o.put("disabled", false);
    o.put("created_at", r.createdAt().toString());
    return o;
  }

  /**
   * {@code public-user}: {@code simple-user} with the profile fields GitHub requires, empty where
   * the gateway keeps no such thing, and GitHub Enterprise Server's {@code suspended_at}. The
   * gateway keeps no update time: {@code updated_at} is the creation time.
   */
  ObjectNode publicUser(User u, int publicRepos, String base) {
    ObjectNode o = simpleUser(u, u.siteAdmin(), base);
    o.putNull("name");
    o.putNull("company");
    o.put("blog", "");
    o.putNull("location");
    o.putNull("email");
    o.putNull("hireable");
    o.putNull("bio");
    o.put("public_repos", publicRepos);
    o.put("public_gists", 0);
    o.put("followers", 0);
    o.put("following", 0);
    o.put("created_at", ts(u.createdAt()));
    o.put("updated_at", ts(u.createdAt()));
    o.put("suspended_at", ts(u.suspendedAt()));
    return o;
  }

  /** {@code organization-simple}. */
  ObjectNode organizationSimple(Organization org, String base) {
    String api = base + ApiServlet.PREFIX + "/orgs/" + org.login();
    ObjectNode o = json.createObjectNode();
    o.put("login", org.login());
    o.put("id", org.id());
    o.put("node_id", nodeId("Organization", org.id()));
    o.put("url", api);
    o.put("repos_url", api + "/repos");
    o.put("events_url", api + "/events");
    o.put("hooks_url", api + "/hooks");
    o.put("issues_url", api + "/issues");
    o.put("members_url", api + "/members{/member}");
    o.put("public_members_url", api + "/public_members{/member}");
    o.put("avatar_url", base + "/avatars/" + org.login());
    o.putNull("description");
    return o;
  }

  /**
   * {@code organization-full}: {@code organization-simple} with the fields GitHub requires, its
   * base permission as {@code default_repository_permission}, and the gateway's {@code enterprise}
   * (its slug, or null). As for users, {@code updated_at} is the creation time.
   */
  ObjectNode organizationFull(Organization org, String enterprise, int publicRepos, String base) {
    ObjectNode o = organizationSimple(org, base);
    o.putNull("name");
    o.put("html_url", base + "/" + org.login());
    o.put("has_organization_projects", false);
    o.put("has_repository_projects", false);
    o.put("public_repos", publicRepos);
    o.put("public_gists", 0);
    o.put("followers", 0);
    o.put("following", 0);
    o.put("type", "Organization");
    o.put("default_repository_permission", org.basePermission().apiName());
    o.put("enterprise", enterprise);
    o.put("created_at", ts(org.createdAt()));
    o.put("updated_at", ts(org.createdAt()));
    o.putNull("archived_at");
    return o;
  }

  /**
   * {@code full-repository}: {@code minimal-repository} with the fields GitHub requires (counts the
   * gateway does not keep are 0), the caller's {@code permissions}, and the owning {@code
   * organization}. GitHub's {@code git_url} and {@code ssh_url} are left out: the gateway serves
   * HTTPS only. As for users, {@code updated_at} and {@code pushed_at} are the creation time.
   */
  ObjectNode fullRepository(RepositoryView v, String base) {
    Repository r = v.repository();
    ObjectNode o = minimalRepository(r, v.owner(), base);
    o.put("svn_url", base + "/" + r.fullName());
    o.putNull("homepage");
    o.putNull("language");
    o.putNull("mirror_url");
    o.put("forks_count", 0);
    o.put("forks", 0);
    o.put("stargazers_count", 0);
    o.put("watchers_count", 0);
    o.put("watchers", 0);
    o.put("subscribers_count", 0);
    o.put("network_count", 0);
    o.put("size", 0);
    o.put("open_issues_count", 0);
    o.put("open_issues", 0);
    o.put("has_issues", false);
    o.put("has_projects", false);
    o.put("has_wiki", false);
    o.put("has_pages", false);
    o.put("has_downloads", false);
    o.put("has_discussions", false);
    o.put("pushed_at", ts(r.createdAt()));
    o.put("updated_at", ts(r.createdAt()));
    o.set("permissions", permissions(v.permission()));
    if (v.owner() instanceof Organization org) {
      o.set("organization", simpleUser(org, false, base));
    }
    return o;
  }

  /** GitHub's {@code permissions} object: each role the permission includes is true. */
  private ObjectNode permissions(RepoPermission p) {
    ObjectNode o = json.createObjectNode();
    o.put("admin", p.atLeast(RepoPermission.ADMIN));
    o.put("maintain", p.atLeast(RepoPermission.MAINTAIN));
    o.put("push", p.atLeast(RepoPermission.WRITE));
    o.put("triage", p.atLeast(RepoPermission.TRIAGE));
    o.put("pull", p.atLeast(RepoPermission.READ));
    return o;
  }

  /**
   * {@code collaborator}: {@code simple-user} with the collaborator's {@code permissions} and
   * {@code role_name} (GitHub's role names: read, triage, write, maintain, admin).
   */
  ObjectNode collaboratorUser(PolicyStore.Collaborator c, String base) {
    ObjectNode o = simpleUser(c.user(), c.user().siteAdmin(), base);
    o.set("permissions", permissions(c.permission()));
    o.put(
        "role_name",
        switch (c.permission()) {
          case READ -> "read";
          case WRITE -> "write";
          default -> c.permission().apiName();
        });
    return o;
  }

  /** The fields shared by requests and grants. */
  private ObjectNode grantCommon(
      GrantListing l, long id, String repositoriesUrl, String base, Instant now) {
    return tokenFields(l.token(), l.owner(), l.lastUsedAt(), id, repositoriesUrl, base, now);
  }

  /**
   * A token as the organization sees it, with the request and grant objects' fields: {@code id},
   * {@code owner}, {@code repository_selection}, {@code repositories_url}, {@code permissions},
   * {@code token_id}, {@code token_name}, {@code token_expired}, {@code token_expires_at}, {@code
   * token_last_used_at} and {@code ref_patterns}.
   */
  ObjectNode tokenFields(
      AccessToken t,
      User owner,
      Instant lastUsedAt,
      long id,
      String repositoriesUrl,
      String base,
      Instant now) {
    ObjectNode o = json.createObjectNode();
    o.put("id", id);
    o.set("owner", simpleUser(owner, owner.siteAdmin(), base));
    o.put("repository_selection", t.repositorySelection().apiName());
    o.put("repositories_url", repositoriesUrl);
    ObjectNode perms = o.putObject("permissions");
    Map<String, String> org = new TreeMap<>();
    Map<String, String> repo = new TreeMap<>();
    Map<String, String> other = new TreeMap<>();
    for (Map.Entry<String, PermissionLevel> e : t.permissions().entrySet()) {
      FineGrainedPermissions.Definition d = FineGrainedPermissions.get(e.getKey());
      Map<String, String> target =
          d == null
              ? other
              : switch (d.category()) {
                case ORGANIZATION -> org;
                case REPOSITORY -> repo;
                case ACCOUNT -> other;
              };
      target.put(e.getKey(), e.getValue().apiName());
    }
    if (!org.isEmpty()) {
      org.forEach(perms.putObject("organization")::put);
    }
    if (!repo.isEmpty()) {
      repo.forEach(perms.putObject("repository")::put);
    }
    if (!other.isEmpty()) {
      other.forEach(perms.putObject("other")::put);
    }
    o.put("token_id", t.id());
    o.put("token_name", t.name());
    o.put("token_expired", t.expired(now));
    o.put("token_expires_at", t.expiresAt() == null ? null : t.expiresAt().toString());
    o.put("token_last_used_at", lastUsedAt == null ? null : lastUsedAt.toString());
    // A Portcullis extension: the refs a push may update, part of what the owners approve.
    refPatterns(o, t.refPatterns());
    return o;
  }

  /** A token's {@code ref_patterns} as an array, or {@code null} for any ref. */
  private static void refPatterns(ObjectNode o, RefPatterns patterns) {
    if (patterns == null) {
      o.putNull("ref_patterns");
    } else {
      ArrayNode a = o.putArray("ref_patterns");
      patterns.patterns().forEach(a::add);
    }
  }

  /** {@code organization-programmatic-access-grant-request}: {@code id} is the request id. */
  ObjectNode grantRequest(GrantListing l, String org, String base, Instant now) {
    long id = l.grant().id();
    String reposUrl =
        base
            + ApiServlet.PREFIX
            + "/orgs/"
            + org
            + "/personal-access-token-requests/"
            + id
            + "/repositories";
    ObjectNode o = grantCommon(l, id, reposUrl, base, now);
    o.put("reason", l.grant().reason());
    o.put("created_at", l.grant().createdAt().toString());
    return o;
  }

  /**
   * {@code organization-programmatic-access-grant}: {@code id} is the token id ({@code pat_id}).
   */
  ObjectNode grant(GrantListing l, String org, String base, Instant now) {
    long id = l.token().id();
    String reposUrl =
        base
            + ApiServlet.PREFIX
            + "/orgs/"
            + org
            + "/personal-access-tokens/"
            + id
            + "/repositories";
    ObjectNode o = grantCommon(l, id, reposUrl, base, now);
    Instant granted =
        l.grant().accessGrantedAt() != null ? l.grant().accessGrantedAt() : l.grant().createdAt();
    o.put("access_granted_at", granted.toString());
    // A Portcullis extension: when an approval given for a limited time lapses (null: no end).
    o.put("approval_expires_at", ts(l.grant().approvalExpiresAt()));
    return o;
  }

  private static String ts(Instant t) {
    return t == null ? null : t.toString();
  }

  /** A user as {@code POST /admin/users} and {@code GET /user} answer. */
  ObjectNode user(User u, String base) {
    ObjectNode o = json.createObjectNode();
    o.put("login", u.login());
    o.put("id", u.id());
    o.put("type", "User");
    o.put("site_admin", u.siteAdmin());
    o.put("suspended_at", ts(u.suspendedAt()));
    o.put("url", base + ApiServlet.PREFIX + "/users/" + u.login());
    o.put("created_at", ts(u.createdAt()));
    return o;
  }

  /** An organization as {@code POST /admin/organizations} answers. */
  ObjectNode organization(Organization org, String base) {
    ObjectNode o = json.createObjectNode();
    o.put("login", org.login());
    o.put("id", org.id());
    o.put("type", "Organization");
    o.put("url", base + ApiServlet.PREFIX + "/orgs/" + org.login());
    o.put("base_permission", org.basePermission().apiName());
    o.put("created_at", ts(org.createdAt()));
    return o;
  }

  /** A repository as its creation answers. */
  ObjectNode repository(Repository r, String base) {
    ObjectNode o = json.createObjectNode();
    o.put("id", r.id());
    o.put("name", r.name());
    o.put("full_name", r.fullName());
    ObjectNode owner = o.putObject("owner");
    owner.put("login", r.ownerLogin());
    owner.put("id", r.ownerId());
    o.put("private", r.visibility() != Visibility.PUBLIC);
    o.put("visibility", r.visibility().apiName());
    o.put("clone_url", base + "/" + r.fullName() + ".git");
    o.put("url", base + ApiServlet.PREFIX + "/repos/" + r.fullName());
    o.put("created_at", ts(r.createdAt()));
    return o;
  }

  /** An enterprise's token policy, every field. */
  ObjectNode enterprisePolicy(EnterprisePolicy p) {
    ObjectNode o = json.createObjectNode();
    o.put("fine_grained_access", p.fineGrainedAccess().apiName());
    o.put("classic_access", p.classicAccess().apiName());
    o.put("fine_grained_approval", p.fineGrainedApproval().apiName());
    o.putPOJO("fine_grained_max_lifetime_days", p.fineGrainedMaxLifetimeDays());
    o.putPOJO("classic_max_lifetime_days", p.classicMaxLifetimeDays());
    return o;
  }

  /** An organization's own token policy and its push protection setting, every field. */
  ObjectNode orgPolicy(OrgPolicy p) {
    ObjectNode o = json.createObjectNode();
    o.put("fine_grained_access", p.fineGrainedAccess().apiName());
    o.put("classic_access", p.classicAccess().apiName());
    o.put("fine_grained_approval", p.fineGrainedApproval().apiName());
    o.putPOJO("fine_grained_max_lifetime_days", p.fineGrainedMaxLifetimeDays());
    o.putPOJO("classic_max_lifetime_days", p.classicMaxLifetimeDays());
    o.put("push_protection", p.pushProtection().apiName());
    o.put("require_token_networks", p.requireTokenNetworks());
    networks(o, "token_networks", p.tokenNetworks());
    return o;
  }

  /** A list of networks as an array of CIDR blocks, or {@code null} for none. */
  private static void networks(ObjectNode o, String field, NetworkList list) {
    if (list == null) {
      o.putNull(field);
    } else {
      ArrayNode a = o.putArray(field);
      list.cidrs().forEach(a::add);
    }
  }

  /**
   * A token as the admin endpoints show it, never its secret: {@code resourceOwner} and {@code
   * repositoryNames} are a fine-grained token's, resolved by the caller.
   */
  ObjectNode token(AccessToken t, Grant grant, String resourceOwner, List<String> repositoryNames) {
    ObjectNode o = json.createObjectNode();
    o.put("id", t.id());
    o.put("type", t.kind().apiName());
    o.put("name", t.name());
    o.put("description", t.description());
    o.put("created_at", ts(t.createdAt()));
    o.put("expires_at", ts(t.expiresAt()));
    o.put("last_used_at", ts(t.lastUsedAt()));
    if (t.kind() == TokenKind.CLASSIC) {
      ArrayNode s = o.putArray("scopes");
      t.scopes().stream().sorted().forEach(s::add);
    } else {
      o.put("resource_owner", resourceOwner);
      o.put("repository_selection", t.repositorySelection().apiName());
      ArrayNode repos = o.putArray("repositories");
      repositoryNames.forEach(repos::add);
      ObjectNode perms = o.putObject("permissions");
      t.permissions().entrySet().stream()
          .sorted(Map.Entry.comparingByKey())
          .forEach(e -> perms.put(e.getKey(), e.getValue().apiName()));
    }
    networks(o, "allowed_networks", t.allowedNetworks());
    if (t.kind() == TokenKind.FINE_GRAINED) {
      refPatterns(o, t.refPatterns());
    }
    if (grant != null) {
      ObjectNode g = o.putObject("request");
      g.put("id", grant.id());
      g.put("status", grant.status().apiName());
      g.put("approval_expires_at", ts(grant.approvalExpiresAt()));
    }
    return o;
  }

  /**
   * Adds {@code portcullis_secrets} to a token's JSON: its current secret, then the secrets that
   * rotations replaced, most recent first, each with {@code created_at}, {@code expires_at}, {@code
   * last_used_at} and for a replaced one {@code rotated_at} and {@code valid_until}; no hash. The
   * token's {@code last_used_at} becomes the latest use of any of them.
   */
  void secrets(ObjectNode o, AccessToken t, List<PolicyStore.TokenSecret> rotated) {
    ArrayNode arr = o.putArray("portcullis_secrets");
    ObjectNode current = arr.addObject();
    current.put("current", true);
    current.put("created_at", ts(t.createdAt()));
    current.put("expires_at", ts(t.expiresAt()));
    // A use older than the current secret (batched in memory when the rotation happened, written
    // after it) was the previous secret's.
    Instant ownUse = t.lastUsedAt();
    Instant earlier = null;
    if (ownUse != null && ownUse.isBefore(t.createdAt())) {
      earlier = ownUse;
      ownUse = null;
    }
    current.put("last_used_at", ts(ownUse));
    Instant latest = t.lastUsedAt();
    for (PolicyStore.TokenSecret s : rotated) {
      Instant used = latest(s.lastUsedAt(), earlier);
      earlier = null;
      ObjectNode x = arr.addObject();
      x.put("current", false);
      x.put("created_at", ts(s.createdAt()));
      x.put("expires_at", ts(s.expiresAt()));
      x.put("rotated_at", ts(s.rotatedAt()));
      x.put("valid_until", ts(s.validUntil()));
      x.put("last_used_at", ts(used));
      latest = latest(latest, used);
    }
    o.put("last_used_at", ts(latest));
  }

  private static Instant latest(Instant a, Instant b) {
    return a == null ? b : b == null || !b.isAfter(a) ? a : b;
  }

  /** GitHub's error shape: message, documentation URL, field errors, status. */
  ObjectNode error(int status, String message, List<PolicyException.FieldError> errors) {
    ObjectNode o = json.createObjectNode();
    o.put("message", message);
    o.put("documentation_url", ApiServlet.DOCS);
    if (!errors.isEmpty()) {
      ArrayNode arr = o.putArray("errors");
      for (PolicyException.FieldError e : errors) {
        ObjectNode x = arr.addObject();
        if (e.resource() != null) {
          x.put("resource", e.resource());
        }
        if (e.field() != null) {
          x.put("field", e.field());
        }
        x.put("code", e.code());
        if (e.message() != null) {
          x.put("message", e.message());
        }
      }
    }
    o.put("status", Integer.toString(status));
    return o;
  }

  /** An enterprise with its policy, as its creation answers. */
  ObjectNode enterprise(Enterprise e) {
    ObjectNode o = json.createObjectNode();
    o.put("id", e.id());
    o.put("slug", e.slug());
    o.set("personal_access_token_policy", enterprisePolicy(e.policy()));
    return o;
  }

  /** GitHub's {@code org-membership}, reduced to what the gateway keeps. */
  ObjectNode membership(String org, String login, OrgRole role) {
    ObjectNode o = json.createObjectNode();
    o.put("state", "active");
    o.put("role", role.apiName());
    o.put("organization", org);
    o.put("user", login);
    return o;
  }

  ObjectNode basePermission(String org, String permission) {
    ObjectNode o = json.createObjectNode();
    o.put("organization", org);
    o.put("base_permission", permission);
    return o;
  }

  ObjectNode collaborator(String repository, String login, RepoPermission permission) {
    ObjectNode o = json.createObjectNode();
    o.put("repository", repository);
    o.put("user", login);
    o.put("permission", permission.apiName());
    return o;
  }

  /** The empty object of a {@code 202 Accepted}. */
  ObjectNode accepted() {
    return json.createObjectNode();
  }

  /**
   * A notification of the outbox (no GitHub shape exists): what, to whom, and how delivery went.
   */
  ObjectNode notification(Notification n) {
    ObjectNode o = json.createObjectNode();
    o.put("id", n.id());
    o.put("kind", n.kind().apiName());
    o.put("status", n.status());
    o.put("recipient", n.recipientLogin());
    o.put("email", n.recipientEmail());
    o.put("organization", n.orgLogin());
    if (n.tokenId() == null) {
      o.putNull("token_id");
    } else {
      o.put("token_id", n.tokenId());
    }
    o.put("token_name", n.tokenName());
    o.put("attempts", n.attempts());
    o.put("last_error", n.lastError());
    o.put("created_at", ts(n.createdAt()));
    o.put(
        "next_attempt_at", n.status().equals(Notification.PENDING) ? ts(n.nextAttemptAt()) : null);
    o.put("sent_at", n.sentAt() == null ? null : ts(n.sentAt()));
    return o;
  }
}
