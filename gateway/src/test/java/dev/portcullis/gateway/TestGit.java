package dev.portcullis.gateway;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Runs the real {@code git} CLI, isolated from the user's configuration, never prompting, bounded
 * in time. Fails loudly when git is missing.
 */
public final class TestGit {
  /** What a git run did. */
  record Result(int exit, String output) {
    boolean ok() {
      return exit == 0;
    }

    @Override
    public String toString() {
      return "exit " + exit + ":\n" + output;
    }
  }

  private final Path home;
  private final Map<String, String> extraEnv;

  TestGit(Path home, Map<String, String> extraEnv) throws IOException {
    this.home = isolatedHome(home, "");
    this.extraEnv = extraEnv;
  }

  /**
   * Creates {@code home} with the one git configuration every test run uses (identity, branch
   * {@code main}, quiet advice, plus {@code extraConfig}).
   */
  public static Path isolatedHome(Path home, String extraConfig) throws IOException {
    Files.createDirectories(home);
    Files.writeString(
        home.resolve(".gitconfig"),
        "[user]\n\tname = Test\n\temail = test@example.com\n[init]\n\tdefaultBranch = main\n[advice]\n\tdetachedHead = false\n"
            + extraConfig,
        StandardCharsets.UTF_8);
    return home;
  }

  /** Isolates a git process from the user's and the system's configuration; it never prompts. */
  public static void isolate(Map<String, String> env, Path home) {
    env.put("HOME", home.toString());
    env.put("XDG_CONFIG_HOME", home.resolve(".config").toString());
    env.put("GIT_CONFIG_NOSYSTEM", "1");
    env.put("GIT_TERMINAL_PROMPT", "0");
    env.put("GIT_ASKPASS", "");
    env.put("SSH_ASKPASS", "");
    env.put("LC_ALL", "C");
    env.remove("GIT_SSL_CAINFO");
  }

  Result run(Path dir, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add("git");
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    isolate(env, home);
    env.putAll(extraEnv);
    try {
      Process p = pb.start();
      byte[] out = p.getInputStream().readAllBytes();
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        fail("git " + String.join(" ", args) + " did not finish in 120 s");
      }
      return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new AssertionError(
          "the git CLI is required for these tests and could not be run: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }
}
