package dev.portcullis.gateway.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code gateway repo}: create repositories and manage their collaborators. */
@Command(
    name = "repo",
    mixinStandardHelpOptions = true,
    description = "Create, list and delete repositories and manage their collaborators.",
    subcommands = {
      RepoCommand.Create.class,
      RepoCommand.ListRepos.class,
      RepoCommand.Delete.class,
      RepoCommand.AddCollaborator.class,
      RepoCommand.RemoveCollaborator.class
    })
final class RepoCommand implements Runnable {
  static final Set<String> VISIBILITIES = Set.of("public", "private", "internal");
  static final Set<String> PERMISSIONS = Set.of("pull", "triage", "push", "maintain", "admin");

  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(
        spec.commandLine(),
        "Missing subcommand: create, list, delete, add-collaborator or remove-collaborator");
  }

  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      description = {
        "Create a repository and its bare Git repository.",
        "Uses POST /orgs/{owner}/repos, and POST /admin/users/{owner}/repos when OWNER is not an organization",
        "(the organization route answers 404) or --user is given."
      })
  static final class Create extends ApiClient.Subcommand {
    @Parameters(
        paramLabel = "OWNER/NAME",
        description = "the owning organization or user, and the repository's name")
    String fullName;

    @Option(
        names = "--visibility",
        paramLabel = "VISIBILITY",
        description =
            "public, private or internal (internal: organizations of an enterprise only); the gateway's default is public")
    String visibility;

    @Option(
        names = "--user",
        description =
            "OWNER is a user: go straight to the site-administrator route for user-owned repositories")
    boolean user;

    private String[] parts;

    @Override
    void validate() {
      parts = ownerAndName("OWNER/NAME", fullName);
      oneOf("--visibility", visibility, VISIBILITIES);
    }

    @Override
    int run(ApiClient api) {
      ObjectNode body = ApiClient.object().put("name", parts[1]);
      putIf(body, "visibility", visibility);
      String userRoute = "/admin/users/" + ApiClient.seg(parts[0]) + "/repos";
      if (user) {
        return api.call("POST", userRoute, body, null);
      }
      ApiClient.Response r = api.send("POST", "/orgs/" + ApiClient.seg(parts[0]) + "/repos", body);
      if (r.status() == 404) {
        r = api.send("POST", userRoute, body);
        if (r.status() == 404) {
          // Both routes were tried: neither an organization nor a user has this login.
          api.err().println("error: 404 no organization or user named '" + parts[0] + "'");
          api.err().flush();
          return ApiClient.FAILED;
        }
      }
      return api.report(r, null);
    }
  }

  @Command(
      name = "delete",
      mixinStandardHelpOptions = true,
      description = {
        "Delete a repository (DELETE /repos/{owner}/{repo}; an organization's owners, site administrators for a",
        "user's) with its bare Git repository and its collaborators: clones get 404 from the next request on.",
        "Needs --yes."
      })
  static final class Delete extends ApiClient.Subcommand {
    @Parameters(paramLabel = "OWNER/NAME", description = "the repository")
    String fullName;

    @Option(names = "--yes", description = "confirm the deletion")
    boolean yes;

    private String[] parts;

    @Override
    void validate() {
      parts = ownerAndName("OWNER/NAME", fullName);
      requireYes(yes, "deleting " + fullName + " deletes its Git data");
    }

    @Override
    int run(ApiClient api) {
      return api.call(
          "DELETE",
          "/repos/" + ApiClient.seg(parts[0]) + "/" + ApiClient.seg(parts[1]),
          null,
          "deleted repository " + fullName);
    }
  }

  @Command(
      name = "add-collaborator",
      mixinStandardHelpOptions = true,
      description =
          "Give a user access to a repository, or change it (PUT /repos/{owner}/{repo}/collaborators/{login}).")
  static final class AddCollaborator extends ApiClient.Subcommand {
    @Parameters(index = "0", paramLabel = "OWNER/NAME", description = "the repository")
    String fullName;

    @Parameters(index = "1", paramLabel = "LOGIN", description = "the user")
    String login;

    @Option(
        names = "--permission",
        paramLabel = "PERMISSION",
        description = "pull, triage, push, maintain or admin (the gateway's default is push)")
    String permission;

    private String[] parts;

    @Override
    void validate() {
      parts = ownerAndName("OWNER/NAME", fullName);
      oneOf("--permission", permission, PERMISSIONS);
    }

    @Override
    int run(ApiClient api) {
      ObjectNode body = ApiClient.object();
      putIf(body, "permission", permission);
      return api.call(
          "PUT",
          "/repos/"
              + ApiClient.seg(parts[0])
              + "/"
              + ApiClient.seg(parts[1])
              + "/collaborators/"
              + ApiClient.seg(login),
          body,
          null);
    }
  }

  @Command(
      name = "remove-collaborator",
      mixinStandardHelpOptions = true,
      description =
          "Take a collaborator's access away (DELETE /repos/{owner}/{repo}/collaborators/{login}).")
  static final class RemoveCollaborator extends ApiClient.Subcommand {
    @Parameters(index = "0", paramLabel = "OWNER/NAME", description = "the repository")
    String fullName;

    @Parameters(index = "1", paramLabel = "LOGIN", description = "the collaborator to remove")
    String login;

    private String[] parts;

    @Override
    void validate() {
      parts = ownerAndName("OWNER/NAME", fullName);
    }

    @Override
    int run(ApiClient api) {
      return api.call(
          "DELETE",
          "/repos/"
              + ApiClient.seg(parts[0])
              + "/"
              + ApiClient.seg(parts[1])
              + "/collaborators/"
              + ApiClient.seg(login),
          null,
          "removed " + login + " from " + fullName);
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description =
          "List the repositories of an organization that the caller may see (GET /orgs/{org}/repos), newest first.")
  static final class ListRepos extends PagedCommand {
    static final Set<String> TYPES = Set.of("all", "public", "private", "forks", "sources");
    static final Set<String> SORTS = Set.of("created", "full_name");

    @Parameters(paramLabel = "ORG", description = "the organization")
    String org;

    @Option(
        names = "--type",
        paramLabel = "TYPE",
        description = "all (the default), public, private (private and internal), forks or sources")
    String type;

    @Option(
        names = "--sort",
        paramLabel = "SORT",
        description = "created (the default) or full_name")
    String sort;

    @Option(
        names = "--direction",
        paramLabel = "asc|desc",
        description = "the default is asc for full_name, desc for created")
    String direction;

    @Override
    void validate() {
      super.validate();
      oneOf("--type", type, TYPES);
      oneOf("--sort", sort, SORTS);
      oneOf("--direction", direction, RequestCommand.Listing.DIRECTIONS);
    }

    @Override
    List<Table.Column> columns() {
      return List.of(
          Table.column("FULL_NAME", "full_name"),
          Table.column("VISIBILITY", "visibility"),
          Table.column("CREATED_AT", "created_at"),
          Table.column("CLONE_URL", "clone_url"));
    }

    @Override
    int run(ApiClient api) {
      List<String> q = new ArrayList<>();
      param(q, "type", type);
      param(q, "sort", sort);
      param(q, "direction", direction);
      return list(api, "/orgs/" + ApiClient.seg(org) + "/repos", q);
    }
  }
}
