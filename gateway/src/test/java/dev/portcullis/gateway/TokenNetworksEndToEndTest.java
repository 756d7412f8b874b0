package dev.portcullis.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Tokens limited to networks, over real HTTP with the real git CLI: clients on 127.0.0.1 and
 * 127.0.0.2 (and 127.0.0.3, an untrusted peer), with 127.0.0.1 also a trusted proxy, so that git
 * itself can speak for 127.0.0.2 through {@code X-Forwarded-For}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TokenNetworksEndToEndTest {
  @TempDir static Path tmp;
  private Gateway gateway;
  private TestApi api;
  private TestGit git;
  private int port;
  private final AtomicInteger seq = new AtomicInteger();

  /** alice's classic token, usable from 127.0.0.2 only. */
  private String only2;

  @BeforeAll
  void start() throws Exception {
    gateway =
        Gateway.start(
            GatewayConfig.defaults(tmp.resolve("data"))
                .withPorts(0, 0)
                .withTrustedProxies(List.of("127.0.0.1/32")));
    port = URI.create(gateway.httpUrl()).getPort();
    String admin = Files.readString(tmp.resolve("data").resolve(Gateway.ADMIN_TOKEN_FILE)).strip();
    api = new TestApi(gateway.httpUrl(), admin);
    git = new TestGit(tmp.resolve("home"), Map.of());
    api.expect(201, "POST", "/admin/users", Map.of("login", "alice"));
    api.expect(201, "POST", "/admin/organizations", Map.of("login", "acme", "admin", "alice"));
    api.expect(201, "POST", "/orgs/acme/repos", Map.of("name", "app", "visibility", "private"));
    JsonNode created =
        api.expect(
            201,
            "POST",
            "/admin/users/alice/personal-access-tokens",
            Map.of(
                "type",
                "classic",
                "name",
                "only-2",
                "scopes",
                List.of("repo"),
                "allowed_networks",
                List.of("127.0.0.2")));
    assertEquals(List.of("127.0.0.2/32"), strings(created.get("allowed_networks")));
    only2 = created.get("token").asText();
  }

  @AfterAll
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
  }

  private static List<String> strings(JsonNode array) {
    return java.util.stream.StreamSupport.stream(array.spliterator(), false)
        .map(JsonNode::asText)
        .toList();
  }

  private TestGit.Result clone(String token, String... config) {
    String url = "http://git:" + token + "@127.0.0.1:" + port + "/acme/app.git";
    List<String> args = new java.util.ArrayList<>();
    for (String c : config) {
      args.add("-c");
      args.add(c);
    }
    args.addAll(List.of("clone", "-q", url, "c" + seq.incrementAndGet()));
    return git.run(tmp, args.toArray(new String[0]));
  }

  private static void assertRefused(TestGit.Result r, String message) {
    assertFalse(r.ok(), () -> "expected a refusal, got " + r);
    assertTrue(r.output().contains("error: 403"), () -> "expected HTTP 403: " + r);
    assertTrue(r.output().contains("remote: " + message), () -> "expected '" + message + "': " + r);
  }

  private SourcedHttp.Response infoRefs(String source, String token, String forwardedFor) {
    List<String> headers = new java.util.ArrayList<>();
    if (forwardedFor != null) {
      headers.add("X-Forwarded-For: " + forwardedFor);
    }
    headers.add(SourcedHttp.basic("git", token));
    return SourcedHttp.send(
        source,
        port,
        "GET",
        "/acme/app.git/info/refs?service=git-upload-pack",
        "127.0.0.1",
        headers,
        null);
  }

  @Test
  void gitIsRefusedFromElsewhereWithTheMessageAndAllowedFromTheListedAddress() {
    assertRefused(clone(only2), "This token may not be used from 127.0.0.1.");

    SourcedHttp.Response direct = infoRefs("127.0.0.2", only2, null);
    assertEquals(200, direct.status(), direct::toString);

    // From a trusted proxy the forwarded client is what counts: real git, speaking for 127.0.0.2.
    TestGit.Result proxied = clone(only2, "http.extraHeader=X-Forwarded-For: 127.0.0.2");
    assertTrue(proxied.ok(), proxied::toString);
    // From an untrusted peer the header is ignored.
    SourcedHttp.Response spoofed = infoRefs("127.0.0.3", only2, "127.0.0.2");
    assertEquals(403, spoofed.status(), spoofed::toString);
    assertTrue(
        spoofed.body().contains("This token may not be used from 127.0.0.3."), spoofed::toString);
  }

  @Test
  void theApiRefusesTheSameWay() {
    SourcedHttp.Response here =
        SourcedHttp.send(
            "127.0.0.1",
            port,
            "GET",
            "/api/v3/user",
            "127.0.0.1",
            List.of(SourcedHttp.token(only2)),
            null);
    assertEquals(403, here.status(), here::toString);
    assertTrue(here.body().contains("This token may not be used from 127.0.0.1."), here::toString);
    SourcedHttp.Response there =
        SourcedHttp.send(
            "127.0.0.2",
            port,
            "GET",
            "/api/v3/user",
            "127.0.0.1",
            List.of(SourcedHttp.token(only2)),
            null);
    assertEquals(200, there.status(), there::toString);
  }

  @Test
  void anInvalidNetworkIs422NamingTheField() {
    TestApi.Response r =
        api.call(
            "POST",
            "/admin/users/alice/personal-access-tokens",
            Map.of(
                "type",
                "classic",
                "name",
                "bad",
                "scopes",
                List.of("repo"),
                "allowed_networks",
                List.of("10.0.0.0/33")));
    assertEquals(422, r.status(), r::toString);
    assertEquals("allowed_networks", r.json().path("errors").path(0).path("field").asText());
  }

  @Test
  void narrowingTheOrganizationsListRefusesTheTokenOnItsNextRequest() {
    JsonNode policy =
        api.expect(
            200,
            "PUT",
            "/orgs/acme/personal-access-token-policy",
            Map.of("token_networks", List.of("127.0.0.0/8")));
    assertEquals(List.of("127.0.0.0/8"), strings(policy.get("token_networks")));
    assertFalse(policy.get("require_token_networks").asBoolean());
    String token =
        api.expect(
                201,
                "POST",
                "/admin/users/alice/personal-access-tokens",
                Map.of(
                    "type",
                    "fine_grained",
                    "name",
                    "ci",
                    "resource_owner",
                    "acme",
                    "repository_selection",
                    "all",
                    "permissions",
                    Map.of("contents", "read"),
                    "allowed_networks",
                    List.of("127.0.0.1/32")))
            .get("token")
            .asText();
    TestGit.Result before = clone(token);
    assertTrue(before.ok(), before::toString);

    api.expect(
        200,
        "PUT",
        "/orgs/acme/personal-access-token-policy",
        Map.of("token_networks", List.of("127.0.0.2/32")));
    assertRefused(
        clone(token),
        "The 'acme' organization requires fine-grained personal access tokens to be limited to networks within 127.0.0.2/32");

    Map<String, Object> clear = new java.util.HashMap<>();
    clear.put("token_networks", null);
    api.expect(200, "PUT", "/orgs/acme/personal-access-token-policy", clear);
  }
}
