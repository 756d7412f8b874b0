package dev.portcullis.gateway.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code bin/portcullis.service} is a unit systemd accepts, without a warning, and hardened as the
 * README says. Checked by {@code systemd-analyze verify} where it is installed, with the install
 * location replaced by this checkout (verify checks that the command exists).
 */
class SystemdUnitTest {
  private static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  private static final Path UNIT = ROOT.resolve("bin").resolve("portcullis.service");

  @TempDir Path tmp;

  @Test
  void theUnitIsHardened() throws Exception {
    List<String> lines = Files.readAllLines(UNIT, StandardCharsets.UTF_8);
    for (String setting :
        List.of(
            "NoNewPrivileges=yes",
            "ProtectSystem=strict",
            "ReadWritePaths=/var/lib/portcullis",
            "UMask=0077",
            "ExecStart=/opt/portcullis/bin/gateway serve --config /etc/portcullis/gateway.properties"
                + " --data /var/lib/portcullis")) {
      assertTrue(lines.contains(setting), "the unit sets " + setting);
    }
  }

  /**
   * The install steps in the unit's header are the README's, command for command: the service's
   * group reads the settings, which stay root's to write.
   */
  @Test
  void theUnitsInstallStepsAreTheReadmes() throws Exception {
    List<String> steps =
        Files.readAllLines(UNIT, StandardCharsets.UTF_8).stream()
            .filter(l -> l.startsWith("#   "))
            .map(l -> l.substring(4).strip())
            .toList();
    List<String> readme =
        Files.readAllLines(ROOT.resolve("README.md"), StandardCharsets.UTF_8).stream()
            .map(l -> l.replaceFirst("\\s+#.*$", "").strip())
            .toList();
    assertEquals(5, steps.size(), steps::toString);
    for (String step : steps) {
      assertTrue(readme.contains(step), "the README has: " + step);
    }
    assertTrue(steps.contains("install -d -m 0750 -g portcullis /etc/portcullis"), steps::toString);
    assertTrue(
        steps.contains(
            "install -m 0640 -g portcullis /dev/null /etc/portcullis/gateway.properties"),
        steps::toString);
  }

  @Test
  void systemdAcceptsTheUnitWithoutAWarning() throws Exception {
    Path analyze = Path.of("/usr/bin/systemd-analyze");
    assumeTrue(Files.isExecutable(analyze), "systemd-analyze is not installed");
    Path unit = tmp.resolve("portcullis.service");
    Files.writeString(
        unit,
        Files.readString(UNIT, StandardCharsets.UTF_8).replace("/opt/portcullis", ROOT.toString()),
        StandardCharsets.UTF_8);
    Path out = tmp.resolve("verify.log");
    Process p =
        new ProcessBuilder(analyze.toString(), "verify", unit.toString())
            .redirectErrorStream(true)
            .redirectOutput(out.toFile())
            .start();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), "systemd-analyze finished");
    String output = Files.readString(out);
    assertEquals(0, p.exitValue(), output);
    assertEquals("", output.strip(), "no warning");
  }
}
