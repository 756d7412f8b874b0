package dev.portcullis.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.gateway.notify.WebhookSettings;
import dev.portcullis.policy.admin.Admin;
import dev.portcullis.policy.model.Actor;
import dev.portcullis.policy.model.Notification;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two gateways sharing one PostgreSQL database run their reminder and digest scans at the same
 * moments, from several threads each: every reminder and every digest is one outbox row (so one
 * mail), and every reminder of a token targeting an organization one {@code personal_access_token}
 * delivery per subscribed hook, the unique keys settling each race. Skipped as {@link
 * MultiNodePostgresTest} is when PostgreSQL is not reachable (unless {@code
 * PORTCULLIS_REQUIRE_POSTGRES=1}).
 */
class MailSchedulePostgresTest {
  @TempDir Path tmp;
  private String database;
  private Gateway a;
  private Gateway b;

  @BeforeEach
  void start() throws Exception {
    try (Connection c = MultiNodePostgresTest.admin("test")) {
      database =
          "portcullis_test_" + HexFormat.of().formatHex(java.security.SecureRandom.getSeed(6));
      try (Statement s = c.createStatement()) {
        s.execute("CREATE DATABASE " + database);
      }
    } catch (SQLException e) {
      String msg = "PostgreSQL is not reachable at 127.0.0.1:5432 (" + e.getMessage() + ")";
      if ("1".equals(System.getenv("PORTCULLIS_REQUIRE_POSTGRES"))) {
        fail(msg + " and PORTCULLIS_REQUIRE_POSTGRES=1 makes these tests required");
      }
      Assumptions.abort(msg);
    }
    Path repos = Files.createDirectories(tmp.resolve("repositories"));
    a = node("a", repos);
    b = node("b", repos);
  }

  private Gateway node(String name, Path repos) throws Exception {
    return Gateway.start(
        GatewayConfig.defaults(tmp.resolve(name))
            .withPorts(0, 0)
            .withStore(MultiNodePostgresTest.SERVER + database, "postgres", null, repos)
            // Webhook rows are counted, not delivered.
            .withWebhooks(WebhookSettings.DEFAULT.withAllowPrivate(true).withDeliver(false)));
  }

  @AfterEach
  void stop() throws Exception {
    for (Gateway g : new Gateway[] {a, b}) {
      if (g != null) {
        g.close();
      }
    }
    if (database != null) {
      try (Connection c = MultiNodePostgresTest.admin("test");
          Statement s = c.createStatement()) {
        s.execute("DROP DATABASE IF EXISTS " + database + " WITH (FORCE)");
      }
    }
  }

  @Test
  void concurrentScansOnTwoNodesWriteEachNoticeOnce() throws Exception {
    TestApi api = new TestApi(a.httpUrl(), Files.readString(tmp.resolve("a/admin-token")).strip());
    ApiFixtures fx = new ApiFixtures(a, api);
    for (String login : List.of("olive", "oscar", "bob")) {
      api.expect(
          201, "POST", "/admin/users", Map.of("login", login, "email", login + "@example.test"));
    }
    String org = fx.org("acme", "olive");
    api.expect(200, "PUT", "/orgs/" + org + "/memberships/oscar", Map.of("role", "admin"));
    fx.member(org, "bob");
    // A hook subscribed to the tokens' expiry (olive's admin:org token is reminded too: a classic
    // one, by mail only).
    TestApi olive = api.as(ApiFixtures.plaintext(fx.classic("olive", List.of("admin:org"))));
    olive.expect(
        201,
        "POST",
        "/orgs/" + org + "/hooks",
        Map.of(
            "name",
            "web",
            "config",
            Map.of("url", "http://127.0.0.1:9/hook", "content_type", "json"),
            "events",
            List.of("personal_access_token")));
    List<Instant> expiries = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      expiries.add(Instant.parse(fx.readAll("bob", org).get("expires_at").asText()));
    }
    Instant expires = expiries.get(0);
    // Every stage's moment, the digest's included, each scanned by 8 threads over two nodes.
    LocalDate day = LocalDate.ofInstant(expires.minus(Duration.ofDays(3)), ZoneOffset.UTC);
    List<Instant> moments =
        List.of(
            day.atTime(9, 30).toInstant(ZoneOffset.UTC),
            expires.minus(Duration.ofHours(12)),
            expires.plus(Duration.ofHours(1)));
    ExecutorService pool = Executors.newFixedThreadPool(8);
    int written = 0;
    try {
      for (Instant now : moments) {
        boolean digestToo = now.equals(moments.get(0));
        List<Callable<Integer>> scans = new ArrayList<>();
        for (int i = 0; i < 8; i++) {
          Admin admin = (i % 2 == 0 ? a : b).admin();
          scans.add(
              () ->
                  admin.expiryReminders().scan(now)
                      + (digestToo ? admin.digests().scheduled(now, LocalTime.of(9, 0)) : 0));
        }
        for (Future<Integer> f : pool.invokeAll(scans)) {
          written += f.get();
        }
      }
    } finally {
      pool.shutdownNow();
    }
    Map<String, Integer> byKind = new TreeMap<>();
    for (Notification n : b.admin().notifications().list(Actor.SYSTEM, null, 1, 100).items()) {
      byKind.merge(n.kind().apiName(), 1, Integer::sum);
    }
    // Six tokens: a 7-day reminder (at the digest's moment), a 1-day one and an expiry each; one
    // digest for each of the two owners.
    assertEquals(
        Map.of(
            "token.expires_in_7_days", 6,
            "token.expires_tomorrow", 6,
            "token.expired", 6,
            "token_request.digest", 2),
        byKind);
    JsonNode listed = api.expect(200, "GET", "/admin/notifications?per_page=100", null);
    assertEquals(20, listed.size());
    assertEquals(20, written, "each scan counts only the reminders and digests it wrote");
    // bob's five fine-grained tokens to the organization: each stage once to the hook.
    Map<String, Integer> events = new TreeMap<>();
    try (Connection c = MultiNodePostgresTest.admin(database);
        Statement st = c.createStatement();
        java.sql.ResultSet rs =
            st.executeQuery(
                "SELECT token_stage, COUNT(*) FROM webhook_deliveries "
                    + "WHERE event = 'personal_access_token' GROUP BY token_stage")) {
      while (rs.next()) {
        events.put(rs.getString(1), rs.getInt(2));
      }
    }
    assertEquals(Map.of("7_days", 5, "1_day", 5, "expired", 5), events);
  }
}
