package dev.portcullis.gateway.bench;

import dev.portcullis.gateway.Gateway;
import dev.portcullis.gateway.GatewayConfig;
import dev.portcullis.policy.admin.Admin;
import dev.portcullis.policy.admin.NewToken;
import dev.portcullis.policy.model.Actor;
import dev.portcullis.policy.model.Repository;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;

/**
 * What push protection costs a large push: the same commit of many new text files (default 1,000
 * files, 20 MB) pushed with the real {@code git} CLI into a fresh repository of an organization
 * whose {@code push_protection} is enabled, then into one of an organization where it is disabled,
 * alternating for a number of rounds. Prints the median push time of each and their ratio (the
 * issue's bound: at most 1.1).
 *
 * <p>Options: {@code --rounds N} (pairs, default 5), {@code --files N} (default 1000), {@code
 * --file-bytes N} (default 20000). Run with {@code bin/bench push-protection}.
 */
public final class PushProtectionBench {
  private PushProtectionBench() {}

  public static void main(String[] args) throws Exception {
    int rounds = 5;
    int files = 1000;
    int fileBytes = 20_000;
    for (int i = 0; i < args.length; i++) {
      String v = i + 1 < args.length ? args[i + 1] : null;
      switch (args[i]) {
        case "--rounds" -> rounds = positive(args[i], v);
        case "--files" -> files = positive(args[i], v);
        case "--file-bytes" -> fileBytes = positive(args[i], v);
        default ->
            throw new IllegalArgumentException(
                "unknown option " + args[i] + " (--rounds, --files, --file-bytes)");
      }
      i++;
    }
    Path tmp = Files.createTempDirectory("portcullis-push-bench");
    GitCli git = new GitCli(tmp.resolve("home"));
    Duration timeout = Duration.ofMinutes(10);
    try (Gateway gateway =
        Gateway.start(GatewayConfig.defaults(tmp.resolve("data")).withPorts(0, 0))) {
      Admin m = gateway.admin();
      m.accounts().createUserForSeed("bencher");
      m.accounts().createOrganization(Actor.SYSTEM, "protected", "bencher", null);
      m.accounts().createOrganization(Actor.SYSTEM, "unprotected", "bencher", null);
      m.policies()
          .updateOrgPolicy(Actor.SYSTEM, "unprotected", Map.of("push_protection", "disabled"));
      String token =
          m.tokens()
              .createToken(
                  Actor.SYSTEM,
                  "bencher",
                  new NewToken(
                      "classic", "bench", null, 7, List.of("repo"), null, null, null, null, null))
              .plaintext();

      Path work = tmp.resolve("work");
      git.must(tmp, timeout, "init", "-q", work.toString());
      long bytes = writeFiles(work, files, fileBytes);
      git.must(work, timeout, "add", "-A");
      git.must(work, timeout, "commit", "-q", "-m", "many files");
      System.out.printf(
          Locale.ROOT,
          "push-protection bench: %d files, %,d bytes in one commit, %d rounds of each%n",
          files,
          bytes,
          rounds);

      List<Double> on = new ArrayList<>();
      List<Double> off = new ArrayList<>();
      for (int r = 0; r <= rounds; r++) {
        // Round 0 warms both up and is not counted; the order alternates.
        boolean onFirst = r % 2 == 0;
        for (boolean protectedOrg : new boolean[] {onFirst, !onFirst}) {
          String org = protectedOrg ? "protected" : "unprotected";
          Repository repo =
              m.repositories()
                  .createRepository(
                      Actor.SYSTEM, org, "r" + r, "private", gateway.storage()::create);
          String url =
              gateway.httpUrl().replace("http://", "http://bencher:" + token + "@")
                  + "/"
                  + repo.fullName()
                  + ".git";
          double s = git.must(work, timeout, "push", "-q", url, "HEAD:refs/heads/main").seconds();
          if (r > 0) {
            (protectedOrg ? on : off).add(s);
          }
        }
      }
      double medOn = median(on);
      double medOff = median(off);
      System.out.printf(
          Locale.ROOT,
          "push protection on: median %.3f s %s%npush protection off: median %.3f s %s%n"
              + "ratio on/off: %.3f%n",
          medOn,
          on,
          medOff,
          off,
          medOn / medOff);
    }
  }

  /** Text files of {@code size} bytes each, distinct content; returns the total size. */
  private static long writeFiles(Path work, int files, int size) throws IOException {
    Random random = new Random(42);
    String[] words = {
      "alpha",
      "beta",
      "gamma",
      "delta",
      "config",
      "value",
      "token",
      "portcullis",
      "repository",
      "commit",
      "branch",
      "release",
      "version",
      "service",
      "endpoint",
      "timeout",
      "retry"
    };
    long total = 0;
    for (int f = 0; f < files; f++) {
      StringBuilder sb = new StringBuilder(size + 64);
      while (sb.length() < size) {
        sb.append(words[random.nextInt(words.length)])
            .append(' ')
            .append(Long.toHexString(random.nextLong()))
            .append(random.nextInt(8) == 0 ? '\n' : ' ');
      }
      sb.setLength(size - 1);
      sb.append('\n');
      Path p = work.resolve(String.format(Locale.ROOT, "d%02d/f%04d.txt", f % 50, f));
      Files.createDirectories(p.getParent());
      Files.writeString(p, sb, StandardCharsets.UTF_8);
      total += size;
    }
    return total;
  }

  private static double median(List<Double> xs) {
    double[] a = xs.stream().mapToDouble(Double::doubleValue).toArray();
    Arrays.sort(a);
    return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
  }

  private static int positive(String option, String value) {
    try {
      int n = Integer.parseInt(value);
      if (n > 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below
    }
    throw new IllegalArgumentException(option + " needs a positive number, not " + value);
  }
}
