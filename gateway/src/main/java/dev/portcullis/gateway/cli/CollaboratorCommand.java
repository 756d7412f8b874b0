package dev.portcullis.gateway.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code gateway collaborator}: who has access to a repository, read back ({@code repo
 * add-collaborator} and {@code repo remove-collaborator} change it).
 */
@Command(
    name = "collaborator",
    mixinStandardHelpOptions = true,
    description = "List who has access to a repository (needs push access to it).",
    subcommands = {CollaboratorCommand.ListCollaborators.class})
final class CollaboratorCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "Missing subcommand: list");
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = {
        "List who has access to a repository, by login, with their role (GET /repos/{owner}/{repo}/collaborators):",
        "an organization's owners and members through its base permission, and the collaborators."
      })
  static final class ListCollaborators extends PagedCommand {
    static final Set<String> AFFILIATIONS = Set.of("all", "direct", "outside");

    @Parameters(paramLabel = "OWNER/NAME", description = "the repository")
    String fullName;

    @Option(
        names = "--affiliation",
        paramLabel = "AFFILIATION",
        description =
            "all (the default), direct (collaborators only) or outside (collaborators who are not members)")
    String affiliation;

    @Option(
        names = "--permission",
        paramLabel = "PERMISSION",
        description = "only those with at least pull, triage, push, maintain or admin")
    String permission;

    private String[] parts;

    @Override
    void validate() {
      super.validate();
      parts = ownerAndName("OWNER/NAME", fullName);
      oneOf("--affiliation", affiliation, AFFILIATIONS);
      oneOf("--permission", permission, RepoCommand.PERMISSIONS);
    }

    @Override
    List<Table.Column> columns() {
      return List.of(
          Table.column("LOGIN", "login"),
          Table.column("ROLE", "role_name"),
          Table.column("ID", "id"));
    }

    @Override
    int run(ApiClient api) {
      List<String> q = new ArrayList<>();
      param(q, "affiliation", affiliation);
      param(q, "permission", permission);
      return list(
          api,
          "/repos/" + ApiClient.seg(parts[0]) + "/" + ApiClient.seg(parts[1]) + "/collaborators",
          q);
    }
  }
}
