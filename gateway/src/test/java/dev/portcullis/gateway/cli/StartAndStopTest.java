package dev.portcullis.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.gateway.Gateway;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Starting and stopping {@code gateway serve} as an operator does, each in its own process: a port
 * in use and a data directory held by another gateway are one line and a non-zero exit, with
 * nothing written; {@code gateway stop} stops the gateway serving a data directory gracefully.
 */
class StartAndStopTest {
  @TempDir Path tmp;

  private record Run(int exit, String output) {
    List<String> lines() {
      return output.lines().filter(l -> !l.isBlank()).toList();
    }
  }

  private ProcessBuilder gateway(Path log, String... args) {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    List<String> cmd = new ArrayList<>();
    cmd.addAll(
        List.of(
            java,
            "-Xmx256m",
            "-XX:TieredStopAtLevel=1",
            "-cp",
            System.getProperty("java.class.path"),
            "dev.portcullis.gateway.cli.Main"));
    cmd.addAll(List.of(args));
    return new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
  }

  private Run run(String... args) throws Exception {
    Path log = Files.createTempFile(tmp, "run", ".log");
    Process p = gateway(log, args).start();
    if (!p.waitFor(60, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      fail("gateway " + String.join(" ", args) + " did not finish:\n" + Files.readString(log));
    }
    return new Run(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8));
  }

  @Test
  void aPortInUseIsOneLineAndWritesNothing() throws Exception {
    Path data = tmp.resolve("fresh");
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      int port = taken.getLocalPort();
      Run r = run("serve", "--port", Integer.toString(port), "--data", data.toString());
      assertEquals(1, r.exit(), r.output());
      assertEquals(
          List.of("gateway serve: port " + port + " on 127.0.0.1 is in use"),
          r.lines(),
          r.output());
    }
    assertFalse(Files.exists(data), "nothing is written before the checks pass");
  }

  @Test
  void aDataDirectoryServedByAnotherGatewayIsRefusedAndStopStopsIt() throws Exception {
    Path data = tmp.resolve("data");
    Path firstLog = tmp.resolve("first.log");
    Process first =
        gateway(firstLog, "serve", "--port", "0", "--data", data.toString(), "--http-port", "0")
            .start();
    try {
      awaitStart(first, data, firstLog);
      Properties endpoint = new Properties();
      try (var in = Files.newBufferedReader(data.resolve(Gateway.ENDPOINT_FILE))) {
        endpoint.load(in);
      }
      Set<String> before = listing(data);

      Run second = run("serve", "--port", "0", "--data", data.toString());
      assertEquals(1, second.exit(), second.output());
      assertEquals(
          List.of(
              "gateway serve: the data directory "
                  + data.toAbsolutePath()
                  + " is used by another gateway (pid "
                  + first.pid()
                  + ")"),
          second.lines(),
          second.output());
      assertEquals(before, listing(data), "the refused start wrote nothing");

      Run stop = run("stop", "--data", data.toString());
      assertEquals(0, stop.exit(), stop.output());
      assertEquals(
          List.of("Stopped the gateway serving " + data + " (pid " + first.pid() + ")."),
          stop.lines());
      assertTrue(first.waitFor(10, TimeUnit.SECONDS), "the gateway has exited");
      String log = Files.readString(firstLog);
      assertTrue(
          Pattern.compile(
                  "(?m)^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(Z|[+-]\\d\\d:\\d\\d) INFO .*"
                      + "Portcullis "
                      + Pattern.quote(Gateway.version())
                      + " started: https://")
              .matcher(log)
              .find(),
          "an ISO-8601 time with its zone: " + log);
      // Both lines name the listeners, the data directory and the store.
      Matcher started =
          Pattern.compile("(?m)Portcullis " + Pattern.quote(Gateway.version()) + " started: (.*)$")
              .matcher(log);
      assertTrue(started.find(), log);
      String serving = started.group(1);
      assertTrue(
          serving.startsWith(
              endpoint.getProperty("url")
                  + " and "
                  + endpoint.getProperty("http_url")
                  + " (data "
                  + data
                  + ", store jdbc:h2:"),
          serving);
      assertTrue(
          log.lines()
              .anyMatch(
                  l -> l.endsWith(" Portcullis " + Gateway.version() + " stopped: " + serving)),
          log);
      assertFalse(log.contains("Exception"), log);

      Run again = run("stop", "--data", data.toString());
      assertEquals(1, again.exit());
      assertEquals(List.of("gateway stop: no gateway is serving " + data), again.lines());
    } finally {
      first.destroyForcibly();
    }
  }

  @Test
  void jsonLogsAreOneObjectPerLine() throws Exception {
    Path data = tmp.resolve("json");
    Path log = tmp.resolve("json.log");
    Process p =
        gateway(log, "serve", "--port", "0", "--data", data.toString(), "--log-format", "json")
            .start();
    try {
      awaitStart(p, data, log);
      assertEquals(0, run("stop", "--data", data.toString()).exit());
      assertTrue(p.waitFor(10, TimeUnit.SECONDS));
    } finally {
      p.destroyForcibly();
    }
    ObjectMapper json = new ObjectMapper();
    List<JsonNode> lines = new ArrayList<>();
    for (String line : Files.readAllLines(log)) {
      if (line.startsWith("{")) {
        lines.add(json.readTree(line));
      } else {
        // What serve prints for its operator (not log lines): the admin token and the addresses.
        assertFalse(line.matches("^\\d{4}-.*"), "no text log line: " + line);
      }
    }
    assertTrue(
        lines.stream()
            .anyMatch(
                l ->
                    l.path("level").asText().equals("INFO")
                        && l.path("loggerName").asText().equals(Gateway.class.getName())
                        && l.path("formattedMessage")
                            .asText()
                            .startsWith("Portcullis " + Gateway.version() + " started: https://")),
        lines.toString());
    assertTrue(
        lines.stream().anyMatch(l -> l.path("formattedMessage").asText().contains(" stopped")));
  }

  private static void awaitStart(Process p, Path data, Path log) throws Exception {
    Path endpoint = data.resolve(Gateway.ENDPOINT_FILE);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(90);
    while (!Files.exists(endpoint)) {
      if (!p.isAlive() || System.nanoTime() > deadline) {
        fail("the gateway did not start:\n" + Files.readString(log));
      }
      Thread.sleep(100);
    }
  }

  private static Set<String> listing(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.map(p -> dir.relativize(p).toString()).collect(Collectors.toSet());
    }
  }
}
