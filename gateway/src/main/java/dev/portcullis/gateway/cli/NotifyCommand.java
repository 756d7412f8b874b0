package dev.portcullis.gateway.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code gateway notify}: notification mails on demand. */
@Command(
    name = "notify",
    mixinStandardHelpOptions = true,
    description = "Notification mails on demand (site administrators).",
    subcommands = {NotifyCommand.Digest.class})
final class NotifyCommand implements Runnable {
  @Spec CommandSpec spec;

  @Override
  public void run() {
    throw new ParameterException(spec.commandLine(), "Missing subcommand: digest");
  }

  @Command(
      name = "digest",
      mixinStandardHelpOptions = true,
      description = {
        "Send today's digest of pending token requests now (POST /admin/notifications/digest),",
        "to the owners of every organization with pending requests who did not turn it off.",
        "An owner already sent today's digest of an organization is not sent it again."
      })
  static final class Digest extends ApiClient.Subcommand {
    @Override
    int run(ApiClient api) {
      ApiClient.Response r = api.send("POST", "/admin/notifications/digest", ApiClient.object());
      if (!r.ok()) {
        api.printError(r);
        return ApiClient.FAILED;
      }
      int queued = r.json().get("queued").asInt();
      api.out()
          .println(
              queued == 0
                  ? "no digest to send: nothing is pending, or today's went out already"
                  : "queued "
                      + queued
                      + " digest"
                      + (queued == 1 ? "" : "s")
                      + "; they go out with the next run of the mail sender");
      api.out().flush();
      return ApiClient.OK;
    }
  }
}
