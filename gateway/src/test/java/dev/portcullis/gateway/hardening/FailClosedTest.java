package dev.portcullis.gateway.hardening;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.gateway.Gateway;
import dev.portcullis.gateway.GatewayConfig;
import dev.portcullis.policy.token.TokenFormat;
import dev.portcullis.policy.token.TokenKind;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The store goes away under a running gateway on PostgreSQL: the database is closed to new
 * connections ({@code ALTER DATABASE … ALLOW_CONNECTIONS false}) and every existing connection is
 * terminated ({@code pg_terminate_backend}), the change listener's included. The gateway must fail
 * closed — 503 with {@code Retry-After} and a clear message for whatever needs the store, never a
 * 200 the store would refuse, {@code /readyz} 503 — serve cached decisions no longer than their
 * bounded lifetime, and recover by itself once the database is open again.
 *
 * <p>What it does on PostgreSQL (verified here): the listener notices the terminated connection at
 * once and switches every cache to bypass, so from then on every request that needs a decision gets
 * 503, warmed tokens included — even a malformed token, because the repository is looked up before
 * the credentials are judged (never a 200 either way).
 *
 * <p>Skipped with a printed message when PostgreSQL is unreachable at 127.0.0.1:5432, unless {@code
 * PORTCULLIS_REQUIRE_POSTGRES=1}.
 */
class FailClosedTest {
  /** The backstop lifetime of any cache entry (--cache-ttl-seconds) in this test. */
  private static final Duration CACHE_TTL = Duration.ofSeconds(30);

  @TempDir Path tmp;
  private String db;
  private Gateway gw;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();

  @AfterEach
  void cleanUp() {
    try {
      if (gw != null) {
        gw.close();
      }
    } finally {
      Hardening.dropPgDatabase(db);
    }
  }

  record Answer(int status, String retryAfter, String contentType, String body, long millis) {
    @Override
    public String toString() {
      return status
          + (retryAfter == null ? "" : " Retry-After=" + retryAfter)
          + " in "
          + millis
          + " ms: "
          + (body.length() > 200 ? body.substring(0, 200) : body).strip();
    }
  }

  private Answer get(String url, String authorization) {
    long start = System.nanoTime();
    try {
      HttpRequest.Builder b =
          HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(20));
      if (authorization != null) {
        b.header("Authorization", authorization);
      }
      HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      return new Answer(
          r.statusCode(),
          r.headers().firstValue("Retry-After").orElse(null),
          r.headers().firstValue("Content-Type").orElse(""),
          r.body(),
          (System.nanoTime() - start) / 1_000_000);
    } catch (IOException e) {
      return new Answer(-1, null, "", e.toString(), (System.nanoTime() - start) / 1_000_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Answer(-1, null, "", "interrupted", 0);
    }
  }

  private Answer post(String url, String authorization, String json) {
    long start = System.nanoTime();
    try {
      HttpRequest r0 =
          HttpRequest.newBuilder(URI.create(url))
              .timeout(Duration.ofSeconds(20))
              .header("Authorization", authorization)
              .header("Content-Type", "application/json")
              .POST(HttpRequest.BodyPublishers.ofString(json))
              .build();
      HttpResponse<String> r = http.send(r0, HttpResponse.BodyHandlers.ofString());
      return new Answer(
          r.statusCode(),
          r.headers().firstValue("Retry-After").orElse(null),
          r.headers().firstValue("Content-Type").orElse(""),
          r.body(),
          (System.nanoTime() - start) / 1_000_000);
    } catch (IOException e) {
      return new Answer(-1, null, "", e.toString(), (System.nanoTime() - start) / 1_000_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Answer(-1, null, "", "interrupted", 0);
    }
  }

  private String info(String repo) {
    return gw.httpUrl() + "/" + repo + ".git/info/refs?service=git-upload-pack";
  }

  private static String basic(String token) {
    return Hardening.basic("x", token);
  }

  @Test
  void storeOutageFailsClosedAndTheGatewayRecoversByItself() throws Exception {
    Outcome o = outage();
    if (!o.auditAlive()) {
      System.out.println(
          "KNOWN BUG (see theAuditLogSurvivesAStoreOutage): the audit writer thread is dead after the outage: "
              + o.auditState());
    }
  }

  @Test
  void theAuditLogSurvivesAStoreOutage() throws Exception {
    Outcome o = outage();
    assertTrue(o.auditAlive(), "the audit writer is alive after the outage: " + o.auditState());
  }

  record Outcome(boolean auditAlive, String auditState) {}

  private Outcome outage() throws Exception {
    db =
        Hardening.createPgDatabaseOrSkip(
            "portcullis_failclosed", "the fail-closed test on PostgreSQL");
    gw =
        Gateway.start(
            GatewayConfig.defaults(tmp.resolve("data"))
                .withPorts(0, 0)
                .withCaches(
                    new dev.portcullis.policy.access.CacheSettings(200_000, 50_000, CACHE_TTL))
                .withStore(Hardening.PG_SERVER + db, "postgres", null, null));
    String admin = Hardening.adminToken(tmp.resolve("data"));
    Hardening.Api api = new Hardening.Api(gw.httpUrl(), admin);

    // ---- fixtures
    for (String u : List.of("owner", "member", "gone")) {
      api.expect(201, "POST", "/admin/users", Map.of("login", u));
    }
    api.expect(201, "POST", "/admin/organizations", Map.of("login", "acme", "admin", "owner"));
    api.expect(201, "POST", "/admin/organizations", Map.of("login", "locked", "admin", "owner"));
    api.expect(
        200,
        "PUT",
        "/orgs/acme/personal-access-token-policy",
        Map.of("fine_grained_approval", "not_required"));
    api.expect(200, "PUT", "/orgs/acme/memberships/member", Map.of("role", "member"));
    api.expect(201, "POST", "/orgs/acme/repos", Map.of("name", "app", "visibility", "private"));
    api.expect(201, "POST", "/orgs/locked/repos", Map.of("name", "app", "visibility", "private"));
    api.expect(
        201, "POST", "/admin/users/owner/repos", Map.of("name", "priv", "visibility", "private"));
    api.expect(
        201, "POST", "/admin/users/owner/repos", Map.of("name", "pub", "visibility", "public"));
    for (String[] r :
        new String[][] {{"acme", "app"}, {"locked", "app"}, {"owner", "priv"}, {"owner", "pub"}}) {
      gw.storage()
          .seedReadme(
              gw.admin().directory().repository(r[0], r[1]), "# " + r[0] + "/" + r[1] + "\n");
    }
    Map<String, Object> classic =
        Map.of("type", "classic", "name", "t", "scopes", List.of("repo"), "expires_in", 30);
    String warm =
        api.expect(201, "POST", "/admin/users/owner/personal-access-tokens", classic)
            .get("token")
            .asText();
    String cold =
        api.expect(201, "POST", "/admin/users/owner/personal-access-tokens", classic)
            .get("token")
            .asText();
    JsonNode deleted =
        api.expect(201, "POST", "/admin/users/owner/personal-access-tokens", classic);
    String goneToken =
        api.expect(201, "POST", "/admin/users/gone/personal-access-tokens", classic)
            .get("token")
            .asText();
    JsonNode fine =
        api.expect(
            201,
            "POST",
            "/admin/users/member/personal-access-tokens",
            Map.of(
                "type",
                "fine_grained",
                "name",
                "f",
                "resource_owner",
                "acme",
                "repository_selection",
                "all",
                "permissions",
                Map.of("contents", "read"),
                "expires_in",
                30));
    String unknown = TokenFormat.generate(TokenKind.CLASSIC, new SecureRandom());

    // ---- warm the caches, then narrow: the narrowed inputs are cached too (as denials)
    Map<String, String[]> narrowed = new LinkedHashMap<>(); // what → {repo, token, expected status}
    narrowed.put(
        "deleted token", new String[] {"owner/priv", deleted.get("token").asText(), "401"});
    narrowed.put(
        "revoked fine-grained grant", new String[] {"acme/app", fine.get("token").asText(), "403"});
    narrowed.put("suspended user's token", new String[] {"owner/pub", goneToken, "403"});
    narrowed.put("classic token in a restricted org", new String[] {"locked/app", warm, "403"});
    for (int i = 0; i < 3; i++) {
      assertEquals(200, get(info("owner/priv"), basic(warm)).status());
      assertEquals(200, get(info("acme/app"), basic(warm)).status());
      for (String[] n : narrowed.values()) {
        assertEquals(200, get(info(n[0]), basic(n[1])).status(), "warming " + n[0]);
      }
    }
    api.expect(204, "DELETE", "/admin/personal-access-tokens/" + deleted.get("id").asLong(), null);
    api.expect(
        204,
        "POST",
        "/orgs/acme/personal-access-tokens/" + fine.get("id").asLong(),
        Map.of("action", "revoke"));
    api.expect(204, "PUT", "/users/gone/suspended", null);
    api.expect(
        200,
        "PUT",
        "/orgs/locked/personal-access-token-policy",
        Map.of("classic_access", "restricted"));
    for (Map.Entry<String, String[]> n : narrowed.entrySet()) {
      for (int i = 0; i < 2; i++) {
        assertEquals(
            Integer.parseInt(n.getValue()[2]),
            get(info(n.getValue()[0]), basic(n.getValue()[1])).status(),
            n.getKey() + " before");
      }
    }
    assertEquals(200, get(gw.httpUrl() + "/readyz", null).status());
    assertTrue(gw.changeListenerConnected(), "the change listener is connected before the outage");

    // ---- the outage, under traffic (allowed requests keep the audit writer busy)
    java.util.concurrent.atomic.AtomicBoolean trafficOn =
        new java.util.concurrent.atomic.AtomicBoolean(true);
    List<Thread> traffic = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      Thread t =
          new Thread(
              () -> {
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (trafficOn.get() && System.nanoTime() < end) {
                  get(info("owner/priv"), basic(warm));
                }
              },
              "traffic-" + i);
      t.start();
      traffic.add(t);
    }
    Thread.sleep(300);
    Hardening.pgExecute("test", "ALTER DATABASE " + db + " ALLOW_CONNECTIONS false");
    long cut = System.nanoTime();
    Hardening.pgExecute(
        "test",
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" + db + "'");
    // How long are warmed decisions served from the cache? Poll the warm token (and, alongside, the
    // narrowed ones, which must never be allowed, not even in this window).
    long servedFor = -1;
    Answer firstRefusal = null;
    int allowedAfterCut = 0;
    while (System.nanoTime() - cut < CACHE_TTL.toNanos() + TimeUnit.SECONDS.toNanos(10)) {
      List<CompletableFuture<Answer>> narrowedNow = new ArrayList<>();
      for (String[] n : narrowed.values()) {
        narrowedNow.add(CompletableFuture.supplyAsync(() -> get(info(n[0]), basic(n[1]))));
      }
      long sent = (System.nanoTime() - cut) / 1_000_000;
      Answer a = get(info("owner/priv"), basic(warm));
      int i = 0;
      for (Map.Entry<String, String[]> n : narrowed.entrySet()) {
        Answer d = narrowedNow.get(i++).get(30, TimeUnit.SECONDS);
        assertNotEquals(
            200,
            d.status(),
            n.getKey() + " was allowed during the outage, " + sent + " ms after the cut: " + d);
      }
      if (a.status() == 200) {
        allowedAfterCut++;
        servedFor = sent;
      } else {
        firstRefusal = a;
        break;
      }
      Thread.sleep(20);
    }
    long refusedAfter = (System.nanoTime() - cut) / 1_000_000;
    trafficOn.set(false);
    for (Thread t : traffic) {
      t.join(30_000);
    }
    System.out.printf(
        "fail-closed: after the cut the warmed token was served from the cache %d more times (the last request sent %d ms"
            + " after the cut), then refused (answer complete %d ms after the cut) with %s; listener connected: %s%n",
        allowedAfterCut, servedFor, refusedAfter, firstRefusal, gw.changeListenerConnected());
    assertTrue(
        firstRefusal != null,
        "the warmed token was still served "
            + CACHE_TTL.plusSeconds(10)
            + " after the store went away");
    assertTrue(
        servedFor < CACHE_TTL.toMillis(),
        "cached decisions were served longer than their lifetime: " + servedFor + " ms");
    assertEquals(
        503,
        firstRefusal.status(),
        "the first refusal once the cache is not trusted: " + firstRefusal);

    // Everything that needs the store, concurrently (each waits for the pool's 2 s connection
    // timeout).
    Map<String, CompletableFuture<Answer>> during = new LinkedHashMap<>();
    during.put(
        "warmed token, warmed repository",
        CompletableFuture.supplyAsync(() -> get(info("owner/priv"), basic(warm))));
    during.put(
        "token never used before",
        CompletableFuture.supplyAsync(() -> get(info("owner/priv"), basic(cold))));
    during.put(
        "unknown well-formed token",
        CompletableFuture.supplyAsync(() -> get(info("owner/priv"), basic(unknown))));
    during.put(
        "unknown repository",
        CompletableFuture.supplyAsync(() -> get(info("owner/nosuch"), basic(warm))));
    during.put(
        "anonymous read of a public repository",
        CompletableFuture.supplyAsync(() -> get(info("owner/pub"), null)));
    during.put(
        "push advertisement",
        CompletableFuture.supplyAsync(
            () ->
                get(
                    gw.httpUrl() + "/owner/priv.git/info/refs?service=git-receive-pack",
                    basic(warm))));
    during.put(
        "API GET /user",
        CompletableFuture.supplyAsync(() -> get(gw.httpUrl() + "/api/v3/user", "token " + admin)));
    during.put(
        "API create user",
        CompletableFuture.supplyAsync(
            () ->
                post(
                    gw.httpUrl() + "/api/v3/admin/users",
                    "token " + admin,
                    "{\"login\":\"during-outage\"}")));
    during.put(
        "API revoke credentials",
        CompletableFuture.supplyAsync(
            () ->
                post(
                    gw.httpUrl() + "/api/v3/credentials/revoke",
                    "token " + admin,
                    "{\"credentials\":[\"" + cold + "\"]}")));
    for (Map.Entry<String, String[]> n : narrowed.entrySet()) {
      during.put(
          n.getKey(),
          CompletableFuture.supplyAsync(() -> get(info(n.getValue()[0]), basic(n.getValue()[1]))));
    }
    CompletableFuture<Answer> malformed =
        CompletableFuture.supplyAsync(() -> get(info("owner/priv"), basic("not-a-token")));
    CompletableFuture<Answer> ready =
        CompletableFuture.supplyAsync(() -> get(gw.httpUrl() + "/readyz", null));
    CompletableFuture<Answer> health =
        CompletableFuture.supplyAsync(() -> get(gw.httpUrl() + "/healthz", null));
    List<String> report = new ArrayList<>();
    long slowest = 0;
    for (Map.Entry<String, CompletableFuture<Answer>> e : during.entrySet()) {
      Answer a = e.getValue().get(30, TimeUnit.SECONDS);
      report.add(e.getKey() + " → " + a);
      slowest = Math.max(slowest, a.millis());
      assertEquals(503, a.status(), e.getKey() + " during the outage: " + a);
      assertTrue(
          a.retryAfter() != null && a.retryAfter().matches("\\d+"),
          e.getKey() + " has a Retry-After: " + a);
      assertTrue(a.body().contains("cannot reach its store"), e.getKey() + " says why: " + a);
      if (e.getKey().startsWith("API")) {
        assertTrue(
            a.contentType().startsWith("application/json")
                && Hardening.JSON.readTree(a.body()).path("message").isTextual(),
            e.getKey() + " answers GitHub's JSON error shape: " + a);
      }
    }
    Answer m = malformed.get(30, TimeUnit.SECONDS);
    report.add("malformed token (no token lookup; the repository is still looked up first) → " + m);
    assertTrue(
        m.status() == 401 || m.status() == 503,
        "a malformed token is refused (401, or 503 as the repository lookup fails): " + m);
    Answer rz = ready.get(30, TimeUnit.SECONDS);
    Answer hz = health.get(30, TimeUnit.SECONDS);
    report.add("/readyz → " + rz);
    report.add("/healthz → " + hz);
    assertEquals(503, rz.status(), "/readyz during the outage: " + rz);
    assertEquals(200, hz.status(), "/healthz (the process is up) during the outage: " + hz);
    System.out.println("fail-closed: during the outage (slowest answer " + slowest + " ms):");
    report.forEach(r -> System.out.println("  " + r));
    assertTrue(
        slowest < 10_000,
        "requests during the outage are answered quickly, not queued: slowest " + slowest + " ms");

    // ---- the store comes back: recovery without a restart
    Hardening.pgExecute("test", "ALTER DATABASE " + db + " ALLOW_CONNECTIONS true");
    long back = System.nanoTime();
    long deadline = back + TimeUnit.SECONDS.toNanos(30);
    Map<String, Long> recovered = new LinkedHashMap<>();
    while (System.nanoTime() < deadline && recovered.size() < 5) {
      long at = (System.nanoTime() - back) / 1_000_000;
      if (!recovered.containsKey("/readyz")
          && get(gw.httpUrl() + "/readyz", null).status() == 200) {
        recovered.put("/readyz", at);
      }
      if (!recovered.containsKey("warmed token")
          && get(info("owner/priv"), basic(warm)).status() == 200) {
        recovered.put("warmed token", at);
      }
      if (!recovered.containsKey("cold token")
          && get(info("owner/priv"), basic(cold)).status() == 200) {
        recovered.put("cold token", at);
      }
      if (!recovered.containsKey("anonymous public read")
          && get(info("owner/pub"), null).status() == 200) {
        recovered.put("anonymous public read", at);
      }
      if (!recovered.containsKey("API")
          && get(gw.httpUrl() + "/api/v3/user", "token " + admin).status() == 200) {
        recovered.put("API", at);
      }
      Thread.sleep(100);
    }
    System.out.println(
        "fail-closed: recovered without a restart (ms after ALLOW_CONNECTIONS true): "
            + recovered
            + "; listener connected: "
            + gw.changeListenerConnected());
    assertEquals(5, recovered.size(), "everything recovered within 30 s: " + recovered);
    assertTrue(gw.changeListenerConnected(), "the change listener reconnected");
    // The narrowings still hold, and nothing the outage refused was done.
    for (Map.Entry<String, String[]> n : narrowed.entrySet()) {
      assertEquals(
          Integer.parseInt(n.getValue()[2]),
          get(info(n.getValue()[0]), basic(n.getValue()[1])).status(),
          n.getKey() + " after");
    }
    assertEquals(
        404,
        api.call("GET", "/admin/users/during-outage/personal-access-tokens", null).status(),
        "the user creation refused during the outage did not happen");
    assertEquals(
        200,
        get(info("owner/priv"), basic(cold)).status(),
        "the credential revocation refused during the outage did not happen");
    // And the caches work again: a narrowing change made now holds on the very next request.
    JsonNode late = api.expect(201, "POST", "/admin/users/owner/personal-access-tokens", classic);
    assertEquals(200, get(info("owner/priv"), basic(late.get("token").asText())).status());
    api.expect(204, "DELETE", "/admin/personal-access-tokens/" + late.get("id").asLong(), null);
    assertEquals(
        401,
        get(info("owner/priv"), basic(late.get("token").asText())).status(),
        "a deletion after recovery holds at once");

    // The audit log is written again.
    Thread writer =
        Thread.getAllStackTraces().keySet().stream()
            .filter(t -> t.getName().equals("portcullis-audit"))
            .findFirst()
            .orElse(null);
    long writtenBefore = gw.audit().written();
    get(
        info("owner/priv"),
        basic(warm)); // its decision is queued for the audit log (after the answer is sent)
    boolean flushed = false;
    long auditDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < auditDeadline && gw.audit().written() <= writtenBefore) {
      flushed = gw.audit().flush(Duration.ofSeconds(1));
      Thread.sleep(50);
    }
    boolean alive = writer != null && writer.isAlive() && gw.audit().written() > writtenBefore;
    String state =
        "writer thread "
            + (writer == null ? "gone" : writer.isAlive() ? "alive" : "dead")
            + ", flushed "
            + flushed
            + ", written "
            + writtenBefore
            + " → "
            + gw.audit().written()
            + ", pending "
            + gw.audit().pending()
            + ", dropped "
            + gw.audit().dropped();
    System.out.println("fail-closed: audit log after recovery: " + state);
    return new Outcome(alive, state);
  }
}
