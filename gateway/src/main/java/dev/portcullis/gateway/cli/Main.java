package dev.portcullis.gateway.cli;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * {@code bin/gateway}: the server ({@code serve}, {@code demo}) and a thin client of its REST API.
 */
@Command(
    name = "gateway",
    mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Portcullis: a Git HTTPS gateway enforcing personal access token policies.")
public final class Main implements Runnable {
  /**
   * The subcommands, in the order help lists them. They are added to the command line in {@link
   * #commandLine(String[])}, not named in {@code @Command}: picocli builds the model of every
   * command it is given by reflection (options, mixins, nested subcommands), which is a third of a
   * client call's start-up, so a call builds only the command it runs.
   */
  static final List<Class<?>> SUBCOMMANDS =
      List.of(
          ServeCommand.class,
          StopCommand.class,
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
          NotifyCommand.class,
          AuditCommand.class,
          dev.portcullis.gateway.loadtest.LoadtestCommand.class,
          CommandLine.HelpCommand.class);

  /** The commands that are not clients of a running gateway's API. */
  private static final java.util.Set<String> SERVER_SIDE =
      java.util.Set.of(
          "serve", "stop", "demo", "loadtest", "help", "-h", "--help", "-V", "--version");

  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(
        spec.commandLine(), "Missing subcommand: try 'gateway serve' or 'gateway help'");
  }

  /**
   * A usage error is one line that names what is wrong, by its flag, and where help is: never the
   * whole usage text, nor a Java type's name.
   */
  static int usageError(CommandLine.ParameterException e, String[] args) {
    CommandLine cmd = e.getCommandLine();
    String name = cmd.getCommandSpec().qualifiedName();
    cmd.getErr().println(name + ": " + describe(e) + " (see '" + name + " --help')");
    cmd.getErr().flush();
    return 2;
  }

  static String describe(CommandLine.ParameterException e) {
    if (e instanceof CommandLine.MissingParameterException missing) {
      List<String> names = new ArrayList<>();
      for (CommandLine.Model.ArgSpec a : missing.getMissing()) {
        names.add(a instanceof CommandLine.Model.OptionSpec o ? o.longestName() : a.paramLabel());
      }
      return "missing " + String.join(", ", names);
    }
    if (e instanceof CommandLine.UnmatchedArgumentException unmatched
        && !e.getCommandLine().getSubcommands().isEmpty()
        && !unmatched.getUnmatched().isEmpty()
        && !unmatched.getUnmatched().get(0).startsWith("-")) {
      List<String> like = unmatched.getSuggestions();
      return "unknown command '"
          + unmatched.getUnmatched().get(0)
          + "'"
          + (like.isEmpty() ? "" : "; did you mean " + like.get(0) + "?");
    }
    String m = e.getMessage();
    // picocli names Java types: "'abc' is not an int" / "is not a long".
    Matcher type =
        Pattern.compile("'(.*)' is not an? (int|long|short|byte|Integer|Long|Short)\\b.*")
            .matcher(m);
    if (type.find()) {
      m = m.substring(0, type.start()) + "'" + type.group(1) + "' is not a whole number";
    }
    return m.replace("\n", " ").strip();
  }

  /** The version of the gateway jar. */
  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"Portcullis " + dev.portcullis.gateway.Gateway.version()};
    }
  }

  public static void main(String[] args) {
    if (args.length > 0 && !SERVER_SIDE.contains(args[0])) {
      ClientPreload.start();
    }
    CommandLine cl;
    try {
      cl = commandLine(args);
    } catch (IllegalArgumentException e) {
      System.err.println("gateway " + args[0] + ": " + e.getMessage());
      System.exit(2);
      return;
    }
    int code = cl.execute(args);
    if (code != 0 || !ServeCommand.serving()) {
      System.exit(code);
    }
  }

  /**
   * The command line for {@code args}: when they run a command that takes {@code --config FILE},
   * that file supplies the defaults of its options.
   *
   * @throws IllegalArgumentException when the file cannot be read or names an unknown option
   */
  static CommandLine commandLine(String[] args) {
    CommandLine cl = new CommandLine(new Main());
    List<Class<?>> named = args.length == 0 ? List.of() : subcommandNamed(SUBCOMMANDS, args[0]);
    if (named.isEmpty()) {
      SUBCOMMANDS.forEach(cl::addSubcommand);
    } else {
      cl.addSubcommand(group(named.get(0), args));
    }
    cl.setCaseInsensitiveEnumValuesAllowed(true).setParameterExceptionHandler(Main::usageError);
    CommandLine sub = args.length == 0 ? null : cl.getSubcommands().get(args[0]);
    Path file = ConfigFile.named(args);
    if (sub != null && file != null && sub.getCommandSpec().findOption(ConfigFile.OPTION) != null) {
      sub.setDefaultValueProvider(ConfigFile.load(file, sub.getCommandSpec()));
    }
    return cl;
  }

  /**
   * The command line of the top-level subcommand {@code c}. When it is a group ({@code user},
   * {@code token}, …) and {@code args} name one of its commands, the group holds only that one, for
   * the same reason {@link #commandLine} adds only the subcommand it runs; the group itself has no
   * options but help, which a command of its own never reaches. Anything else (the group's help, a
   * typo) gets the whole group.
   */
  private static Object group(Class<?> c, String[] args) {
    Command group = c.getAnnotation(Command.class);
    List<Class<?>> members = List.of(group.subcommands());
    List<Class<?>> named = args.length < 2 ? List.of() : subcommandNamed(members, args[1]);
    if (named.isEmpty()) {
      return c;
    }
    CommandLine one =
        new CommandLine(
            CommandLine.Model.CommandSpec.create().name(group.name()).aliases(group.aliases()));
    one.addSubcommand(named.get(0));
    return one;
  }

  /**
   * The subcommand {@code name} names (by name or alias), as a list of one, or empty for anything
   * else ({@code help}, an option, a typo): those need every subcommand, for help and suggestions.
   */
  private static List<Class<?>> subcommandNamed(List<Class<?>> among, String name) {
    for (Class<?> c : among) {
      Command command = c.getAnnotation(Command.class);
      if (c != CommandLine.HelpCommand.class
          && (command.name().equals(name) || List.of(command.aliases()).contains(name))) {
        return List.of(c);
      }
    }
    return List.of();
  }
}
