package dev.portcullis.gateway.loadtest;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code gateway loadtest}: creates tokens through the admin API, then runs many simulated git
 * clients speaking real smart HTTP against the gateway while tokens are revoked, and checks that no
 * request sent after its token's revocation returned ever succeeds.
 *
 * <p>Exit codes: 0 when the gateway held (no revocation violation, no bad token accepted), 1 when
 * it did not or the run failed, 2 for usage errors. No token plaintext is ever printed.
 */
@Command(
    name = "loadtest",
    mixinStandardHelpOptions = true,
    sortOptions = false,
    description = {
      "Load-tests a running gateway: creates N tokens (classic with scope repo and fine-grained with contents:write on a "
          + "load-test organization of its own), then runs C concurrent git clients (ls-remote, clone, push over smart HTTP) for a "
          + "duration, optionally revoking tokens and sending bad ones. Prints a progress line per second and a summary; "
          + "writes a JSON and a self-contained HTML report. At the end it deletes the organization and its users "
          + "(--no-cleanup keeps them).",
      "The gateway is found as the other client commands find it: --url, else <data>/gateway.properties; the admin token "
          + "from --token, --token-file, env PORTCULLIS_TOKEN or <data>/admin-token."
    })
public final class LoadtestCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Option(
      names = "--data",
      paramLabel = "DIR",
      defaultValue = "./data",
      description =
          "the gateway's data directory, for gateway.properties and admin-token (default ${DEFAULT-VALUE})")
  Path data;

  @Option(
      names = "--url",
      paramLabel = "URL",
      description = "base URL of the gateway (default: url= from <data>/gateway.properties)")
  String url;

  @Option(
      names = "--http",
      description =
          "use the plain-HTTP listener (http_url= from <data>/gateway.properties) instead of HTTPS")
  boolean http;

  @Option(
      names = "--cacert",
      paramLabel = "FILE",
      description = "PEM CA certificate to trust (default: ca= from <data>/gateway.properties)")
  Path cacert;

  @Option(
      names = "--token",
      paramLabel = "TOKEN",
      description = "admin API token (prefer env PORTCULLIS_TOKEN or --token-file)")
  String token;

  @Option(
      names = "--token-file",
      paramLabel = "FILE",
      description = "file holding the admin API token (default: <data>/admin-token)")
  Path tokenFile;

  @Option(
      names = "--tokens",
      paramLabel = "N",
      defaultValue = "10000",
      description = "tokens to create (default ${DEFAULT-VALUE})")
  int tokens;

  @Option(
      names = "--clients",
      paramLabel = "C",
      defaultValue = "200",
      description = "concurrent git clients (default ${DEFAULT-VALUE})")
  int clients;

  @Option(
      names = "--duration",
      paramLabel = "TIME",
      defaultValue = "30s",
      converter = DurationConverter.class,
      description = "how long the load runs, e.g. 30s, 5m; at most 1h (default ${DEFAULT-VALUE})")
  Duration duration;

  @Option(
      names = "--max-requests",
      paramLabel = "N",
      defaultValue = "0",
      description =
          "stop after N git operations (a clone or push counts once), 0 = no cap (default ${DEFAULT-VALUE})")
  long maxRequests;

  @Option(
      names = "--mix",
      paramLabel = "MIX",
      defaultValue = Mix.DEFAULT,
      description = "relative weights of the operations (default ${DEFAULT-VALUE})")
  String mix;

  @Option(
      names = "--revoke-rate",
      paramLabel = "R",
      defaultValue = "0",
      description =
          "tokens revoked per second during the load (delete, org revoke, org deny), 0 = none (default ${DEFAULT-VALUE})")
  double revokeRate;

  @Option(
      names = "--bad-token-rate",
      paramLabel = "F",
      defaultValue = "0",
      description =
          "share 0-1 of operations made with garbage or unknown (well-formed) tokens (default ${DEFAULT-VALUE})")
  double badTokenRate;

  @Option(
      names = "--classic-share",
      paramLabel = "F",
      defaultValue = "0.5",
      description =
          "share 0-1 of the tokens that are classic; the rest are fine-grained (default ${DEFAULT-VALUE})")
  double classicShare;

  @Option(
      names = "--pending-share",
      paramLabel = "F",
      defaultValue = "0.2",
      description =
          "share 0-1 of the fine-grained tokens created as pending requests, later denied by the revoker (default ${DEFAULT-VALUE})")
  double pendingShare;

  @Option(
      names = "--users",
      paramLabel = "N",
      defaultValue = "0",
      description =
          "users owning the tokens, 0 = one per 50 tokens, 1-200 (default ${DEFAULT-VALUE})")
  int users;

  @Option(
      names = "--repos",
      paramLabel = "N",
      defaultValue = "2",
      description = "content repositories to list and clone (default ${DEFAULT-VALUE})")
  int repos;

  @Option(
      names = "--org",
      paramLabel = "LOGIN",
      description =
          "the load-test organization (default: a new one of its own, loadtest-<UTC date>-<time>)")
  String org;

  @Option(
      names = "--reuse",
      description =
          "reuse the organization, users and repositories of an earlier run kept with --no-cleanup (needs --org)")
  boolean reuse;

  @Option(
      names = "--cleanup",
      negatable = true,
      defaultValue = "true",
      fallbackValue = "true",
      description =
          "delete the organization (its repositories, requests and grants) and its users with their tokens at the end, "
              + "also when the run fails or is interrupted; --no-cleanup keeps them (default: on)")
  boolean cleanup;

  @Option(
      names = "--seed-commits",
      paramLabel = "N",
      defaultValue = "20",
      description = "commits pushed to each new content repository (default ${DEFAULT-VALUE})")
  int seedCommits;

  @Option(
      names = "--seed-kb",
      paramLabel = "KIB",
      defaultValue = "256",
      description =
          "file content pushed to each new content repository, KiB (default ${DEFAULT-VALUE})")
  int seedKb;

  @Option(
      names = "--setup-concurrency",
      paramLabel = "N",
      defaultValue = "16",
      description = "admin API calls in flight while setting up (default ${DEFAULT-VALUE})")
  int setupConcurrency;

  @Option(
      names = "--connect-timeout",
      paramLabel = "TIME",
      defaultValue = "10s",
      converter = DurationConverter.class,
      description = "connect timeout (default ${DEFAULT-VALUE})")
  Duration connectTimeout;

  @Option(
      names = "--request-timeout",
      paramLabel = "TIME",
      defaultValue = "30s",
      converter = DurationConverter.class,
      description =
          "per-request timeout, until the whole answer is read (default ${DEFAULT-VALUE})")
  Duration requestTimeout;

  @Option(
      names = "--report-dir",
      paramLabel = "DIR",
      defaultValue = "./loadtest-reports",
      description = "where the JSON and HTML reports are written (default ${DEFAULT-VALUE})")
  Path reportDir;

  @Option(names = "--no-progress", description = "do not print a progress line every second")
  boolean noProgress;

  @Override
  public Integer call() {
    PrintWriter err = spec.commandLine().getErr();
    if (reuse && org == null) {
      throw new ParameterException(
          spec.commandLine(), "--reuse needs --org: the organization of the run to reuse");
    }
    LoadtestConfig config;
    try {
      config =
          new LoadtestConfig(
              tokens,
              clients,
              duration,
              maxRequests,
              Mix.parse(mix),
              revokeRate,
              badTokenRate,
              classicShare,
              pendingShare,
              users,
              repos,
              org == null ? LoadtestConfig.defaultOrg(java.time.Instant.now()) : org,
              reuse,
              cleanup,
              seedCommits,
              seedKb,
              setupConcurrency,
              connectTimeout,
              requestTimeout,
              reportDir,
              !noProgress);
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    try {
      Target target = Target.resolve(data, url, http, cacert, token, tokenFile);
      LoadTest.Outcome outcome = LoadTest.run(config, target, spec.commandLine().getOut());
      return outcome.report().held() && outcome.cleanedUp() ? 0 : 1;
    } catch (Target.Unresolved | AdminApi.CallFailed e) {
      err.println("error: " + e.getMessage());
      err.flush();
      return 1;
    } catch (IOException e) {
      err.println("error: cannot write the reports to " + reportDir + ": " + e.getMessage());
      err.flush();
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      err.println("error: interrupted");
      err.flush();
      return 1;
    }
  }
}
