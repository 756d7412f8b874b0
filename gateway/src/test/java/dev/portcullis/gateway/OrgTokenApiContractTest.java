package dev.portcullis.gateway;

import static dev.portcullis.gateway.ApiFixtures.plaintext;
import static dev.portcullis.gateway.ApiFixtures.requestId;
import static dev.portcullis.gateway.ApiFixtures.tokenId;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.LevelResolver;
import com.atlassian.oai.validator.report.ValidationReport;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.policy.token.TokenFormat;
import dev.portcullis.policy.token.TokenKind;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLDecoder;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * GitHub's org fine-grained token API (the 8 operations of shared/contract) against the real
 * gateway: every JSON answer of those operations — successes and 403/404/422 errors — is checked
 * with Atlassian's OpenAPI validator against GitHub's own description, plus what the schema cannot
 * say (absolute URLs, UTC timestamps, {@code Link} pagination, filters, authorization, and that
 * each decision holds on the very next {@code git clone}).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OrgTokenApiContractTest {
  static final String CONTRACT_RESOURCE = "/contract/github-pat-endpoints.openapi.json";
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

  @TempDir static Path tmp;

  private Gateway gateway;
  private String base;
  private String adminToken;
  private ApiFixtures fx;
  private TestGit git;
  private OpenApiInteractionValidator validator;
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();

  /** Statuses of the 8 operations checked against the contract (401s are checked separately). */
  private final Map<Op, Set<Integer>> covered =
      Collections.synchronizedMap(new EnumMap<>(Op.class));

  private final Map<Op, Set<Integer>> covered401 =
      Collections.synchronizedMap(new EnumMap<>(Op.class));
  private int validated;

  // ------------------------------------------------------------------ the 8 operations

  enum Op {
    LIST_REQUESTS("GET", "/orgs/[^/]+/personal-access-token-requests"),
    REVIEW_REQUESTS("POST", "/orgs/[^/]+/personal-access-token-requests"),
    REVIEW_REQUEST("POST", "/orgs/[^/]+/personal-access-token-requests/[^/]+"),
    LIST_REQUEST_REPOSITORIES(
        "GET", "/orgs/[^/]+/personal-access-token-requests/[^/]+/repositories"),
    LIST_GRANTS("GET", "/orgs/[^/]+/personal-access-tokens"),
    UPDATE_ACCESSES("POST", "/orgs/[^/]+/personal-access-tokens"),
    UPDATE_ACCESS("POST", "/orgs/[^/]+/personal-access-tokens/[^/]+"),
    LIST_GRANT_REPOSITORIES("GET", "/orgs/[^/]+/personal-access-tokens/[^/]+/repositories");

    final String method;
    final Pattern path;

    Op(String method, String path) {
      this.method = method;
      this.path = Pattern.compile(path);
    }

    static Op of(String method, String pathAfterPrefix) {
      for (Op op : values()) {
        if (op.method.equals(method) && op.path.matcher(pathAfterPrefix).matches()) {
          return op;
        }
      }
      return null;
    }

    /** The statuses the contract documents besides success (500 aside). */
    Set<Integer> documentedErrors() {
      return switch (this) {
        case LIST_REQUEST_REPOSITORIES, LIST_GRANT_REPOSITORIES -> Set.of(403, 404);
        default -> Set.of(403, 404, 422);
      };
    }

    int success() {
      return switch (this) {
        case LIST_REQUESTS, LIST_GRANTS, LIST_REQUEST_REPOSITORIES, LIST_GRANT_REPOSITORIES -> 200;
        case REVIEW_REQUESTS, UPDATE_ACCESSES -> 202;
        case REVIEW_REQUEST, UPDATE_ACCESS -> 204;
      };
    }
  }

  // ------------------------------------------------------------------ set-up

  @BeforeAll
  void start() throws Exception {
    Path contract = Path.of(OrgTokenApiContractTest.class.getResource(CONTRACT_RESOURCE).toURI());
    validator = validator(contract);
    gateway = Gateway.start(GatewayConfig.defaults(tmp.resolve("data")).withPorts(0, 0));
    base = gateway.httpUrl();
    adminToken = Files.readString(tmp.resolve("data").resolve(Gateway.ADMIN_TOKEN_FILE)).strip();
    fx = new ApiFixtures(gateway, new TestApi(base, adminToken));
    git = new TestGit(tmp.resolve("home"), Map.of());
  }

  /**
   * The validator for the contract. Everything is an error except properties the schema does not
   * name: JSON Schema allows them (GitHub's schemas never say {@code additionalProperties: false},
   * and GitHub itself sends {@code status} in errors), but this library forbids them by default.
   */
  static OpenApiInteractionValidator validator(Path contract) {
    return OpenApiInteractionValidator.createForSpecificationUrl(contract.toString())
        .withBasePathOverride("/api/v3")
        .withLevelResolver(
            LevelResolver.create()
                .withLevel(
                    "validation.response.body.schema.additionalProperties",
                    ValidationReport.Level.IGNORE)
                .build())
        .build();
  }

  @AfterAll
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
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

  private Resp send(String method, String target, Object body, String authorization) {
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
  private Resp getQuery(String path, String query, String token) {
    String target = path + "?" + query;
    return query.contains("[") ? rawGet(target, token) : get(target, token);
  }

  private static String token(String t) {
    return "token " + t;
  }

  private Resp get(String target, String token) {
    return send("GET", target, null, token(token));
  }

  private Resp post(String target, Object body, String token) {
    return send("POST", target, body, token(token));
  }

  private Resp expect(int status, Resp r) {
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
      covered401.computeIfAbsent(op, x -> new TreeSet<>()).add(401);
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
    covered.computeIfAbsent(op, x -> new TreeSet<>()).add(r.status());
    validated++;
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

  private ValidationReport validate(
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
  private ValidationReport validateAs(Resp real, String body) {
    Resp changed = new Resp(real.method(), real.uri(), real.status(), body, null, real.headers());
    return validator.validateResponse(
        real.uri().getRawPath(),
        Request.Method.valueOf(real.method()),
        toValidatorResponse(changed));
  }

  private static String describe(ValidationReport report) {
    return report.getMessages().stream()
        .map(
            m ->
                m.getLevel()
                    + " "
                    + m.getKey()
                    + ": "
                    + m.getMessage()
                    + (m.getNestedMessages().isEmpty()
                        ? ""
                        : " "
                            + m.getNestedMessages().stream()
                                .map(ValidationReport.Message::getMessage)
                                .toList()))
        .collect(Collectors.joining("\n"));
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

  private OrgSetup org(String prefix, int members, String... repos) {
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

  private String requests(String org) {
    return "/orgs/" + org + "/personal-access-token-requests";
  }

  private String grants(String org) {
    return "/orgs/" + org + "/personal-access-tokens";
  }

  private TestGit.Result clone(String login, String token, String org, String repo)
      throws IOException {
    Path dir = Files.createTempDirectory(tmp, "clone");
    String host = base.substring("http://".length());
    return git.run(
        dir,
        "clone",
        "-q",
        "http://" + login + ":" + token + "@" + host + "/" + org + "/" + repo + ".git",
        "w");
  }

  private void assertClones(String login, String token, String org, String repo)
      throws IOException {
    TestGit.Result r = clone(login, token, org, repo);
    assertTrue(r.ok(), () -> "expected " + login + " to clone " + org + "/" + repo + ": " + r);
  }

  private void assertCloneRefused(
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

  private static Map<String, Object> body(Object... kv) {
    Map<String, Object> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], kv[i + 1]);
    }
    return m;
  }

  /** The 7-token catalog of the listing tests: [owner, selection, repos, permissions] per token. */
  private static final List<Object[]> CATALOG =
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
  private List<JsonNode> catalog(OrgSetup o) {
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
  private static Set<Long> idsOf(List<JsonNode> tokens, boolean requests, int... which) {
    Set<Long> out = new TreeSet<>();
    for (int w : which) {
      JsonNode t = tokens.get(w - 1);
      out.add(requests ? requestId(t) : tokenId(t));
    }
    return out;
  }

  private static Map<String, List<String>> query(String url) {
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

  private static int pageOf(String url) {
    return Integer.parseInt(query(url).get("page").get(0));
  }

  // ------------------------------------------------------------------ the contract file and the
  // validator

  @Test
  @Order(1)
  void theContractCopyIsTheSharedContract() throws Exception {
    Path shared = Path.of("..", "..", "shared", "contract", "github-pat-endpoints.openapi.json");
    if (!Files.exists(shared)) {
      return; // Outside the project's machines only the copy in src/test/resources exists.
    }
    try (InputStream in = OrgTokenApiContractTest.class.getResourceAsStream(CONTRACT_RESOURCE)) {
      assertEquals(
          sha256(Files.readAllBytes(shared)),
          sha256(in.readAllBytes()),
          "src/test/resources"
              + CONTRACT_RESOURCE
              + " must be a byte-for-byte copy of "
              + shared.normalize());
    }
  }

  private static String sha256(byte[] b) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
  }

  /**
   * The validator is strict: a real answer minus a required field, or with a wrong type, is
   * refused.
   */
  @Test
  @Order(2)
  void validatorRejectsAMissingRequiredFieldOrAWrongType() throws Exception {
    OrgSetup o = org("strict", 1, "r1");
    JsonNode t =
        fx.fineGrained(
            o.members().get(0), o.org(), "subset", List.of("r1"), Map.of("contents", "read"));
    String path = "/api/v3" + requests(o.org());
    Resp list = expect(200, get(requests(o.org()), o.ownerToken()));

    assertFalse(
        validate(path, "GET", 200, "application/json", list.body()).hasErrors(),
        "the real answer is valid");
    assertFalse(validateAs(list, list.body()).hasErrors(), "the real answer is valid");

    ArrayNode noTokenId = (ArrayNode) list.json().deepCopy();
    ((ObjectNode) noTokenId.get(0)).remove("token_id");
    ValidationReport missing = validate(path, "GET", 200, "application/json", noTokenId.toString());
    assertTrue(missing.hasErrors(), "removing the required token_id must be reported");
    assertTrue(describe(missing).contains("token_id"), describe(missing));
    // The same with the real answer's headers (application/json; charset=utf-8), as every check
    // runs.
    ValidationReport missingReal = validateAs(list, noTokenId.toString());
    assertTrue(
        missingReal.hasErrors() && describe(missingReal).contains("token_id"),
        describe(missingReal));
    for (String field :
        List.of(
            "id",
            "reason",
            "owner",
            "repository_selection",
            "repositories_url",
            "permissions",
            "created_at",
            "token_id",
            "token_name",
            "token_expired",
            "token_expires_at",
            "token_last_used_at")) {
      ArrayNode without = (ArrayNode) list.json().deepCopy();
      ((ObjectNode) without.get(0)).remove(field);
      assertTrue(
          validateAs(list, without.toString()).hasErrors(),
          () -> "removing required " + field + " must be reported");
    }
    ArrayNode nullName = (ArrayNode) list.json().deepCopy();
    ((ObjectNode) nullName.get(0)).putNull("token_name");
    assertTrue(validateAs(list, nullName.toString()).hasErrors(), "token_name is not nullable");
    ArrayNode nullLastUsed = (ArrayNode) list.json().deepCopy();
    ((ObjectNode) nullLastUsed.get(0)).putNull("token_expires_at");
    assertFalse(
        validateAs(list, nullLastUsed.toString()).hasErrors(), "token_expires_at is nullable");
    assertTrue(validateAs(list, "{}").hasErrors(), "an object where the contract says array");

    ArrayNode wrongType = (ArrayNode) list.json().deepCopy();
    ((ObjectNode) wrongType.get(0)).put("token_expired", "no");
    assertTrue(
        validate(path, "GET", 200, "application/json", wrongType.toString()).hasErrors(),
        "a string token_expired");

    ArrayNode badEnum = (ArrayNode) list.json().deepCopy();
    ((ObjectNode) badEnum.get(0)).put("repository_selection", "some");
    assertTrue(
        validate(path, "GET", 200, "application/json", badEnum.toString()).hasErrors(),
        "repository_selection enum");

    ArrayNode ownerWithoutNodeId = (ArrayNode) list.json().deepCopy();
    ((ObjectNode) ownerWithoutNodeId.get(0).get("owner")).remove("node_id");
    ValidationReport nested =
        validate(path, "GET", 200, "application/json", ownerWithoutNodeId.toString());
    assertTrue(nested.hasErrors() && describe(nested).contains("node_id"), describe(nested));

    String reposPath = requests(o.org()) + "/" + requestId(t) + "/repositories";
    Resp repos = expect(200, get(reposPath, o.ownerToken()));
    ArrayNode noHooks = (ArrayNode) repos.json().deepCopy();
    ((ObjectNode) noHooks.get(0)).remove("hooks_url");
    ValidationReport repoMissing =
        validate("/api/v3" + reposPath, "GET", 200, "application/json", noHooks.toString());
    assertTrue(
        repoMissing.hasErrors() && describe(repoMissing).contains("hooks_url"),
        describe(repoMissing));

    Resp invalid = expect(422, get(requests(o.org()) + "?direction=sideways", o.ownerToken()));
    ObjectNode noDocs = (ObjectNode) invalid.json().deepCopy();
    noDocs.remove("documentation_url");
    assertTrue(
        validate(path, "GET", 422, "application/json", noDocs.toString()).hasErrors(),
        "validation-error requires documentation_url");
    assertTrue(
        validate(path, "GET", 418, "application/json", "{}").hasErrors(),
        "an undocumented status is reported");
    assertTrue(
        validate("/api/v3" + requests(o.org()) + "/1", "POST", 200, "application/json", "{}")
            .hasErrors(),
        "a 200 where the contract says 204 is reported");
  }

  // ------------------------------------------------------------------ listings: pagination and
  // Link

  @Test
  @Order(10)
  void listsRequestsPageByPageWithGithubLinks() {
    OrgSetup o = org("pages", 3, "r1", "r2", "r3");
    List<JsonNode> tokens = catalog(o);
    Set<Long> all = idsOf(tokens, true, 1, 2, 3, 4, 5, 6, 7);

    Resp unpaged = expect(200, get(requests(o.org()), o.ownerToken()));
    assertEquals(7, unpaged.json().size(), unpaged::toString);
    assertNull(unpaged.header("Link"), "everything fits on one page: no Link header");
    assertEquals(all, new TreeSet<>(unpaged.ids()));

    String extra =
        "per_page=3&sort=created_at&direction=asc&owner=" + String.join(",", o.members());
    Resp p1 = expect(200, get(requests(o.org()) + "?" + extra, o.ownerToken()));
    assertEquals(3, p1.json().size());
    Map<String, String> l1 = p1.links();
    assertEquals(Set.of("next", "last"), l1.keySet(), p1.header("Link"));
    assertEquals(2, pageOf(l1.get("next")));
    assertEquals(3, pageOf(l1.get("last")));
    for (String url : l1.values()) {
      assertTrue(
          url.startsWith(base + "/api/v3" + requests(o.org()) + "?"),
          () -> "absolute link: " + url);
      Map<String, List<String>> q = query(url);
      assertEquals(List.of("3"), q.get("per_page"), url);
      assertEquals(List.of("created_at"), q.get("sort"), url);
      assertEquals(List.of("asc"), q.get("direction"), url);
      assertEquals(List.of(String.join(",", o.members())), q.get("owner"), url);
    }

    Resp p2 = expect(200, send("GET", l1.get("next"), null, token(o.ownerToken())));
    Map<String, String> l2 = p2.links();
    assertEquals(Set.of("prev", "first", "next", "last"), l2.keySet(), p2.header("Link"));
    assertEquals(1, pageOf(l2.get("prev")));
    assertEquals(1, pageOf(l2.get("first")));
    assertEquals(3, pageOf(l2.get("next")));
    assertEquals(3, pageOf(l2.get("last")));

    Resp p3 = expect(200, send("GET", l2.get("next"), null, token(o.ownerToken())));
    assertEquals(1, p3.json().size());
    Map<String, String> l3 = p3.links();
    assertEquals(Set.of("prev", "first"), l3.keySet(), p3.header("Link"));
    assertEquals(2, pageOf(l3.get("prev")));
    assertEquals(1, pageOf(l3.get("first")));

    Resp firstAgain = expect(200, send("GET", l3.get("first"), null, token(o.ownerToken())));
    assertEquals(p1.ids(), firstAgain.ids());
    Resp prev = expect(200, send("GET", l3.get("prev"), null, token(o.ownerToken())));
    assertEquals(p2.ids(), prev.ids());

    List<Long> walked = new ArrayList<>(p1.ids());
    walked.addAll(p2.ids());
    walked.addAll(p3.ids());
    assertEquals(7, new HashSet<>(walked).size(), "no item twice: " + walked);
    assertEquals(all, new TreeSet<>(walked));
    List<Long> asc = expect(200, get(requests(o.org()) + "?direction=asc", o.ownerToken())).ids();
    assertEquals(asc, walked, "pages follow the order asked for");

    Resp past = expect(200, get(requests(o.org()) + "?" + extra + "&page=4", o.ownerToken()));
    assertEquals("[]", past.json().toString(), "a page past the end is 200 []");
    Resp farPast = expect(200, get(requests(o.org()) + "?page=99", o.ownerToken()));
    assertEquals(0, farPast.json().size());

    // The grants listing pages the same way.
    expect(
        202,
        post(
            requests(o.org()),
            body("pat_request_ids", new ArrayList<>(all), "action", "approve"),
            o.ownerToken()));
    Resp g1 = expect(200, get(grants(o.org()) + "?per_page=2&page=2", o.ownerToken()));
    assertEquals(2, g1.json().size());
    assertEquals(Set.of("prev", "first", "next", "last"), g1.links().keySet(), g1.header("Link"));
    assertEquals(4, pageOf(g1.links().get("last")));
    Resp g4 = expect(200, send("GET", g1.links().get("last"), null, token(o.ownerToken())));
    assertEquals(1, g4.json().size());
    assertEquals(Set.of("prev", "first"), g4.links().keySet());
  }

  @Test
  @Order(11)
  void perPageDefaultsTo30AndIsClampedTo100() {
    OrgSetup o = org("many", 1);
    String dev = o.members().get(0);
    List<Long> ids = new ArrayList<>();
    for (int i = 0; i < 105; i++) {
      ids.add(requestId(fx.fineGrained(dev, o.org(), "none", List.of(), Map.of())));
    }
    Resp dflt = expect(200, get(requests(o.org()), o.ownerToken()));
    assertEquals(30, dflt.json().size(), "per_page defaults to 30");
    assertEquals(Set.of("next", "last"), dflt.links().keySet());
    assertEquals(4, pageOf(dflt.links().get("last")));

    Resp clamped = expect(200, get(requests(o.org()) + "?per_page=1000", o.ownerToken()));
    assertEquals(100, clamped.json().size(), "per_page above 100 is clamped to 100, not refused");
    assertEquals(2, pageOf(clamped.links().get("last")));
    Resp rest = expect(200, send("GET", clamped.links().get("next"), null, token(o.ownerToken())));
    assertEquals(5, rest.json().size());
    assertEquals(
        100, expect(200, get(requests(o.org()) + "?per_page=100", o.ownerToken())).json().size());

    List<Long> desc = new ArrayList<>(clamped.ids());
    desc.addAll(rest.ids());
    List<Long> expected = new ArrayList<>(ids);
    Collections.reverse(expected);
    assertEquals(expected, desc, "default direction is desc: newest request first");

    // Bulk review takes at most 100 ids: 101 is a 422, 100 at once is fine.
    List<Long> first101 = ids.subList(0, 101);
    Resp tooMany =
        expect(
            422,
            post(
                requests(o.org()),
                body("pat_request_ids", first101, "action", "approve"),
                o.ownerToken()));
    assertEquals(
        "pat_request_ids",
        tooMany.json().get("errors").get(0).get("field").asText(),
        tooMany::toString);
    expect(
        202,
        post(
            requests(o.org()),
            body("pat_request_ids", ids.subList(0, 100), "action", "approve"),
            o.ownerToken()));
    assertEquals(5, expect(200, get(requests(o.org()), o.ownerToken())).json().size());
    Resp granted = expect(200, get(grants(o.org()) + "?per_page=101", o.ownerToken()));
    assertEquals(100, granted.json().size());
    assertNull(granted.header("Link"), "100 grants fit on one clamped page");

    // Bulk revoke likewise.
    List<Long> tokenIds = granted.ids();
    List<Long> over = new ArrayList<>(tokenIds);
    over.add(tokenIds.get(0));
    expect(422, post(grants(o.org()), body("action", "revoke", "pat_ids", over), o.ownerToken()));
    expect(
        202, post(grants(o.org()), body("action", "revoke", "pat_ids", tokenIds), o.ownerToken()));
    assertEquals(0, expect(200, get(grants(o.org()), o.ownerToken())).json().size());
  }

  @Test
  @Order(12)
  void directionOrdersByCreationTime() {
    OrgSetup o = org("order", 3, "r1", "r2");
    List<JsonNode> tokens = catalog(o);
    for (String path : List.of(requests(o.org()))) {
      Resp asc = expect(200, get(path + "?direction=asc", o.ownerToken()));
      Resp desc = expect(200, get(path + "?direction=desc", o.ownerToken()));
      Resp dflt = expect(200, get(path + "?sort=created_at", o.ownerToken()));
      List<Long> reversed = new ArrayList<>(desc.ids());
      Collections.reverse(reversed);
      assertEquals(asc.ids(), reversed);
      assertEquals(desc.ids(), dflt.ids(), "desc is the default");
      assertEquals(
          new ArrayList<>(idsOf(tokens, true, 1, 2, 3, 4, 5, 6, 7)),
          asc.ids(),
          "asc: oldest first");
      Instant prev = Instant.MIN;
      for (JsonNode n : asc.json()) {
        Instant at = Instant.parse(n.get("created_at").asText());
        assertFalse(at.isBefore(prev), asc::toString);
        prev = at;
      }
    }
    expect(422, get(requests(o.org()) + "?direction=up", o.ownerToken()));
    expect(422, get(requests(o.org()) + "?sort=updated_at", o.ownerToken()));
    expect(422, get(grants(o.org()) + "?direction=up", o.ownerToken()));
    expect(422, get(grants(o.org()) + "?sort=name", o.ownerToken()));
    expect(422, get(requests(o.org()) + "?per_page=abc", o.ownerToken()));
    expect(422, get(requests(o.org()) + "?page=0", o.ownerToken()));
  }

  // ------------------------------------------------------------------ listings: filters

  @Test
  @Order(20)
  void filtersRequestsAndGrantsByOwnerRepositoryPermissionAndTokenId() {
    OrgSetup o = org("filters", 3, "r1", "r2", "r3");
    List<JsonNode> tokens = catalog(o);
    // A second organization with the same catalog, all approved: its grants listing filters alike.
    OrgSetup g = org("gfilters", 3, "r1", "r2", "r3");
    List<JsonNode> granted = catalog(g);
    expect(
        202,
        post(
            requests(g.org()),
            body(
                "pat_request_ids",
                new ArrayList<>(idsOf(granted, true, 1, 2, 3, 4, 5, 6, 7)),
                "action",
                "approve"),
            g.ownerToken()));
    expect(200, get(requests(g.org()), g.ownerToken()));

    String m1 = o.members().get(0);
    String m2 = o.members().get(1);
    String m3 = o.members().get(2);
    String g1 = g.members().get(0);
    String g2 = g.members().get(1);
    String g3 = g.members().get(2);

    Map<String, int[]> cases = new LinkedHashMap<>();
    cases.put("owner={1}", new int[] {1, 2, 3});
    cases.put("owner={1},{2}", new int[] {1, 2, 3, 4, 5});
    cases.put("owner[]={1}&owner[]={2}", new int[] {1, 2, 3, 4, 5});
    cases.put("owner%5B%5D={1}&owner%5B%5D={2}", new int[] {1, 2, 3, 4, 5});
    cases.put("owner={1}&owner={2}", new int[] {1, 2, 3, 4, 5});
    cases.put("owner={1}%2C{3}", new int[] {1, 2, 3, 6, 7});
    cases.put("owner=nobody-at-all", new int[] {});
    cases.put("repository=r1", new int[] {1, 2, 5, 6, 7});
    cases.put("repository=r2", new int[] {1, 3, 5, 6, 7});
    cases.put("repository=r3", new int[] {1, 5, 7});
    cases.put("repository=no-such-repo", new int[] {});
    cases.put("permission=contents_read", new int[] {1, 2, 5});
    cases.put("permission=contents_write", new int[] {2, 5});
    cases.put("permission=issues_read", new int[] {3, 5});
    cases.put("permission=pull_requests_read", new int[] {6});
    cases.put("permission=metadata_read", new int[] {1, 2, 3, 4, 5, 6, 7});
    cases.put("permission=pull_requests_write", new int[] {});
    cases.put("owner={1}&repository=r1&permission=contents_read", new int[] {1, 2});
    cases.put("token_id=#1,#4", new int[] {1, 4});
    cases.put("token_id[]=#1&token_id[]=#4&token_id[]=#6", new int[] {1, 4, 6});
    cases.put("token_id=#2&token_id=#3", new int[] {2, 3});
    cases.put("token_id=999999999", new int[] {});
    cases.put("owner={3}&direction=asc&per_page=100&page=1&sort=created_at", new int[] {6, 7});

    for (boolean req : List.of(true, false)) {
      OrgSetup on = req ? o : g;
      List<JsonNode> ts = req ? tokens : granted;
      String[] logins = req ? new String[] {m1, m2, m3} : new String[] {g1, g2, g3};
      for (Map.Entry<String, int[]> c : cases.entrySet()) {
        String q =
            c.getKey()
                .replace("{1}", logins[0])
                .replace("{2}", logins[1])
                .replace("{3}", logins[2]);
        for (int i = 1; i <= 7; i++) {
          q = q.replace("#" + i, Long.toString(tokenId(ts.get(i - 1))));
        }
        Resp r =
            expect(200, getQuery(req ? requests(on.org()) : grants(on.org()), q, on.ownerToken()));
        assertEquals(
            idsOf(ts, req, c.getValue()),
            new TreeSet<>(r.ids()),
            (req ? "requests " : "grants ") + q + ": " + r);
      }
      String path = req ? requests(on.org()) : grants(on.org());
      // Up to 10 owners are fine, 11 are a 422 naming the parameter.
      String ten =
          IntStream.range(0, 9).mapToObj(i -> "x" + i).collect(Collectors.joining(","))
              + ","
              + logins[0];
      assertEquals(
          idsOf(ts, req, 1, 2, 3),
          new TreeSet<>(expect(200, get(path + "?owner=" + ten, on.ownerToken())).ids()));
      Resp eleven = expect(422, get(path + "?owner=" + ten + ",x10", on.ownerToken()));
      assertEquals(
          "owner", eleven.json().get("errors").get(0).get("field").asText(), eleven::toString);
      String elevenBrackets =
          IntStream.range(0, 11).mapToObj(i -> "owner[]=y" + i).collect(Collectors.joining("&"));
      expect(422, getQuery(path, elevenBrackets, on.ownerToken()));
      String elevenRepeated =
          IntStream.range(0, 11).mapToObj(i -> "owner=z" + i).collect(Collectors.joining("&"));
      expect(422, get(path + "?" + elevenRepeated, on.ownerToken()));
      // Up to 50 token ids, 51 are a 422.
      String fifty =
          LongStream.range(0, 49)
                  .mapToObj(i -> Long.toString(900_000_000L + i))
                  .collect(Collectors.joining(","))
              + ","
              + tokenId(ts.get(3));
      assertEquals(
          idsOf(ts, req, 4),
          new TreeSet<>(expect(200, get(path + "?token_id=" + fifty, on.ownerToken())).ids()));
      Resp fiftyOne = expect(422, get(path + "?token_id=" + fifty + ",1", on.ownerToken()));
      assertEquals(
          "token_id",
          fiftyOne.json().get("errors").get(0).get("field").asText(),
          fiftyOne::toString);
      expect(422, get(path + "?token_id=abc", on.ownerToken()));
      Resp badPermission = expect(422, get(path + "?permission=flying_read", on.ownerToken()));
      assertEquals(
          "permission",
          badPermission.json().get("errors").get(0).get("field").asText(),
          badPermission::toString);
      expect(422, get(path + "?permission=contents", on.ownerToken()));
    }
  }

  @Test
  @Order(21)
  void listsShowEveryContractFieldWithTheTokensRealValues() {
    OrgSetup o = org("fields", 1, "r1", "r2");
    String dev = o.members().get(0);
    JsonNode t =
        fx.fineGrained(
            dev, o.org(), "subset", List.of("r2"), Map.of("contents", "write", "members", "read"));
    Resp list = expect(200, get(requests(o.org()), o.ownerToken()));
    JsonNode item = list.item(requestId(t));
    assertEquals("needed for subset", item.get("reason").asText());
    assertEquals(dev, item.get("owner").get("login").asText());
    assertEquals("User", item.get("owner").get("type").asText());
    assertEquals("subset", item.get("repository_selection").asText());
    assertEquals(
        base + "/api/v3" + requests(o.org()) + "/" + requestId(t) + "/repositories",
        item.get("repositories_url").asText());
    assertEquals("write", item.get("permissions").get("repository").get("contents").asText());
    assertEquals("read", item.get("permissions").get("repository").get("metadata").asText());
    assertEquals("read", item.get("permissions").get("organization").get("members").asText());
    assertEquals(tokenId(t), item.get("token_id").asLong());
    assertEquals(t.get("name").asText(), item.get("token_name").asText());
    assertFalse(item.get("token_expired").asBoolean());
    assertEquals(
        Instant.parse(t.get("expires_at").asText()),
        Instant.parse(item.get("token_expires_at").asText()));
    assertTrue(item.get("token_last_used_at").isNull());
    // The repositories_url is followable.
    Resp repos =
        expect(
            200, send("GET", item.get("repositories_url").asText(), null, token(o.ownerToken())));
    assertEquals(Set.of("r2"), repos.names());

    // The organization name is not case sensitive.
    Resp upper =
        expect(200, get(requests(o.org().toUpperCase(java.util.Locale.ROOT)), o.ownerToken()));
    assertEquals(list.ids(), upper.ids());

    expect(
        204,
        post(requests(o.org()) + "/" + requestId(t), body("action", "approve"), o.ownerToken()));
    Resp grants = expect(200, get(grants(o.org()), o.ownerToken()));
    JsonNode g = grants.item(tokenId(t));
    assertFalse(g.has("reason"), "grants have no reason");
    assertTrue(g.has("access_granted_at"));
    assertEquals(
        base + "/api/v3" + grants(o.org()) + "/" + tokenId(t) + "/repositories",
        g.get("repositories_url").asText());
    Instant granted = Instant.parse(g.get("access_granted_at").asText());
    assertTrue(Duration.between(granted, Instant.now()).abs().toMinutes() < 5, g::toString);
  }

  // ------------------------------------------------------------------ last use, through real git

  @Test
  @Order(30)
  void tokenLastUsedAtReflectsRealGitUseAndFiltersHonourIt() throws Exception {
    OrgSetup o = org("used", 1, "app");
    String dev = o.members().get(0);
    fx.approvalNotRequired(o.org());
    JsonNode used = fx.readAll(dev, o.org());
    JsonNode unused = fx.readAll(dev, o.org());
    assertEquals("approved", used.get("request").get("status").asText());

    Instant before = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(1);
    assertClones(dev, plaintext(used), o.org(), "app");
    Instant after = Instant.now().truncatedTo(ChronoUnit.SECONDS).plusSeconds(2);

    for (int round = 0; round < 2; round++) {
      Resp list = expect(200, get(grants(o.org()), o.ownerToken()));
      JsonNode u = list.item(tokenId(used));
      assertFalse(
          u.get("token_last_used_at").isNull(),
          "real git use shows at once (round " + round + "): " + list);
      Instant at = Instant.parse(u.get("token_last_used_at").asText());
      assertFalse(
          at.isBefore(before) || at.isAfter(after),
          () -> at + " not within " + before + " … " + after);
      assertTrue(list.item(tokenId(unused)).get("token_last_used_at").isNull(), list::toString);

      assertEquals(
          List.of(tokenId(used)),
          expect(200, get(grants(o.org()) + "?last_used_after=" + before, o.ownerToken())).ids());
      assertEquals(
          List.of(),
          expect(200, get(grants(o.org()) + "?last_used_after=" + after, o.ownerToken())).ids());
      assertEquals(
          List.of(tokenId(used)),
          expect(200, get(grants(o.org()) + "?last_used_before=" + after, o.ownerToken())).ids());
      assertEquals(
          List.of(),
          expect(200, get(grants(o.org()) + "?last_used_before=" + before, o.ownerToken())).ids(),
          "a token never used was not used before anything");
      assertEquals(
          List.of(tokenId(used)),
          expect(
                  200,
                  get(
                      grants(o.org()) + "?last_used_after=" + before + "&last_used_before=" + after,
                      o.ownerToken()))
              .ids());
      // Second round: the same after the in-memory value has been written to the store.
      gateway.flushLastUsed();
    }

    // A pending request's token can still read public repositories: its use shows in the requests
    // listing.
    OrgSetup p = org("usedp", 1);
    fx.repo(p.org(), "site", "public");
    fx.repo(p.org(), "app", "private");
    String pdev = p.members().get(0);
    JsonNode pending = fx.readAll(pdev, p.org());
    JsonNode idle = fx.readAll(pdev, p.org());
    Instant pBefore = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(1);
    // git sends credentials only when challenged, and a public repository is not challenged: send
    // the token up front, as a CI job configured with http.extraHeader does.
    String basic =
        java.util.Base64.getEncoder()
            .encodeToString((pdev + ":" + plaintext(pending)).getBytes(StandardCharsets.UTF_8));
    Path dir = Files.createTempDirectory(tmp, "clone");
    TestGit.Result pub =
        git.run(
            dir,
            "-c",
            "http.extraHeader=Authorization: Basic " + basic,
            "clone",
            "-q",
            base + "/" + p.org() + "/site.git",
            "w");
    assertTrue(pub.ok(), pub::toString);
    assertCloneRefused(pdev, plaintext(pending), p.org(), "app", 403, "pending approval");
    Resp reqs = expect(200, get(requests(p.org()), p.ownerToken()));
    assertFalse(reqs.item(requestId(pending)).get("token_last_used_at").isNull(), reqs::toString);
    assertTrue(reqs.item(requestId(idle)).get("token_last_used_at").isNull(), reqs::toString);
    assertEquals(
        List.of(requestId(pending)),
        expect(200, get(requests(p.org()) + "?last_used_after=" + pBefore, p.ownerToken())).ids());
    assertEquals(
        List.of(),
        expect(200, get(requests(p.org()) + "?last_used_before=" + pBefore, p.ownerToken())).ids());

    Resp bad = expect(422, get(grants(o.org()) + "?last_used_before=yesterday", o.ownerToken()));
    assertEquals(
        "last_used_before", bad.json().get("errors").get(0).get("field").asText(), bad::toString);
    expect(422, get(requests(o.org()) + "?last_used_after=2026-13-01T00:00:00Z", o.ownerToken()));
  }

  // ------------------------------------------------------------------ reviews and revocations,
  // through real git

  @Test
  @Order(40)
  void reviewOneAndRevokeOneTakeEffectOnTheNextClone() throws Exception {
    OrgSetup o = org("review", 1, "app");
    String dev = o.members().get(0);
    JsonNode a = fx.readAll(dev, o.org());
    JsonNode b = fx.readAll(dev, o.org());

    assertCloneRefused(dev, plaintext(a), o.org(), "app", 403, "pending approval");
    expect(
        204,
        post(
            requests(o.org()) + "/" + requestId(a),
            body("action", "approve", "reason", "fine"),
            o.ownerToken()));
    assertClones(dev, plaintext(a), o.org(), "app");
    Resp again =
        expect(
            422,
            post(requests(o.org()) + "/" + requestId(a), body("action", "deny"), o.ownerToken()));
    assertTrue(again.body().contains("not pending"), again::toString);
    expect(404, get(requests(o.org()) + "/" + requestId(a) + "/repositories", o.ownerToken()));

    expect(
        204,
        post(
            requests(o.org()) + "/" + requestId(b),
            body("action", "deny", "reason", "too broad"),
            o.ownerToken()));
    assertCloneRefused(dev, plaintext(b), o.org(), "app", 403, "denied");
    expect(
        422,
        post(requests(o.org()) + "/" + requestId(b), body("action", "approve"), o.ownerToken()));
    assertClones(dev, plaintext(a), o.org(), "app");

    assertEquals(List.of(), expect(200, get(requests(o.org()), o.ownerToken())).ids());
    assertEquals(
        List.of(tokenId(a)),
        expect(200, get(grants(o.org()), o.ownerToken())).ids(),
        "denied requests are no grants");

    expect(204, post(grants(o.org()) + "/" + tokenId(a), body("action", "revoke"), o.ownerToken()));
    assertCloneRefused(dev, plaintext(a), o.org(), "app", 403, "revoked");
    expect(404, post(grants(o.org()) + "/" + tokenId(a), body("action", "revoke"), o.ownerToken()));
    expect(404, get(grants(o.org()) + "/" + tokenId(a) + "/repositories", o.ownerToken()));
    assertEquals(List.of(), expect(200, get(grants(o.org()), o.ownerToken())).ids());
  }

  @Test
  @Order(41)
  void bulkReviewAndBulkRevokeTakeEffectOnTheNextClone() throws Exception {
    OrgSetup o = org("bulk", 1, "app");
    String dev = o.members().get(0);
    JsonNode d = fx.readAll(dev, o.org());
    JsonNode e = fx.readAll(dev, o.org());
    JsonNode f = fx.readAll(dev, o.org());
    JsonNode g = fx.readAll(dev, o.org());

    expect(
        202,
        post(
            requests(o.org()),
            body("pat_request_ids", List.of(requestId(d), requestId(e)), "action", "approve"),
            o.ownerToken()));
    assertClones(dev, plaintext(d), o.org(), "app");
    assertClones(dev, plaintext(e), o.org(), "app");

    // All ids are checked first: one that is not pending changes nothing.
    expect(
        422,
        post(
            requests(o.org()),
            body("pat_request_ids", List.of(requestId(f), requestId(d)), "action", "deny"),
            o.ownerToken()));
    assertCloneRefused(dev, plaintext(f), o.org(), "app", 403, "pending approval");
    Resp unknown =
        expect(
            404,
            post(
                requests(o.org()),
                body("pat_request_ids", List.of(requestId(g), 987_654_321L), "action", "approve"),
                o.ownerToken()));
    assertTrue(unknown.body().contains("987654321"), unknown::toString);
    assertEquals(
        new TreeSet<>(List.of(requestId(f), requestId(g))),
        new TreeSet<>(expect(200, get(requests(o.org()), o.ownerToken())).ids()));

    expect(
        202,
        post(
            requests(o.org()),
            body("pat_request_ids", List.of(requestId(f)), "action", "deny", "reason", "no"),
            o.ownerToken()));
    assertCloneRefused(dev, plaintext(f), o.org(), "app", 403, "denied");

    expect(
        404,
        post(
            grants(o.org()),
            body("action", "revoke", "pat_ids", List.of(tokenId(d), tokenId(g))),
            o.ownerToken()));
    assertClones(dev, plaintext(d), o.org(), "app");
    expect(
        202,
        post(
            grants(o.org()),
            body("action", "revoke", "pat_ids", List.of(tokenId(d), tokenId(e))),
            o.ownerToken()));
    assertCloneRefused(dev, plaintext(d), o.org(), "app", 403, "revoked");
    assertCloneRefused(dev, plaintext(e), o.org(), "app", 403, "revoked");
    assertEquals(List.of(), expect(200, get(grants(o.org()), o.ownerToken())).ids());
    assertEquals(List.of(requestId(g)), expect(200, get(requests(o.org()), o.ownerToken())).ids());
  }

  @Test
  @Order(42)
  void reviewAndRevokeBodiesAreValidated() {
    OrgSetup o = org("bodies", 1, "app");
    String dev = o.members().get(0);
    JsonNode r1 = fx.readAll(dev, o.org());
    JsonNode r2 = fx.readAll(dev, o.org());
    String bulk = requests(o.org());
    String one = requests(o.org()) + "/" + requestId(r1);
    String long1025 = "x".repeat(1025);
    String long1024 = "y".repeat(1024);
    List<Long> ids101 = LongStream.rangeClosed(1, 101).boxed().toList();

    Map<Object, String> bulkCases = new LinkedHashMap<>();
    bulkCases.put(body("pat_request_ids", List.of(), "action", "approve"), "pat_request_ids");
    bulkCases.put(body("pat_request_ids", ids101, "action", "approve"), "pat_request_ids");
    bulkCases.put(body("pat_request_ids", List.of("1"), "action", "approve"), "pat_request_ids");
    bulkCases.put("{\"pat_request_ids\":[1.5],\"action\":\"approve\"}", "pat_request_ids");
    bulkCases.put(body("pat_request_ids", requestId(r1), "action", "approve"), "pat_request_ids");
    bulkCases.put(body("pat_request_ids", List.of(requestId(r1)), "action", "maybe"), "action");
    bulkCases.put(body("pat_request_ids", List.of(requestId(r1))), "action");
    bulkCases.put(body("pat_request_ids", List.of(requestId(r1)), "action", 1), "action");
    bulkCases.put(
        body("pat_request_ids", List.of(requestId(r1)), "action", "deny", "reason", long1025),
        "reason");
    bulkCases.put(
        body("pat_request_ids", List.of(requestId(r1)), "action", "deny", "reason", 7), "reason");
    bulkCases.put(body("action", "approve"), "pat_request_ids");
    for (Map.Entry<Object, String> c : bulkCases.entrySet()) {
      Resp r = expect(422, post(bulk, c.getKey(), o.ownerToken()));
      assertEquals(c.getValue(), r.json().get("errors").get(0).get("field").asText(), r::toString);
      assertTrue(r.json().get("errors").get(0).get("code").isTextual(), r::toString);
    }
    Map<Object, String> oneCases = new LinkedHashMap<>();
    oneCases.put(body("action", "maybe"), "action");
    oneCases.put(body(), "action");
    oneCases.put(body("action", "approve", "reason", long1025), "reason");
    oneCases.put(body("action", "approve", "pat_request_ids", List.of(1)), "pat_request_ids");
    for (Map.Entry<Object, String> c : oneCases.entrySet()) {
      Resp r = expect(422, post(one, c.getKey(), o.ownerToken()));
      assertEquals(c.getValue(), r.json().get("errors").get(0).get("field").asText(), r::toString);
    }
    assertEquals(
        new TreeSet<>(List.of(requestId(r1), requestId(r2))),
        new TreeSet<>(expect(200, get(requests(o.org()), o.ownerToken())).ids()),
        "refused reviews change nothing");

    // The limits themselves are fine: a 1024-character reason, and reason null (nullable in the
    // contract).
    expect(204, post(one, body("action", "approve", "reason", long1024), o.ownerToken()));
    Map<String, Object> nullReason =
        body("pat_request_ids", List.of(requestId(r2)), "action", "approve");
    nullReason.put("reason", null);
    expect(202, post(bulk, nullReason, o.ownerToken()));

    String revokeOne = grants(o.org()) + "/" + tokenId(r1);
    Map<Object, String> revokeCases = new LinkedHashMap<>();
    revokeCases.put(body("action", "approve"), "action");
    revokeCases.put(body(), "action");
    for (Map.Entry<Object, String> c : revokeCases.entrySet()) {
      Resp r = expect(422, post(revokeOne, c.getKey(), o.ownerToken()));
      assertEquals(c.getValue(), r.json().get("errors").get(0).get("field").asText(), r::toString);
    }
    Map<Object, String> revokeBulk = new LinkedHashMap<>();
    revokeBulk.put(body("action", "revoke"), "pat_ids");
    revokeBulk.put(body("action", "revoke", "pat_ids", List.of()), "pat_ids");
    revokeBulk.put(body("action", "revoke", "pat_ids", ids101), "pat_ids");
    revokeBulk.put(body("action", "revoke", "pat_ids", List.of("x")), "pat_ids");
    revokeBulk.put(body("action", "delete", "pat_ids", List.of(tokenId(r1))), "action");
    revokeBulk.put(body("pat_ids", List.of(tokenId(r1))), "action");
    for (Map.Entry<Object, String> c : revokeBulk.entrySet()) {
      Resp r = expect(422, post(grants(o.org()), c.getKey(), o.ownerToken()));
      assertEquals(c.getValue(), r.json().get("errors").get(0).get("field").asText(), r::toString);
    }
    // No body at all reads as {} (what Octokit's updatePatAccess({org, pat_id}) sends): 422 naming
    // the missing field.
    for (String[] c :
        new String[][] {
          {one, "action"}, {bulk, "action"}, {revokeOne, "action"}, {grants(o.org()), "action"}
        }) {
      Resp r = expect(422, post(c[0], null, o.ownerToken()));
      assertEquals(c[1], r.json().get("errors").get(0).get("field").asText(), r::toString);
      assertEquals(
          "missing_field", r.json().get("errors").get(0).get("code").asText(), r::toString);
    }
    assertEquals(
        new TreeSet<>(List.of(tokenId(r1), tokenId(r2))),
        new TreeSet<>(expect(200, get(grants(o.org()), o.ownerToken())).ids()),
        "refused revocations change nothing");
  }

  // ------------------------------------------------------------------ repositories of a request or
  // grant

  @Test
  @Order(50)
  void repositoriesFollowTheTokensSelection() {
    OrgSetup o = org("repos", 1, "a", "b", "c");
    String dev = o.members().get(0);
    JsonNode all = fx.fineGrained(dev, o.org(), "all", List.of(), Map.of("contents", "read"));
    JsonNode subset =
        fx.fineGrained(dev, o.org(), "subset", List.of("a", "c"), Map.of("contents", "read"));
    JsonNode none = fx.fineGrained(dev, o.org(), "none", List.of(), Map.of());

    Resp ra =
        expect(
            200, get(requests(o.org()) + "/" + requestId(all) + "/repositories", o.ownerToken()));
    assertEquals(Set.of("a", "b", "c"), ra.names());
    for (JsonNode repo : ra.json()) {
      assertEquals(o.org() + "/" + repo.get("name").asText(), repo.get("full_name").asText());
      assertEquals(o.org(), repo.get("owner").get("login").asText());
      assertEquals("Organization", repo.get("owner").get("type").asText());
      assertTrue(repo.get("private").asBoolean());
    }
    assertNull(ra.header("Link"));
    Resp paged =
        expect(
            200,
            get(
                requests(o.org()) + "/" + requestId(all) + "/repositories?per_page=2",
                o.ownerToken()));
    assertEquals(2, paged.json().size());
    assertEquals(Set.of("next", "last"), paged.links().keySet());
    Resp page2 = expect(200, send("GET", paged.links().get("next"), null, token(o.ownerToken())));
    assertEquals(1, page2.json().size());
    assertEquals(Set.of("prev", "first"), page2.links().keySet());
    assertTrue(query(paged.links().get("next")).get("per_page").contains("2"));
    expect(
        200,
        get(requests(o.org()) + "/" + requestId(all) + "/repositories?page=3", o.ownerToken()));

    assertEquals(
        Set.of("a", "c"),
        expect(
                200,
                get(requests(o.org()) + "/" + requestId(subset) + "/repositories", o.ownerToken()))
            .names());
    Resp rn =
        expect(
            200, get(requests(o.org()) + "/" + requestId(none) + "/repositories", o.ownerToken()));
    assertEquals("[]", rn.json().toString());

    expect(
        202,
        post(
            requests(o.org()),
            body(
                "pat_request_ids",
                List.of(requestId(all), requestId(subset), requestId(none)),
                "action",
                "approve"),
            o.ownerToken()));
    for (JsonNode t : List.of(all, subset, none)) {
      expect(404, get(requests(o.org()) + "/" + requestId(t) + "/repositories", o.ownerToken()));
    }
    fx.repo(o.org(), "d", "private");
    assertEquals(
        Set.of("a", "b", "c", "d"),
        expect(200, get(grants(o.org()) + "/" + tokenId(all) + "/repositories", o.ownerToken()))
            .names(),
        "selection all reaches repositories created later");
    assertEquals(
        Set.of("a", "c"),
        expect(200, get(grants(o.org()) + "/" + tokenId(subset) + "/repositories", o.ownerToken()))
            .names());
    assertEquals(
        0,
        expect(200, get(grants(o.org()) + "/" + tokenId(none) + "/repositories", o.ownerToken()))
            .json()
            .size());
    Resp gp =
        expect(
            200,
            get(
                grants(o.org()) + "/" + tokenId(all) + "/repositories?per_page=3&page=2",
                o.ownerToken()));
    assertEquals(Set.of("prev", "first"), gp.links().keySet());
  }

  // ------------------------------------------------------------------ 404s

  @Test
  @Order(60)
  void unknownOrganizationsAndIdsAreNotFound() {
    OrgSetup o = org("nf", 1, "app");
    OrgSetup other = org("nfother", 1, "app");
    JsonNode pending = fx.readAll(o.members().get(0), o.org());
    JsonNode foreign = fx.readAll(other.members().get(0), other.org());
    String ghost = "no-such-org-" + fx.unique("x");

    expect(404, get(requests(ghost), adminToken));
    expect(
        404,
        post(
            requests(ghost), body("pat_request_ids", List.of(1), "action", "approve"), adminToken));
    expect(404, post(requests(ghost) + "/1", body("action", "approve"), adminToken));
    expect(404, get(requests(ghost) + "/1/repositories", adminToken));
    expect(404, get(grants(ghost), adminToken));
    expect(404, post(grants(ghost), body("action", "revoke", "pat_ids", List.of(1)), adminToken));
    expect(404, post(grants(ghost) + "/1", body("action", "revoke"), adminToken));
    expect(404, get(grants(ghost) + "/1/repositories", adminToken));

    long nope = 987_654_321L;
    expect(404, post(requests(o.org()) + "/" + nope, body("action", "approve"), o.ownerToken()));
    expect(404, get(requests(o.org()) + "/" + nope + "/repositories", o.ownerToken()));
    expect(
        404,
        post(
            requests(o.org()),
            body("pat_request_ids", List.of(nope), "action", "deny"),
            o.ownerToken()));
    expect(404, post(grants(o.org()) + "/" + nope, body("action", "revoke"), o.ownerToken()));
    expect(
        404,
        post(grants(o.org()), body("action", "revoke", "pat_ids", List.of(nope)), o.ownerToken()));
    expect(404, get(grants(o.org()) + "/" + nope + "/repositories", o.ownerToken()));
    // Another organization's request or token is not found here.
    expect(
        404,
        post(requests(o.org()) + "/" + requestId(foreign), body("action", "approve"), adminToken));
    expect(404, get(requests(o.org()) + "/" + requestId(foreign) + "/repositories", adminToken));
    expect(
        404,
        post(
            requests(o.org()),
            body(
                "pat_request_ids",
                List.of(requestId(pending), requestId(foreign)),
                "action",
                "approve"),
            adminToken));
    // A pending request's token id is no grant.
    expect(
        404,
        post(grants(o.org()) + "/" + tokenId(pending), body("action", "revoke"), o.ownerToken()));
    expect(404, get(grants(o.org()) + "/" + tokenId(pending) + "/repositories", o.ownerToken()));
    // Ids that are not integers.
    expect(404, post(requests(o.org()) + "/abc", body("action", "approve"), o.ownerToken()));
    expect(404, get(grants(o.org()) + "/abc/repositories", o.ownerToken()));
    assertEquals(
        List.of(requestId(pending)), expect(200, get(requests(o.org()), o.ownerToken())).ids());
  }

  // ------------------------------------------------------------------ who may call

  @Test
  @Order(70)
  void authorizationMatrix() {
    OrgSetup o = org("authz", 1, "app");
    String dev = o.members().get(0);
    List<JsonNode> pending = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      pending.add(fx.readAll(dev, o.org()));
    }
    List<JsonNode> approved = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      approved.add(fx.readAll(dev, o.org()));
    }
    expect(
        202,
        post(
            requests(o.org()),
            body(
                "pat_request_ids",
                approved.stream().map(ApiFixtures::requestId).toList(),
                "action",
                "approve"),
            adminToken));
    String org = o.org();
    long p0 = requestId(pending.get(0));
    long g0 = tokenId(approved.get(0));

    // Every operation once, with a valid body that would change state.
    Map<Op, String[]> calls = new EnumMap<>(Op.class);
    calls.put(Op.LIST_REQUESTS, new String[] {"GET", requests(org), null});
    calls.put(
        Op.REVIEW_REQUESTS,
        new String[] {
          "POST", requests(org), "{\"pat_request_ids\":[" + p0 + "],\"action\":\"approve\"}"
        });
    calls.put(
        Op.REVIEW_REQUEST,
        new String[] {"POST", requests(org) + "/" + p0, "{\"action\":\"approve\"}"});
    calls.put(
        Op.LIST_REQUEST_REPOSITORIES,
        new String[] {"GET", requests(org) + "/" + p0 + "/repositories", null});
    calls.put(Op.LIST_GRANTS, new String[] {"GET", grants(org), null});
    calls.put(
        Op.UPDATE_ACCESSES,
        new String[] {"POST", grants(org), "{\"action\":\"revoke\",\"pat_ids\":[" + g0 + "]}"});
    calls.put(
        Op.UPDATE_ACCESS, new String[] {"POST", grants(org) + "/" + g0, "{\"action\":\"revoke\"}"});
    calls.put(
        Op.LIST_GRANT_REPOSITORIES,
        new String[] {"GET", grants(org) + "/" + g0 + "/repositories", null});

    // Owner and member tokens.
    String memberAdminOrg = plaintext(fx.classic(dev, List.of("admin:org", "repo")));
    String ownerRepoOnly = plaintext(fx.classic(o.owner(), List.of("repo")));
    String reqRead =
        plaintext(
            fx.fineGrained(
                o.owner(),
                org,
                "none",
                List.of(),
                Map.of("organization_personal_access_token_requests", "read")));
    String reqWrite =
        plaintext(
            fx.fineGrained(
                o.owner(),
                org,
                "none",
                List.of(),
                Map.of("organization_personal_access_token_requests", "write")));
    String patRead =
        plaintext(
            fx.fineGrained(
                o.owner(),
                org,
                "none",
                List.of(),
                Map.of("organization_personal_access_tokens", "read")));
    String patWrite =
        plaintext(
            fx.fineGrained(
                o.owner(),
                org,
                "none",
                List.of(),
                Map.of("organization_personal_access_tokens", "write")));
    String adminOnly =
        plaintext(
            fx.fineGrained(
                o.owner(), org, "none", List.of(), Map.of("organization_administration", "write")));
    String otherOrg = fx.org("authzother", o.owner());
    String elsewhere =
        plaintext(
            fx.fineGrained(
                o.owner(),
                otherOrg,
                "none",
                List.of(),
                Map.of(
                    "organization_personal_access_token_requests",
                    "write",
                    "organization_personal_access_tokens",
                    "write")));
    // A member's fine-grained token with the right permission is still not an owner's.
    fx.approvalNotRequired(org);
    String memberFine =
        plaintext(
            fx.fineGrained(
                dev,
                org,
                "none",
                List.of(),
                Map.of(
                    "organization_personal_access_token_requests",
                    "write",
                    "organization_personal_access_tokens",
                    "write")));

    Set<Op> requestsReads = Set.of(Op.LIST_REQUESTS, Op.LIST_REQUEST_REPOSITORIES);
    Set<Op> grantsReads = Set.of(Op.LIST_GRANTS, Op.LIST_GRANT_REPOSITORIES);
    Map<String, Set<Op>> allowedReadOnly = new LinkedHashMap<>();
    allowedReadOnly.put("member, classic admin:org", Set.of());
    allowedReadOnly.put("owner, classic without admin:org", Set.of());
    allowedReadOnly.put("owner, fine-grained requests:read", requestsReads);
    allowedReadOnly.put("owner, fine-grained tokens:read", grantsReads);
    allowedReadOnly.put("owner, fine-grained administration only", Set.of());
    allowedReadOnly.put("owner, fine-grained on another organization", Set.of());
    allowedReadOnly.put("member, fine-grained requests+tokens:write", Set.of());
    Map<String, String> tokens =
        Map.of(
            "member, classic admin:org", memberAdminOrg,
            "owner, classic without admin:org", ownerRepoOnly,
            "owner, fine-grained requests:read", reqRead,
            "owner, fine-grained tokens:read", patRead,
            "owner, fine-grained administration only", adminOnly,
            "owner, fine-grained on another organization", elsewhere,
            "member, fine-grained requests+tokens:write", memberFine);
    for (Map.Entry<String, Set<Op>> who : allowedReadOnly.entrySet()) {
      for (Map.Entry<Op, String[]> c : calls.entrySet()) {
        String[] call = c.getValue();
        Resp r = send(call[0], call[1], call[2], token(tokens.get(who.getKey())));
        int want = who.getValue().contains(c.getKey()) ? 200 : 403;
        assertEquals(want, r.status(), () -> who.getKey() + ": " + r);
      }
    }
    // Nothing changed.
    assertEquals(4, expect(200, get(requests(org), adminToken)).json().size());
    assertEquals(
        3 + 6,
        expect(200, get(grants(org), adminToken)).json().size(),
        "3 grants, 5 owner tokens, 1 member token");

    // No credentials: 401 Requires authentication; a bad token: 401 Bad credentials.
    String unknown = TokenFormat.generate(TokenKind.CLASSIC, new SecureRandom());
    for (Map.Entry<Op, String[]> c : calls.entrySet()) {
      String[] call = c.getValue();
      Resp anon = send(call[0], call[1], call[2], null);
      assertEquals(401, anon.status(), anon::toString);
      assertEquals("Requires authentication", anon.json().get("message").asText(), anon::toString);
      Resp bad = send(call[0], call[1], call[2], "token " + unknown);
      assertEquals(401, bad.status(), bad::toString);
      assertEquals("Bad credentials", bad.json().get("message").asText(), bad::toString);
    }

    // Both schemes, for the site admin and an owner's classic admin:org token.
    for (String scheme : List.of("token ", "Bearer ")) {
      for (String t : List.of(adminToken, o.ownerToken())) {
        assertEquals(4, expect(200, send("GET", requests(org), null, scheme + t)).json().size());
        expect(200, send("GET", grants(org) + "/" + g0 + "/repositories", null, scheme + t));
      }
    }

    // Write permissions do the writes.
    expect(
        204,
        send("POST", requests(org) + "/" + p0, "{\"action\":\"approve\"}", "Bearer " + reqWrite));
    expect(
        202,
        send(
            "POST",
            requests(org),
            "{\"pat_request_ids\":[" + requestId(pending.get(1)) + "],\"action\":\"deny\"}",
            "token " + reqWrite));
    expect(200, send("GET", requests(org), null, "token " + reqWrite));
    expect(
        204, send("POST", grants(org) + "/" + g0, "{\"action\":\"revoke\"}", "token " + patWrite));
    expect(
        202,
        send(
            "POST",
            grants(org),
            "{\"action\":\"revoke\",\"pat_ids\":[" + tokenId(approved.get(1)) + "]}",
            "Bearer " + patWrite));
    expect(200, send("GET", grants(org), null, "token " + patWrite));
    expect(
        204,
        send(
            "POST",
            requests(org) + "/" + requestId(pending.get(2)),
            "{\"action\":\"deny\"}",
            "Bearer " + o.ownerToken()));
    expect(
        204,
        send(
            "POST",
            grants(org) + "/" + tokenId(approved.get(2)),
            "{\"action\":\"revoke\"}",
            "token " + o.ownerToken()));
    expect(
        204,
        send(
            "POST",
            requests(org) + "/" + requestId(pending.get(3)),
            "{\"action\":\"approve\"}",
            "token " + adminToken));
    assertEquals(0, expect(200, get(requests(org), adminToken)).json().size());
  }

  // ------------------------------------------------------------------ POST /credentials/revoke

  @Test
  @Order(80)
  void credentialsRevokeNeedsNoAuthRevokesRealTokensAndRevealsNothing() throws Exception {
    OrgSetup o = org("leak", 1, "app");
    String dev = o.members().get(0);
    fx.approvalNotRequired(o.org());
    JsonNode leaked = fx.readAll(dev, o.org());
    JsonNode kept = fx.readAll(dev, o.org());
    assertClones(dev, plaintext(leaked), o.org(), "app");
    String fake = TokenFormat.generate(TokenKind.FINE_GRAINED, new SecureRandom());
    String fake2 = TokenFormat.generate(TokenKind.CLASSIC, new SecureRandom());

    Resp withReal =
        send(
            "POST",
            "/credentials/revoke",
            body("credentials", List.of(fake, "not-a-token", plaintext(leaked))),
            null);
    Resp onlyFake = send("POST", "/credentials/revoke", body("credentials", List.of(fake2)), null);
    Resp badAuth =
        send(
            "POST", "/credentials/revoke", body("credentials", List.of(fake)), "token pcc_garbage");
    for (Resp r : List.of(withReal, onlyFake, badAuth)) {
      assertEquals(202, r.status(), r::toString);
      assertEquals("{}", r.json().toString(), r::toString);
    }
    assertEquals(
        withReal.body(),
        onlyFake.body(),
        "the answer says nothing about which credentials were real");
    assertEquals(headerNames(withReal), headerNames(onlyFake));

    assertCloneRefused(dev, plaintext(leaked), o.org(), "app", 401, null);
    Resp api = expect(401, get(requests(o.org()), plaintext(leaked)));
    assertEquals("Bad credentials", api.json().get("message").asText());
    assertClones(dev, plaintext(kept), o.org(), "app");
    List<Long> listed = expect(200, get(grants(o.org()), o.ownerToken())).ids();
    assertFalse(
        listed.contains(tokenId(leaked)),
        "a revoked credential's grant is no longer listed: " + listed);
    assertTrue(listed.contains(tokenId(kept)));

    Resp again =
        send("POST", "/credentials/revoke", body("credentials", List.of(plaintext(leaked))), null);
    assertEquals(202, again.status(), again::toString);
    assertEquals(
        422,
        send("POST", "/credentials/revoke", body("credentials", List.of()), null).status(),
        "GitHub's schema asks for 1–1000 credentials");
  }

  private static Set<String> headerNames(Resp r) {
    Set<String> names = new TreeSet<>(r.headers().map().keySet());
    names.remove("date");
    return names;
  }

  // ------------------------------------------------------------------ once-found mismatches, now
  // fixed

  /**
   * The two repositories operations document 403/404/500 only: bad paging falls back to the
   * defaults.
   */
  @Test
  @Order(90)
  void repositoriesOperationsAnswerOnlyDocumentedStatuses() {
    OrgSetup o = org("repo422", 1, "a");
    JsonNode t = fx.readAll(o.members().get(0), o.org());
    for (String q : List.of("per_page=0", "page=abc", "per_page=x")) {
      Resp r = get(requests(o.org()) + "/" + requestId(t) + "/repositories?" + q, o.ownerToken());
      assertEquals(200, r.status(), r::toString);
    }
  }

  /**
   * A deleted token's pending request is gone everywhere: not listed, no repositories, cannot be
   * reviewed.
   */
  @Test
  @Order(91)
  void aDeletedTokensRequestIsNotFoundEverywhere() {
    OrgSetup o = org("deleted", 1, "a");
    JsonNode t = fx.readAll(o.members().get(0), o.org());
    expect(
        202, send("POST", "/credentials/revoke", body("credentials", List.of(plaintext(t))), null));
    assertEquals(List.of(), expect(200, get(requests(o.org()), o.ownerToken())).ids());
    expect(404, get(requests(o.org()) + "/" + requestId(t) + "/repositories", o.ownerToken()));
    expect(
        404,
        post(requests(o.org()) + "/" + requestId(t), body("action", "approve"), o.ownerToken()));
  }

  // ------------------------------------------------------------------ coverage of the contract

  @Test
  @Order(100)
  void everyOperationAndDocumentedStatusWasCheckedAgainstTheContract() {
    List<String> missing = new ArrayList<>();
    for (Op op : Op.values()) {
      Set<Integer> want = new TreeSet<>(op.documentedErrors());
      want.add(op.success());
      Set<Integer> got = covered.getOrDefault(op, Set.of());
      for (int s : want) {
        if (!got.contains(s)) {
          missing.add(op + " " + s);
        }
      }
      if (!covered401.containsKey(op)) {
        missing.add(op + " 401");
      }
    }
    assertEquals(
        List.of(),
        missing,
        "statuses never validated against the contract; validated " + validated + " answers");
    assertTrue(validated > 250, "validated " + validated + " answers");
  }
}
