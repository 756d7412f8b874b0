package dev.portcullis.gateway.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
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

/** {@code gateway request}: list and review organizations' pending fine-grained token requests. */
@Command(
    name = "request",
    mixinStandardHelpOptions = true,
    description =
        "List, inspect, approve or deny pending fine-grained token requests of an organization "
            + "(owners or site administrators).",
    subcommands = {
      RequestCommand.ListRequests.class,
      RequestCommand.Repositories.class,
      RequestCommand.Approve.class,
      RequestCommand.Deny.class
    })
final class RequestCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(
        spec.commandLine(), "Missing subcommand: list, repositories, approve or deny");
  }

  /**
   * {@code request list} and {@code grant list}: GitHub's filters on an organization's requests or
   * grants ({@code GET /orgs/{org}/personal-access-token-requests|tokens}).
   */
  abstract static class Listing extends PagedCommand {
    static final Set<String> DIRECTIONS = Set.of("asc", "desc");

    @Parameters(index = "0", paramLabel = "ORG", description = "the organization")
    String org;

    @Option(
        names = "--owner",
        paramLabel = "LOGIN",
        description = "only tokens owned by this user (repeatable, up to 10)")
    List<String> owners = new ArrayList<>();

    @Option(
        names = "--repository",
        paramLabel = "NAME",
        description = "only tokens that can reach this repository of ORG")
    String repository;

    @Option(
        names = "--permission",
        paramLabel = "NAME=LEVEL",
        description =
            "only tokens with at least this permission, e.g. contents=read or members=write (contents_read works too)")
    String permission;

    @Option(
        names = "--token-id",
        paramLabel = "ID",
        description = "only this token (repeatable, up to 50)")
    List<Long> tokenIds = new ArrayList<>();

    @Option(
        names = "--last-used-before",
        paramLabel = "TIME",
        description =
            "only tokens last used before this ISO 8601 date or time, e.g. 2026-01-31 (midnight UTC) or 2026-01-31T12:00:00Z")
    String lastUsedBefore;

    @Option(
        names = "--last-used-after",
        paramLabel = "TIME",
        description = "only tokens last used after this ISO 8601 date or time")
    String lastUsedAfter;

    @Option(
        names = "--direction",
        paramLabel = "asc|desc",
        description = "order by creation: desc (newest first, the default) or asc")
    String direction;

    /** {@code personal-access-token-requests} or {@code personal-access-tokens}. */
    abstract String collection();

    @Override
    void validate() {
      super.validate();
      oneOf("--direction", direction, DIRECTIONS);
      if (permission != null) {
        permission("--permission", permission);
      }
      dateTime("--last-used-before", lastUsedBefore);
      dateTime("--last-used-after", lastUsedAfter);
    }

    @Override
    int run(ApiClient api) {
      List<String> q = new ArrayList<>();
      if (!owners.isEmpty()) {
        param(q, "owner", String.join(",", owners));
      }
      param(q, "repository", repository);
      if (permission != null) {
        // The API's filters spell a permission NAME_LEVEL.
        param(q, "permission", String.join("_", permission("--permission", permission)));
      }
      if (!tokenIds.isEmpty()) {
        param(q, "token_id", String.join(",", tokenIds.stream().map(String::valueOf).toList()));
      }
      param(q, "last_used_before", dateTime("--last-used-before", lastUsedBefore));
      param(q, "last_used_after", dateTime("--last-used-after", lastUsedAfter));
      param(q, "direction", direction);
      return list(api, "/orgs/" + ApiClient.seg(org) + "/" + collection(), q);
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = {
        "List an organization's pending requests (GET /orgs/{org}/personal-access-token-requests), newest first.",
        "Prints a table (--json: the API's JSON): ID is the request id for approve/deny, TOKEN_ID the token's."
      })
  static final class ListRequests extends Listing {
    @Override
    String collection() {
      return "personal-access-token-requests";
    }

    @Override
    List<Table.Column> columns() {
      return List.of(
          Table.column("ID", "id"),
          Table.column("TOKEN_ID", "token_id"),
          new Table.Column("OWNER", r -> Table.text(r.path("owner").get("login"))),
          Table.column("TOKEN_NAME", "token_name"),
          Table.column("REPOSITORIES", "repository_selection"),
          new Table.Column("PERMISSIONS", r -> Table.permissions(r.get("permissions"))),
          Table.column("CREATED_AT", "created_at"),
          Table.column("REASON", "reason"));
    }
  }

  @Command(
      name = "repositories",
      mixinStandardHelpOptions = true,
      description =
          "List the repositories a pending request asks for "
              + "(GET /orgs/{org}/personal-access-token-requests/{id}/repositories).")
  static final class Repositories extends PagedCommand {
    @Parameters(index = "0", paramLabel = "ORG", description = "the organization")
    String org;

    @Parameters(
        index = "1",
        paramLabel = "REQUEST_ID",
        description = "the request id (id of 'request list')")
    long id;

    @Override
    int run(ApiClient api) {
      return list(
          api,
          "/orgs/" + ApiClient.seg(org) + "/personal-access-token-requests/" + id + "/repositories",
          List.of());
    }

    @Override
    List<Table.Column> columns() {
      return REPOSITORY_COLUMNS;
    }
  }

  /** The columns of a {@code minimal-repository} listing. */
  static final List<Table.Column> REPOSITORY_COLUMNS =
      List.of(
          Table.column("FULL_NAME", "full_name"),
          Table.column("VISIBILITY", "visibility"),
          Table.column("CREATED_AT", "created_at"));

  // ------------------------------------------------------------------ reviews

  /**
   * Both reviews: one id goes to the single-request route, several to the bulk route (all or
   * nothing).
   */
  abstract static class Review extends ApiClient.Subcommand {
    @Parameters(index = "0", paramLabel = "ORG", description = "the organization")
    String org;

    @Parameters(
        index = "1..*",
        arity = "1..*",
        paramLabel = "REQUEST_ID",
        description =
            "the request ids (request.id of 'token create'); several are reviewed together, all or nothing")
    List<Long> ids;

    @Option(names = "--reason", paramLabel = "TEXT", description = "a note for the token's owner")
    String reason;

    /** Only {@code approve} takes it; the server refuses it with {@code deny}. */
    String expiresAt;

    abstract String action();

    @Override
    int run(ApiClient api) {
      ObjectNode body = ApiClient.object();
      String base = "/orgs/" + ApiClient.seg(org) + "/personal-access-token-requests";
      String done =
          (action().equals("approve") ? "approved" : "denied")
              + " request"
              + (ids.size() == 1 ? " " : "s ")
              + ids.stream().map(String::valueOf).reduce((a, b) -> a + ", " + b).orElse("")
              + " in "
              + org;
      if (ids.size() == 1) {
        body.put("action", action());
        putIf(body, "reason", reason);
        putIf(body, "expires_at", expiresAt);
        return api.call("POST", base + "/" + ids.get(0), body, done);
      }
      ArrayNode arr = body.putArray("pat_request_ids");
      ids.forEach(arr::add);
      body.put("action", action());
      putIf(body, "reason", reason);
      putIf(body, "expires_at", expiresAt);
      return api.call("POST", base, body, done);
    }
  }

  @Command(
      name = "approve",
      mixinStandardHelpOptions = true,
      description =
          "Approve pending requests (POST /orgs/{org}/personal-access-token-requests[/{id}]): the tokens gain access.")
  static final class Approve extends Review {
    @Option(
        names = "--expires-at",
        paramLabel = "TIME",
        description =
            "approve for a limited time: the approval lapses at TIME, an ISO 8601 date or time, e.g. 2026-12-31 (midnight UTC) or 2026-12-31T17:00:00Z")
    void expiresAt(String time) {
      expiresAt = time;
    }

    /** Checks {@code --expires-at} once, before anything is sent, and keeps it as a time. */
    @Override
    void validate() {
      expiresAt = dateTime("--expires-at", expiresAt);
    }

    @Override
    String action() {
      return "approve";
    }
  }

  @Command(
      name = "deny",
      mixinStandardHelpOptions = true,
      description =
          "Deny pending requests (POST /orgs/{org}/personal-access-token-requests[/{id}]).")
  static final class Deny extends Review {
    @Override
    String action() {
      return "deny";
    }
  }
}
