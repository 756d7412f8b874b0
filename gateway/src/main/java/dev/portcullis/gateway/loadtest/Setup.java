package dev.portcullis.gateway.loadtest;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntFunction;
import org.eclipse.jgit.lib.ObjectId;

/**
 * Prepares what the load runs against, through the admin API and git itself: the organization
 * (members get {@code write}), its users, private content repositories seeded by a real push, the
 * push repository, and the tokens, created with many calls in flight.
 *
 * <p>Fine-grained tokens with a pending request are created while the organization requires
 * approval; then the organization stops requiring it ({@code fine_grained_approval: not_required}),
 * which makes them usable until the organization denies them.
 */
final class Setup {
  /** Where the push repository's branches for the clients live. */
  static final String BRANCH_PREFIX = "refs/heads/loadtest/c";

  /** The repository every client pushes to, each on its own branch. */
  static final String PUSH_REPO = "pushes";

  /**
   * What the load runs against.
   *
   * @param contentRepos {@code org/name} of the repositories to list and clone
   * @param pushRepo {@code org/name} of the repository to push to
   * @param tokens the pool, by index
   */
  record Fixture(
      String org,
      List<String> contentRepos,
      String pushRepo,
      List<PoolToken> tokens,
      int users,
      Timings timings) {}

  /** How long setup took, seconds. */
  record Timings(double accounts, double tokens, double seeding, double total) {
    double tokensPerSecond(int n) {
      return tokens <= 0 ? 0 : n / tokens;
    }
  }

  private final LoadtestConfig config;
  private final AdminApi api;
  private final SmartHttpClient git;
  private final PrintWriter out;
  private final Cleanup cleanup;
  private final String runId = Long.toString(System.currentTimeMillis() % 2_176_782_336L, 36);

  /**
   * @param cleanup told of the organization and each user this run makes (or reuses), as soon as
   *     they exist
   */
  Setup(
      LoadtestConfig config, AdminApi api, SmartHttpClient git, PrintWriter out, Cleanup cleanup) {
    this.config = config;
    this.api = api;
    this.git = git;
    this.out = out;
    this.cleanup = cleanup;
  }

  /** Runs the setup; throws {@link AdminApi.CallFailed} with the first failure. */
  Fixture run() {
    long t0 = Ticks.now();
    String org = config.org();
    String admin = adminLogin();
    AdminApi.Response orgAnswer =
        api.send("POST", "/admin/organizations", Map.of("login", org, "admin", admin));
    if (!orgAnswer.ok() && !(config.reuse() && orgAnswer.alreadyExists())) {
      throw new AdminApi.CallFailed(
          orgAnswer.alreadyExists()
              ? "the organization '"
                  + org
                  + "' exists already: pass --reuse to run against it again, or another --org"
              : "cannot create the organization '" + org + "': " + orgAnswer.message());
    }
    cleanup.organization(org);
    api.expect("PUT", "/orgs/" + org + "/base-permission", Map.of("permission", "write"), false);
    int users = config.effectiveUsers();
    List<String> logins = new ArrayList<>(users);
    for (int i = 1; i <= users; i++) {
      logins.add(org + "-u" + i);
    }
    parallel(
        users,
        i ->
            api.call("POST", "/admin/users", Map.of("login", logins.get(i)))
                .thenAccept(
                    r -> {
                      if (r.ok() || (config.reuse() && r.alreadyExists())) {
                        cleanup.user(logins.get(i));
                      } else if (!r.alreadyExists()) {
                        throw new AdminApi.CallFailed("cannot create user: " + r.message());
                      }
                    }));
    parallel(
        users,
        i ->
            expect(
                api.call(
                    "PUT",
                    "/orgs/" + org + "/memberships/" + logins.get(i),
                    Map.of("role", "member")),
                "add member",
                false));
    List<String> content = new ArrayList<>();
    for (int i = 1; i <= config.repos(); i++) {
      content.add(repo(org, "content-" + i));
    }
    String pushRepo = repo(org, PUSH_REPO);
    double accounts = seconds(t0);
    out.printf(
        "setup: organization %s, %d user%s, %d content repositories (%.1f s)%n",
        org, users, users == 1 ? "" : "s", content.size(), accounts);
    out.flush();

    long t1 = Ticks.now();
    PoolToken[] pool = new PoolToken[config.tokens()];
    PoolToken.Kind[] kinds = kinds();
    List<Integer> pending = new ArrayList<>();
    List<Integer> others = new ArrayList<>();
    for (int i = 0; i < kinds.length; i++) {
      (kinds[i] == PoolToken.Kind.FINE_GRAINED_PENDING ? pending : others).add(i);
    }
    if (!pending.isEmpty()) {
      approval(org, "required");
      parallel(pending.size(), k -> createToken(pool, pending.get(k), kinds, logins));
    }
    approval(org, "not_required");
    parallel(others.size(), k -> createToken(pool, others.get(k), kinds, logins));
    double tokens = seconds(t1);
    out.printf(
        "setup: %d tokens in %.1f s (%.0f tokens/s, %d API calls in flight)%n",
        pool.length, tokens, pool.length / Math.max(tokens, 1e-9), config.setupConcurrency());
    out.flush();

    long t2 = Ticks.now();
    int seeded = seed(content, pool);
    double seeding = seconds(t2);
    if (seeded > 0) {
      out.printf(
          "setup: seeded %d repositories with %d commits each by a push through the gateway (%.1f s)%n",
          seeded, config.seedCommits(), seeding);
      out.flush();
    }
    return new Fixture(
        org,
        content,
        pushRepo,
        List.of(pool),
        users,
        new Timings(accounts, tokens, seeding, seconds(t0)));
  }

  private String adminLogin() {
    AdminApi.Response me = api.expect("GET", "/user", null, false);
    if (me.json() == null || !me.json().path("site_admin").asBoolean(false)) {
      throw new AdminApi.CallFailed(
          "the admin token must belong to a site administrator (GET /user says site_admin is not true)");
    }
    return me.json().path("login").asText();
  }

  private String repo(String org, String name) {
    AdminApi.Response r =
        api.send("POST", "/orgs/" + org + "/repos", Map.of("name", name, "visibility", "private"));
    if (!r.ok() && !(config.reuse() && r.alreadyExists())) {
      throw new AdminApi.CallFailed(
          "cannot create the repository " + org + "/" + name + ": " + r.message());
    }
    return org + "/" + name;
  }

  private void approval(String org, String value) {
    api.expect(
        "PUT",
        "/orgs/" + org + "/personal-access-token-policy",
        Map.of("fine_grained_approval", value),
        false);
  }

  /**
   * Token kinds by pool index: the configured shares, shuffled reproducibly so every client gets a
   * mix.
   */
  private PoolToken.Kind[] kinds() {
    int n = config.tokens();
    int classic = (int) Math.round(n * config.classicShare());
    int pending = (int) Math.round((n - classic) * config.pendingShare());
    List<PoolToken.Kind> kinds = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      kinds.add(
          i < classic
              ? PoolToken.Kind.CLASSIC
              : i < classic + pending
                  ? PoolToken.Kind.FINE_GRAINED_PENDING
                  : PoolToken.Kind.FINE_GRAINED);
    }
    Collections.shuffle(kinds, new Random(42));
    return kinds.toArray(new PoolToken.Kind[0]);
  }

  private CompletableFuture<Void> createToken(
      PoolToken[] pool, int index, PoolToken.Kind[] kinds, List<String> logins) {
    String user = logins.get(index % logins.size());
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("name", "lt-" + runId + "-" + index);
    body.put("expires_in", 7);
    if (kinds[index] == PoolToken.Kind.CLASSIC) {
      body.put("type", "classic");
      body.put("scopes", List.of("repo"));
    } else {
      body.put("type", "fine_grained");
      body.put("resource_owner", config.org());
      body.put("repository_selection", "all");
      body.put("permissions", Map.of("contents", "write"));
      body.put("reason", "load test");
    }
    return api.call("POST", "/admin/users/" + user + "/personal-access-tokens", body)
        .thenAccept(
            r -> {
              if (!r.ok() || r.json() == null || !r.json().hasNonNull("token")) {
                throw new AdminApi.CallFailed(
                    "cannot create a token for " + user + ": " + r.message());
              }
              JsonNode j = r.json();
              PoolToken.Kind kind = kinds[index];
              long requestId = j.path("request").path("id").asLong(0);
              if (kind == PoolToken.Kind.FINE_GRAINED_PENDING
                  && !"pending".equals(j.path("request").path("status").asText())) {
                throw new AdminApi.CallFailed(
                    "a fine-grained token created while "
                        + config.org()
                        + " requires approval was not left pending (is "
                        + user
                        + " an owner?)");
              }
              pool[index] =
                  new PoolToken(
                      index,
                      j.get("id").asLong(),
                      kind,
                      requestId,
                      user,
                      Credential.basic(index, j.get("token").asText()));
            });
  }

  /**
   * Pushes a seed history to each content repository that has no {@code main} yet; returns how
   * many.
   */
  private int seed(List<String> repos, PoolToken[] pool) {
    PushPackBuilder.PushPack history;
    try {
      history = PushPackBuilder.history(config.seedCommits(), 8, config.seedKb() * 1024, 7);
    } catch (java.io.IOException e) {
      throw new IllegalStateException("cannot build the seed pack", e);
    }
    int seeded = 0;
    for (String repo : repos) {
      boolean[] pushed = {false};
      SmartHttpClient.Result r =
          git.push(
                  pool[0].credential(),
                  repo,
                  "refs/heads/main",
                  old -> {
                    if (!ObjectId.zeroId().equals(old)) {
                      return null;
                    }
                    pushed[0] = true;
                    return history;
                  })
              .join();
      if (!r.ok()) {
        throw new AdminApi.CallFailed(
            "cannot seed " + repo + " by a push through the gateway: " + r.error());
      }
      if (pushed[0]) {
        seeded++;
      }
    }
    return seeded;
  }

  private static CompletableFuture<Void> expect(
      CompletableFuture<AdminApi.Response> call, String what, boolean existingOk) {
    return call.thenAccept(
        r -> {
          if (!r.ok() && !(existingOk && r.alreadyExists())) {
            throw new AdminApi.CallFailed("cannot " + what + ": " + r.message());
          }
        });
  }

  /**
   * Runs {@code n} calls with at most {@code setupConcurrency} in flight; fails with the first
   * failure.
   */
  private void parallel(int n, IntFunction<CompletableFuture<Void>> task) {
    Semaphore permits = new Semaphore(config.setupConcurrency());
    AtomicReference<Throwable> failure = new AtomicReference<>();
    List<CompletableFuture<Void>> all = new ArrayList<>(n);
    for (int i = 0; i < n && failure.get() == null; i++) {
      permits.acquireUninterruptibly();
      CompletableFuture<Void> f;
      try {
        f = task.apply(i);
      } catch (RuntimeException e) {
        permits.release();
        failure.compareAndSet(null, e);
        break;
      }
      all.add(
          f.whenComplete(
              (v, t) -> {
                if (t != null) {
                  failure.compareAndSet(null, t);
                }
                permits.release();
              }));
    }
    try {
      CompletableFuture.allOf(all.toArray(new CompletableFuture<?>[0])).join();
    } catch (CompletionException e) {
      failure.compareAndSet(null, e);
    }
    Throwable t = failure.get();
    while (t instanceof CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    if (t instanceof AdminApi.CallFailed f) {
      throw f;
    }
    if (t != null) {
      throw new AdminApi.CallFailed("setup call failed: " + SmartHttpClient.reason(t));
    }
  }

  private static double seconds(long since) {
    return (Ticks.now() - since) / 1e9;
  }
}
