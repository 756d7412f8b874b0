package dev.portcullis.gateway.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code gateway credentials}: revoke leaked tokens. */
@Command(
    name = "credentials",
    mixinStandardHelpOptions = true,
    description =
        "Revoke leaked tokens (anyone holding a token may revoke it; no API token needed).",
    subcommands = {CredentialsCommand.Revoke.class})
final class CredentialsCommand implements Runnable {
  /** The most credentials the gateway takes in one call. */
  static final int BATCH = 1000;

  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "Missing subcommand: revoke");
  }

  @Command(
      name = "revoke",
      mixinStandardHelpOptions = true,
      description = {
        "Revoke tokens by their plaintext (POST /credentials/revoke), in force on the next request.",
        "With no TOKEN arguments, reads tokens from standard input, one per line, so they stay out of shell history.",
        "The gateway does not say which tokens were real."
      })
  static final class Revoke extends ApiClient.Subcommand {
    @Parameters(
        arity = "0..*",
        paramLabel = "TOKEN",
        description = "plaintext tokens (better: one per line on standard input)")
    List<String> tokens = new ArrayList<>();

    private List<String> credentials;

    @Override
    boolean authenticated() {
      return false;
    }

    @Override
    void validate() {
      credentials = new ArrayList<>();
      if (tokens.isEmpty()) {
        try {
          BufferedReader in =
              new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
          for (String line; (line = in.readLine()) != null; ) {
            String t = line.strip();
            if (!t.isEmpty() && !t.startsWith("#")) {
              credentials.add(t);
            }
          }
        } catch (IOException e) {
          throw new ApiClient.Failure("cannot read tokens from standard input: " + e.getMessage());
        }
        if (credentials.isEmpty()) {
          throw usage("No tokens: give them one per line on standard input (or as arguments)");
        }
      } else {
        tokens.stream().map(String::strip).filter(t -> !t.isEmpty()).forEach(credentials::add);
        if (credentials.isEmpty()) {
          throw usage("No tokens given");
        }
      }
    }

    @Override
    int run(ApiClient api) {
      for (int from = 0; from < credentials.size(); from += BATCH) {
        List<String> batch = credentials.subList(from, Math.min(credentials.size(), from + BATCH));
        ObjectNode body = ApiClient.object();
        ArrayNode arr = body.putArray("credentials");
        batch.forEach(arr::add);
        ApiClient.Response r = api.send("POST", "/credentials/revoke", body);
        if (!r.ok()) {
          api.printError(r);
          return ApiClient.FAILED;
        }
      }
      api.out()
          .println(
              "submitted "
                  + credentials.size()
                  + " credential"
                  + (credentials.size() == 1 ? "" : "s")
                  + " for revocation; any that were valid tokens no longer work");
      api.out().flush();
      return ApiClient.OK;
    }
  }
}
