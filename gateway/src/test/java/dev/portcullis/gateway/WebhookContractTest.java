package dev.portcullis.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.ValidationReport;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.gateway.notify.WebhookSender;
import dev.portcullis.gateway.notify.WebhookSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The webhook API's answers against GitHub's description of it (shared/contract's
 * github-org-webhooks.openapi.json), and every payload the receiver gets against GitHub's webhook
 * schemas (github-pat-webhooks.schemas.json: ping and the four personal_access_token_request
 * actions). Properties the schemas do not name are allowed, as JSON Schema allows them.
 */
class WebhookContractTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path tmp;
  private Gateway gateway;
  private WebhookReceiver receiver;

  @BeforeEach
  void start() throws Exception {
    receiver = new WebhookReceiver();
    gateway =
        Gateway.start(
            GatewayConfig.defaults(tmp.resolve("data"))
                .withPorts(0, 0)
                .withWebhooks(WebhookSettings.DEFAULT.withAllowPrivate(true).withDeliver(false)));
  }

  @AfterEach
  void stop() {
    receiver.close();
    gateway.close();
  }

  private static Path resource(String name) throws Exception {
    return Path.of(WebhookContractTest.class.getResource("/contract/" + name).toURI());
  }

  /** GitHub's webhook schemas as one OpenAPI document: POST /events/{name} answers the payload. */
  private OpenApiInteractionValidator payloadValidator() throws Exception {
    JsonNode schemas = JSON.readTree(resource("github-pat-webhooks.schemas.json").toFile());
    ObjectNode doc = JSON.createObjectNode();
    doc.put("openapi", "3.0.3");
    doc.putObject("info").put("title", "webhook payloads").put("version", "1");
    ObjectNode paths = doc.putObject("paths");
    schemas
        .fields()
        .forEachRemaining(
            e ->
                paths
                    .putObject("/events/" + e.getKey())
                    .putObject("post")
                    .putObject("responses")
                    .putObject("200")
                    .put("description", "the payload")
                    .putObject("content")
                    .putObject("application/json")
                    .set("schema", e.getValue().get("schema")));
    Path file = tmp.resolve("payloads.openapi.json");
    Files.writeString(file, JSON.writeValueAsString(doc));
    return OrgTokenContract.validator(file);
  }

  /**
   * The API's description, as published but for one quirk: a string property that also says {@code
   * additionalProperties} (the delivery's {@code response.payload}) is taken for an object by the
   * validator, so that key, meaningless on a string, is dropped.
   */
  private OpenApiInteractionValidator apiValidator() throws Exception {
    JsonNode doc = JSON.readTree(resource("github-org-webhooks.openapi.json").toFile());
    dropAdditionalPropertiesOfStrings(doc);
    Path file = tmp.resolve("org-webhooks.openapi.json");
    Files.writeString(file, JSON.writeValueAsString(doc));
    return OrgTokenContract.validator(file);
  }

  private static void dropAdditionalPropertiesOfStrings(JsonNode n) {
    if (n instanceof ObjectNode o
        && "string".equals(o.path("type").asText())
        && o.has("additionalProperties")) {
      o.remove("additionalProperties");
    }
    n.forEach(WebhookContractTest::dropAdditionalPropertiesOfStrings);
  }

  private static void assertValid(
      OpenApiInteractionValidator v, String method, String path, int status, String body) {
    SimpleResponse.Builder b =
        SimpleResponse.Builder.status(status).withContentType("application/json");
    if (body != null) {
      b.withBody(body);
    }
    ValidationReport report = v.validateResponse(path, Request.Method.valueOf(method), b.build());
    // GitHub sends these events to GitHub Apps only, so its schemas for approved, denied and
    // cancelled require the app's installation; Portcullis has no apps, and invents none.
    List<String> errors =
        report.getMessages().stream()
            .filter(m -> m.getLevel() == ValidationReport.Level.ERROR)
            .map(ValidationReport.Message::getMessage)
            .filter(m -> !m.equals("Object has missing required properties ([\"installation\"])"))
            .toList();
    assertEquals(
        List.of(),
        errors,
        () -> method + " " + path + ":\n" + OrgTokenContract.describe(report) + "\n" + body);
  }

  @Test
  void answersAndPayloadsFollowGithubsContract() throws Exception {
    OpenApiInteractionValidator api = apiValidator();
    TestApi admin =
        new TestApi(gateway.httpUrl(), Files.readString(tmp.resolve("data/admin-token")).strip());
    ApiFixtures fx = new ApiFixtures(gateway, admin);
    admin.expect(201, "POST", "/admin/users", Map.of("login", "olive"));
    admin.expect(201, "POST", "/admin/users", Map.of("login", "bob"));
    String org = fx.org("acme", "olive");
    fx.member(org, "bob");
    fx.repo(org, "app", "private");
    TestApi olive = admin.as(ApiFixtures.plaintext(fx.classic("olive", List.of("admin:org"))));
    String hooks = "/orgs/" + org + "/hooks";

    TestApi.Response created =
        olive.call(
            "POST",
            hooks,
            Map.of(
                "name",
                "web",
                "config",
                Map.of("url", receiver.url(), "content_type", "json", "secret", "s"),
                "events",
                List.of("personal_access_token_request")));
    assertEquals(201, created.status());
    assertValid(api, "POST", "/api/v3" + hooks, 201, created.raw().body());
    String hook = hooks + "/" + created.json().get("id").asLong();
    for (String path : List.of(hooks, hook, hook + "/config")) {
      TestApi.Response r = olive.call("GET", path, null);
      assertValid(api, "GET", "/api/v3" + path, r.status(), r.raw().body());
    }
    TestApi.Response patched = olive.call("PATCH", hook, Map.of("active", true));
    assertValid(api, "PATCH", "/api/v3" + hook, patched.status(), patched.raw().body());
    TestApi.Response config = olive.call("PATCH", hook + "/config", Map.of("content_type", "json"));
    assertValid(api, "PATCH", "/api/v3" + hook + "/config", config.status(), config.raw().body());
    assertEquals(204, olive.call("POST", hook + "/pings", null).status());

    // The four actions, on a subset token (its repositories are listed) and on all.
    JsonNode approved =
        fx.fineGrained("bob", org, "subset", List.of("app"), Map.of("contents", "read"));
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
        Map.of("action", "deny"));
    JsonNode cancelled = fx.readAll("bob", org);
    admin.expect(
        204, "DELETE", "/admin/personal-access-tokens/" + ApiFixtures.tokenId(cancelled), null);
    gateway.newWebhookSender(Clock.systemUTC(), WebhookSender.RETRIES).deliverDue();

    OpenApiInteractionValidator payloads = payloadValidator();
    List<String> kinds = new java.util.ArrayList<>();
    for (WebhookReceiver.Received r : receiver.received()) {
      JsonNode p = r.json();
      String kind =
          p.has("action")
              ? "personal-access-token-request-" + p.get("action").asText()
              : r.header("X-GitHub-Event");
      kinds.add(kind);
      assertValid(payloads, "POST", "/events/" + kind, 200, new String(r.body(), "UTF-8"));
    }
    assertEquals(
        List.of(
            "ping",
            "ping",
            "personal-access-token-request-created",
            "personal-access-token-request-approved",
            "personal-access-token-request-created",
            "personal-access-token-request-denied",
            "personal-access-token-request-created",
            "personal-access-token-request-cancelled"),
        kinds);
    JsonNode subset = receiver.received().get(2).json().get("personal_access_token_request");
    assertEquals(1, subset.get("repository_count").asInt());
    assertEquals(org + "/app", subset.at("/repositories/0/full_name").asText());

    TestApi.Response list = olive.call("GET", hook + "/deliveries", null);
    assertValid(api, "GET", "/api/v3" + hook + "/deliveries", 200, list.raw().body());
    String one = hook + "/deliveries/" + list.json().get(0).get("id").asLong();
    TestApi.Response detail = olive.call("GET", one, null);
    assertValid(api, "GET", "/api/v3" + one, 200, detail.raw().body());
    TestApi.Response again = olive.call("POST", one + "/attempts", null);
    assertValid(api, "POST", "/api/v3" + one + "/attempts", 202, again.raw().body());
    assertEquals(204, olive.call("DELETE", hook, null).status());
    TestApi.Response gone = olive.call("GET", hook, null);
    assertValid(api, "GET", "/api/v3" + hook, 404, gone.raw().body());
  }
}
