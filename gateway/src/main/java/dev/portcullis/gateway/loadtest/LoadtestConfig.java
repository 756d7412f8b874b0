package dev.portcullis.gateway.loadtest;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Everything a load test run is told, validated at once: every bad value is reported together.
 *
 * @param tokens tokens to create
 * @param clients concurrent simulated git clients
 * @param duration how long the load runs (at most {@link #MAX_DURATION})
 * @param maxRequests stop after this many git operations, 0 for no cap
 * @param mix the operation mix
 * @param revokeRate revocations per second while the load runs, 0 for none
 * @param badTokenRate share (0–1) of operations made with a garbage or unknown token
 * @param classicShare share (0–1) of the tokens that are classic (scope {@code repo}); the rest are
 *     fine-grained
 * @param pendingShare share (0–1) of the fine-grained tokens created while the org requires
 *     approval
 * @param users users owning the tokens, 0 to derive from the token count
 * @param repos repositories with content that clients clone and list
 * @param org the load test's organization
 * @param reuse reuse the organization, users and repositories of an earlier run
 * @param cleanup delete the organization and the users at the end (also after a failure)
 * @param seedCommits commits in each content repository when it is first seeded
 * @param seedKb file content in each content repository when it is seeded, KiB
 * @param setupConcurrency admin API calls in flight during setup
 * @param connectTimeout TCP/TLS connect timeout
 * @param requestTimeout per HTTP request, until the whole answer is read
 * @param reportDir where the JSON and HTML reports go
 * @param progress print a progress line every second
 */
record LoadtestConfig(
    int tokens,
    int clients,
    Duration duration,
    long maxRequests,
    Mix mix,
    double revokeRate,
    double badTokenRate,
    double classicShare,
    double pendingShare,
    int users,
    int repos,
    String org,
    boolean reuse,
    boolean cleanup,
    int seedCommits,
    int seedKb,
    int setupConcurrency,
    Duration connectTimeout,
    Duration requestTimeout,
    Path reportDir,
    boolean progress) {

  static final Duration MAX_DURATION = Duration.ofHours(1);
  private static final Pattern ORG =
      Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,29}");

  /** The organization of a run not told one: {@code loadtest-<UTC date>-<time>}, its own. */
  static String defaultOrg(java.time.Instant now) {
    return "loadtest-"
        + java.time.format.DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", java.util.Locale.ROOT)
            .withZone(java.time.ZoneOffset.UTC)
            .format(now);
  }

  LoadtestConfig {
    List<String> errors = new ArrayList<>();
    range(errors, "--tokens", tokens, 1, 1_000_000);
    range(errors, "--clients", clients, 1, 10_000);
    if (duration == null
        || duration.compareTo(Duration.ofSeconds(1)) < 0
        || duration.compareTo(MAX_DURATION) > 0) {
      errors.add("--duration must be 1s–1h, not " + duration);
    }
    if (maxRequests < 0) {
      errors.add("--max-requests must be 0 (no cap) or positive, not " + maxRequests);
    }
    if (mix == null) {
      errors.add("--mix is required");
    }
    if (!(revokeRate >= 0 && revokeRate <= 1000)) {
      errors.add("--revoke-rate must be 0–1000 per second, not " + revokeRate);
    }
    share(errors, "--bad-token-rate", badTokenRate);
    share(errors, "--classic-share", classicShare);
    share(errors, "--pending-share", pendingShare);
    range(errors, "--users", users, 0, 10_000);
    range(errors, "--repos", repos, 1, 100);
    if (org == null || !ORG.matcher(org).matches()) {
      errors.add("--org must be 1–30 letters, digits or single hyphens, not '" + org + "'");
    }
    range(errors, "--seed-commits", seedCommits, 1, 1000);
    range(errors, "--seed-kb", seedKb, 1, 100_000);
    range(errors, "--setup-concurrency", setupConcurrency, 1, 256);
    positive(errors, "--connect-timeout", connectTimeout);
    positive(errors, "--request-timeout", requestTimeout);
    if (reportDir == null) {
      errors.add("--report-dir is required");
    }
    if (!errors.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", errors));
    }
  }

  private static void range(List<String> errors, String option, long value, long min, long max) {
    if (value < min || value > max) {
      errors.add(option + " must be " + min + "–" + max + ", not " + value);
    }
  }

  private static void share(List<String> errors, String option, double value) {
    if (!(value >= 0 && value <= 1)) {
      errors.add(option + " must be between 0 and 1, not " + value);
    }
  }

  private static void positive(List<String> errors, String option, Duration d) {
    if (d == null || d.isNegative() || d.isZero() || d.compareTo(Duration.ofMinutes(10)) > 0) {
      errors.add(option + " must be above 0 and at most 10m, not " + d);
    }
  }

  /** The number of users: {@link #users} or, when 0, one per 50 tokens (1–200). */
  int effectiveUsers() {
    if (users > 0) {
      return users;
    }
    return Math.max(1, Math.min(200, (tokens + 49) / 50));
  }
}
