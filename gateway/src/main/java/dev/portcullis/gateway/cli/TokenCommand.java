package dev.portcullis.gateway.cli;

import com.fasterxml.jackson.databind.JsonNode;
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

/**
 * {@code gateway token}: personal access tokens created, listed, updated, rotated and deleted on
 * users' behalf, and a token's rotation of its own secret.
 */
@Command(
    name = "token",
    mixinStandardHelpOptions = true,
    description =
        "Create, list, update, rotate and delete users' personal access tokens (needs a site administrator's token; 'rotate --self' needs only the token it rotates).",
    subcommands = {
      TokenCommand.Create.class,
      TokenCommand.ListTokens.class,
      TokenCommand.Update.class,
      TokenCommand.Rotate.class,
      TokenCommand.Delete.class
    })
final class TokenCommand implements Runnable {
  static final Set<String> TYPES = Set.of("fine_grained", "classic");
  static final Set<String> SELECTIONS = Set.of("all", "subset", "none");

  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(
        spec.commandLine(), "Missing subcommand: create, list, update, rotate or delete");
  }

  @Command(
      name = "create",
      mixinStandardHelpOptions = true,
      description = {
        "Create a token on a user's behalf (POST /admin/users/{login}/personal-access-tokens).",
        "Prints the token as JSON, including its plaintext (shown this once only); with --quiet only the plaintext.",
        "A fine-grained token for an organization that requires approval starts with a pending request (request.id)."
      })
  static final class Create extends ApiClient.Subcommand {
    @Parameters(paramLabel = "LOGIN", description = "the user who will own the token")
    String login;

    @Option(
        names = "--type",
        paramLabel = "TYPE",
        required = true,
        description = "fine-grained (also written fine_grained) or classic")
    String type;

    @Option(
        names = "--name",
        paramLabel = "NAME",
        required = true,
        description = "the token's name, 1–40 characters")
    String name;

    @Option(names = "--description", paramLabel = "TEXT", description = "what the token is for")
    String description;

    @Option(
        names = "--expires-in",
        paramLabel = "DAYS|none",
        description =
            "lifetime in days (1–366), or none for a token that does not expire; the gateway's default is 30 days")
    String expiresIn;

    @Option(
        names = "--scope",
        paramLabel = "SCOPE",
        description = "classic: a scope such as repo, read:org or admin:org (repeatable)")
    List<String> scopes = new ArrayList<>();

    @Option(
        names = "--resource-owner",
        paramLabel = "OWNER",
        description =
            "fine-grained: the user itself or an organization the user belongs to (default: LOGIN)")
    String resourceOwner;

    @Option(
        names = "--repository-selection",
        paramLabel = "SELECTION",
        description =
            "fine-grained: all, subset or none (public repositories, read-only); default subset when --repository is given")
    String repositorySelection;

    @Option(
        names = "--repository",
        paramLabel = "NAME",
        description = "fine-grained: a repository of the resource owner, for subset (repeatable)")
    List<String> repositories = new ArrayList<>();

    @Option(
        names = "--permission",
        paramLabel = "NAME=LEVEL",
        description =
            "fine-grained: a permission and its level, e.g. contents=write or members=read (repeatable)")
    List<String> permissions = new ArrayList<>();

    @Option(
        names = "--reason",
        paramLabel = "TEXT",
        description = "fine-grained: why the token needs the organization, for its owners")
    String reason;

    @Option(
        names = "--allowed-network",
        paramLabel = "CIDR",
        description =
            "an IPv4 or IPv6 network the token may be used from, e.g. 10.0.0.0/8 (repeatable, at most 32); default anywhere")
    List<String> allowedNetworks = new ArrayList<>();

    @Option(
        names = "--ref-pattern",
        paramLabel = "PATTERN",
        description =
            "fine-grained contents=write: a ref a push may update, e.g. refs/heads/release/* (repeatable, at most 32); default any")
    List<String> refPatterns = new ArrayList<>();

    @Option(
        names = {"-q", "--quiet"},
        description = "print only the plaintext token (for scripts)")
    boolean quiet;

    private ObjectNode body;

    @Override
    void validate() {
      if ("fine-grained".equals(type)) {
        type = "fine_grained";
      }
      oneOf("--type", type, TYPES);
      oneOf("--repository-selection", repositorySelection, SELECTIONS);
      boolean fineGrained = type.equals("fine_grained");
      body = ApiClient.object().put("type", type).put("name", name);
      putIf(body, "description", description);
      if (expiresIn != null) {
        if (expiresIn.equalsIgnoreCase("none")) {
          body.putNull("expires_in");
        } else {
          try {
            body.put("expires_in", Integer.parseInt(expiresIn.strip()));
          } catch (NumberFormatException e) {
            throw usage(
                "Invalid value for option '--expires-in': '"
                    + expiresIn
                    + "' (expected a number of days or 'none')");
          }
        }
      }
      if (fineGrained) {
        if (!scopes.isEmpty()) {
          throw usage(
              "--scope is for classic tokens; fine-grained tokens take --permission NAME=LEVEL");
        }
        body.put("resource_owner", resourceOwner != null ? resourceOwner : login);
        String selection =
            repositorySelection != null
                ? repositorySelection
                : (repositories.isEmpty() ? null : "subset");
        putIf(body, "repository_selection", selection);
        if (!repositories.isEmpty()) {
          ArrayNode repos = body.putArray("repositories");
          repositories.forEach(repos::add);
        }
        if (!permissions.isEmpty()) {
          ObjectNode perms = body.putObject("permissions");
          for (String p : permissions) {
            String[] nameAndLevel = permission("--permission", p);
            perms.put(nameAndLevel[0], nameAndLevel[1]);
          }
        }
        putIf(body, "reason", reason);
      } else {
        if (resourceOwner != null
            || repositorySelection != null
            || !repositories.isEmpty()
            || !permissions.isEmpty()
            || reason != null) {
          throw usage(
              "--resource-owner, --repository-selection, --repository, --permission and --reason are for "
                  + "fine-grained tokens; classic tokens take --scope");
        }
        ArrayNode s = body.putArray("scopes");
        scopes.forEach(s::add);
      }
      if (!allowedNetworks.isEmpty()) {
        ArrayNode n = body.putArray("allowed_networks");
        allowedNetworks.forEach(n::add);
      }
      if (!refPatterns.isEmpty()) {
        ArrayNode n = body.putArray("ref_patterns");
        refPatterns.forEach(n::add);
      }
    }

    @Override
    int run(ApiClient api) {
      ApiClient.Response r =
          api.send(
              "POST", "/admin/users/" + ApiClient.seg(login) + "/personal-access-tokens", body);
      if (!quiet || !r.ok()) {
        return api.report(r, null);
      }
      JsonNode token = r.json() == null ? null : r.json().get("token");
      if (token == null || !token.isTextual()) {
        api.err().println("error: the gateway answered " + r.status() + " without a token");
        api.err().flush();
        return ApiClient.FAILED;
      }
      api.out().println(token.asText());
      api.out().flush();
      JsonNode request = r.json().path("request");
      if ("pending".equals(request.path("status").asText())) {
        api.err()
            .println(
                "note: the token needs approval in '"
                    + body.path("resource_owner").asText()
                    + "' (request "
                    + request.path("id").asText()
                    + ", pending)");
        api.err().flush();
      }
      return ApiClient.OK;
    }
  }

  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description =
          "List a user's tokens, without secrets (GET /admin/users/{login}/personal-access-tokens).")
  static final class ListTokens extends ListCommand {
    @Parameters(paramLabel = "LOGIN", description = "the user")
    String login;

    @Override
    List<Table.Column> columns() {
      return List.of(
          Table.column("ID", "id"),
          Table.column("TYPE", "type"),
          Table.column("NAME", "name"),
          new Table.Column("ACCESS", ListTokens::access),
          Table.column("EXPIRES_AT", "expires_at"),
          Table.column("LAST_USED_AT", "last_used_at"),
          new Table.Column(
              "REQUEST",
              t ->
                  t.has("request")
                      ? t.get("request").path("id").asText()
                          + " "
                          + t.get("request").path("status").asText()
                      : null));
    }

    /** A classic token's scopes, or a fine-grained token's owner, selection and permissions. */
    private static String access(JsonNode t) {
      if (t.has("scopes")) {
        List<String> scopes = new ArrayList<>();
        t.get("scopes").forEach(x -> scopes.add(x.asText()));
        return scopes.isEmpty() ? null : String.join(",", scopes);
      }
      String perms = Table.permissions(t.get("permissions"));
      return Table.text(t.get("resource_owner"))
          + " "
          + Table.text(t.get("repository_selection"))
          + (perms == null ? "" : " " + perms);
    }

    @Override
    int run(ApiClient api) {
      return show(api, "/admin/users/" + ApiClient.seg(login) + "/personal-access-tokens");
    }
  }

  @Command(
      name = "update",
      mixinStandardHelpOptions = true,
      description = {
        "Set a fine-grained contents=write token's ref patterns (PATCH /admin/personal-access-tokens/{id}).",
        "Fewer refs hold from the token's next push on. More refs (or --clear-ref-patterns) on a token an organization approved open a new request: the token waits for its owners' approval again.",
        "Prints the token as JSON."
      })
  static final class Update extends ApiClient.Subcommand {
    @Parameters(paramLabel = "ID", description = "the token's id (see 'token list')")
    long id;

    @Option(
        names = "--ref-pattern",
        paramLabel = "PATTERN",
        description =
            "a ref a push may update, e.g. refs/heads/release/* (repeatable, at most 32); replaces the token's patterns")
    List<String> refPatterns = new ArrayList<>();

    @Option(
        names = "--clear-ref-patterns",
        description = "drop the token's patterns: a push may update any ref")
    boolean clear;

    private ObjectNode body;

    @Override
    void validate() {
      if (clear == !refPatterns.isEmpty()) {
        throw usage(
            clear
                ? "--ref-pattern and --clear-ref-patterns exclude each other"
                : "missing --ref-pattern or --clear-ref-patterns");
      }
      body = ApiClient.object();
      if (clear) {
        body.putNull("ref_patterns");
      } else {
        ArrayNode n = body.putArray("ref_patterns");
        refPatterns.forEach(n::add);
      }
    }

    @Override
    int run(ApiClient api) {
      ApiClient.Response r = api.send("PATCH", "/admin/personal-access-tokens/" + id, body);
      int code = api.report(r, null);
      JsonNode request = r.ok() && r.json() != null ? r.json().path("request") : null;
      if (request != null && "pending".equals(request.path("status").asText())) {
        api.err()
            .println(
                "note: the token waits for approval in '"
                    + r.json().path("resource_owner").asText()
                    + "' (request "
                    + request.path("id").asText()
                    + ", pending)");
        api.err().flush();
      }
      return code;
    }
  }

  @Command(
      name = "rotate",
      mixinStandardHelpOptions = true,
      description = {
        "Give a token a new secret, keeping its id, settings and grant (POST /admin/personal-access-tokens/{id}/rotate).",
        "With --self instead of ID, the token given with --token, --token-file or env "
            + ClientOptions.TOKEN_ENV
            + " rotates itself (POST /user/personal-access-tokens/self/rotate): no administrator needed.",
        "The old secret keeps working for --overlap seconds (default 0: refused from its next request on).",
        "Prints the token as JSON, including the new plaintext (shown this once only); with --quiet only the plaintext."
      })
  static final class Rotate extends ApiClient.Subcommand {
    @Parameters(
        paramLabel = "ID",
        arity = "0..1",
        description = "the token's id (see 'token list'); left out with --self")
    Long id;

    @Option(
        names = "--self",
        description =
            "rotate the very token this command authenticates with (never <data>/admin-token by default)")
    boolean self;

    @Option(
        names = "--overlap",
        paramLabel = "SECONDS",
        description =
            "how long the old secret keeps working, 0–86400 seconds (default 0), so a deployment can roll")
    Integer overlap;

    @Option(
        names = {"-q", "--quiet"},
        description = "print only the new plaintext token (for scripts)")
    boolean quiet;

    @Override
    void validate() {
      if (self == (id != null)) {
        throw usage(
            self
                ? "ID and --self exclude each other: --self rotates the token given with --token"
                : "missing ID (or --self, to rotate the token given with --token)");
      }
      if (self && !client.tokenGiven()) {
        throw usage(
            "--self rotates the token given with --token, --token-file or env "
                + ClientOptions.TOKEN_ENV
                + "; none was given");
      }
    }

    @Override
    int run(ApiClient api) {
      ObjectNode body = ApiClient.object();
      if (overlap != null) {
        body.put("overlap_seconds", overlap.intValue());
      }
      ApiClient.Response r =
          api.send(
              "POST",
              self
                  ? "/user/personal-access-tokens/self/rotate"
                  : "/admin/personal-access-tokens/" + id + "/rotate",
              body);
      if (!quiet || !r.ok()) {
        return api.report(r, null);
      }
      JsonNode token = r.json() == null ? null : r.json().get("token");
      if (token == null || !token.isTextual()) {
        api.err().println("error: the gateway answered " + r.status() + " without a token");
        api.err().flush();
        return ApiClient.FAILED;
      }
      api.out().println(token.asText());
      api.out().flush();
      return ApiClient.OK;
    }
  }

  @Command(
      name = "delete",
      mixinStandardHelpOptions = true,
      description =
          "Delete a token, revoking it everywhere on the next request (DELETE /admin/personal-access-tokens/{id}).")
  static final class Delete extends ApiClient.Subcommand {
    @Parameters(paramLabel = "ID", description = "the token's id (see 'token list')")
    long id;

    @Override
    int run(ApiClient api) {
      return api.call("DELETE", "/admin/personal-access-tokens/" + id, null, "deleted token " + id);
    }
  }
}
