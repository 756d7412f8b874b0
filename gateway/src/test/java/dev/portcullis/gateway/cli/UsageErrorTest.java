package dev.portcullis.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** A usage error is one line naming the flag, with where help is; exit status 2. */
class UsageErrorTest {
  private static List<String> run(String... args) {
    CommandLine cl = Main.commandLine(args);
    StringWriter err = new StringWriter();
    StringWriter out = new StringWriter();
    cl.setErr(new PrintWriter(err));
    cl.setOut(new PrintWriter(out));
    assertEquals(2, cl.execute(args), err.toString());
    assertEquals("", out.toString(), "nothing on standard output");
    return err.toString().lines().toList();
  }

  @Test
  void missingOptionsAreNamedByTheirFlags() {
    assertEquals(
        List.of(
            "gateway token create: missing --type, --name, LOGIN (see 'gateway token create --help')"),
        run("token", "create"));
  }

  @Test
  void aValueOfTheWrongKindIsSaidWithoutJavaWords() {
    assertEquals(
        List.of(
            "gateway serve: Invalid value for option '--port': 'abc' is not a whole number (see 'gateway serve --help')"),
        run("serve", "--port", "abc"));
  }

  @Test
  void unknownOptionsAndCommands() {
    assertEquals(
        List.of(
            "gateway repo create: Unknown option: '--bogus' (see 'gateway repo create --help')"),
        run("repo", "create", "acme/app", "--bogus"));
    assertEquals(
        List.of("gateway: unknown command 'serv'; did you mean serve?" + " (see 'gateway --help')"),
        run("serv"));
  }

  @Test
  void aCallBuildsOnlyTheCommandItRunsAndHelpSeesThemAll() {
    assertEquals(
        List.of("user"),
        List.copyOf(Main.commandLine(new String[] {"user", "list"}).getSubcommands().keySet()));
    assertEquals(
        List.of("loadtest"),
        List.copyOf(Main.commandLine(new String[] {"loadtest"}).getSubcommands().keySet()));
    for (String args : List.of("", "help", "--help", "--version", "serv")) {
      assertEquals(
          Main.SUBCOMMANDS.size(),
          Main.commandLine(args.isEmpty() ? new String[0] : new String[] {args})
              .getSubcommands()
              .size(),
          args);
    }
    // Within a group, the command it runs; the group's help and a typo see every command.
    assertEquals(
        List.of("list"),
        List.copyOf(
            Main.commandLine(new String[] {"user", "list"})
                .getSubcommands()
                .get("user")
                .getSubcommands()
                .keySet()));
    assertEquals(
        List.of("create", "list", "invite", "delete", "suspend", "unsuspend"),
        List.copyOf(
            Main.commandLine(new String[] {"user", "--help"})
                .getSubcommands()
                .get("user")
                .getSubcommands()
                .keySet()));
    assertEquals(
        List.of(
            "gateway user: unknown command 'lst'; did you mean list? (see 'gateway user --help')"),
        run("user", "lst"));
    StringWriter listHelp = new StringWriter();
    CommandLine one = Main.commandLine(new String[] {"user", "list", "--help"});
    one.setOut(new PrintWriter(listHelp));
    assertEquals(0, one.execute("user", "list", "--help"));
    assertTrue(listHelp.toString().startsWith("Usage: gateway user list "), listHelp::toString);
    StringWriter out = new StringWriter();
    CommandLine help = Main.commandLine(new String[] {"help"});
    help.setOut(new PrintWriter(out));
    assertEquals(0, help.execute("help"));
    for (String name :
        List.of("serve", "stop", "demo", "user", "audit", "loadtest", "credentials")) {
      assertTrue(out.toString().contains("\n  " + name + " "), () -> name + " in " + out);
    }
  }

  @Test
  void aDeletionWithoutYesSaysWhatWouldGo() {
    assertEquals(
        List.of(
            "gateway org delete: deleting the organization acme deletes its repositories and the tokens, "
                + "requests and grants aimed at it; add --yes to delete (see 'gateway org delete --help')"),
        run("org", "delete", "acme"));
  }

  @Test
  void aPermissionWithoutALevelIsRefusedBeforeAnythingIsSent() {
    assertEquals(
        List.of(
            "gateway token create: Invalid value for option '--permission': 'contents' (expected NAME=LEVEL "
                + "with LEVEL read, write or admin, e.g. contents=read) (see 'gateway token create --help')"),
        run(
            "token",
            "create",
            "bob",
            "--type",
            "fine-grained",
            "--name",
            "x",
            "--permission",
            "contents"));
  }
}
