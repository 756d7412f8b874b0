package dev.portcullis.gateway.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code bin/gateway}: the server ({@code serve}, {@code demo}) and a thin client of its REST API.
 */
@Command(
    name = "gateway",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Portcullis: a Git HTTPS gateway enforcing personal access token policies.",
    subcommands = {
      ServeCommand.class,
      StopCommand.class,
      DemoCommand.class,
      UserCommand.class,
      EnterpriseCommand.class,
      OrgCommand.class,
      RepoCommand.class,
      TokenCommand.class,
      RequestCommand.class,
      GrantCommand.class,
      CredentialsCommand.class,
      dev.portcullis.gateway.loadtest.LoadtestCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(
        spec.commandLine(), "Missing subcommand: try 'gateway serve' or 'gateway help'");
  }

  /** The version of the gateway jar. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"Portcullis " + dev.portcullis.gateway.Gateway.version()};
    }
  }

  public static void main(String[] args) {
    int code = new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
    if (code != 0 || !ServeCommand.serving()) {
      System.exit(code);
    }
  }
}
