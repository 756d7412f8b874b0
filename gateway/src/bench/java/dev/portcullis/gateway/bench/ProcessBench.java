package dev.portcullis.gateway.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.RefUpdate;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;

/**
 * The gateway measured as its users measure it: each server in a JVM of its own with the same flags
 * and heap, the load from {@code wrk} in another process, rounds alternating between the servers
 * after a warm-up, CPU per request read from {@code /proc/<pid>/stat} and heap allocation per
 * request, JIT and GC time from the server's JVM ({@link JvmProbe}).
 *
 * <p>Three servers answer the same repository: the gateway (authentication, the access decision,
 * the audit log, metrics and the per-request log line all on) on the repository as a {@code git
 * push --mirror} through it left it, {@code settle} seconds after that push; bare JGit on a
 * byte-for-byte copy of the gateway's repository at that moment; bare JGit on the same content
 * after {@code git gc}. Every request carries the next of {@code tokens} classic tokens' Basic
 * header (the bare servers ignore it). {@code info/refs} for protocol v0 and v2, then {@code git
 * clone} and {@code git push} with the real git CLI against the gateway and bare JGit on the same
 * bytes.
 *
 * <p>Options: {@code --tokens 2000,10000 --protocols 0,2 --rounds 5 --seconds 10 --warmup-seconds
 * 10 --warmup-passes 6 --connections 16 --threads 2 --commits 2000 --branches 4 --settle-seconds 10
 * --clones 11 --pushes 11 --heap 1g --max-threads 200 --syscalls true}. Results: {@code
 * target/bench/process.txt}.
 */
public final class ProcessBench {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  private final Map<String, String> options = new LinkedHashMap<>();
  private final Path work;
  private final StringBuilder report = new StringBuilder();

  /** Each server's JVM counters, attached at its first load. */
  private final Map<String, JvmProbe> probes = new LinkedHashMap<>();

  private ProcessBench(String[] args) throws IOException {
    options.putAll(
        Map.ofEntries(
            Map.entry("tokens", "2000,10000"),
            Map.entry("protocols", "0,2"),
            Map.entry("rounds", "5"),
            Map.entry("seconds", "10"),
            Map.entry("warmup-seconds", "10"),
            Map.entry("warmup-passes", "6"),
            Map.entry("syscalls", "true"),
            Map.entry("connections", "16"),
            Map.entry("threads", "2"),
            Map.entry("commits", "2000"),
            Map.entry("branches", "4"),
            Map.entry("settle-seconds", "10"),
            Map.entry("clones", "11"),
            Map.entry("pushes", "11"),
            Map.entry("heap", "1g"),
            Map.entry("max-threads", "200")));
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("--") || i + 1 >= args.length || !options.containsKey(a.substring(2))) {
        throw new IllegalArgumentException(
            "unknown or incomplete option " + a + "; known: " + options.keySet());
      }
      options.put(a.substring(2), args[++i]);
    }
    this.work = Path.of("target", "bench", "process").toAbsolutePath();
    deleteTree(work);
    Files.createDirectories(work);
  }

  private int intOption(String name) {
    return Integer.parseInt(options.get(name));
  }

  private List<Integer> intsOption(String name) {
    List<Integer> out = new ArrayList<>();
    for (String s : options.get(name).split(",")) {
      out.add(Integer.parseInt(s.trim()));
    }
    return out;
  }

  public static void main(String[] args) throws Exception {
    new ProcessBench(args).run();
  }

  // ------------------------------------------------------------------ servers

  /** A server in its own JVM. */
  private record Server(String name, Process process, String url) implements AutoCloseable {
    long cpuTicks() throws IOException {
      String stat = Files.readString(Path.of("/proc/" + process.pid() + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      // Fields 14 and 15 of proc(5) (utime, stime), counted from field 3 after the command.
      return Long.parseLong(f[11]) + Long.parseLong(f[12]);
    }

    @Override
    public void close() {
      process.destroy();
      try {
        if (!process.waitFor(15, TimeUnit.SECONDS)) {
          process.destroyForcibly();
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** The JVM every server runs in: same flags, same heap. */
  private List<String> java(String mainClass) {
    String heap = options.get("heap");
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.add("-Xms" + heap);
    cmd.add("-Xmx" + heap);
    cmd.add("-XX:+UseG1GC");
    // Profiling flags (e.g. a flight recording into a directory), the same for every server.
    String extra = System.getenv("BENCH_SERVER_JAVA_OPTS");
    if (extra != null && !extra.isBlank()) {
      cmd.addAll(List.of(extra.trim().split("\\s+")));
    }
    cmd.add("-cp");
    cmd.add(System.getProperty("java.class.path"));
    cmd.add(mainClass);
    return cmd;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private Server startGateway(Path data) throws Exception {
    int port = freePort();
    List<String> cmd = java("dev.portcullis.gateway.cli.Main");
    cmd.addAll(
        List.of(
            "serve",
            "--data",
            data.toString(),
            "--bind",
            "127.0.0.1",
            "--port",
            "0",
            "--http-port",
            Integer.toString(port),
            "--max-threads",
            options.get("max-threads"),
            // The load comes from this one machine: no per-client cap.
            "--max-requests-per-client",
            "0"));
    Process p =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(work.resolve("gateway.log").toFile())
            .start();
    Server s = new Server("gateway", p, "http://127.0.0.1:" + port);
    long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        throw new IllegalStateException("the gateway exited; see " + work.resolve("gateway.log"));
      }
      try {
        HttpResponse<String> r =
            HTTP.send(
                HttpRequest.newBuilder(URI.create(s.url() + "/readyz")).build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 200) {
          return s;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(200);
    }
    s.close();
    throw new IllegalStateException("the gateway did not become ready in 120 s");
  }

  private Server startBare(String name, Path root) throws Exception {
    List<String> cmd = java("dev.portcullis.gateway.bench.BareGitMain");
    cmd.addAll(List.of(root.toString(), options.get("max-threads")));
    Process p =
        new ProcessBuilder(cmd)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.PIPE)
            .start();
    BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
    String line;
    while ((line = out.readLine()) != null) {
      if (line.startsWith("port ")) {
        Thread drain =
            new Thread(
                () -> {
                  try {
                    while (out.readLine() != null) {
                      // discard
                    }
                  } catch (IOException e) {
                    // the process ended
                  }
                });
        drain.setDaemon(true);
        drain.start();
        return new Server(name, p, "http://127.0.0.1:" + line.substring(5).trim());
      }
    }
    throw new IllegalStateException(name + " did not start");
  }

  // ------------------------------------------------------------------ set-up through the API

  private JsonNode api(String base, String token, String method, String path, Object body)
      throws IOException, InterruptedException {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + "/api/v3" + path))
            .header("Authorization", "token " + token)
            .timeout(Duration.ofSeconds(60));
    b.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
    HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() >= 300) {
      throw new IllegalStateException(
          method + " " + path + " → " + r.statusCode() + " " + r.body());
    }
    return r.body().isEmpty() ? null : JSON.readTree(r.body());
  }

  /**
   * An organization {@code bench} whose members read its private repository {@code app}, and {@code
   * n} classic {@code repo} tokens spread over 100 members; the first belongs to the owner.
   */
  private List<String> seed(Server gw, Path data, int n) throws Exception {
    String admin = Files.readString(data.resolve("admin-token")).trim();
    String base = gw.url();
    api(base, admin, "POST", "/admin/users", Map.of("login", "owner"));
    api(base, admin, "POST", "/admin/organizations", Map.of("login", "bench", "admin", "owner"));
    api(base, admin, "POST", "/orgs/bench/repos", Map.of("name", "app", "visibility", "private"));
    int users = 100;
    for (int u = 0; u < users; u++) {
      api(base, admin, "POST", "/admin/users", Map.of("login", "dev" + u));
      api(base, admin, "PUT", "/orgs/bench/memberships/dev" + u, Map.of("role", "member"));
    }
    List<Future<String>> futures = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      for (int i = 0; i < n; i++) {
        String login = i == 0 ? "owner" : "dev" + (i % users);
        futures.add(
            pool.submit(
                () ->
                    api(
                            base,
                            admin,
                            "POST",
                            "/admin/users/" + login + "/personal-access-tokens",
                            Map.of(
                                "type",
                                "classic",
                                "name",
                                "bench",
                                "scopes",
                                List.of("repo"),
                                "expires_in",
                                30))
                        .get("token")
                        .asText()));
      }
      List<String> tokens = new ArrayList<>();
      for (Future<String> f : futures) {
        tokens.add(f.get());
      }
      return tokens;
    } finally {
      pool.shutdown();
    }
  }

  private static String basic(String token) {
    return Base64.getEncoder().encodeToString(("x:" + token).getBytes(StandardCharsets.US_ASCII));
  }

  // ------------------------------------------------------------------ the repository

  /**
   * Builds {@code commits} commits locally with {@code branches} branches and mirrors them to the
   * gateway with the real git CLI.
   */
  private void pushContent(GitCli git, Server gw, String ownerToken) throws Exception {
    Path local = work.resolve("source.git");
    git.must(work, Duration.ofMinutes(1), "init", "--bare", "--quiet", local.toString());
    BenchRepo.Built built = BenchRepo.build(local, intOption("commits"), 42);
    try (org.eclipse.jgit.lib.Repository db =
            new FileRepositoryBuilder().setGitDir(local.toFile()).setMustExist(true).build();
        RevWalk walk = new RevWalk(db)) {
      RevCommit c = walk.parseCommit(built.head());
      for (int b = 1; b < intOption("branches"); b++) {
        for (int step = 0; step < 37 && c.getParentCount() > 0; step++) {
          c = walk.parseCommit(c.getParent(0));
        }
        RefUpdate ru = db.updateRef("refs/heads/branch-" + b);
        ru.setNewObjectId(c);
        ru.setExpectedOldObjectId(ObjectId.zeroId());
        ru.update();
      }
    }
    git.must(
        local,
        Duration.ofMinutes(10),
        "-c",
        "http.extraHeader=Authorization: Basic " + basic(ownerToken),
        "push",
        "--quiet",
        "--mirror",
        gw.url() + "/bench/app.git");
    say(
        "pushed %,d commits on %d branches with git push --mirror (pack %,d bytes)",
        built.commits(), intOption("branches"), built.packBytes());
  }

  // ------------------------------------------------------------------ wrk

  /** What one {@code wrk} run against one server measured. */
  private record Load(
      double requestsPerSecond,
      double p50Ms,
      double p99Ms,
      double cpuMicros,
      long errors,
      long requests,
      double allocBytes,
      long jitMillis,
      long gcMillis) {}

  private Path writeScript() throws IOException {
    Path script = work.resolve("rotate.lua");
    Files.writeString(
        script,
        """
        -- Each request carries the next token's Basic header (and the git protocol asked for).
        local headers = {}
        for line in io.lines(os.getenv("BENCH_AUTH_FILE")) do headers[#headers + 1] = line end
        local path = os.getenv("BENCH_PATH")
        local protocol = os.getenv("BENCH_GIT_PROTOCOL")
        local i = 0
        init = function(args)
          i = math.random(#headers)
        end
        request = function()
          i = i % #headers + 1
          local h = { ["Authorization"] = "Basic " .. headers[i] }
          if protocol ~= "" then h["Git-Protocol"] = protocol end
          return wrk.format("GET", path, h)
        end
        """);
    return script;
  }

  private static final Pattern RPS = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
  private static final Pattern NON_2XX = Pattern.compile("Non-2xx or 3xx responses:\\s+(\\d+)");
  private static final Pattern SOCKET_ERRORS =
      Pattern.compile("Socket errors: connect (\\d+), read (\\d+), write (\\d+), timeout (\\d+)");
  private static final Pattern PERCENTILE = Pattern.compile("\\s+(50|99)%\\s+([0-9.]+)(us|ms|s)");
  private static final Pattern REQUESTS = Pattern.compile("(\\d+) requests in");

  private Load wrk(Server s, Path script, Path authFile, int protocol, int seconds)
      throws Exception {
    List<String> cmd =
        List.of(
            "wrk",
            "-t",
            options.get("threads"),
            "-c",
            options.get("connections"),
            "-d",
            seconds + "s",
            "--latency",
            "-s",
            script.toString(),
            s.url());
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    pb.environment().put("BENCH_AUTH_FILE", authFile.toString());
    pb.environment().put("BENCH_PATH", "/bench/app.git/info/refs?service=git-upload-pack");
    pb.environment().put("BENCH_GIT_PROTOCOL", protocol == 2 ? "version=2" : "");
    JvmProbe probe = probes.get(s.name());
    if (probe == null) {
      probe = JvmProbe.attach(s.process().pid());
      probes.put(s.name(), probe);
    }
    JvmProbe.Totals jvm0 = probe.read();
    long cpu0 = s.cpuTicks();
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(seconds + 60L, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("wrk failed:\n" + out);
    }
    long cpu1 = s.cpuTicks();
    JvmProbe.Totals jvm = probe.read().minus(jvm0);
    double rps = find(RPS, out);
    Matcher total = REQUESTS.matcher(out);
    long requests = total.find() ? Long.parseLong(total.group(1)) : 0;
    double p50 = 0;
    double p99 = 0;
    Matcher m = PERCENTILE.matcher(out);
    while (m.find()) {
      double v = Double.parseDouble(m.group(2));
      double ms =
          switch (m.group(3)) {
            case "us" -> v / 1000;
            case "s" -> v * 1000;
            default -> v;
          };
      if (m.group(1).equals("50")) {
        p50 = ms;
      } else {
        p99 = ms;
      }
    }
    long errors = 0;
    Matcher e = NON_2XX.matcher(out);
    if (e.find()) {
      errors += Long.parseLong(e.group(1));
    }
    Matcher se = SOCKET_ERRORS.matcher(out);
    if (se.find()) {
      for (int g = 1; g <= 4; g++) {
        errors += Long.parseLong(se.group(g));
      }
    }
    double ticksPerSecond = 100.0; // USER_HZ on Linux
    double cpuMicros = requests == 0 ? 0 : (cpu1 - cpu0) / ticksPerSecond * 1e6 / requests;
    double allocBytes = requests == 0 ? 0 : jvm.allocatedBytes() / (double) requests;
    return new Load(
        rps,
        p50,
        p99,
        cpuMicros,
        errors,
        requests,
        allocBytes,
        jvm.compileMillis(),
        jvm.gcMillis());
  }

  private static double find(Pattern p, String text) {
    Matcher m = p.matcher(text);
    if (!m.find()) {
      throw new IllegalStateException("no " + p + " in wrk's output:\n" + text);
    }
    return Double.parseDouble(m.group(1));
  }

  private static double median(List<Double> xs) {
    List<Double> s = new ArrayList<>(xs);
    s.sort(Double::compare);
    int n = s.size();
    return n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }

  // ------------------------------------------------------------------ the run

  private void say(String format, Object... args) {
    String line = String.format(Locale.ROOT, format, args);
    System.out.println(line);
    report.append(line).append('\n');
  }

  private void run() throws Exception {
    GitCli git = new GitCli(work.resolve("home"));
    List<Integer> tokenCounts = intsOption("tokens");
    int maxTokens = tokenCounts.stream().mapToInt(Integer::intValue).max().orElseThrow();
    Path data = work.resolve("gateway-data");
    say(
        "ProcessBench: %s; java %s; %d cores; %s",
        options,
        System.getProperty("java.version"),
        Runtime.getRuntime().availableProcessors(),
        git.must(work, Duration.ofSeconds(10), "--version").output().trim());
    try (Server gw = startGateway(data)) {
      long t0 = System.nanoTime();
      List<String> tokens = seed(gw, data, maxTokens);
      say(
          "created %,d tokens through the API in %.1f s",
          tokens.size(), (System.nanoTime() - t0) / 1e9);
      pushContent(git, gw, tokens.get(0));
      Thread.sleep(intOption("settle-seconds") * 1000L);
      Path gatewayRepo = data.resolve("repositories/bench/app.git");
      Path sameRoot = work.resolve("bare-same");
      Path gcRoot = work.resolve("bare-gc");
      copyTree(gatewayRepo, sameRoot.resolve("bench/app.git"));
      copyTree(gatewayRepo, gcRoot.resolve("bench/app.git"));
      git.must(gcRoot.resolve("bench/app.git"), Duration.ofMinutes(10), "gc", "--quiet");
      say(
          "%d s after the push the gateway's repository holds %s; the gc'd copy %s",
          intOption("settle-seconds"),
          describe(gatewayRepo),
          describe(gcRoot.resolve("bench/app.git")));
      try (Server same = startBare("bare-same", sameRoot);
          Server gc = startBare("bare-gc", gcRoot)) {
        List<Server> servers = List.of(gw, same, gc);
        Path script = writeScript();
        for (int n : tokenCounts) {
          Path auth = work.resolve("auth-" + n + ".txt");
          Files.write(auth, tokens.subList(0, n).stream().map(ProcessBench::basic).toList());
          for (int protocol : intsOption("protocols")) {
            measureInfoRefs(servers, script, auth, n, protocol);
          }
        }
        if (intOption("clones") > 0 && intOption("pushes") > 0) {
          cloneAndPush(git, gw, same, tokens.get(0));
        }
      } finally {
        probes.values().forEach(JvmProbe::close);
      }
    }
    Path out = Path.of("target", "bench", "process.txt").toAbsolutePath();
    Files.writeString(out, report.toString());
    System.out.println("results: " + out);
  }

  /**
   * Warms every server up in passes that alternate like the rounds, until each server's last two
   * passes agree within {@link #STEADY} and its JIT compilers worked at most {@link #JIT_QUIET} of
   * the last one (at least two passes, at most {@code warmup-passes}): a JVM whose compilers are
   * still at work right after its start, or after a phase of other requests, serves at a fraction
   * of its steady rate and pays for the compilations in its CPU, and a round measured then compares
   * the JIT's progress, not the servers. Returns the passes' rates and JIT times, for the report.
   */
  private String warmUp(List<Server> servers, Path script, Path auth, int protocol)
      throws Exception {
    Map<String, List<Load>> passes = new LinkedHashMap<>();
    int most = Math.max(2, intOption("warmup-passes"));
    long quietMillis = Math.round(JIT_QUIET * intOption("warmup-seconds") * 1000);
    for (int pass = 0; pass < most; pass++) {
      for (Server s : servers) {
        Load l = wrk(s, script, auth, protocol, intOption("warmup-seconds"));
        passes.computeIfAbsent(s.name(), x -> new ArrayList<>()).add(l);
      }
      if (pass > 0 && passes.values().stream().allMatch(xs -> warm(xs, quietMillis))) {
        break;
      }
    }
    StringBuilder line = new StringBuilder("  warm-up passes (req/s, JIT ms):");
    passes.forEach(
        (name, xs) ->
            line.append(' ')
                .append(name)
                .append(' ')
                .append(
                    String.join(
                        "/",
                        xs.stream()
                            .map(x -> String.format(Locale.ROOT, "%,.0f", x.requestsPerSecond()))
                            .toList()))
                .append(" (")
                .append(
                    String.join("/", xs.stream().map(x -> Long.toString(x.jitMillis())).toList()))
                .append(')'));
    return line.toString();
  }

  /** How close a server's last two warm-up passes must be for it to count as warm. */
  private static final double STEADY = 0.05;

  /**
   * The largest share of its last warm-up pass that a warm server's JIT compilers may have worked:
   * a compiler still at work burns CPU that the rounds would count per request.
   */
  private static final double JIT_QUIET = 0.02;

  private static boolean warm(List<Load> xs, long quietMillis) {
    Load a = xs.get(xs.size() - 2);
    Load b = xs.get(xs.size() - 1);
    double ra = a.requestsPerSecond();
    double rb = b.requestsPerSecond();
    return Math.abs(rb - ra) <= STEADY * Math.max(ra, rb) && b.jitMillis() <= quietMillis;
  }

  private void measureInfoRefs(
      List<Server> servers, Path script, Path auth, int tokens, int protocol) throws Exception {
    int rounds = intOption("rounds");
    int seconds = intOption("seconds");
    String warmUp = warmUp(servers, script, auth, protocol);
    Map<String, List<Load>> loads = new LinkedHashMap<>();
    for (int r = 0; r < rounds; r++) {
      for (int k = 0; k < servers.size(); k++) {
        Server s = servers.get((r + k) % servers.size());
        Load l = wrk(s, script, auth, protocol, seconds);
        loads.computeIfAbsent(s.name(), x -> new ArrayList<>()).add(l);
      }
    }
    say("");
    say(
        "info/refs, protocol v%d, %,d tokens rotating, %d rounds of %d s:",
        protocol, tokens, rounds, seconds);
    say("%s", warmUp);
    say(
        "  %-10s %10s %9s %9s %12s %12s %8s %8s %7s",
        "server",
        "req/s",
        "p50 ms",
        "p99 ms",
        "CPU µs/req",
        "alloc B/req",
        "JIT ms",
        "GC ms",
        "errors");
    Map<String, double[]> med = new LinkedHashMap<>();
    for (Map.Entry<String, List<Load>> e : loads.entrySet()) {
      List<Load> ls = e.getValue();
      double rps = median(ls.stream().map(Load::requestsPerSecond).toList());
      double p50 = median(ls.stream().map(Load::p50Ms).toList());
      double p99 = median(ls.stream().map(Load::p99Ms).toList());
      double cpu = median(ls.stream().map(Load::cpuMicros).toList());
      double alloc = median(ls.stream().map(Load::allocBytes).toList());
      double jit = median(ls.stream().map(l -> (double) l.jitMillis()).toList());
      double gcMs = median(ls.stream().map(l -> (double) l.gcMillis()).toList());
      long errors = ls.stream().mapToLong(Load::errors).sum();
      med.put(e.getKey(), new double[] {rps, cpu, alloc});
      say(
          "  %-10s %,10.0f %9.2f %9.2f %12.1f %,12.0f %8.0f %8.0f %7d",
          e.getKey(), rps, p50, p99, cpu, alloc, jit, gcMs, errors);
      for (int i = 0; i < ls.size(); i++) {
        report.append(
            String.format(
                Locale.ROOT,
                "    round %d: %,.0f req/s, p50 %.2f ms, p99 %.2f ms, %.1f µs/req, %,.0f B/req,"
                    + " JIT %d ms, GC %d ms%n",
                i + 1,
                ls.get(i).requestsPerSecond(),
                ls.get(i).p50Ms(),
                ls.get(i).p99Ms(),
                ls.get(i).cpuMicros(),
                ls.get(i).allocBytes(),
                ls.get(i).jitMillis(),
                ls.get(i).gcMillis()));
      }
    }
    double[] gw = med.get("gateway");
    double[] same = med.get("bare-same");
    double[] gc = med.get("bare-gc");
    say(
        "  gateway / bare JGit on the same bytes: %.3f× req/s, %.3f× CPU, %.3f× allocation per"
            + " request",
        gw[0] / same[0], gw[1] / same[1], gw[2] / same[2]);
    say(
        "  gateway / bare JGit on the gc'd copy:  %.3f× req/s, %.3f× CPU, %.3f× allocation per"
            + " request",
        gw[0] / gc[0], gw[1] / gc[1], gw[2] / gc[2]);
    if (Boolean.parseBoolean(options.get("syscalls"))) {
      countSyscalls(servers, script, auth, protocol);
    }
  }

  /** Whether {@code perf stat} can count system calls of another process here. */
  private Boolean perfWorks;

  /**
   * One more round per server, not among the measured ones (counting costs a little), with {@code
   * perf stat} attached to the server's process for the round's length: its system calls, futex
   * calls, futex wake-ups ({@code FUTEX_WAKE}, private or not) and context switches, per request.
   */
  private void countSyscalls(List<Server> servers, Path script, Path auth, int protocol)
      throws Exception {
    int seconds = intOption("seconds");
    if (perfWorks == null) {
      perfWorks = perf(work.resolve("perf-check.csv"), ProcessHandle.current().pid(), 1) != null;
    }
    if (!perfWorks) {
      say("  per request: not counted (perf is missing or may not count system calls here)");
      return;
    }
    say("  per request, counted by perf in one more round of each server:");
    say("  %-10s %10s %9s %12s %12s", "server", "syscalls", "futex", "futex wakes", "ctx switches");
    for (Server s : servers) {
      Path out = work.resolve("perf-" + s.name() + ".csv");
      ExecutorService perfThread = Executors.newSingleThreadExecutor();
      try {
        Future<long[]> counts = perfThread.submit(() -> perf(out, s.process().pid(), seconds));
        Load l = wrk(s, script, auth, protocol, seconds);
        long[] c = counts.get(seconds + 60L, TimeUnit.SECONDS);
        double n = Math.max(1, l.requests());
        if (c == null) {
          // perf worked for the others: this round's counts are missing, not the whole run.
          say("  %-10s not counted (perf failed in this round; its output: %s)", s.name(), out);
          continue;
        }
        say("  %-10s %10.1f %9.1f %12.1f %12.1f", s.name(), c[0] / n, c[1] / n, c[2] / n, c[3] / n);
      } finally {
        perfThread.shutdownNow();
      }
    }
  }

  /**
   * Runs {@code perf stat} on process {@code pid} for {@code seconds}; returns its system calls,
   * futex calls, futex wake-ups and context switches, or null where perf failed.
   */
  private static long[] perf(Path out, long pid, int seconds) throws Exception {
    List<String> cmd =
        List.of(
            "perf",
            "stat",
            "-x",
            ",",
            "-o",
            out.toString(),
            "-e",
            "raw_syscalls:sys_enter",
            "-e",
            "syscalls:sys_enter_futex",
            "-e",
            "syscalls:sys_enter_futex",
            "--filter",
            "op == 1 || op == 129",
            "-e",
            "context-switches",
            "-p",
            Long.toString(pid),
            "--",
            "sleep",
            Integer.toString(seconds));
    Process p;
    try {
      p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    } catch (IOException e) {
      return null; // no perf
    }
    p.getInputStream().transferTo(java.io.OutputStream.nullOutputStream());
    if (!p.waitFor(seconds + 30L, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      return null;
    }
    long[] counts = new long[4];
    int i = 0;
    for (String line : Files.readAllLines(out)) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      String first = line.substring(0, line.indexOf(','));
      if (i == counts.length || !first.matches("\\d+")) {
        return null; // "<not supported>" or "<not counted>"
      }
      counts[i++] = Long.parseLong(first);
    }
    return i == counts.length ? counts : null;
  }

  /**
   * Clones and pushes with the real git CLI, alternating gateway and bare JGit on the same bytes.
   */
  private void cloneAndPush(GitCli git, Server gw, Server same, String ownerToken)
      throws Exception {
    String auth = "http.extraHeader=Authorization: Basic " + basic(ownerToken);
    int clones = intOption("clones");
    List<Double> gwClone = new ArrayList<>();
    List<Double> bareClone = new ArrayList<>();
    for (int i = 0; i < clones; i++) {
      for (Server s : i % 2 == 0 ? List.of(gw, same) : List.of(same, gw)) {
        Path dir = work.resolve("clone-" + s.name() + "-" + i);
        GitCli.Run r =
            git.must(
                work,
                Duration.ofMinutes(5),
                "-c",
                auth,
                "clone",
                "--quiet",
                "--no-checkout",
                s.url() + "/bench/app.git",
                dir.toString());
        (s == gw ? gwClone : bareClone).add(r.seconds());
        deleteTree(dir);
      }
    }
    int pushes = intOption("pushes");
    Map<Server, Path> checkouts = new LinkedHashMap<>();
    for (Server s : List.of(gw, same)) {
      Path dir = work.resolve("push-" + s.name());
      git.must(
          work,
          Duration.ofMinutes(5),
          "-c",
          auth,
          "clone",
          "--quiet",
          s.url() + "/bench/app.git",
          dir.toString());
      checkouts.put(s, dir);
    }
    List<Double> gwPush = new ArrayList<>();
    List<Double> barePush = new ArrayList<>();
    for (int i = 0; i < pushes; i++) {
      for (Server s : i % 2 == 0 ? List.of(gw, same) : List.of(same, gw)) {
        Path dir = checkouts.get(s);
        for (int c = 0; c < 3; c++) {
          Files.writeString(
              dir.resolve("bench-" + i + "-" + c + ".txt"), "push " + i + " commit " + c + "\n");
          git.must(dir, Duration.ofMinutes(1), "add", "-A");
          git.must(
              dir, Duration.ofMinutes(1), "commit", "--quiet", "-m", "push " + i + " commit " + c);
        }
        GitCli.Run r =
            git.must(dir, Duration.ofMinutes(5), "-c", auth, "push", "--quiet", "origin", "HEAD");
        (s == gw ? gwPush : barePush).add(r.seconds());
      }
    }
    say("");
    say(
        "git clone (median of %d): gateway %.3f s, bare JGit %.3f s: %.3f×",
        clones, median(gwClone), median(bareClone), median(gwClone) / median(bareClone));
    say(
        "git push of 3 commits (median of %d): gateway %.3f s, bare JGit %.3f s: %.3f×",
        pushes, median(gwPush), median(barePush), median(gwPush) / median(barePush));
  }

  // ------------------------------------------------------------------ files

  private static String describe(Path repo) throws IOException {
    long loose = 0;
    Path heads = repo.resolve("refs");
    try (var files = Files.walk(heads)) {
      loose = files.filter(Files::isRegularFile).count();
    }
    long packs;
    try (var files = Files.list(repo.resolve("objects/pack"))) {
      packs = files.filter(f -> f.toString().endsWith(".pack")).count();
    }
    long bitmaps;
    try (var files = Files.list(repo.resolve("objects/pack"))) {
      bitmaps = files.filter(f -> f.toString().endsWith(".bitmap")).count();
    }
    return String.format(
        Locale.ROOT,
        "%d loose ref(s), packed-refs %s, %d pack(s), %d bitmap(s)",
        loose,
        Files.exists(repo.resolve("packed-refs")) ? "present" : "absent",
        packs,
        bitmaps);
  }

  private static void copyTree(Path from, Path to) throws IOException {
    Files.createDirectories(to);
    try (var files = Files.walk(from)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Path t = to.resolve(from.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(t);
        } else {
          Files.copy(f, t, java.nio.file.StandardCopyOption.COPY_ATTRIBUTES);
        }
      }
    }
  }

  private static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) {
      return;
    }
    try (var files = Files.walk(p)) {
      for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(f);
      }
    }
  }
}
