package dev.portcullis.gateway.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code gateway grant}: list approved fine-grained tokens' access to an organization, or take it
 * away.
 */
@Command(
    name = "grant",
    mixinStandardHelpOptions = true,
    description =
        "List or revoke fine-grained tokens' access to an organization (owners or site administrators).",
    subcommands = {
      GrantCommand.ListGrants.class,
      GrantCommand.Repositories.class,
      GrantCommand.Revoke.class
    })
final class GrantCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(
        spec.commandLine(), "Missing subcommand: list, repositories or revoke");
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = {
        "List the tokens with approved access to an organization (GET /orgs/{org}/personal-access-tokens), newest first.",
        "Prints a table (--json: the API's JSON): ID is the token id (pat_id) for 'grant revoke'; LAST_USED_AT shows real use."
      })
  static final class ListGrants extends RequestCommand.Listing {
    @Override
    String collection() {
      return "personal-access-tokens";
    }

    @Override
    List<Table.Column> columns() {
      return List.of(
          Table.column("ID", "id"),
          new Table.Column("OWNER", g -> Table.text(g.path("owner").get("login"))),
          Table.column("TOKEN_NAME", "token_name"),
          Table.column("REPOSITORIES", "repository_selection"),
          new Table.Column("PERMISSIONS", g -> Table.permissions(g.get("permissions"))),
          Table.column("GRANTED_AT", "access_granted_at"),
          Table.column("LAST_USED_AT", "token_last_used_at"));
    }
  }

  @Command(
      name = "repositories",
      mixinStandardHelpOptions = true,
      description =
          "List the repositories of an organization a token can reach "
              + "(GET /orgs/{org}/personal-access-tokens/{pat_id}/repositories).")
  static final class Repositories extends PagedCommand {
    @Parameters(index = "0", paramLabel = "ORG", description = "the organization")
    String org;

    @Parameters(
        index = "1",
        paramLabel = "TOKEN_ID",
        description = "the token id (id of 'grant list')")
    long id;

    @Override
    int run(ApiClient api) {
      return list(
          api,
          "/orgs/" + ApiClient.seg(org) + "/personal-access-tokens/" + id + "/repositories",
          List.of());
    }

    @Override
    List<Table.Column> columns() {
      return RequestCommand.REPOSITORY_COLUMNS;
    }
  }

  @Command(
      name = "revoke",
      mixinStandardHelpOptions = true,
      description = {
        "Revoke tokens' access to an organization (POST /orgs/{org}/personal-access-tokens[/{pat_id}]).",
        "The tokens keep working elsewhere; use 'token delete' to delete one everywhere."
      })
  static final class Revoke extends ApiClient.Subcommand {
    @Parameters(index = "0", paramLabel = "ORG", description = "the organization")
    String org;

    @Parameters(
        index = "1..*",
        arity = "1..*",
        paramLabel = "TOKEN_ID",
        description =
            "the token ids (id of 'token create' / 'token list'); several are revoked together, all or nothing")
    List<Long> ids;

    @Override
    int run(ApiClient api) {
      String base = "/orgs/" + ApiClient.seg(org) + "/personal-access-tokens";
      ObjectNode body = ApiClient.object().put("action", "revoke");
      String done =
          "revoked the access of token"
              + (ids.size() == 1 ? " " : "s ")
              + ids.stream().map(String::valueOf).reduce((a, b) -> a + ", " + b).orElse("")
              + " to "
              + org;
      if (ids.size() == 1) {
        return api.call("POST", base + "/" + ids.get(0), body, done);
      }
      ArrayNode arr = body.putArray("pat_ids");
      ids.forEach(arr::add);
      return api.call("POST", base, body, done);
    }
  }
}
