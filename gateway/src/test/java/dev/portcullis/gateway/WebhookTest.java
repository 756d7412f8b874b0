package dev.portcullis.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.gateway.notify.WebhookSecrets;
import dev.portcullis.gateway.notify.WebhookSender;
import dev.portcullis.gateway.notify.WebhookSettings;
import dev.portcullis.policy.model.Actor;
import dev.portcullis.policy.model.MailPreferences;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Organization webhooks end to end: a receiver inside the test checks each delivery's headers, HMAC
 * signature and payload; the sender runs on a clock the test moves (no sleeps), so retries, the
 * delivery log and redeliveries are seen attempt by attempt. Also: private addresses refused at
 * creation and at delivery, secrets never answered, audited or logged, and who may manage hooks;
 * and the {@code personal_access_token} event of a token's expiry reminders.
 */
class WebhookTest {
  private static final String SECRET = "It's a Secret to Everybody";

  @TempDir Path tmp;
  private Gateway gateway;
  private TestApi admin;
  private TestApi olive;
  private String oliveToken;
  private ApiFixtures fx;
  private WebhookReceiver receiver;
  private final NotificationRetryTest.MovableClock clock =
      new NotificationRetryTest.MovableClock(Instant.now());
  private WebhookSender sender;
  private String org;
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();

  private GatewayConfig config(boolean allowPrivate) {
    return GatewayConfig.defaults(tmp.resolve("data"))
        .withPorts(0, 0)
        .withWebhooks(WebhookSettings.DEFAULT.withAllowPrivate(allowPrivate).withDeliver(false));
  }

  @BeforeEach
  void start() throws Exception {
    logs.start();
    root().addAppender(logs);
    receiver = new WebhookReceiver();
    startGateway(true);
    admin.expect(201, "POST", "/admin/users", Map.of("login", "olive"));
    admin.expect(201, "POST", "/admin/users", Map.of("login", "bob"));
    org = fx.org("acme", "olive");
    fx.member(org, "bob");
    oliveToken = ApiFixtures.plaintext(fx.classic("olive", List.of("admin:org")));
    olive = admin.as(oliveToken);
  }

  private void startGateway(boolean allowPrivate) throws Exception {
    gateway = Gateway.start(config(allowPrivate));
    admin =
        new TestApi(gateway.httpUrl(), Files.readString(tmp.resolve("data/admin-token")).strip());
    fx = new ApiFixtures(gateway, admin);
    sender = gateway.newWebhookSender(clock, WebhookSender.RETRIES);
  }

  private static ch.qos.logback.classic.Logger root() {
    return (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);
  }

  @AfterEach
  void stop() {
    root().detachAppender(logs);
    receiver.close();
    gateway.close();
  }

  private JsonNode createHook(TestApi as) {
    return createHook(as, receiver.url());
  }

  /** A hook of the organization for its token requests, delivering to {@code url}. */
  private JsonNode createHook(TestApi as, String url) {
    return as.expect(
        201,
        "POST",
        "/orgs/" + org + "/hooks",
        Map.of(
            "name",
            "web",
            "config",
            Map.of("url", url, "content_type", "json", "secret", SECRET),
            "events",
            List.of("personal_access_token_request"),
            "active",
            true));
  }

  /** Moves the sender's clock to now (the changes were stamped by the real one) and delivers. */
  private int deliver() {
    clock.set(Instant.now().truncatedTo(ChronoUnit.MILLIS).plusSeconds(1));
    return sender.deliverDue();
  }

  /** The signature GitHub's receivers check. */
  private static void assertSigned(WebhookReceiver.Received r) {
    assertEquals("sha256=" + WebhookSender.hmac(SECRET, r.body()), r.header("X-Hub-Signature-256"));
  }

  private void assertGithubHeaders(WebhookReceiver.Received r, String event, long hookId) {
    assertEquals(event, r.header("X-GitHub-Event"));
    assertEquals(Long.toString(hookId), r.header("X-GitHub-Hook-ID"));
    UUID.fromString(r.header("X-GitHub-Delivery"));
    assertTrue(r.header("User-Agent").startsWith("Portcullis-Hookshot/"), r.header("User-Agent"));
    assertEquals("application/json", r.header("Content-Type"));
    assertSigned(r);
  }

  @Test
  void createdApprovedDeniedCancelledFireSignedWithGithubsPayload() {
    JsonNode hook = createHook(olive);
    long hookId = hook.get("id").asLong();
    assertEquals("********", hook.get("config").get("secret").asText());
    assertEquals(1, deliver(), "a new hook is pinged");
    WebhookReceiver.Received ping = receiver.received().get(0);
    assertGithubHeaders(ping, "ping", hookId);
    assertEquals(hookId, ping.json().get("hook_id").asLong());
    assertEquals("olive", ping.json().get("sender").get("login").asText());
    assertEquals(org, ping.json().get("organization").get("login").asText());
    receiver.clear();

    JsonNode approved = fx.readAll("bob", org);
    olive.expect(
        204,
        "POST",
        "/orgs/" + org + "/personal-access-token-requests/" + ApiFixtures.requestId(approved),
        Map.of("action", "approve"));
    JsonNode denied = fx.readAll("bob", org);
    olive.expect(
        204,
        "POST",
        "/orgs/" + org + "/personal-access-token-requests/" + ApiFixtures.requestId(denied),
        Map.of("action", "deny", "reason", "no"));
    JsonNode cancelled = fx.readAll("bob", org);
    admin.expect(
        204, "DELETE", "/admin/personal-access-tokens/" + ApiFixtures.tokenId(cancelled), null);
    assertEquals(6, deliver());

    List<String> seen = new ArrayList<>();
    Map<String, JsonNode> byAction = new HashMap<>();
    for (WebhookReceiver.Received r : receiver.received()) {
      assertGithubHeaders(r, "personal_access_token_request", hookId);
      JsonNode p = r.json();
      String action = p.get("action").asText();
      JsonNode req = p.get("personal_access_token_request");
      seen.add(action + ":" + req.get("token_id").asLong());
      byAction.putIfAbsent(action, p);
      for (String field :
          List.of(
              "id",
              "owner",
              "permissions_added",
              "permissions_upgraded",
              "permissions_result",
              "repository_selection",
              "repository_count",
              "repositories",
              "created_at",
              "token_id",
              "token_name",
              "token_expired",
              "token_expires_at",
              "token_last_used_at")) {
        assertTrue(req.has(field), field + " in " + req);
      }
      assertEquals("bob", req.get("owner").get("login").asText());
      assertEquals(
          "read", req.get("permissions_result").get("repository").get("contents").asText());
      assertEquals("read", req.get("permissions_added").get("repository").get("contents").asText());
      assertEquals("all", req.get("repository_selection").asText());
      assertEquals(org, p.get("organization").get("login").asText());
      assertNotNull(p.get("sender").get("login"));
    }
    long a = ApiFixtures.tokenId(approved);
    long d = ApiFixtures.tokenId(denied);
    long c = ApiFixtures.tokenId(cancelled);
    assertEquals(
        List.of(
            "created:" + a,
            "approved:" + a,
            "created:" + d,
            "denied:" + d,
            "created:" + c,
            "cancelled:" + c),
        seen);
    assertEquals(
        ApiFixtures.requestId(approved),
        byAction.get("approved").get("personal_access_token_request").get("id").asLong());
    assertEquals("bob", byAction.get("created").get("sender").get("login").asText());
    assertEquals("olive", byAction.get("approved").get("sender").get("login").asText());
    assertEquals("olive", byAction.get("denied").get("sender").get("login").asText());

    // A token to an organization that needs no approval: GitHub says approved, at once.
    receiver.clear();
    fx.approvalNotRequired(org);
    JsonNode direct = fx.readAll("bob", org);
    assertEquals(1, deliver());
    JsonNode p = receiver.received().get(0).json();
    assertEquals("approved", p.get("action").asText());
    assertEquals(
        ApiFixtures.tokenId(direct),
        p.get("personal_access_token_request").get("token_id").asLong());
    assertEquals(0, deliver(), "each event once");
  }

  @Test
  void aReceiverFailingTwiceGetsThreeLoggedAttemptsAndOneEvent() {
    long hookId = createHook(olive).get("id").asLong();
    assertEquals(1, deliver(), "the ping");
    receiver.clear();
    receiver.answer(500, 302);
    fx.readAll("bob", org);
    String deliveries = "/orgs/" + org + "/hooks/" + hookId + "/deliveries";

    assertEquals(0, deliver());
    assertEquals(500, olive.expect(200, "GET", deliveries, null).get(0).get("status_code").asInt());
    clock.advance(Duration.ofSeconds(59));
    assertEquals(0, sender.deliverDue());
    assertEquals(1, receiver.received().size(), "not due before a minute");
    clock.advance(Duration.ofSeconds(1));
    assertEquals(0, sender.deliverDue(), "a redirect is not followed: a failed attempt");
    clock.advance(Duration.ofMinutes(4));
    assertEquals(0, sender.deliverDue());
    clock.advance(Duration.ofMinutes(1));
    assertEquals(1, sender.deliverDue(), "five minutes after the second failure");
    clock.advance(Duration.ofHours(13));
    assertEquals(0, sender.deliverDue());

    List<WebhookReceiver.Received> got = receiver.received();
    assertEquals(List.of(500, 302, 200), got.stream().map(r -> r.answered()).toList());
    assertEquals(1, got.stream().filter(r -> r.answered() == 200).count(), "one event consumed");
    String guid = got.get(0).header("X-GitHub-Delivery");
    assertTrue(got.stream().allMatch(r -> guid.equals(r.header("X-GitHub-Delivery"))));
    assertTrue(got.stream().allMatch(r -> java.util.Arrays.equals(r.body(), got.get(0).body())));

    JsonNode log = olive.expect(200, "GET", deliveries + "?per_page=100", null);
    List<Integer> codes = new ArrayList<>();
    for (JsonNode e : log) {
      if (e.get("guid").asText().equals(guid)) {
        codes.add(e.get("status_code").asInt());
        assertEquals("personal_access_token_request", e.get("event").asText());
        assertEquals("created", e.get("action").asText());
        assertFalse(e.get("redelivery").asBoolean());
      }
    }
    assertEquals(List.of(200, 302, 500), codes, "every attempt, newest first");
    assertEquals("OK", log.get(0).get("status").asText());
    assertEquals("Invalid HTTP Response: 302", log.get(1).get("status").asText());

    // Paged with GitHub's cursor.
    TestApi.Response first = olive.call("GET", deliveries + "?per_page=2", null);
    assertEquals(2, first.json().size());
    String link = first.raw().headers().firstValue("Link").orElseThrow();
    assertTrue(link.contains("cursor=" + log.get(1).get("id").asLong()), link);

    // The detail: request and response, headers and bodies.
    JsonNode detail =
        olive.expect(200, "GET", deliveries + "/" + log.get(2).get("id").asLong(), null);
    assertEquals(500, detail.get("status_code").asInt());
    assertEquals(receiver.url(), detail.get("url").asText());
    assertEquals(
        "personal_access_token_request",
        detail.get("request").get("headers").get("X-GitHub-Event").asText());
    assertEquals(
        "sha256=" + WebhookSender.hmac(SECRET, got.get(0).body()),
        detail.get("request").get("headers").get("X-Hub-Signature-256").asText());
    assertEquals("created", detail.get("request").get("payload").get("action").asText());
    JsonNode responseHeaders = detail.get("response").get("headers");
    String receiverHeader = null;
    for (var it = responseHeaders.fields(); it.hasNext(); ) {
      var e = it.next();
      if (e.getKey().equalsIgnoreCase("X-Receiver")) {
        receiverHeader = e.getValue().asText();
      }
    }
    assertEquals("test", receiverHeader, responseHeaders::toString);
    assertEquals("answered 500", detail.get("response").get("payload").asText());
  }

  @Test
  void aReceiverThatNeverAnswersIsAFailedAttemptAtTheTimeoutAndTheNextDeliveryGoesOut()
      throws Exception {
    // The kernel completes connections into the listen backlog; nothing ever reads or answers.
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      String silentUrl = "http://127.0.0.1:" + silent.getLocalPort() + "/hook";
      long silentId = createHook(olive, silentUrl).get("id").asLong();
      long hookId = createHook(olive).get("id").asLong();

      // Both pings are due in one batch, the silent hook's first.
      assertEquals(1, deliver(), "the silent hook's ping fails; the next one is delivered");
      assertEquals(1, receiver.received().size());
      assertGithubHeaders(receiver.received().get(0), "ping", hookId);

      JsonNode log =
          olive.expect(200, "GET", "/orgs/" + org + "/hooks/" + silentId + "/deliveries", null);
      assertEquals(1, log.size(), log::toString);
      JsonNode attempt = log.get(0);
      assertEquals("ping", attempt.get("event").asText());
      assertEquals("timed out", attempt.get("status").asText(), attempt::toString);
      assertEquals(0, attempt.get("status_code").asInt());
      assertTrue(
          attempt.get("duration").asDouble() >= WebhookSender.TIMEOUT.toSeconds(),
          "it ended at the sender's timeout, not before: " + attempt);
      assertTrue(
          logs.list.stream()
              .map(ILoggingEvent::getFormattedMessage)
              .anyMatch(
                  m ->
                      m.startsWith("webhook " + silentId + " delivery ")
                          && m.contains(" failed (attempt 1, next at ")
                          && m.endsWith(": timed out")),
          "logged as a failed attempt, to be retried");

      // Later events still go out to the hook that answers.
      receiver.clear();
      fx.readAll("bob", org);
      assertEquals(
          1,
          deliver(),
          "the request's creation, to the hook that answers (the silent hook's"
              + " ping waits a minute for its retry)");
      assertEquals(1, receiver.received().size());
      assertEquals("created", receiver.received().get(0).json().get("action").asText());
    }
  }

  @Test
  void aDeliveryThatKeepsFailingIsGivenUpAfterSixAttempts() throws Exception {
    long hookId = createHook(olive).get("id").asLong();
    deliver();
    receiver.answer(500, 500, 500, 500, 500, 500, 500);
    fx.readAll("bob", org);
    deliver();
    for (Duration d : WebhookSender.RETRIES) {
      clock.advance(d);
      assertEquals(0, sender.deliverDue());
    }
    clock.advance(Duration.ofDays(2));
    sender.deliverDue();
    assertEquals(1 + 6, receiver.received().size(), "the ping, then 1 + 5 retries");
    String metrics =
        java.net.http.HttpClient.newHttpClient()
            .send(
                java.net.http.HttpRequest.newBuilder(
                        java.net.URI.create(gateway.httpUrl() + "/metrics"))
                    .build(),
                java.net.http.HttpResponse.BodyHandlers.ofString())
            .body();
    assertTrue(
        metrics.lines().anyMatch(l -> l.matches("portcullis_webhooks_failed(\\{.*\\})? 1(\\.0)?")),
        () ->
            "counted in /metrics: " + metrics.lines().filter(l -> l.contains("webhooks")).toList());
    assertEquals(
        6,
        olive.expect(200, "GET", "/orgs/" + org + "/hooks/" + hookId + "/deliveries", null).size()
            - 1);
  }

  @Test
  void pingAndRedelivery() {
    long hookId = createHook(olive).get("id").asLong();
    String hook = "/orgs/" + org + "/hooks/" + hookId;
    deliver();
    olive.expect(204, "POST", hook + "/pings", null);
    assertEquals(1, deliver());
    assertEquals(2, receiver.received().size());
    assertEquals("ping", receiver.received().get(1).header("X-GitHub-Event"));
    assertTrue(receiver.received().get(1).json().get("zen").isTextual());

    JsonNode last = olive.expect(200, "GET", hook + "/deliveries", null).get(0);
    JsonNode accepted =
        olive.expect(
            202, "POST", hook + "/deliveries/" + last.get("id").asLong() + "/attempts", null);
    assertEquals(0, accepted.size());
    assertEquals(1, deliver());
    WebhookReceiver.Received again = receiver.received().get(2);
    assertEquals(
        receiver.received().get(1).header("X-GitHub-Delivery"), again.header("X-GitHub-Delivery"));
    assertSigned(again);
    JsonNode newest = olive.expect(200, "GET", hook + "/deliveries", null).get(0);
    assertTrue(newest.get("redelivery").asBoolean());
    assertEquals(last.get("guid").asText(), newest.get("guid").asText());
    olive.expect(404, "POST", hook + "/deliveries/999999/attempts", null);
  }

  @Test
  void privateAddressesAreRefusedAtCreationAndAtDelivery() throws Exception {
    long hookId = createHook(olive).get("id").asLong();
    gateway.close();
    // The same data with private addresses refused: as if the name now resolved to one.
    startGateway(false);
    olive = admin.as(oliveToken);
    for (String url :
        List.of(
            receiver.url(),
            "http://localhost/x",
            "http://10.1.2.3/x",
            "http://192.168.0.1/x",
            "http://169.254.169.254/latest/meta-data",
            "http://[::1]/x",
            "http://[fd00::1]/x",
            "ftp://example.com/x")) {
      TestApi.Response r =
          olive.call(
              "POST",
              "/orgs/" + org + "/hooks",
              Map.of("name", "web", "config", Map.of("url", url)));
      assertEquals(422, r.status(), url + " → " + r);
      assertEquals("url", r.json().get("errors").get(0).get("field").asText());
    }
    assertEquals(0, deliver(), "the ping of the hook made before");
    assertEquals(List.of(), receiver.received());
    JsonNode attempt =
        olive.expect(200, "GET", "/orgs/" + org + "/hooks/" + hookId + "/deliveries", null).get(0);
    assertEquals(0, attempt.get("status_code").asInt());
    assertTrue(attempt.get("status").asText().contains("private address"), attempt::toString);
  }

  @Test
  void theSecretIsSealedAndNeverAnsweredAuditedNorLogged() throws Exception {
    JsonNode hook = createHook(olive);
    String path = "/orgs/" + org + "/hooks/" + hook.get("id").asLong();
    List<String> answers = new ArrayList<>();
    answers.add(hook.toString());
    answers.add(olive.expect(200, "GET", "/orgs/" + org + "/hooks", null).toString());
    answers.add(olive.expect(200, "GET", path, null).toString());
    answers.add(olive.expect(200, "GET", path + "/config", null).toString());
    JsonNode patched =
        olive.expect(200, "PATCH", path, Map.of("active", false, "events", List.of()));
    answers.add(patched.toString());
    assertEquals("********", patched.get("config").get("secret").asText(), "kept");
    assertFalse(patched.get("active").asBoolean());
    // Sending the mask back keeps the secret; the key file is the owner's only.
    olive.expect(
        200,
        "PATCH",
        path + "/config",
        Map.of("url", receiver.url(), "secret", "********", "content_type", "json"));
    olive.expect(200, "PATCH", path, Map.of("active", true));
    deliver();
    assertSigned(receiver.received().get(0));
    answers.add(olive.expect(200, "GET", path + "/deliveries", null).toString());
    JsonNode first = olive.expect(200, "GET", path + "/deliveries", null).get(0);
    answers.add(
        olive
            .expect(200, "GET", path + "/deliveries/" + first.get("id").asLong(), null)
            .toString());
    assertTrue(gateway.audit().flush(Duration.ofSeconds(10)));
    answers.add(admin.expect(200, "GET", "/admin/audit-log?per_page=100", null).toString());
    for (String a : answers) {
      assertFalse(a.contains(SECRET), a);
    }
    for (ILoggingEvent e : logs.list) {
      assertFalse(e.getFormattedMessage().contains(SECRET), e.getFormattedMessage());
    }
    Path key = tmp.resolve("data").resolve(WebhookSecrets.KEY_FILE);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
    assertFalse(new String(Files.readAllBytes(key), StandardCharsets.US_ASCII).contains(SECRET));

    // An empty secret removes it: no signature header then.
    olive.expect(200, "PATCH", path + "/config", Map.of("secret", ""));
    receiver.clear();
    olive.expect(204, "POST", path + "/pings", null);
    deliver();
    assertEquals(null, receiver.received().get(0).header("X-Hub-Signature-256"));
  }

  @Test
  void onlyOwnersWithAdminOrgManageHooks() {
    long hookId = createHook(olive).get("id").asLong();
    String hooks = "/orgs/" + org + "/hooks";
    TestApi bob = admin.as(ApiFixtures.plaintext(fx.classic("bob", List.of("admin:org"))));
    String stranger = fx.user("eve");
    TestApi eve = admin.as(ApiFixtures.plaintext(fx.classic(stranger, List.of("admin:org"))));
    TestApi oliveRepo = admin.as(ApiFixtures.plaintext(fx.classic("olive", List.of("repo"))));
    for (TestApi who : List.of(bob, eve)) {
      assertEquals(404, who.call("GET", hooks, null).status());
      assertEquals(404, who.call("GET", hooks + "/" + hookId, null).status());
      assertEquals(404, who.call("GET", hooks + "/" + hookId + "/deliveries", null).status());
      assertEquals(404, who.call("POST", hooks + "/" + hookId + "/pings", null).status());
      assertEquals(404, who.call("DELETE", hooks + "/" + hookId, null).status());
      assertEquals(
          404,
          who.call("POST", hooks, Map.of("name", "web", "config", Map.of("url", receiver.url())))
              .status());
    }
    TestApi.Response noScope = oliveRepo.call("GET", hooks, null);
    assertEquals(403, noScope.status(), "the owner, without admin:org");
    assertTrue(noScope.json().get("message").asText().contains("admin:org"));
    assertEquals(404, olive.call("GET", hooks + "/999999", null).status());
    assertEquals(404, olive.call("GET", "/orgs/nope/hooks", null).status());
    assertEquals(1, olive.expect(200, "GET", hooks, null).size());
    olive.expect(204, "DELETE", hooks + "/" + hookId, null);
    assertEquals(0, olive.expect(200, "GET", hooks, null).size());
  }

  @Test
  void badHookSettingsAre422() {
    String hooks = "/orgs/" + org + "/hooks";
    List<Object> bodies =
        List.of(
            Map.of("name", "email", "config", Map.of("url", receiver.url())),
            Map.of("name", "web"),
            Map.of("name", "web", "config", Map.of()),
            Map.of("name", "web", "config", "x"),
            Map.of("name", "web", "config", Map.of("url", receiver.url(), "content_type", "xml")),
            Map.of("name", "web", "config", Map.of("url", receiver.url(), "insecure_ssl", "2")),
            Map.of(
                "name", "web", "config", Map.of("url", receiver.url()), "events", List.of("push")),
            Map.of("name", "web", "config", Map.of("url", receiver.url()), "active", "yes"),
            Map.of("name", "web", "config", Map.of("url", "not a url")),
            Map.of("name", "web", "config", Map.of("url", receiver.url()), "extra", 1));
    for (Object body : bodies) {
      TestApi.Response r = olive.call("POST", hooks, body);
      assertEquals(422, r.status(), body + " → " + r);
    }
    assertEquals(0, olive.expect(200, "GET", hooks, null).size());
  }

  /**
   * A token's expiry reminders (7 days, 1 day, expired) are announced to the hooks of the
   * organization it targets subscribed to {@code personal_access_token}: once per stage, however
   * many scans, and although its owner turned reminder mails off. Other hooks, classic tokens and
   * tokens to another organization announce nothing.
   */
  @Test
  void anExpiringTokenIsAnnouncedOncePerStageToHooksSubscribedToPersonalAccessToken() {
    String hooks = "/orgs/" + org + "/hooks";
    long tokens =
        olive
            .expect(
                201,
                "POST",
                hooks,
                Map.of(
                    "name",
                    "web",
                    "config",
                    Map.of("url", receiver.url(), "content_type", "json", "secret", SECRET),
                    "events",
                    List.of("personal_access_token")))
            .get("id")
            .asLong();
    long requests = createHook(olive).get("id").asLong();
    // The event is accepted by PATCH too; unknown events are refused as before.
    JsonNode both =
        olive.expect(
            200,
            "PATCH",
            hooks + "/" + requests,
            Map.of("events", List.of("personal_access_token_request", "personal_access_token")));
    assertEquals(2, both.get("events").size());
    TestApi.Response bad =
        olive.call(
            "PATCH", hooks + "/" + requests, Map.of("events", List.of("personal_access_tokens")));
    assertEquals(422, bad.status(), bad::toString);
    assertEquals("events", bad.json().get("errors").get(0).get("field").asText());
    olive.expect(
        200,
        "PATCH",
        hooks + "/" + requests,
        Map.of("events", List.of("personal_access_token_request")));
    assertEquals(2, deliver(), "the pings");
    receiver.clear();

    gateway
        .admin()
        .accounts()
        .setMailPreferences(Actor.SYSTEM, "bob", new MailPreferences(true, false));
    JsonNode token = fx.readAll("bob", org);
    long tokenId = ApiFixtures.tokenId(token);
    Instant expires = Instant.parse(token.get("expires_at").asText());
    fx.classic("bob", List.of("repo"));
    String globex = fx.org("globex", "olive");
    fx.member(globex, "bob");
    fx.readAll("bob", globex);
    assertEquals(1, deliver(), "the acme request's creation, to the other hook");
    receiver.clear();

    Map<String, Instant> stages = new java.util.LinkedHashMap<>();
    stages.put("7_days", expires.minus(Duration.ofDays(7)).plusSeconds(60));
    stages.put("1_day", expires.minus(Duration.ofHours(20)));
    stages.put("expired", expires.plusSeconds(30));
    for (Map.Entry<String, Instant> stage : stages.entrySet()) {
      Instant at = stage.getValue();
      assertTrue(gateway.admin().expiryReminders().scan(at) > 0, stage.getKey());
      clock.set(at);
      assertEquals(1, sender.deliverDue(), stage.getKey() + ": one event");
      assertEquals(0, gateway.admin().expiryReminders().scan(at), "a second scan adds none");
      assertEquals(0, gateway.admin().expiryReminders().scan(at.plusSeconds(300)));
      clock.set(at.plusSeconds(300));
      assertEquals(0, sender.deliverDue());

      assertEquals(1, receiver.received().size());
      WebhookReceiver.Received r = receiver.received().get(0);
      assertGithubHeaders(r, "personal_access_token", tokens);
      JsonNode p = r.json();
      assertEquals("expiring", p.get("action").asText());
      JsonNode pat = p.get("personal_access_token");
      for (String field :
          List.of(
              "id",
              "name",
              "owner",
              "expires_at",
              "expired",
              "stage",
              "repository_selection",
              "repositories_url",
              "permissions",
              "token_id",
              "token_name",
              "token_expired",
              "token_expires_at",
              "token_last_used_at",
              "ref_patterns")) {
        assertTrue(pat.has(field), field + " in " + pat);
      }
      assertTrue(
          pat.get("repositories_url")
              .asText()
              .matches(
                  "https?://[^/]+/api/v3/orgs/"
                      + org
                      + "/personal-access-tokens/"
                      + tokenId
                      + "/repositories"),
          pat::toString);
      assertTrue(pat.get("ref_patterns").isNull(), "any ref: " + pat);
      assertEquals(tokenId, pat.get("id").asLong());
      assertEquals(tokenId, pat.get("token_id").asLong());
      assertEquals(token.get("name").asText(), pat.get("name").asText());
      assertEquals(token.get("name").asText(), pat.get("token_name").asText());
      assertEquals("bob", pat.get("owner").get("login").asText());
      assertEquals(expires, Instant.parse(pat.get("expires_at").asText()));
      assertEquals(expires, Instant.parse(pat.get("token_expires_at").asText()));
      assertEquals(stage.getKey(), pat.get("stage").asText());
      assertEquals(stage.getKey().equals("expired"), pat.get("expired").asBoolean());
      assertEquals("all", pat.get("repository_selection").asText());
      assertEquals("read", pat.get("permissions").get("repository").get("contents").asText());
      assertEquals(org, p.get("organization").get("login").asText());
      assertEquals("bob", p.get("sender").get("login").asText());
      receiver.clear();
    }
    JsonNode log = olive.expect(200, "GET", hooks + "/" + tokens + "/deliveries", null);
    assertEquals("personal_access_token", log.get(0).get("event").asText());
    assertEquals("expiring", log.get(0).get("action").asText());
    assertEquals(
        0,
        olive.expect(200, "GET", hooks + "/" + requests + "/deliveries?per_page=100", null).size()
            - 2,
        "the other hook: its ping and the request's creation only");
  }
}
