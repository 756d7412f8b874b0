package dev.portcullis.gateway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import picocli.CommandLine.Option;

/**
 * A command that prints what the gateway lists: an aligned table by default, the API's JSON with
 * {@code --json} (for scripts and {@code jq}).
 */
abstract class ListCommand extends ApiClient.Subcommand {
  @Option(
      names = "--json",
      description = "print the API's JSON instead of a table (for scripts and jq)")
  boolean json;

  /** The table's columns over the API's JSON items. */
  abstract List<Table.Column> columns();

  /** Prints {@code items}, a JSON array, as {@code --json} asks. */
  void print(ApiClient api, JsonNode items) {
    if (json) {
      api.printJson(items);
    } else {
      api.out().print(Table.render(columns(), items));
      api.out().flush();
    }
  }

  /** GETs a listing that is not paged and prints it; returns the exit code. */
  int show(ApiClient api, String path) {
    ApiClient.Response r = api.send("GET", path, null);
    if (!r.ok() || r.json() == null || !r.json().isArray()) {
      return api.report(r, null);
    }
    print(api, r.json());
    return ApiClient.OK;
  }
}
