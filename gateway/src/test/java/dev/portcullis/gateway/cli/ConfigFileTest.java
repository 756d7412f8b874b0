package dev.portcullis.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code serve --config FILE}: options from a properties file, the command line overriding it. */
class ConfigFileTest {
  @TempDir Path tmp;

  private ServerOptions parse(String... args) {
    CommandLine cl = Main.commandLine(args);
    CommandLine.ParseResult r = cl.parseArgs(args);
    ServeCommand serve = r.subcommand().commandSpec().commandLine().getCommand();
    return serve.options;
  }

  @Test
  void theFileSetsOptionsAndTheCommandLineOverridesThem() throws Exception {
    Path file = tmp.resolve("gateway.properties");
    Files.writeString(
        file,
        "# a deployment's settings\n"
            + "port = 9443\n"
            + "data = /var/lib/portcullis\n"
            + "no-anonymous-read = true\n"
            + "db-password = s3cret\n");
    ServerOptions o = parse("serve", "--config", file.toString(), "--port", "10443");
    assertEquals(10443, o.port, "the command line wins");
    assertEquals(Path.of("/var/lib/portcullis"), o.data);
    assertTrue(o.noAnonymousRead);
    assertEquals("s3cret", o.dbPassword);
    assertEquals("127.0.0.1", o.bind, "what neither sets keeps its default");
    assertNull(o.httpPort);

    ServerOptions eq = parse("serve", "--config=" + file);
    assertEquals(9443, eq.port);

    ServerOptions none = parse("serve");
    assertEquals(8443, none.port);
    assertFalse(none.noAnonymousRead);
  }

  @Test
  void anUnknownNameOrAMissingFileIsOneLine() throws Exception {
    Path file = tmp.resolve("typo.properties");
    Files.writeString(file, "prot = 9443\n");
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Main.commandLine(new String[] {"serve", "--config", file.toString()}));
    assertTrue(
        e.getMessage().startsWith(file + ": 'prot' is not an option of 'gateway serve' (one of: "),
        e.getMessage());
    assertTrue(e.getMessage().contains("port"), e.getMessage());
    assertFalse(e.getMessage().contains("\n"));

    IllegalArgumentException missing =
        assertThrows(
            IllegalArgumentException.class,
            () ->
                Main.commandLine(
                    new String[] {"serve", "--config", tmp.resolve("absent").toString()}));
    assertTrue(missing.getMessage().startsWith("cannot read "), missing.getMessage());
  }
}
