package dev.portcullis.gateway;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * The absolute URLs of API answers ({@code Link}, {@code url}, {@code clone_url}, …) never come
 * from what the client sent ({@code Host}, an absolute request target, {@code X-Forwarded-Host}
 * from a peer that is not a trusted proxy): octokit.paginate follows {@code Link} with the caller's
 * credentials. Two gateways: one without {@code --public-url}, one with it; 127.0.0.9 is a trusted
 * proxy of both.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class PublicUrlEndToEndTest {
  private static final Pattern URL = Pattern.compile("https?://[^\\s\"<>,;]+");
  private static final String EVIL = "evil.example";
  @TempDir static Path tmp;
  private final AtomicInteger seq = new AtomicInteger();
  private Node plain;
  private Node published;

  /** One gateway and what the test made on it. */
  private record Node(Gateway gateway, String adminToken, long grantAll) {
    int httpPort() {
      return URI.create(gateway.httpUrl()).getPort();
    }

    int httpsPort() {
      return URI.create(gateway.httpsUrl()).getPort();
    }
  }

  @BeforeAll
  void start() throws Exception {
    plain = node("plain", null);
    published = node("published", "https://git.example.com");
  }

  @AfterAll
  void stop() {
    plain.gateway().close();
    published.gateway().close();
  }

  private Node node(String name, String publicUrl) throws Exception {
    GatewayConfig cfg =
        GatewayConfig.defaults(tmp.resolve(name))
            .withPorts(0, 0)
            .withTrustedProxies(List.of("127.0.0.9"));
    if (publicUrl != null) {
      cfg = cfg.withPublicUrl(publicUrl);
    }
    Gateway g = Gateway.start(cfg);
    String token = Files.readString(tmp.resolve(name).resolve("admin-token")).strip();
    TestApi admin = new TestApi(g.httpUrl(), token);
    ApiFixtures fx = new ApiFixtures(g, admin);
    admin.expect(201, "POST", "/admin/users", Map.of("login", "alice"));
    admin.expect(201, "POST", "/admin/users", Map.of("login", "bob"));
    admin.expect(201, "POST", "/admin/organizations", Map.of("login", "acme", "admin", "alice"));
    fx.member("acme", "bob");
    for (String r : List.of("one", "two", "three")) {
      admin.expect(201, "POST", "/orgs/acme/repos", Map.of("name", r, "visibility", "private"));
    }
    // Two pending requests, two approved grants (one reaching every repository).
    fx.readAll("bob", "acme");
    fx.readAll("bob", "acme");
    long grantAll = 0;
    for (int i = 0; i < 2; i++) {
      JsonNode t = fx.readAll("bob", "acme");
      admin.expect(
          204,
          "POST",
          "/orgs/acme/personal-access-token-requests/" + ApiFixtures.requestId(t),
          Map.of("action", "approve"));
      grantAll = ApiFixtures.tokenId(t);
    }
    return new Node(g, token, grantAll);
  }

  /** Calls that answer with absolute URLs: method, path, body. */
  private List<String[]> calls(Node n) {
    String u = "u" + seq.incrementAndGet();
    return List.of(
        new String[] {"GET", "/api/v3/user", null},
        new String[] {"POST", "/api/v3/admin/users", "{\"login\":\"" + u + "\"}"},
        new String[] {
          "POST", "/api/v3/admin/organizations", "{\"login\":\"o" + u + "\",\"admin\":\"alice\"}"
        },
        new String[] {
          "POST", "/api/v3/orgs/acme/repos", "{\"name\":\"r" + u + "\",\"visibility\":\"public\"}"
        },
        new String[] {"GET", "/api/v3/orgs/acme/personal-access-token-requests?per_page=1", null},
        new String[] {"GET", "/api/v3/orgs/acme/personal-access-tokens?per_page=1", null},
        new String[] {
          "GET",
          "/api/v3/orgs/acme/personal-access-tokens/" + n.grantAll() + "/repositories?per_page=1",
          null
        },
        new String[] {"GET", "/api/v3/admin/audit-log?per_page=1", null});
  }

  /**
   * Sends every call from {@code source} through {@code send} and checks that no answer holds
   * {@code evil.example} and that every absolute URL starts with {@code base}.
   */
  private void check(Node n, String base, Sender send) {
    List<String> links = new ArrayList<>();
    for (String[] c : calls(n)) {
      SourcedHttp.Response r = send.send(c[0], c[1], c[2]);
      String where = c[0] + " " + c[1] + ": " + r;
      assertTrue(r.status() >= 200 && r.status() < 300, where);
      assertFalse(r.all().toLowerCase(Locale.ROOT).contains(EVIL), where);
      Matcher m = URL.matcher(r.all());
      int urls = 0;
      while (m.find()) {
        urls++;
        String url = m.group();
        assertTrue(url.equals(base) || url.startsWith(base + "/"), url + " in " + where);
      }
      assertTrue(urls > 0, "absolute URLs in " + where);
      if (c[1].contains("per_page=1")) {
        assertNotNull(r.header("Link"), where);
        links.add(r.header("Link"));
      }
    }
    assertEquals(4, links.size());
  }

  @FunctionalInterface
  private interface Sender {
    SourcedHttp.Response send(String method, String target, String body);
  }

  /** From {@code source} over plain HTTP with {@code Host: evil.example} and extra headers. */
  private Sender from(Node n, String source, String... headers) {
    List<String> h = new ArrayList<>(List.of(SourcedHttp.token(n.adminToken())));
    h.addAll(List.of(headers));
    return (method, target, body) ->
        SourcedHttp.send(source, n.httpPort(), method, target, EVIL, h, body);
  }

  private void hostileRequests(Node n, String base) {
    // A Host header of the client's choosing.
    check(n, base, from(n, "127.0.0.1"));
    // An absolute request target naming another host.
    Sender absolute = from(n, "127.0.0.1");
    check(n, base, (m, t, b) -> absolute.send(m, "http://" + EVIL + t, b));
    // Forwarded headers from a peer that is not a trusted proxy.
    check(
        n,
        base,
        from(
            n,
            "127.0.0.1",
            "X-Forwarded-Host: " + EVIL,
            "X-Forwarded-Proto: https",
            "Forwarded: host=" + EVIL));
    // A trusted proxy's malformed forwarded host is not used either.
    check(n, base, from(n, "127.0.0.9", "X-Forwarded-Host: " + EVIL + "/x@y"));
  }

  @Test
  void withoutPublicUrlTheListenersOwnAddress() {
    hostileRequests(plain, "http://127.0.0.1:" + plain.httpPort());
    // Over TLS, the HTTPS listener's address and scheme. (Jetty refuses over TLS a Host that the
    // certificate does not name, so this one names its other name, with a wrong port.)
    check(
        plain,
        "https://127.0.0.1:" + plain.httpsPort(),
        (m, t, b) ->
            SourcedHttp.sendTls(
                plain.httpsPort(),
                m,
                t,
                "localhost:1",
                List.of(SourcedHttp.token(plain.adminToken())),
                b));
    // A trusted proxy names the public host and scheme.
    check(
        plain,
        "https://git.public.example",
        from(
            plain,
            "127.0.0.9",
            "X-Forwarded-Host: git.public.example",
            "X-Forwarded-Proto: https"));
  }

  @Test
  void withPublicUrlAlwaysThePublicUrl() {
    hostileRequests(published, "https://git.example.com");
    check(
        published,
        "https://git.example.com",
        from(
            published,
            "127.0.0.9",
            "X-Forwarded-Host: git.public.example",
            "X-Forwarded-Proto: http"));
  }
}
