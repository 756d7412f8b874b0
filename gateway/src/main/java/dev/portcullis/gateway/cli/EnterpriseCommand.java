package dev.portcullis.gateway.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code gateway enterprise}: create enterprises and name their owners (site administrators), and
 * set their token policy (their owners and site administrators).
 */
@Command(
    name = "enterprise",
    mixinStandardHelpOptions = true,
    description =
        "Create enterprises and name their owners (needs a site administrator's token), and set their personal access token policy (an owner's token with admin:enterprise will do).",
    subcommands = {
      EnterpriseCommand.Create.class,
      EnterpriseCommand.Policy.class,
      EnterpriseCommand.AddOwner.class,
      EnterpriseCommand.RemoveOwner.class
    })
final class EnterpriseCommand implements Runnable {
  static final Set<String> ACCESS = Set.of("org_configures", "restricted", "allowed");
  static final Set<String> APPROVAL = Set.of("org_configures", "required", "disabled");

  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(
        spec.commandLine(), "Missing subcommand: create, policy, add-owner or remove-owner");
  }

  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      description = "Create an enterprise (POST /admin/enterprises); prints it with its policy.")
  static final class Create extends ApiClient.Subcommand {
    @Parameters(paramLabel = "SLUG", description = "the enterprise's slug")
    String slug;

    @Override
    int run(ApiClient api) {
      return api.call("POST", "/admin/enterprises", ApiClient.object().put("slug", slug), null);
    }
  }

  @Command(
      name = "policy",
      mixinStandardHelpOptions = true,
      description = {
        "Change an enterprise's personal access token policy (PUT /enterprises/{slug}/personal-access-token-policy).",
        "Only the options given change; anything but org_configures overrides the enterprise's organizations.",
        "Prints the whole policy afterwards."
      })
  static final class Policy extends ApiClient.Subcommand {
    @Parameters(paramLabel = "SLUG", description = "the enterprise")
    String slug;

    @Option(
        names = "--fine-grained-access",
        paramLabel = "MODE",
        description = "org_configures, restricted or allowed")
    String fineGrainedAccess;

    @Option(
        names = "--classic-access",
        paramLabel = "MODE",
        description = "org_configures, restricted or allowed")
    String classicAccess;

    @Option(
        names = "--fine-grained-approval",
        paramLabel = "MODE",
        description = "org_configures, required or disabled")
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
    }

    @Override
    int run(ApiClient api) {
      return api.call(
          "PUT",
          "/enterprises/" + ApiClient.seg(slug) + "/personal-access-token-policy",
          patch,
          null);
    }
  }

  @Command(
      name = "add-owner",
      mixinStandardHelpOptions = true,
      description =
          "Make a user an owner of an enterprise (PUT /enterprises/{slug}/owners/{login}): they may set its policy.")
  static final class AddOwner extends ApiClient.Subcommand {
    @Parameters(index = "0", paramLabel = "SLUG", description = "the enterprise")
    String slug;

    @Parameters(index = "1", paramLabel = "LOGIN", description = "the user")
    String login;

    @Override
    int run(ApiClient api) {
      return api.call(
          "PUT",
          "/enterprises/" + ApiClient.seg(slug) + "/owners/" + ApiClient.seg(login),
          null,
          login + " owns " + slug);
    }
  }

  @Command(
      name = "remove-owner",
      mixinStandardHelpOptions = true,
      description =
          "End a user's ownership of an enterprise (DELETE /enterprises/{slug}/owners/{login}).")
  static final class RemoveOwner extends ApiClient.Subcommand {
    @Parameters(index = "0", paramLabel = "SLUG", description = "the enterprise")
    String slug;

    @Parameters(index = "1", paramLabel = "LOGIN", description = "the owner")
    String login;

    @Override
    int run(ApiClient api) {
      return api.call(
          "DELETE",
          "/enterprises/" + ApiClient.seg(slug) + "/owners/" + ApiClient.seg(login),
          null,
          login + " no longer owns " + slug);
    }
  }
}
