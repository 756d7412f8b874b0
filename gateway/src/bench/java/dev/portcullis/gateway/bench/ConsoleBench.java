package dev.portcullis.gateway.bench;

import ch.qos.logback.classic.Level;
import dev.portcullis.gateway.Gateway;
import dev.portcullis.gateway.GatewayConfig;
import dev.portcullis.policy.admin.Admin;
import dev.portcullis.policy.admin.NewToken;
import dev.portcullis.policy.model.Actor;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.LoggerFactory;

/**
 * Issue 18's large organization: how long the owners' pending-requests page takes to render, with
 * and without a filter, on the embedded store holding one organization's 10,000 pending requests
 * and 10,000 approved tokens (the goal: under 200 ms with a filter).
 *
 * <p>Seeds {@code big} (20 private repositories, 500 requesting members: a user holds at most 50
 * fine-grained tokens) through the use cases: {@code --pending} requests and {@code --approved}
 * approved tokens, each token reaching either every repository or one of them, with {@code
 * contents: read} or {@code write}. Then the owner signs in over plain HTTP on loopback and the
 * page is fetched {@code --warmup} times, then {@code --samples} times per view; prints the median,
 * 90th percentile and slowest time of each view (the whole answer: session lookup, listing, filter
 * choices and rendering).
 *
 * <p>Run with {@code bin/bench console [--pending N] [--approved N] [--warmup N] [--samples N]}.
 */
public final class ConsoleBench {
  private static final String ORG = "big";
  private static final String OWNER = "owner";
  private static final String PASSWORD = "the benchmark owner's passphrase";
  private static final int REPOS = 20;
  private static final int REQUESTERS = 500;

  private ConsoleBench() {}

  public static void main(String[] args) throws Exception {
    Map<String, Integer> o =
        new LinkedHashMap<>(
            Map.of("--pending", 10_000, "--approved", 10_000, "--warmup", 20, "--samples", 30));
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!o.containsKey(args[i])) {
        throw new IllegalArgumentException("unknown option " + args[i] + "; known: " + o.keySet());
      }
      o.put(args[i], Integer.valueOf(args[i + 1]));
    }
    ((ch.qos.logback.classic.Logger) LoggerFactory.getLogger("ROOT")).setLevel(Level.WARN);
    Path data = Files.createTempDirectory("portcullis-console-bench");
    try (Gateway gateway =
        Gateway.start(GatewayConfig.defaults(data.resolve("data")).withPorts(0, 0))) {
      long t = System.nanoTime();
      seed(gateway.admin(), o.get("--pending"), o.get("--approved"));
      System.out.printf(
          Locale.ROOT,
          "seeded %,d pending requests and %,d approved tokens in %s in %.1f s%n",
          o.get("--pending"),
          o.get("--approved"),
          ORG,
          (System.nanoTime() - t) / 1e9);
      HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
      String base = gateway.httpUrl();
      String cookie = signIn(http, base);
      String page = "/organizations/" + ORG + "/settings/personal-access-token-requests";
      Map<String, String> views = new LinkedHashMap<>();
      views.put("no filter", page);
      views.put("owner filter", page + "?owner=user042");
      views.put("repository filter", page + "?repository=repo07");
      views.put("permission filter", page + "?permission=contents_write");
      views.put(
          "all three, page 2",
          page + "?owner=user042&repository=repo07&permission=contents_read&page=2");
      views.put(
          "active tokens, owner filter",
          page.replace("token-requests", "tokens/active") + "?owner=user042");
      for (Map.Entry<String, String> v : views.entrySet()) {
        for (int i = 0; i < o.get("--warmup"); i++) {
          get(http, base + v.getValue(), cookie);
        }
        double[] ms = new double[o.get("--samples")];
        for (int i = 0; i < ms.length; i++) {
          long s = System.nanoTime();
          get(http, base + v.getValue(), cookie);
          ms[i] = (System.nanoTime() - s) / 1e6;
        }
        Arrays.sort(ms);
        System.out.printf(
            Locale.ROOT,
            "%-28s median %7.1f ms   p90 %7.1f ms   max %7.1f ms%n",
            v.getKey(),
            ms[ms.length / 2],
            ms[(int) Math.floor(ms.length * 0.9)],
            ms[ms.length - 1]);
      }
    }
  }

  private static void seed(Admin m, int pending, int approved) {
    m.accounts().createUser(Actor.SYSTEM, OWNER, null, PASSWORD);
    m.accounts().createOrganization(Actor.SYSTEM, ORG, OWNER, null);
    for (int r = 0; r < REPOS; r++) {
      m.repositories()
          .createRepository(
              Actor.SYSTEM, ORG, String.format(Locale.ROOT, "repo%02d", r), "private", x -> {});
    }
    List<String> requesters = new ArrayList<>();
    for (int u = 0; u < REQUESTERS; u++) {
      String login = String.format(Locale.ROOT, "user%03d", u);
      m.accounts().createUserForSeed(login);
      m.accounts().setMembership(Actor.SYSTEM, ORG, login, "member");
      requesters.add(login);
    }
    tokens(m, requesters, pending, "p");
    // Tokens created while approval is not required are approved at once.
    m.policies()
        .updateOrgPolicy(Actor.SYSTEM, ORG, Map.of("fine_grained_approval", "not_required"));
    tokens(m, requesters, approved, "a");
    m.policies().updateOrgPolicy(Actor.SYSTEM, ORG, Map.of("fine_grained_approval", "required"));
  }

  private static void tokens(Admin m, List<String> requesters, int n, String prefix) {
    for (int i = 0; i < n; i++) {
      boolean all = i % 3 == 0;
      m.tokens()
          .createToken(
              Actor.SYSTEM,
              requesters.get(i % requesters.size()),
              new NewToken(
                  "fine_grained",
                  prefix + i,
                  null,
                  90,
                  null,
                  ORG,
                  all ? "all" : "subset",
                  all ? null : List.of(String.format(Locale.ROOT, "repo%02d", i % REPOS)),
                  Map.of("contents", i % 2 == 0 ? "read" : "write"),
                  "needed for job " + i));
    }
  }

  private static String signIn(HttpClient http, String base)
      throws IOException, InterruptedException {
    // The login form's own CSRF token: a cookie, and the same value in the form.
    HttpResponse<String> page =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/login")).GET().build(),
            HttpResponse.BodyHandlers.ofString());
    String loginCookie =
        page.headers()
            .firstValue("Set-Cookie")
            .orElseThrow(() -> new IllegalStateException("no login cookie"));
    loginCookie = loginCookie.substring(0, loginCookie.indexOf(';'));
    String token = loginCookie.substring(loginCookie.indexOf('=') + 1);
    String form =
        "authenticity_token="
            + token
            + "&login="
            + OWNER
            + "&password="
            + PASSWORD.replace(" ", "+").replace("'", "%27");
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Cookie", loginCookie)
                .header("Origin", base)
                .POST(HttpRequest.BodyPublishers.ofString(form))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    String set =
        r.headers()
            .firstValue("Set-Cookie")
            .orElseThrow(() -> new IllegalStateException("sign-in refused: " + r.statusCode()));
    return set.substring(0, set.indexOf(';'));
  }

  private static void get(HttpClient http, String url, String cookie)
      throws IOException, InterruptedException {
    HttpResponse<byte[]> r =
        http.send(
            HttpRequest.newBuilder(URI.create(url)).header("Cookie", cookie).GET().build(),
            HttpResponse.BodyHandlers.ofByteArray());
    if (r.statusCode() != 200) {
      throw new IllegalStateException(url + " answered " + r.statusCode());
    }
  }
}
