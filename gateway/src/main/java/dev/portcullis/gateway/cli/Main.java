package dev.portcullis.gateway.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code bin/gateway}: the server ({@code serve}, {@code demo}) and a thin client of its REST API.
 */
@Command(
    name = "gateway",
    mixinStandardHelpOptions = true,
    version = "Portcullis 0.1.0",
    description = "Portcullis: a Git HTTPS gateway enforcing personal access token policies.",
    subcommands = {
      ServeCommand.class,
      DemoCommand.class,
      UserCommand.class,
      EnterpriseCommand.class,
      OrgCommand.class,
      RepoCommand.class,
      MemberCommand.class,
      CollaboratorCommand.class,
      TokenCommand.class,
      PolicyCommand.class,
      RequestCommand.class,
      GrantCommand.class,
      CredentialsCommand.class,
      AuditCommand.class,
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

  public static void main(String[] args) {
    int code = new CommandLine(new Main()).setCaseInsensitiveEnumValuesAllowed(true).execute(args);
    if (code != 0 || !ServeCommand.serving()) {
      System.exit(code);
    }
  }
}
