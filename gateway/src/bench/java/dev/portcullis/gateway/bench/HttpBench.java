package dev.portcullis.gateway.bench;

import ch.qos.logback.classic.Level;
import dev.portcullis.gateway.Gateway;
import dev.portcullis.gateway.GatewayConfig;
import dev.portcullis.gateway.Limits;
import dev.portcullis.policy.admin.Admin;
import dev.portcullis.policy.admin.CreatedToken;
import dev.portcullis.policy.admin.NewToken;
import dev.portcullis.policy.model.Actor;
import dev.portcullis.policy.model.Repository;
import dev.portcullis.policy.token.TokenFormat;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;
import org.slf4j.LoggerFactory;

/**
 * Issue 4's HTTP benchmark: the real gateway (in-process, plain HTTP on loopback, anonymous reads
 * off) against a bare JGit {@code GitServlet} on Jetty 12 (no authentication) serving the same bare
 * repository, driven alternately by the same lean load loop, then the real git CLI cloning and
 * pushing through each.
 *
 * <ol>
 *   <li>Builds {@code acme/big} (private, ~2,000 commits) with JGit, {@code --users} members of
 *       {@code acme} and {@code --tokens} tokens (half classic {@code repo}, half fine-grained
 *       {@code contents: read} on {@code acme}) through {@link Management}.
 *   <li>Warms both servers up (two runs each at least, the gateway's until every token was used
 *       twice), then runs {@code --rounds} rounds of {@code --seconds} each per server, in slices
 *       of {@code --slice-seconds} alternating between the servers (the first server alternating
 *       between rounds), of {@code GET /acme/big.git/info/refs?service=git-upload-pack} on {@code
 *       --connections} keep-alive connections, every request with the next token's Basic header
 *       (sent to the baseline too, which ignores it). Prints requests/s, latency and the ratio.
 *   <li>After every gateway run, waits for the gateway's audit writer to catch up (its queued rows
 *       would otherwise be written during the next baseline round) and reports that time, and a
 *       sustained rate that counts it.
 *   <li>Reports each server's CPU time per request ({@link CpuUse}), steadier than throughput on a
 *       small machine.
 *   <li>A bad-token round on the gateway alone: slices of good tokens only alternating with slices
 *       where every other request carries a bad token (a typo, or a well-formed token never
 *       issued), to show what a bad token costs and that good requests do not slow down.
 *   <li>One extra round each with the gateway's per-request log line off, to show its cost.
 *   <li>{@code git clone} (full, with checkout) {@code --clones} times and {@code git push} of 3
 *       new commits {@code --pushes} times through each server, alternating, after one untimed
 *       warm-up each; medians and ratios.
 * </ol>
 *
 * Options (defaults): {@code --rounds 3 --seconds 10 --slice-seconds 2 --warmup-seconds 10
 * --connections 16 --tokens 10000 --users 1000 --commits 2000 --clones 11 --pushes 31 --protocol 2
 * --git true --log-round true --bad-round true}. Results go to stdout and {@code
 * target/bench/http.txt}; the gateway's own log goes to stderr.
 */
public final class HttpBench {
  private static final String ORG = "acme";
  private static final String REPO = "big";
  private static final String OWNER = "bench-owner";

  private HttpBench() {}

  record Options(
      int rounds,
      int seconds,
      int sliceSeconds,
      int warmupSeconds,
      int connections,
      int tokens,
      int users,
      int commits,
      int clones,
      int pushes,
      int protocol,
      boolean git,
      boolean logRound,
      boolean badRound) {
    static Options parse(String[] args) {
      Map<String, String> m =
          new java.util.HashMap<>(
              Map.ofEntries(
                  Map.entry("rounds", "3"),
                  Map.entry("seconds", "10"),
                  Map.entry("slice-seconds", "2"),
                  Map.entry("warmup-seconds", "10"),
                  Map.entry("connections", "16"),
                  Map.entry("tokens", "10000"),
                  Map.entry("users", "1000"),
                  Map.entry("commits", "2000"),
                  Map.entry("clones", "11"),
                  Map.entry("pushes", "31"),
                  Map.entry("protocol", "2"),
                  Map.entry("git", "true"),
                  Map.entry("log-round", "true"),
                  Map.entry("bad-round", "true")));
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        if (!a.startsWith("--") || !m.containsKey(a.substring(2)) || i + 1 >= args.length) {
          throw new IllegalArgumentException(
              "unknown option or missing value: "
                  + a
                  + " (options: "
                  + new java.util.TreeSet<>(m.keySet())
                  + ")");
        }
        m.put(a.substring(2), args[++i]);
      }
      Options o =
          new Options(
              num(m, "rounds", 1, 20),
              num(m, "seconds", 1, 300),
              num(m, "slice-seconds", 1, 300),
              num(m, "warmup-seconds", 1, 300),
              num(m, "connections", 1, 256),
              num(m, "tokens", 1, 200_000),
              num(m, "users", 1, 100_000),
              num(m, "commits", 1, 100_000),
              num(m, "clones", 0, 50),
              num(m, "pushes", 0, 50),
              num(m, "protocol", 0, 2),
              Boolean.parseBoolean(m.get("git")),
              Boolean.parseBoolean(m.get("log-round")),
              Boolean.parseBoolean(m.get("bad-round")));
      if (o.protocol == 1) {
        throw new IllegalArgumentException("--protocol is 0 or 2");
      }
      return o;
    }

    private static int num(Map<String, String> m, String k, int min, int max) {
      int v = Integer.parseInt(m.get(k).replace("_", ""));
      if (v < min || v > max) {
        throw new IllegalArgumentException("--" + k + " must be " + min + "–" + max);
      }
      return v;
    }
  }

  /** A token and the login it belongs to. */
  private record Tok(String login, String plaintext) {}

  private static final PrintStream OUT = System.out;

  private static void say(String format, Object... args) {
    OUT.printf(Locale.ROOT, format + "%n", args);
    OUT.flush();
  }

  public static void main(String[] args) throws Exception {
    Options o = Options.parse(args);
    Path tmp = Files.createTempDirectory("portcullis-http-bench-");
    Gateway gateway = null;
    BareGitServer bare = null;
    long t0 = System.nanoTime();
    try {
      say("http bench: %s", o);
      say(
          "machine: %d cores, java %s, %s; source %s",
          Runtime.getRuntime().availableProcessors(),
          System.getProperty("java.version"),
          gitVersion(),
          sourceState());
      gateway =
          Gateway.start(
              GatewayConfig.defaults(tmp.resolve("data"))
                  .withPorts(0, 0)
                  .withAnonymousRead(false)
                  // The load comes from this one machine: no per-client cap.
                  .withLimits(Limits.DEFAULT.withMaxRequestsPerClient(0)));
      Admin m = gateway.admin();

      long t = System.nanoTime();
      m.accounts().createUserForSeed(OWNER);
      m.accounts().createOrganization(Actor.SYSTEM, ORG, OWNER, null);
      // Fine-grained tokens of members are approved at creation (their grant is still looked up on
      // every request).
      m.policies()
          .updateOrgPolicy(Actor.SYSTEM, ORG, Map.of("fine_grained_approval", "not_required"));
      List<String> logins = new ArrayList<>();
      for (int u = 0; u < o.users; u++) {
        String login = String.format(Locale.ROOT, "user%05d", u);
        m.accounts().createUserForSeed(login);
        m.accounts().setMembership(Actor.SYSTEM, ORG, login, "member");
        logins.add(login);
      }
      Repository repo =
          m.repositories()
              .createRepository(Actor.SYSTEM, ORG, REPO, "private", gateway.storage()::create);
      say(
          "fixtures: %d users, org %s, repo %s in %.1f s",
          o.users, ORG, repo.fullName(), secondsSince(t));
      BenchRepo.Built built = BenchRepo.build(gateway.storage().pathOf(repo), o.commits, 4);
      say(
          "repository: %d commits, pack %,d bytes, %d loose objects, built in %.1f s",
          built.commits(), built.packBytes(), built.looseObjects(), built.seconds());
      t = System.nanoTime();
      String ownerToken =
          m.tokens()
              .createToken(
                  Actor.SYSTEM,
                  OWNER,
                  new NewToken(
                      "classic",
                      "bench owner",
                      null,
                      90,
                      List.of("repo"),
                      null,
                      null,
                      null,
                      null,
                      null))
              .plaintext();
      List<Tok> tokens = createTokens(m, logins, o.tokens);
      say("tokens: %,d created through Management in %.1f s", tokens.size(), secondsSince(t));

      bare = BareGitServer.start(gateway.storage().root(), 200);
      int gwPort = URI.create(gateway.httpUrl()).getPort();
      int barePort = bare.port();
      String path = "/" + ORG + "/" + REPO + ".git/info/refs?service=git-upload-pack";
      byte[][] gwRequests = requests(gwPort, path, tokens, o.protocol);
      byte[][] bareRequests = requests(barePort, path, tokens, o.protocol);
      sanityCheck(gwPort, barePort, path, tokens.get(0), o.protocol);

      // Warm-up: two runs each at least, so the JIT has compiled both servers' steady-state paths
      // (the
      // gateway's first run is mostly cold token loads); on the gateway every token twice at least
      // (so
      // rounds measure warm caches).
      for (String which : List.of("gateway", "bare")) {
        boolean gw = which.equals("gateway");
        long done = 0;
        for (int w = 0; w < 5 && (w < 2 || (gw && done < 2L * o.tokens)); w++) {
          LoadLoop.Result r =
              LoadLoop.run(
                  gw ? gwPort : barePort,
                  gw ? gwRequests : bareRequests,
                  o.connections,
                  Duration.ofSeconds(o.warmupSeconds));
          done += r.ok() + r.failed();
          int backlog = gw ? gateway.audit().pending() : 0;
          double drain = gw ? drainAudit(gateway) : 0;
          say(
              "warm-up %-7s %,10.1f req/s (%,d ok, %,d failed%s)%s",
              which,
              r.perSecond(),
              r.ok(),
              r.failed(),
              errorNote(r),
              gw
                  ? String.format(
                      Locale.ROOT, "; audit backlog %,d events, drained in %.1f s", backlog, drain)
                  : "");
        }
      }

      List<double[]> rounds = new ArrayList<>();
      Histogram gwAll = new Histogram(60_000_000L, 3);
      Histogram bareAll = new Histogram(60_000_000L, 3);
      long[] totals = new long[4]; // gateway ok, gateway nanos, bare ok, bare nanos
      long[] failures = new long[2];
      long drainNanos = 0;
      CpuUse.Snapshot[] cpu = new CpuUse.Snapshot[2]; // gateway's rounds, bare's rounds
      for (int r = 0; r < o.rounds; r++) {
        boolean gatewayFirst = r % 2 == 0;
        Side gwSide = new Side();
        Side bareSide = new Side();
        double drain = 0;
        int backlog = 0;
        // Short slices, alternating, so both servers see the same machine: a small shared machine's
        // speed drifts by tens of percent over seconds.
        int slices = Math.max(1, o.seconds / o.sliceSeconds);
        Duration slice = Duration.ofMillis(o.seconds * 1000L / slices);
        for (int i = 0; i < 2 * slices; i++) {
          boolean gw = (i % 2 == 0) == gatewayFirst;
          CpuUse.Snapshot before = CpuUse.now();
          LoadLoop.Result res =
              LoadLoop.run(
                  gw ? gwPort : barePort, gw ? gwRequests : bareRequests, o.connections, slice);
          (gw ? gwSide : bareSide).add(res, CpuUse.now().minus(before));
        }
        LoadLoop.Result g = gwSide.result;
        LoadLoop.Result b = bareSide.result;
        CpuUse.Snapshot gwCpu = gwSide.cpu;
        CpuUse.Snapshot bareCpu = bareSide.cpu;
        // The audit rows queued by the round are its work: written before the next round (and the
        // gateway's background CPU, whenever it ran, is the gateway's).
        CpuUse.Snapshot before = CpuUse.now();
        backlog = gateway.audit().pending();
        drain = drainAudit(gateway);
        gwCpu = gwCpu.plus(CpuUse.now().minus(before)).withBackgroundOf(bareCpu);
        bareCpu = bareCpu.withoutBackground();
        cpu[0] = cpu[0] == null ? gwCpu : cpu[0].plus(gwCpu);
        cpu[1] = cpu[1] == null ? bareCpu : cpu[1].plus(bareCpu);
        gwAll.add(g.micros());
        bareAll.add(b.micros());
        totals[0] += g.ok();
        totals[1] += g.nanos();
        drainNanos += (long) (drain * 1e9);
        totals[2] += b.ok();
        totals[3] += b.nanos();
        failures[0] += g.failed();
        failures[1] += b.failed();
        double sustained = g.ok() * 1e9 / (g.nanos() + drain * 1e9);
        rounds.add(
            new double[] {
              g.perSecond(),
              b.perSecond(),
              g.micros().getValueAtPercentile(50) / 1e3,
              g.micros().getValueAtPercentile(99) / 1e3,
              b.micros().getValueAtPercentile(50) / 1e3,
              b.micros().getValueAtPercentile(99) / 1e3,
              gatewayFirst ? 0 : 1,
              backlog,
              drain,
              sustained
            });
        say(
            "round %d: gateway %,10.1f req/s%s (audit backlog %,d, drained in %.1f s → sustained %,.1f req/s) | bare %,10.1f req/s%s"
                + " | ratio %.3f (sustained %.3f)",
            r + 1,
            g.perSecond(),
            errorNote(g),
            backlog,
            drain,
            sustained,
            b.perSecond(),
            errorNote(b),
            g.perSecond() / b.perSecond(),
            sustained / b.perSecond());
        say(
            "  CPU per request: gateway %s | bare %s",
            gwCpu.perRequest(true, g.ok() + g.failed()),
            bareCpu.perRequest(false, b.ok() + b.failed()));
      }

      BadRound badRound = null;
      if (o.badRound) {
        badRound =
            badTokenRound(o, gateway, gwPort, gwRequests, mixedRequests(gwPort, path, tokens, o));
      }

      double[] quiet = null;
      if (o.logRound) {
        ch.qos.logback.classic.Logger gitLog =
            (ch.qos.logback.classic.Logger) LoggerFactory.getLogger("portcullis.git");
        Level before = gitLog.getLevel();
        gitLog.setLevel(Level.WARN);
        try {
          LoadLoop.Result g =
              LoadLoop.run(gwPort, gwRequests, o.connections, Duration.ofSeconds(o.seconds));
          double drain = drainAudit(gateway);
          LoadLoop.Result b =
              LoadLoop.run(barePort, bareRequests, o.connections, Duration.ofSeconds(o.seconds));
          double sustained = g.ok() * 1e9 / (g.nanos() + drain * 1e9);
          quiet = new double[] {g.perSecond(), b.perSecond(), sustained};
          say(
              "log-off round: gateway %,10.1f req/s%s (sustained %,.1f) | bare %,10.1f req/s%s | ratio %.3f (sustained %.3f)",
              g.perSecond(),
              errorNote(g),
              sustained,
              b.perSecond(),
              errorNote(b),
              g.perSecond() / b.perSecond(),
              sustained / b.perSecond());
        } finally {
          gitLog.setLevel(before);
        }
      }

      Path dbFile = tmp.resolve("data").resolve("db").resolve("portcullis.mv.db");
      String storeNote =
          String.format(
              Locale.ROOT,
              "audit log: %,d events written, %,d dropped; H2 store file %,d MB after the load",
              gateway.audit().written(),
              gateway.audit().dropped(),
              Files.exists(dbFile) ? Files.size(dbFile) / (1024 * 1024) : -1);
      say("%s", storeNote);

      GitTimes git = null;
      if (o.git) {
        git = gitTimes(o, tmp, gateway.httpUrl(), bare.url(), ownerToken, built);
      }

      String summary =
          summary(
              o,
              built,
              rounds,
              totals,
              failures,
              drainNanos,
              gwAll,
              bareAll,
              cpu,
              quiet,
              badRound,
              git,
              storeNote);
      OUT.println();
      OUT.print(summary);
      Path dir = Path.of(System.getProperty("bench.dir", "target/bench"));
      Files.createDirectories(dir);
      Files.writeString(dir.resolve("http.txt"), summary, StandardCharsets.UTF_8);
      say("(saved to %s; total %.0f s)", dir.resolve("http.txt"), secondsSince(t0));
    } finally {
      if (bare != null) {
        bare.close();
      }
      if (gateway != null) {
        gateway.close();
      }
      deleteTree(tmp);
    }
  }

  /**
   * Waits (at most 3 minutes) until the gateway's audit writer has caught up with the events queued
   * by the requests just made: they are work of that round, and left queued they would be written
   * during the next (baseline) round and slow it. Returns the seconds it took. Allowed reads are
   * not forced out: as in production they are counted per token and minute and written once the
   * minute is over, by the writer on its own.
   */
  private static double drainAudit(Gateway gateway) throws InterruptedException {
    long t = System.nanoTime();
    long end = t + TimeUnit.MINUTES.toNanos(3);
    while (gateway.audit().pending() > 0 && System.nanoTime() < end) {
      Thread.sleep(10);
    }
    if (gateway.audit().pending() > 0) {
      say("  (audit queue not drained after 3 min: %,d pending)", gateway.audit().pending());
    }
    return secondsSince(t);
  }

  // ---------------------------------------------------------------- fixtures

  private static List<Tok> createTokens(Admin m, List<String> logins, int n) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Tok>> futures = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        int k = i;
        futures.add(
            pool.submit(
                () -> {
                  String login = logins.get(k % logins.size());
                  NewToken req =
                      k % 2 == 0
                          ? new NewToken(
                              "classic",
                              "bench-" + k,
                              null,
                              90,
                              List.of("repo"),
                              null,
                              null,
                              null,
                              null,
                              null)
                          : new NewToken(
                              "fine_grained",
                              "bench-" + k,
                              null,
                              90,
                              null,
                              ORG,
                              "all",
                              null,
                              Map.of("contents", "read"),
                              null);
                  CreatedToken c = m.tokens().createToken(Actor.SYSTEM, login, req);
                  return new Tok(login, c.plaintext());
                }));
      }
      List<Tok> out = new ArrayList<>(n);
      for (Future<Tok> f : futures) {
        out.add(f.get(10, TimeUnit.MINUTES));
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * The request git sends first, one per token, for one server (the Host header names its port).
   */
  private static byte[][] requests(int port, String path, List<Tok> tokens, int protocol) {
    byte[][] out = new byte[tokens.size()][];
    for (int i = 0; i < out.length; i++) {
      Tok t = tokens.get(i);
      String auth =
          Base64.getEncoder()
              .encodeToString((t.login() + ":" + t.plaintext()).getBytes(StandardCharsets.UTF_8));
      String req =
          "GET "
              + path
              + " HTTP/1.1\r\n"
              + "Host: 127.0.0.1:"
              + port
              + "\r\n"
              + "User-Agent: git/2.39.5\r\n"
              + "Accept: */*\r\n"
              + "Authorization: Basic "
              + auth
              + "\r\n"
              + (protocol == 2 ? "Git-Protocol: version=2\r\n" : "")
              + "Pragma: no-cache\r\n"
              + "\r\n";
      out[i] = req.getBytes(StandardCharsets.US_ASCII);
    }
    return out;
  }

  /** One side of alternating slices: what its slices did, and the CPU they used. */
  private static final class Side {
    LoadLoop.Result result;
    CpuUse.Snapshot cpu = CpuUse.Snapshot.ZERO;

    void add(LoadLoop.Result r, CpuUse.Snapshot used) {
      result = result == null ? r : result.plus(r);
      cpu = cpu.plus(used);
    }
  }

  /** Requests, with a mark on those that carry a bad token. */
  private record Mixed(byte[][] requests, boolean[] bad) {}

  /**
   * The gateway's requests with every other one carrying a bad token instead, half of them a typo
   * of a real token (wrong checksum) and half a well-formed token that was never issued. Connection
   * {@code t} of the load loop sends requests {@code t, t+connections, …}, so the array is laid out
   * in blocks of {@code connections}, good and bad in turn: each connection alternates good and
   * bad.
   */
  private static Mixed mixedRequests(int port, String path, List<Tok> tokens, Options o) {
    SecureRandom random = new SecureRandom();
    int c = o.connections;
    int n = Math.max(c, tokens.size() / c * c);
    List<Tok> mixed = new ArrayList<>(2 * n);
    boolean[] bad = new boolean[2 * n];
    for (int i = 0; i < 2 * n; i++) {
      int block = i / c;
      Tok t = tokens.get(((block / 2) * c + i % c) % tokens.size());
      bad[i] = block % 2 == 1;
      if (!bad[i]) {
        mixed.add(t);
        continue;
      }
      String token;
      if (i % 2 == 0) {
        char[] typo = t.plaintext().toCharArray();
        int at = 4 + (i / 2) % 32;
        typo[at] = typo[at] == 'a' ? 'b' : 'a';
        token = new String(typo);
      } else {
        token = TokenFormat.generate(TokenFormat.kindOf(t.plaintext()), random);
      }
      mixed.add(new Tok(t.login(), token));
    }
    return new Mixed(requests(port, path, mixed, o.protocol), bad);
  }

  /** The bad-token round's two sides: good tokens only, and every other request bad. */
  private record BadRound(
      LoadLoop.Result clean,
      LoadLoop.Result mixed,
      CpuUse.Snapshot cleanCpu,
      CpuUse.Snapshot mixedCpu) {
    void print(PrintStream out, Options o) {
      long cleanN = clean.ok() + clean.failed();
      long goodN = mixed.ok() + mixed.failed();
      long badN = mixed.bad().count();
      double good = (cleanCpu.gateway() + cleanCpu.background()) / 1e3 / Math.max(1, cleanN);
      double all = (mixedCpu.gateway() + mixedCpu.background()) / 1e3;
      // The mixed slices' CPU less what their good requests cost in the clean slices.
      double bad = badN == 0 ? Double.NaN : (all - goodN * good) / badN;
      out.println();
      out.printf(
          Locale.ROOT,
          "== Bad tokens: every other request with a bad token (half typos, half never issued) vs good tokens only; gateway, "
              + "%d connections, %d s each in alternating %d s slices, the audit queue drained after each slice ==%n",
          o.connections,
          o.seconds,
          Math.min(o.sliceSeconds, o.seconds));
      out.printf(
          Locale.ROOT,
          "%-20s %11s %11s %22s %22s %s%n",
          "slices",
          "good 200/s",
          "bad 401+429/s",
          "good p50/p99/p99.9 ms",
          "bad p50/p99/p99.9 ms",
          "CPU per request (µs)");
      out.printf(
          Locale.ROOT,
          "%-20s %,11.1f %11s %22s %22s %s%n",
          "good tokens only",
          clean.perSecond(),
          "-",
          pcts(clean.micros()),
          "-",
          cleanCpu.perRequest(true, cleanN));
      out.printf(
          Locale.ROOT,
          "%-20s %,11.1f %,11.1f %22s %22s %s%n",
          "every other one bad",
          mixed.perSecond(),
          // Past the failed-authentication limit a bad token is refused with 429, not 401.
          (mixed.bad().statuses().getOrDefault(401, 0L)
                  + mixed.bad().statuses().getOrDefault(429, 0L))
              * 1e9
              / mixed.nanos(),
          pcts(mixed.micros()),
          pcts(mixed.bad().micros()),
          mixedCpu.perRequest(true, goodN + badN));
      out.printf(
          Locale.ROOT,
          "good requests not answered 200: %d %s (good only), %d %s (mixed); bad requests' answers %s, accepted: %d%n",
          clean.failed(),
          clean.otherStatuses(),
          mixed.failed(),
          mixed.otherStatuses(),
          mixed.bad().statuses(),
          mixed.bad().accepted());
      out.printf(
          Locale.ROOT,
          "a bad request costs ≈ %.1f µs of the gateway's CPU = %.2f× a good one; good requests' latency with bad ones "
              + "interleaved: p50 %.2f×, p99 %.2f× of good-only%n",
          bad,
          bad / good,
          ratio(mixed.micros(), clean.micros(), 50),
          ratio(mixed.micros(), clean.micros(), 99));
    }

    private static double ratio(Histogram a, Histogram b, double p) {
      return a.getValueAtPercentile(p) / (double) Math.max(1, b.getValueAtPercentile(p));
    }

    private static String pcts(Histogram h) {
      return h.getTotalCount() == 0
          ? "-"
          : String.format(
              Locale.ROOT,
              "%.2f / %.2f / %.2f",
              h.getValueAtPercentile(50) / 1e3,
              h.getValueAtPercentile(99) / 1e3,
              h.getValueAtPercentile(99.9) / 1e3);
    }
  }

  /**
   * Good-only slices alternating with mixed ones (every other request bad) on the gateway, after a
   * warm-up of the mixed requests (a never-issued token reaches the store once, then is known
   * absent). The audit rows of a slice (one per refused request) are written before the next one
   * starts and their CPU counted with it.
   */
  private static BadRound badTokenRound(
      Options o, Gateway gateway, int port, byte[][] good, Mixed mixed)
      throws InterruptedException {
    LoadLoop.Result warm =
        LoadLoop.run(
            port,
            mixed.requests(),
            mixed.bad(),
            o.connections,
            Duration.ofSeconds(o.warmupSeconds));
    drainAudit(gateway);
    say(
        "warm-up bad-token mix %,10.1f good req/s%s; bad: %s",
        warm.perSecond(), errorNote(warm), warm.bad().statuses());
    int slices = Math.max(1, o.seconds / o.sliceSeconds);
    Duration slice = Duration.ofMillis(o.seconds * 1000L / slices);
    Side clean = new Side();
    Side mix = new Side();
    for (int i = 0; i < 2 * slices; i++) {
      boolean withBad = i % 2 == 1;
      CpuUse.Snapshot before = CpuUse.now();
      LoadLoop.Result r =
          withBad
              ? LoadLoop.run(port, mixed.requests(), mixed.bad(), o.connections, slice)
              : LoadLoop.run(port, good, o.connections, slice);
      drainAudit(gateway);
      (withBad ? mix : clean).add(r, CpuUse.now().minus(before));
    }
    say(
        "bad-token round: good only %,10.1f req/s%s | every other one bad %,10.1f good req/s%s, bad: %s",
        clean.result.perSecond(),
        errorNote(clean.result),
        mix.result.perSecond(),
        errorNote(mix.result),
        mix.result.bad().statuses());
    return new BadRound(clean.result, mix.result, clean.cpu, mix.cpu);
  }

  /**
   * Both servers answer 200 with the same advertisement; the gateway refuses a request without
   * credentials.
   */
  private static void sanityCheck(int gwPort, int barePort, String path, Tok tok, int protocol)
      throws Exception {
    HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    String auth =
        "Basic "
            + Base64.getEncoder()
                .encodeToString(
                    (tok.login() + ":" + tok.plaintext()).getBytes(StandardCharsets.UTF_8));
    byte[][] bodies = new byte[2][];
    int[] ports = {gwPort, barePort};
    for (int i = 0; i < 2; i++) {
      HttpRequest.Builder b =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + ports[i] + path))
              .timeout(Duration.ofSeconds(30))
              .header("Authorization", auth);
      if (protocol == 2) {
        b.header("Git-Protocol", "version=2");
      }
      HttpResponse<byte[]> r = client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
      if (r.statusCode() != 200) {
        throw new IllegalStateException(
            (i == 0 ? "gateway" : "bare JGit")
                + " answered "
                + r.statusCode()
                + ": "
                + new String(r.body(), StandardCharsets.UTF_8));
      }
      bodies[i] = r.body();
    }
    HttpResponse<byte[]> anon =
        client.send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gwPort + path))
                .timeout(Duration.ofSeconds(30))
                .build(),
            HttpResponse.BodyHandlers.ofByteArray());
    if (anon.statusCode() != 401) {
      throw new IllegalStateException(
          "the gateway answered " + anon.statusCode() + " to a request without credentials");
    }
    say(
        "sanity: both 200, advertisement %d bytes (gateway) / %d bytes (bare), %s; gateway without credentials → 401",
        bodies[0].length,
        bodies[1].length,
        Arrays.equals(bodies[0], bodies[1]) ? "identical" : "DIFFERENT");
  }

  // ---------------------------------------------------------------- git CLI

  /** Clone and push wall times (seconds), per server. */
  private record GitTimes(
      List<Double> gwClone, List<Double> bareClone, List<Double> gwPush, List<Double> barePush) {}

  private static GitTimes gitTimes(
      Options o, Path tmp, String gwUrl, String bareUrl, String ownerToken, BenchRepo.Built built)
      throws Exception {
    GitCli git = new GitCli(tmp.resolve("git-home"));
    Path clones = Files.createDirectories(tmp.resolve("clones"));
    Duration timeout = Duration.ofMinutes(5);
    String cred = OWNER + ":" + ownerToken + "@";
    String[] urls = {
      gwUrl.replace("http://", "http://" + cred) + "/" + ORG + "/" + REPO + ".git",
      bareUrl.replace("http://", "http://" + cred) + "/" + ORG + "/" + REPO + ".git"
    };
    String[] names = {"gateway", "bare"};
    Path[] work = new Path[2];
    for (int s = 0; s < 2; s++) {
      work[s] = clones.resolve("work-" + names[s]);
      GitCli.Run r = git.must(clones, timeout, "clone", "-q", urls[s], work[s].toString());
      String head = git.must(work[s], timeout, "rev-parse", "HEAD").output().strip();
      if (!head.equals(built.head().name())) {
        throw new IllegalStateException(
            names[s] + " clone has HEAD " + head + ", expected " + built.head().name());
      }
      say("warm-up clone %-7s %.2f s (HEAD %s)", names[s], r.seconds(), head.substring(0, 12));
    }
    List<Double> gwClone = new ArrayList<>();
    List<Double> bareClone = new ArrayList<>();
    for (int i = 0; i < o.clones; i++) {
      for (int k = 0; k < 2; k++) {
        int s = (k + i) % 2;
        Path dir = clones.resolve(names[s] + "-" + i);
        GitCli.Run r = git.must(clones, timeout, "clone", "-q", urls[s], dir.toString());
        (s == 0 ? gwClone : bareClone).add(r.seconds());
        say("clone %d %-7s %.3f s", i + 1, names[s], r.seconds());
        deleteTree(dir);
      }
    }
    List<Double> gwPush = new ArrayList<>();
    List<Double> barePush = new ArrayList<>();
    int seq = 0;
    for (int i = -1; i < o.pushes; i++) {
      for (int k = 0; k < 2; k++) {
        int s = (k + Math.max(i, 0)) % 2;
        for (int c = 0; c < 3; c++) {
          Path f = work[s].resolve("d00").resolve("f000.txt");
          Files.writeString(
              f,
              "bench push " + (seq++) + " through " + names[s] + "\n",
              StandardCharsets.UTF_8,
              java.nio.file.StandardOpenOption.APPEND);
          git.must(work[s], timeout, "commit", "-q", "-a", "-m", "bench commit " + seq);
        }
        GitCli.Run r =
            git.must(work[s], timeout, "push", "-q", "origin", "HEAD:refs/heads/bench-" + names[s]);
        if (i >= 0) {
          (s == 0 ? gwPush : barePush).add(r.seconds());
          say("push %d %-7s %.3f s", i + 1, names[s], r.seconds());
        } else {
          say("warm-up push %-7s %.3f s", names[s], r.seconds());
        }
      }
    }
    return new GitTimes(gwClone, bareClone, gwPush, barePush);
  }

  // ---------------------------------------------------------------- report

  private static String summary(
      Options o,
      BenchRepo.Built built,
      List<double[]> rounds,
      long[] totals,
      long[] failures,
      long drainNanos,
      Histogram gwAll,
      Histogram bareAll,
      CpuUse.Snapshot[] cpu,
      double[] quiet,
      BadRound badRound,
      GitTimes git,
      String storeNote) {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(buf, true, StandardCharsets.UTF_8);
    out.printf(
        Locale.ROOT,
        "== Authenticated GET /%s/%s.git/info/refs?service=git-upload-pack (protocol v%d) ==%n",
        ORG,
        REPO,
        o.protocol);
    out.printf(
        Locale.ROOT,
        "%d keep-alive connections on loopback, %,d tokens rotating (%d users), %d rounds × %d s per server in alternating "
            + "%d s slices, after warm-up; gateway = real Gateway (HTTP, anonymous reads off, default caches and logging); bare = Jetty 12 + JGit GitServlet%n",
        o.connections,
        o.tokens,
        o.users,
        o.rounds,
        o.seconds,
        Math.min(o.sliceSeconds, o.seconds));
    out.printf(
        Locale.ROOT,
        "%-6s %-8s %14s %14s %8s %9s %14s %9s %20s %18s%n",
        "round",
        "first",
        "gateway req/s",
        "bare req/s",
        "ratio",
        "drain s",
        "gw sustained",
        "ratio",
        "gateway p50/p99 ms",
        "bare p50/p99 ms");
    List<Double> ratios = new ArrayList<>();
    for (int i = 0; i < rounds.size(); i++) {
      double[] r = rounds.get(i);
      ratios.add(r[0] / r[1]);
      out.printf(
          Locale.ROOT,
          "%-6d %-8s %,14.1f %,14.1f %8.3f %9.1f %,14.1f %9.3f %20s %18s%n",
          i + 1,
          r[6] == 0 ? "gateway" : "bare",
          r[0],
          r[1],
          r[0] / r[1],
          r[8],
          r[9],
          r[9] / r[1],
          String.format(Locale.ROOT, "%.2f / %.2f", r[2], r[3]),
          String.format(Locale.ROOT, "%.2f / %.2f", r[4], r[5]));
    }
    double gw = totals[0] * 1e9 / totals[1];
    double gwSustained = totals[0] * 1e9 / (totals[1] + drainNanos);
    double bare = totals[2] * 1e9 / totals[3];
    out.printf(
        Locale.ROOT,
        "%-15s %,14.1f %,14.1f %8.3f %9.1f %,14.1f %9.3f %20s %18s%n",
        "all rounds",
        gw,
        bare,
        gw / bare,
        drainNanos / 1e9,
        gwSustained,
        gwSustained / bare,
        String.format(
            Locale.ROOT,
            "%.2f / %.2f",
            gwAll.getValueAtPercentile(50) / 1e3,
            gwAll.getValueAtPercentile(99) / 1e3),
        String.format(
            Locale.ROOT,
            "%.2f / %.2f",
            bareAll.getValueAtPercentile(50) / 1e3,
            bareAll.getValueAtPercentile(99) / 1e3));
    double medianRatio = median(ratios);
    out.printf(
        Locale.ROOT,
        "median round ratio %.3f; failed requests: gateway %d, bare %d%n",
        medianRatio,
        failures[0],
        failures[1]);
    out.println(
        "'drain s': time the gateway's audit writer needed after the round to write the round's audit rows (the next round"
            + " starts after it); 'sustained' counts it in the gateway's time.");
    out.printf(
        Locale.ROOT,
        "CPU per request, all rounds (thread CPU time; the gateway's includes its audit drain): gateway %s | bare %s → %.3f%n",
        cpu[0].perRequest(true, totals[0] + failures[0]),
        cpu[1].perRequest(false, totals[2] + failures[1]),
        ((cpu[0].gateway() + cpu[0].background()) / (double) (totals[0] + failures[0]))
            / (cpu[1].bare() / (double) (totals[2] + failures[1])));
    out.printf(
        Locale.ROOT,
        "  the gateway's background threads, µs per request: %s%n",
        cpu[0].backgroundDetail(totals[0] + failures[0]));
    out.println(storeNote);
    out.printf(
        Locale.ROOT,
        "Target: gateway ≥ 0.95 × bare JGit → %.3f during the rounds, %.3f sustained: %s%n",
        gw / bare,
        gwSustained / bare,
        gw / bare >= 0.95
            ? (gwSustained / bare >= 0.95 ? "MET" : "MET during the rounds only")
            : "NOT MET");
    if (quiet != null) {
      out.printf(
          Locale.ROOT,
          "With the per-request 'portcullis.git' INFO log line off (one round each): gateway %,.1f (sustained %,.1f), bare %,.1f"
              + " req/s, ratio %.3f (sustained %.3f)%n",
          quiet[0],
          quiet[2],
          quiet[1],
          quiet[0] / quiet[1],
          quiet[2] / quiet[1]);
    }
    if (badRound != null) {
      badRound.print(out, o);
    }
    if (git != null) {
      out.println();
      out.printf(
          Locale.ROOT,
          "== git CLI through each server: %s/%s (%d commits, pack %,d bytes) ==%n",
          ORG,
          REPO,
          built.commits(),
          built.packBytes());
      out.printf(
          Locale.ROOT,
          "%-34s %10s %10s %8s   %s%n",
          "operation (median of runs)",
          "gateway s",
          "bare s",
          "ratio",
          "runs gateway | bare (s)");
      row(out, "git clone (full, with checkout)", git.gwClone(), git.bareClone());
      row(out, "git push (3 new commits)", git.gwPush(), git.barePush());
      if (!git.gwClone().isEmpty()) {
        double ratio = median(git.gwClone()) / median(git.bareClone());
        out.printf(
            Locale.ROOT,
            "Target: clone ≤ 1.1 × bare → %.3f: %s%n",
            ratio,
            ratio <= 1.1 ? "MET" : "NOT MET");
      }
      if (!git.gwPush().isEmpty()) {
        double ratio = median(git.gwPush()) / median(git.barePush());
        out.printf(
            Locale.ROOT,
            "Target: push ≤ 1.1 × bare → %.3f: %s%n",
            ratio,
            ratio <= 1.1 ? "MET" : "NOT MET");
      }
    }
    return buf.toString(StandardCharsets.UTF_8);
  }

  private static void row(PrintStream out, String what, List<Double> gw, List<Double> bare) {
    if (gw.isEmpty() || bare.isEmpty()) {
      return;
    }
    out.printf(
        Locale.ROOT,
        "%-34s %10.3f %10.3f %8.3f   %s | %s%n",
        what,
        median(gw),
        median(bare),
        median(gw) / median(bare),
        list(gw),
        list(bare));
  }

  private static String list(List<Double> v) {
    StringBuilder sb = new StringBuilder();
    for (double d : v) {
      sb.append(sb.length() == 0 ? "" : " ").append(String.format(Locale.ROOT, "%.3f", d));
    }
    return sb.toString();
  }

  private static double median(List<Double> v) {
    List<Double> s = new ArrayList<>(v);
    s.sort(Comparator.naturalOrder());
    int n = s.size();
    return n == 0 ? Double.NaN : n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
  }

  private static String errorNote(LoadLoop.Result r) {
    if (r.failed() == 0 && r.firstError() == null) {
      return "";
    }
    return " [failed "
        + r.failed()
        + " "
        + r.otherStatuses()
        + (r.firstError() == null ? "" : ", error: " + r.firstError())
        + "]";
  }

  private static double secondsSince(long t) {
    return (System.nanoTime() - t) / 1e9;
  }

  private static String gitVersion() {
    return command("git", "--version");
  }

  /** The commit and how many main-code files differ from it, so figures can be attributed. */
  private static String sourceState() {
    String head = command("git", "rev-parse", "--short", "HEAD");
    String dirty = command("git", "status", "--porcelain", "--", ":(glob)**/src/main/**");
    long n = dirty.isBlank() ? 0 : dirty.lines().count();
    return "HEAD "
        + head
        + (n == 0 ? " (main code clean)" : " + " + n + " uncommitted main-code file(s)");
  }

  private static String command(String... cmd) {
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0 ? out : "?";
    } catch (IOException | InterruptedException e) {
      return "?";
    }
  }

  /**
   * Deletes a tree, best effort: a few passes, since a closing server may still remove or write
   * files meanwhile.
   */
  private static void deleteTree(Path root) {
    for (int pass = 0; pass < 3 && Files.exists(root); pass++) {
      try (Stream<Path> paths = Files.walk(root)) {
        for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
          try {
            Files.deleteIfExists(p);
          } catch (IOException e) {
            // retried in the next pass
          }
        }
      } catch (IOException | java.io.UncheckedIOException e) {
        // retried in the next pass
      }
      if (Files.exists(root)) {
        try {
          Thread.sleep(500);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
    if (Files.exists(root)) {
      System.err.println("bench: could not delete " + root);
    }
  }
}
