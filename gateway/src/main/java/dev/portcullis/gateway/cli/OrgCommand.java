package dev.portcullis.gateway.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code gateway org}: organizations, their token policy, members and base permission. */
@Command(
    name = "org",
    mixinStandardHelpOptions = true,
    description =
        "Create, list and delete organizations and manage their token policy, members and base permission.",
    subcommands = {
      OrgCommand.Create.class,
      OrgCommand.ListOrgs.class,
      OrgCommand.Delete.class,
      OrgCommand.Policy.class,
      OrgCommand.AddMember.class,
      OrgCommand.RemoveMember.class,
      OrgCommand.BasePermission.class
    })
final class OrgCommand implements Runnable {
  static final Set<String> ACCESS = Set.of("allowed", "restricted");
  static final Set<String> APPROVAL = Set.of("required", "not_required");
  static final Set<String> PUSH_PROTECTION = Set.of("enabled", "disabled");
  static final Set<String> BOOLEANS = Set.of("true", "false");
  static final Set<String> ROLES = Set.of("admin", "member");
  static final Set<String> BASE_PERMISSIONS = Set.of("none", "read", "write", "admin");

  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(
        spec.commandLine(),
        "Missing subcommand: create, list, delete, policy, add-member, remove-member or base-permission");
  }

  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      description =
          "Create an organization (POST /admin/organizations; site administrators). --admin becomes its first owner.")
  static final class Create extends ApiClient.Subcommand {
    @Parameters(paramLabel = "LOGIN", description = "the organization's login")
    String login;

    @Option(
        names = "--admin",
        paramLabel = "USER",
        required = true,
        description = "the user who becomes the first owner")
    String admin;

    @Option(
        names = "--enterprise",
        paramLabel = "SLUG",
        description = "the enterprise the organization belongs to")
    String enterprise;

    @Override
    int run(ApiClient api) {
      ObjectNode body = ApiClient.object().put("login", login).put("admin", admin);
      putIf(body, "enterprise", enterprise);
      return api.call("POST", "/admin/organizations", body, null);
    }
  }

  @Command(
      name = "delete",
      mixinStandardHelpOptions = true,
      description = {
        "Delete an organization (DELETE /orgs/{org}; its owners and site administrators) with its repositories,",
        "also on disk, its memberships, and the fine-grained tokens aimed at it with their requests and grants.",
        "Its members stay. Needs --yes."
      })
  static final class Delete extends ApiClient.Subcommand {
    @Parameters(paramLabel = "LOGIN", description = "the organization")
    String login;

    @Option(names = "--yes", description = "confirm the deletion")
    boolean yes;

    @Override
    void validate() {
      requireYes(
          yes,
          "deleting the organization "
              + login
              + " deletes its repositories and the tokens, requests and grants aimed at it");
    }

    @Override
    int run(ApiClient api) {
      return api.call(
          "DELETE", "/orgs/" + ApiClient.seg(login), null, "deleted organization " + login);
    }
  }

  @Command(
      name = "policy",
      mixinStandardHelpOptions = true,
      description = {
        "Change an organization's personal access token policy and push protection (PUT /orgs/{org}/personal-access-token-policy).",
        "Only the options given change; an enterprise setting other than org_configures still overrides them.",
        "Prints the organization's whole policy afterwards."
      })
  static final class Policy extends ApiClient.Subcommand {
    @Parameters(paramLabel = "ORG", description = "the organization")
    String org;

    @Option(
        names = "--fine-grained-access",
        paramLabel = "MODE",
        description = "allowed or restricted")
    String fineGrainedAccess;

    @Option(names = "--classic-access", paramLabel = "MODE", description = "allowed or restricted")
    String classicAccess;

    @Option(
        names = "--fine-grained-approval",
        paramLabel = "MODE",
        description =
            "required or not_required: whether fine-grained tokens of members need an owner's approval")
    String fineGrainedApproval;

    @Option(
        names = "--fine-grained-max-lifetime",
        paramLabel = "DAYS|none",
        description = "longest lifetime of fine-grained tokens, 1–366 days, or none for no limit")
    String fineGrainedMaxLifetime;

    @Option(
        names = "--classic-max-lifetime",
        paramLabel = "DAYS|none",
        description = "longest lifetime of classic tokens, 1–366 days, or none for no limit")
    String classicMaxLifetime;

    @Option(
        names = "--push-protection",
        paramLabel = "MODE",
        description =
            "enabled or disabled: whether pushes carrying a token of this gateway are refused")
    String pushProtection;

    @Option(
        names = "--require-token-networks",
        paramLabel = "BOOL",
        description =
            "true or false: whether fine-grained tokens that target the organization must carry allowed networks")
    String requireTokenNetworks;

    @Option(
        names = "--token-networks",
        paramLabel = "CIDR,…|none",
        description =
            "the networks every such token's allowed networks must sit inside (comma-separated CIDR blocks), or none")
    String tokenNetworks;

    private ObjectNode patch;

    @Override
    void validate() {
      patch = ApiClient.object();
      putIf(
          patch, "fine_grained_access", oneOf("--fine-grained-access", fineGrainedAccess, ACCESS));
      putIf(patch, "classic_access", oneOf("--classic-access", classicAccess, ACCESS));
      putIf(
          patch,
          "fine_grained_approval",
          oneOf("--fine-grained-approval", fineGrainedApproval, APPROVAL));
      putLifetime(
          patch,
          "fine_grained_max_lifetime_days",
          "--fine-grained-max-lifetime",
          fineGrainedMaxLifetime);
      putLifetime(patch, "classic_max_lifetime_days", "--classic-max-lifetime", classicMaxLifetime);
      putIf(patch, "push_protection", oneOf("--push-protection", pushProtection, PUSH_PROTECTION));
      if (oneOf("--require-token-networks", requireTokenNetworks, BOOLEANS) != null) {
        patch.put("require_token_networks", Boolean.parseBoolean(requireTokenNetworks));
      }
      if (tokenNetworks != null) {
        if (tokenNetworks.strip().equalsIgnoreCase("none")) {
          patch.putNull("token_networks");
        } else {
          ArrayNode n = patch.putArray("token_networks");
          for (String cidr : tokenNetworks.split(",")) {
            n.add(cidr.strip());
          }
        }
      }
    }

    @Override
    int run(ApiClient api) {
      return api.call(
          "PUT", "/orgs/" + ApiClient.seg(org) + "/personal-access-token-policy", patch, null);
    }
  }

  @Command(
      name = "add-member",
      mixinStandardHelpOptions = true,
      description =
          "Add a user to an organization, or change their role (PUT /orgs/{org}/memberships/{login}).")
  static final class AddMember extends ApiClient.Subcommand {
    @Parameters(index = "0", paramLabel = "ORG", description = "the organization")
    String org;

    @Parameters(index = "1", paramLabel = "LOGIN", description = "the user")
    String login;

    @Option(
        names = "--role",
        paramLabel = "ROLE",
        description = "admin (an owner) or member (the default)")
    String role;

    @Override
    void validate() {
      oneOf("--role", role, ROLES);
    }

    @Override
    int run(ApiClient api) {
      ObjectNode body = ApiClient.object();
      putIf(body, "role", role);
      return api.call(
          "PUT",
          "/orgs/" + ApiClient.seg(org) + "/memberships/" + ApiClient.seg(login),
          body,
          null);
    }
  }

  @Command(
      name = "remove-member",
      mixinStandardHelpOptions = true,
      description = "Remove a user from an organization (DELETE /orgs/{org}/memberships/{login}).")
  static final class RemoveMember extends ApiClient.Subcommand {
    @Parameters(index = "0", paramLabel = "ORG", description = "the organization")
    String org;

    @Parameters(index = "1", paramLabel = "LOGIN", description = "the member to remove")
    String login;

    @Override
    int run(ApiClient api) {
      return api.call(
          "DELETE",
          "/orgs/" + ApiClient.seg(org) + "/memberships/" + ApiClient.seg(login),
          null,
          "removed " + login + " from " + org);
    }
  }

  @Command(
      name = "base-permission",
      mixinStandardHelpOptions = true,
      description =
          "Set the permission every member has on the organization's repositories (PUT /orgs/{org}/base-permission).")
  static final class BasePermission extends ApiClient.Subcommand {
    @Parameters(index = "0", paramLabel = "ORG", description = "the organization")
    String org;

    @Parameters(index = "1", paramLabel = "PERMISSION", description = "none, read, write or admin")
    String permission;

    @Override
    void validate() {
      oneOf("PERMISSION", permission, BASE_PERMISSIONS);
    }

    @Override
    int run(ApiClient api) {
      return api.call(
          "PUT",
          "/orgs/" + ApiClient.seg(org) + "/base-permission",
          ApiClient.object().put("permission", permission),
          null);
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = {
        "List organizations in the order they were created (GET /organizations): every one for a site",
        "administrator, else those the caller belongs to; with --enterprise, that enterprise's by login",
        "(GET /enterprises/{slug}/organizations; site administrators)."
      })
  static final class ListOrgs extends PagedCommand {
    @Option(
        names = "--enterprise",
        paramLabel = "SLUG",
        description = "only the organizations of this enterprise")
    String enterprise;

    @Override
    List<Table.Column> columns() {
      return List.of(Table.column("LOGIN", "login"), Table.column("ID", "id"));
    }

    @Override
    int run(ApiClient api) {
      return list(
          api,
          enterprise == null
              ? "/organizations"
              : "/enterprises/" + ApiClient.seg(enterprise) + "/organizations",
          List.of());
    }
  }
}
