package dev.portcullis.gateway;

import static dev.portcullis.gateway.ApiFixtures.plaintext;
import static dev.portcullis.gateway.ApiFixtures.requestId;
import static dev.portcullis.gateway.ApiFixtures.tokenId;
import static dev.portcullis.gateway.OrgTokenContract.describe;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.ValidationReport;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.gateway.OrgTokenContract.Op;
import java.io.IOException;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * GitHub's org fine-grained token API (the 8 operations of shared/contract) against the real
 * gateway: every JSON answer of those operations — successes and 403/404/422 errors — is checked
 * with Atlassian's OpenAPI validator against GitHub's own description, plus what the schema cannot
 * say (absolute URLs, UTC timestamps, {@code Link} pagination, filters, authorization, and that
 * each decision holds on the very next {@code git clone}).
 *
 * <p>The base of the org token contract classes, one idea each ({@code OrgToken*Test}): the shared
 * gateway ({@link OrgTokenGateway}), the HTTP helpers whose every answer of the 8 operations goes
 * through {@link #check} (recorded in {@link OrgTokenContract} for {@link
 * OrgTokenContractCoverageTest}), and the organizations, tokens and clones the tests are made of.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@ExtendWith(OrgTokenGateway.Extension.class)
abstract class OrgTokenApiHarness {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern UTC =
      Pattern.compile("\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d{1,9})?Z");
  private static final Pattern LINK = Pattern.compile("<([^>]*)>\\s*;\\s*rel=\"([^\"]+)\"");
  private static final Set<String> TIMESTAMPS =
      Set.of(
          "created_at",
          "updated_at",
          "pushed_at",
          "access_granted_at",
          "token_expires_at",
          "token_last_used_at");
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);

  /** The gateway's data, git's home and the clones (shared by every class). */
  Path tmp;

  Gateway gateway;
  String base;
  String adminToken;
  ApiFixtures fx;
  TestGit git;
  private HttpClient http;
  private OpenApiInteractionValidator validator;

  // ------------------------------------------------------------------ set-up

  @BeforeAll
  void connect(OrgTokenGateway shared) {
    tmp = shared.tmp;
    gateway = shared.gateway;
    base = shared.base;
    adminToken = shared.adminToken;
    fx = shared.fx;
    git = shared.git;
    http = shared.http;
    validator = shared.validator;
  }

  /** For {@link OrgTokenContractCoverageTest}: this class's answers are all in the record. */
  @AfterAll
  void recordFinished() {
    OrgTokenContract.finished(getClass());
  }

  // ------------------------------------------------------------------ HTTP and the contract check

  /** One answer. */
  record Resp(String method, URI uri, int status, String body, JsonNode json, HttpHeaders headers) {
    String header(String name) {
      return headers.firstValue(name).orElse(null);
    }

    /** rel → absolute URL, from the {@code Link} header. */
    Map<String, String> links() {
      Map<String, String> out = new LinkedHashMap<>();
      String h = header("Link");
      if (h != null) {
        Matcher m = LINK.matcher(h);
        while (m.find()) {
          out.put(m.group(2), m.group(1));
        }
      }
      return out;
    }

    List<Long> ids() {
      assertTrue(json != null && json.isArray(), () -> "expected a JSON array: " + this);
      List<Long> ids = new ArrayList<>();
      json.forEach(n -> ids.add(n.get("id").asLong()));
      return ids;
    }

    Set<String> names() {
      Set<String> names = new TreeSet<>();
      json.forEach(n -> names.add(n.get("name").asText()));
      return names;
    }

    JsonNode item(long id) {
      for (JsonNode n : json) {
        if (n.get("id").asLong() == id) {
          return n;
        }
      }
      throw new AssertionError("no item with id " + id + " in " + body);
    }

    @Override
    public String toString() {
      return method + " " + uri + " → " + status + " " + body;
    }
  }

  Resp send(String method, String target, Object body, String authorization) {
    URI uri = URI.create(target.startsWith("http") ? target : base + "/api/v3" + target);
    try {
      HttpRequest.Builder b =
          HttpRequest.newBuilder(uri)
              .timeout(REQUEST_TIMEOUT)
              .header("Accept", "application/vnd.github+json")
              .header("User-Agent", "portcullis-contract-test");
      if (authorization != null) {
        b.header("Authorization", authorization);
      }
      String payload =
          body == null ? null : body instanceof String s ? s : JSON.writeValueAsString(body);
      if (payload != null) {
        b.header("Content-Type", "application/json");
        b.method(method, HttpRequest.BodyPublishers.ofString(payload));
      } else {
        b.method(method, HttpRequest.BodyPublishers.noBody());
      }
      HttpResponse<String> r =
          http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      JsonNode json = null;
      if (!r.body().isEmpty()) {
        json = JSON.readTree(r.body());
      }
      Resp resp = new Resp(method, uri, r.statusCode(), r.body(), json, r.headers());
      check(resp);
      return resp;
    } catch (IOException e) {
      throw new AssertionError(method + " " + uri + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /**
   * A GET sent over a plain socket, so the query goes out exactly as written (java.net.URI refuses
   * the unencoded {@code owner[]=} that curl -g and many clients send).
   */
  private Resp rawGet(String pathAndQuery, String token) {
    URI b = URI.create(base);
    try (java.net.Socket socket = new java.net.Socket(b.getHost(), b.getPort())) {
      socket.setSoTimeout((int) REQUEST_TIMEOUT.toMillis());
      String req =
          "GET /api/v3"
              + pathAndQuery
              + " HTTP/1.1\r\nHost: "
              + b.getHost()
              + ":"
              + b.getPort()
              + "\r\nAuthorization: token "
              + token
              + "\r\nAccept: application/vnd.github+json\r\nConnection: close\r\n\r\n";
      socket.getOutputStream().write(req.getBytes(StandardCharsets.US_ASCII));
      String all = new String(socket.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      int end = all.indexOf("\r\n\r\n");
      String[] head = all.substring(0, end).split("\r\n");
      int status = Integer.parseInt(head[0].split(" ")[1]);
      Map<String, List<String>> headers = new LinkedHashMap<>();
      for (int i = 1; i < head.length; i++) {
        int colon = head[i].indexOf(':');
        headers
            .computeIfAbsent(
                head[i].substring(0, colon).strip().toLowerCase(java.util.Locale.ROOT),
                k -> new ArrayList<>())
            .add(head[i].substring(colon + 1).strip());
      }
      String body = all.substring(end + 4);
      URI uri = URI.create(base + "/api/v3" + pathAndQuery.replace("[", "%5B").replace("]", "%5D"));
      Resp resp =
          new Resp(
              "GET",
              uri,
              status,
              body,
              body.isEmpty() ? null : JSON.readTree(body),
              HttpHeaders.of(headers, (k, v) -> true));
      check(resp);
      return resp;
    } catch (IOException e) {
      throw new AssertionError("GET " + pathAndQuery + " failed: " + e, e);
    }
  }

  /** A GET of {@code path?query}: through the raw socket when the query has brackets. */
  Resp getQuery(String path, String query, String token) {
    String target = path + "?" + query;
    return query.contains("[") ? rawGet(target, token) : get(target, token);
  }

  static String token(String t) {
    return "token " + t;
  }

  Resp get(String target, String token) {
    return send("GET", target, null, token(token));
  }

  Resp post(String target, Object body, String token) {
    return send("POST", target, body, token(token));
  }

  Resp expect(int status, Resp r) {
    assertEquals(status, r.status(), r::toString);
    return r;
  }

  /**
   * Checks an answer of one of the 8 operations against the contract (401s against GitHub's {@code
   * Requires authentication} / {@code Bad credentials}, since the contract lists no 401).
   */
  private void check(Resp r) {
    String rawPath = r.uri().getRawPath();
    assertTrue(rawPath.startsWith("/api/v3/"), rawPath);
    Op op = Op.of(r.method(), rawPath.substring("/api/v3".length()));
    if (op == null) {
      return;
    }
    if (r.status() == 401) {
      assertNotNull(r.json(), r::toString);
      String m = r.json().path("message").asText();
      assertTrue(m.equals("Requires authentication") || m.equals("Bad credentials"), r::toString);
      OrgTokenContract.unauthorized(op);
      return;
    }
    ValidationReport report =
        validator.validateResponse(
            rawPath, Request.Method.valueOf(r.method()), toValidatorResponse(r));
    assertFalse(report.hasErrors(), () -> "contract violation by " + r + "\n" + describe(report));
    if (r.status() == 204) {
      assertEquals("", r.body(), r::toString);
    } else {
      assertNotNull(r.json(), r::toString);
      assertTrue(r.header("Content-Type").startsWith("application/json"), r::toString);
    }
    if (r.status() == 202) {
      assertEquals(JSON.createObjectNode(), r.json(), "202 answers are the empty object: " + r);
    }
    if (r.status() >= 400) {
      assertTrue(
          r.json().path("message").isTextual() && r.json().path("documentation_url").isTextual(),
          r::toString);
    }
    if (r.status() == 200) {
      urlsAreAbsolute(r.json(), r);
      timestampsAreUtc(r.json(), r);
    }
    OrgTokenContract.validated(op, r.status());
  }

  private static SimpleResponse toValidatorResponse(Resp r) {
    SimpleResponse.Builder b = SimpleResponse.Builder.status(r.status());
    r.headers()
        .map()
        .forEach(
            (name, values) -> {
              if (!name.startsWith(":")) {
                b.withHeader(name, values);
              }
            });
    if (!r.body().isEmpty()) {
      b.withBody(r.body());
    }
    return b.build();
  }

  ValidationReport validate(
      String path, String method, int status, String contentType, String body) {
    SimpleResponse.Builder b = SimpleResponse.Builder.status(status).withContentType(contentType);
    if (body != null) {
      b.withBody(body);
    }
    return validator.validateResponse(path, Request.Method.valueOf(method), b.build());
  }

  /**
   * Validates {@code real}'s status and headers (Content-Type, Link…) with another body, exactly as
   * {@link #check} does.
   */
  ValidationReport validateAs(Resp real, String body) {
    Resp changed = new Resp(real.method(), real.uri(), real.status(), body, null, real.headers());
    return validator.validateResponse(
        real.uri().getRawPath(),
        Request.Method.valueOf(real.method()),
        toValidatorResponse(changed));
  }

  /**
   * Every {@code url} / {@code *_url} is an absolute URL on this gateway (the contract's {@code
   * format: uri}).
   */
  private void urlsAreAbsolute(JsonNode n, Resp r) {
    if (n.isArray()) {
      n.forEach(x -> urlsAreAbsolute(x, r));
    } else if (n.isObject()) {
      n.fields()
          .forEachRemaining(
              e -> {
                if ((e.getKey().equals("url") || e.getKey().endsWith("_url"))
                    && e.getValue().isTextual()) {
                  assertTrue(
                      e.getValue().asText().startsWith(base + "/"),
                      () -> e.getKey() + " is not absolute in " + r);
                  URI.create(e.getValue().asText().replaceAll("\\{[^}]*}", ""));
                } else {
                  urlsAreAbsolute(e.getValue(), r);
                }
              });
    }
  }

  /** Timestamps are ISO 8601 in UTC ({@code …Z}). */
  private static void timestampsAreUtc(JsonNode n, Resp r) {
    if (n.isArray()) {
      n.forEach(x -> timestampsAreUtc(x, r));
    } else if (n.isObject()) {
      n.fields()
          .forEachRemaining(
              e -> {
                if (TIMESTAMPS.contains(e.getKey())) {
                  assertTrue(
                      e.getValue().isNull()
                          || (e.getValue().isTextual()
                              && UTC.matcher(e.getValue().asText()).matches()),
                      () -> e.getKey() + " is not an ISO 8601 UTC timestamp in " + r);
                } else {
                  timestampsAreUtc(e.getValue(), r);
                }
              });
    }
  }

  // ------------------------------------------------------------------ fixtures

  /** An organization, its owner's classic {@code admin:org} token, and members. */
  record OrgSetup(
      String org, String owner, String ownerToken, List<String> members, List<String> repos) {}

  OrgSetup org(String prefix, int members, String... repos) {
    String owner = fx.user("own");
    String org = fx.org(prefix, owner);
    List<String> ms = new ArrayList<>();
    for (int i = 0; i < members; i++) {
      String m = fx.user("mem");
      fx.member(org, m);
      ms.add(m);
    }
    List<String> rs = new ArrayList<>();
    for (String r : repos) {
      fx.repo(org, r, "private");
      rs.add(r);
    }
    String ownerToken = plaintext(fx.classic(owner, List.of("admin:org", "repo")));
    return new OrgSetup(org, owner, ownerToken, ms, rs);
  }

  String requests(String org) {
    return "/orgs/" + org + "/personal-access-token-requests";
  }

  String grants(String org) {
    return "/orgs/" + org + "/personal-access-tokens";
  }

  TestGit.Result clone(String login, String token, String org, String repo) throws IOException {
    Path dir = Files.createTempDirectory(tmp, "clone");
    String host = base.substring("http://".length());
    return git.run(
        dir,
        "clone",
        "-q",
        "http://" + login + ":" + token + "@" + host + "/" + org + "/" + repo + ".git",
        "w");
  }

  void assertClones(String login, String token, String org, String repo) throws IOException {
    TestGit.Result r = clone(login, token, org, repo);
    assertTrue(r.ok(), () -> "expected " + login + " to clone " + org + "/" + repo + ": " + r);
  }

  void assertCloneRefused(
      String login, String token, String org, String repo, int status, String message)
      throws IOException {
    TestGit.Result r = clone(login, token, org, repo);
    assertFalse(r.ok(), () -> "expected a refusal, got " + r);
    if (status == 401) {
      assertTrue(r.output().contains("Authentication failed"), r::toString);
    } else {
      assertTrue(
          r.output().contains("error: " + status), () -> "expected HTTP " + status + ": " + r);
    }
    if (message != null) {
      assertTrue(r.output().contains(message), () -> "expected '" + message + "' in " + r);
    }
  }

  static Map<String, Object> body(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  /** The 7-token catalog of the listing tests: [owner, selection, repos, permissions] per token. */
  static final List<Object[]> CATALOG =
      List.of(
          new Object[] {0, "all", List.of(), Map.of("contents", "read")},
          new Object[] {0, "subset", List.of("r1"), Map.of("contents", "write")},
          new Object[] {0, "subset", List.of("r2"), Map.of("issues", "read")},
          new Object[] {1, "none", List.of(), Map.of()},
          new Object[] {1, "all", List.of(), Map.of("contents", "write", "issues", "write")},
          new Object[] {2, "subset", List.of("r1", "r2"), Map.of("pull_requests", "read")},
          new Object[] {2, "all", List.of(), Map.of()});

  /** Makes the catalog's 7 pending requests, in order; returns the token answers. */
  @SuppressWarnings("unchecked")
  List<JsonNode> catalog(OrgSetup o) {
    List<JsonNode> out = new ArrayList<>();
    for (Object[] t : CATALOG) {
      out.add(
          fx.fineGrained(
              o.members().get((Integer) t[0]),
              o.org(),
              (String) t[1],
              (List<String>) t[2],
              (Map<String, String>) t[3]));
    }
    return out;
  }

  /** The ids a listing should show for catalog entries {@code which} (1-based). */
  static Set<Long> idsOf(List<JsonNode> tokens, boolean requests, int... which) {
    Set<Long> out = new TreeSet<>();
    for (int w : which) {
      JsonNode t = tokens.get(w - 1);
      out.add(requests ? requestId(t) : tokenId(t));
    }
    return out;
  }

  static Map<String, List<String>> query(String url) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    String q = URI.create(url).getRawQuery();
    if (q == null) {
      return out;
    }
    for (String pair : q.split("&")) {
      int eq = pair.indexOf('=');
      String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      out.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
    }
    return out;
  }

  static int pageOf(String url) {
    return Integer.parseInt(query(url).get("page").get(0));
  }
}
