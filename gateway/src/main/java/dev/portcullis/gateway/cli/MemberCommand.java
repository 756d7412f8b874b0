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
 * {@code gateway member}: an organization's members, read back ({@code org add-member} and {@code
 * org remove-member} change them).
 */
@Command(
    name = "member",
    mixinStandardHelpOptions = true,
    description = "List an organization's members (its members and site administrators).",
    subcommands = {MemberCommand.ListMembers.class})
final class MemberCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "Missing subcommand: list");
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "List an organization's members by login (GET /orgs/{org}/members).")
  static final class ListMembers extends PagedCommand {
    static final Set<String> ROLES = Set.of("all", "admin", "member");

    @Parameters(paramLabel = "ORG", description = "the organization")
    String org;

    @Option(
        names = "--role",
        paramLabel = "ROLE",
        description = "all (the default), admin (the owners) or member")
    String role;

    @Override
    void validate() {
      super.validate();
      oneOf("--role", role, ROLES);
    }

    @Override
    List<Table.Column> columns() {
      return List.of(
          Table.column("LOGIN", "login"),
          Table.column("ID", "id"),
          new Table.Column("SITE_ADMIN", u -> u.path("site_admin").asBoolean() ? "yes" : "no"));
    }

    @Override
    int run(ApiClient api) {
      List<String> q = new ArrayList<>();
      param(q, "role", role);
      return list(api, "/orgs/" + ApiClient.seg(org) + "/members", q);
    }
  }
}
