package dev.portcullis.gateway.cli;

import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code gateway user}: create, suspend and unsuspend users (site administrators). */
@Command(
    name = "user",
    mixinStandardHelpOptions = true,
    description =
        "Create, list, invite, delete, suspend and unsuspend users (needs a site administrator's token).",
    subcommands = {
      UserCommand.Create.class,
      UserCommand.ListUsers.class,
      UserCommand.Invite.class,
      UserCommand.Delete.class,
      UserCommand.Suspend.class,
      UserCommand.Unsuspend.class
    })
final class UserCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(
        spec.commandLine(), "Missing subcommand: create, list, delete, suspend or unsuspend");
  }

  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      description = "Create a user (POST /admin/users); prints the new user as JSON.")
  static final class Create extends ApiClient.Subcommand {
    @Parameters(paramLabel = "LOGIN", description = "the new user's login")
    String login;

    @picocli.CommandLine.Option(names = "--email", description = "the user's e-mail address")
    String email;

    @Override
    int run(ApiClient api) {
      com.fasterxml.jackson.databind.node.ObjectNode body = ApiClient.object().put("login", login);
      if (email != null) {
        body.put("email", email);
      }
      return api.call("POST", "/admin/users", body, null);
    }
  }

  @Command(
      name = "invite",
      mixinStandardHelpOptions = true,
      description =
          "Print a one-time link (valid 7 days) with which the user chooses a web console password (POST /admin/users/{login}/password-setup-links).")
  static final class Invite extends ApiClient.Subcommand {
    @Parameters(paramLabel = "LOGIN", description = "the user who gets the link")
    String login;

    @Override
    int run(ApiClient api) {
      return api.call(
          "POST", "/admin/users/" + ApiClient.seg(login) + "/password-setup-links", null, null);
    }
  }

  @Command(
      name = "delete",
      mixinStandardHelpOptions = true,
      description = {
        "Delete a user (DELETE /admin/users/{login}; site administrators) with every token of theirs, their",
        "requests and grants, their repositories (also on disk), memberships and collaborations: their tokens get",
        "401 from the next request on. The last owner of an organization cannot be deleted. Needs --yes."
      })
  static final class Delete extends ApiClient.Subcommand {
    @Parameters(paramLabel = "LOGIN", description = "the user")
    String login;

    @Option(names = "--yes", description = "confirm the deletion")
    boolean yes;

    @Override
    void validate() {
      requireYes(yes, "deleting the user " + login + " deletes their tokens and repositories");
    }

    @Override
    int run(ApiClient api) {
      return api.call(
          "DELETE", "/admin/users/" + ApiClient.seg(login), null, "deleted user " + login);
    }
  }

  @Command(
      name = "suspend",
      mixinStandardHelpOptions = true,
      description =
          "Suspend a user (PUT /users/{login}/suspended): their tokens stop working on the next request.")
  static final class Suspend extends ApiClient.Subcommand {
    @Parameters(paramLabel = "LOGIN", description = "the user to suspend")
    String login;

    @Override
    int run(ApiClient api) {
      return api.call(
          "PUT", "/users/" + ApiClient.seg(login) + "/suspended", null, "suspended " + login);
    }
  }

  @Command(
      name = "unsuspend",
      mixinStandardHelpOptions = true,
      description = "Lift a user's suspension (DELETE /users/{login}/suspended).")
  static final class Unsuspend extends ApiClient.Subcommand {
    @Parameters(paramLabel = "LOGIN", description = "the user to unsuspend")
    String login;

    @Override
    int run(ApiClient api) {
      return api.call(
          "DELETE", "/users/" + ApiClient.seg(login) + "/suspended", null, "unsuspended " + login);
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "List the users in the order they were created (GET /admin/users).")
  static final class ListUsers extends PagedCommand {
    @Override
    List<Table.Column> columns() {
      return List.of(
          Table.column("LOGIN", "login"),
          Table.column("ID", "id"),
          new Table.Column("SITE_ADMIN", u -> u.path("site_admin").asBoolean() ? "yes" : "no"),
          Table.column("SUSPENDED_AT", "suspended_at"),
          Table.column("CREATED_AT", "created_at"));
    }

    @Override
    int run(ApiClient api) {
      return list(api, "/admin/users", List.of());
    }
  }
}
