package dev.portcullis.gateway.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real {@code git} CLI isolated from the user's configuration, never prompting, bounded in
 * time.
 */
final class GitCli {
  /** What a git run did and how long it took (wall time, process start to exit). */
  record Run(int exit, String output, double seconds) {
    boolean ok() {
      return exit == 0;
    }
  }

  private final Path home;

  GitCli(Path home) throws IOException {
    this.home = dev.portcullis.gateway.TestGit.isolatedHome(home, "[gc]\n\tauto = 0\n");
  }

  Run run(Path dir, Duration timeout, String... args) throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>();
    cmd.add("git");
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    dev.portcullis.gateway.TestGit.isolate(env, home);
    Path log = Files.createTempFile(home, "git-", ".out");
    pb.redirectOutput(log.toFile());
    long t0 = System.nanoTime();
    Process p = pb.start();
    boolean finished = p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    double seconds = (System.nanoTime() - t0) / 1e9;
    if (!finished) {
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
    String out = Files.readString(log, StandardCharsets.UTF_8);
    Files.deleteIfExists(log);
    return new Run(
        finished ? p.exitValue() : -1,
        finished ? out : out + "\n(killed after " + timeout + ")",
        seconds);
  }

  /** Runs and fails loudly unless git succeeded. */
  Run must(Path dir, Duration timeout, String... args) throws IOException, InterruptedException {
    Run r = run(dir, timeout, args);
    if (!r.ok()) {
      throw new IllegalStateException(
          "git "
              + String.join(" ", redact(args))
              + " failed (exit "
              + r.exit()
              + "):\n"
              + r.output());
    }
    return r;
  }

  /** Arguments with any URL credentials hidden. */
  static List<String> redact(String... args) {
    List<String> out = new ArrayList<>();
    for (String a : args) {
      out.add(a.replaceAll("//[^/@]*@", "//…@"));
    }
    return out;
  }
}
