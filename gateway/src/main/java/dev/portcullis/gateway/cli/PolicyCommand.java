package dev.portcullis.gateway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code gateway policy}: an organization's or an enterprise's token policy, read back ({@code org
 * policy} and {@code enterprise policy} change them).
 */
@Command(
    name = "policy",
    mixinStandardHelpOptions = true,
    description =
        "Show an organization's or an enterprise's personal access token policy (whoever may change it).",
    subcommands = {PolicyCommand.Show.class})
final class PolicyCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "Missing subcommand: show");
  }

  @Command(
      name = "show",
      mixinStandardHelpOptions = true,
      description = {
        "Show a token policy, one setting a line: an organization's own (GET /orgs/{org}/personal-access-token-policy)",
        "or an enterprise's (GET /enterprises/{slug}/personal-access-token-policy).",
        "An enterprise setting other than org_configures overrides its organizations' own."
      })
  static final class Show extends ApiClient.Subcommand {
    @Option(names = "--org", paramLabel = "ORG", description = "the organization")
    String org;

    @Option(names = "--enterprise", paramLabel = "SLUG", description = "the enterprise")
    String enterprise;

    @Option(
        names = "--json",
        description = "print the API's JSON instead of a table (for scripts and jq)")
    boolean json;

    @Override
    void validate() {
      if ((org == null) == (enterprise == null)) {
        throw usage("Give exactly one of --org ORG and --enterprise SLUG");
      }
    }

    @Override
    int run(ApiClient api) {
      String path =
          org != null
              ? "/orgs/" + ApiClient.seg(org) + "/personal-access-token-policy"
              : "/enterprises/" + ApiClient.seg(enterprise) + "/personal-access-token-policy";
      ApiClient.Response r = api.send("GET", path, null);
      if (json || !r.ok() || r.json() == null || !r.json().isObject()) {
        return api.report(r, null);
      }
      ArrayNode rows = ApiClient.array();
      r.json()
          .fields()
          .forEachRemaining(
              e -> rows.addObject().put("setting", e.getKey()).set("value", e.getValue()));
      api.out()
          .print(
              Table.render(
                  List.of(
                      Table.column("SETTING", "setting"),
                      new Table.Column("VALUE", (JsonNode row) -> Table.text(row.get("value")))),
                  rows));
      api.out().flush();
      return ApiClient.OK;
    }
  }
}
