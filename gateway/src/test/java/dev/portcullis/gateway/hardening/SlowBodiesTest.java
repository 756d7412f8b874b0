package dev.portcullis.gateway.hardening;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.gateway.Gateway;
import dev.portcullis.gateway.GatewayConfig;
import dev.portcullis.gateway.Limits;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Slow request bodies against the default configuration (200 worker threads): sockets that send
 * their headers and then one body byte every few seconds must not take the server from everyone
 * else. All on loopback; the attackers use addresses of their own in 127.0.0.0/8, the probe (the
 * real git CLI, the JDK's HTTP client) comes from 127.0.0.1.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SlowBodiesTest {
  @TempDir static Path tmp;
  private GitFixture fx;

  @BeforeAll
  void start() throws Exception {
    fx = new GitFixture(tmp);
  }

  @AfterAll
  void stop() {
    fx.close();
  }

  /** The head of a POST whose body of 1,000 bytes is still to come. */
  private byte[] slowHead(boolean api) {
    String target = api ? "/api/v3/credentials/revoke" : "/alice/pub.git/git-upload-pack";
    String type = api ? "application/json" : "application/x-git-upload-pack-request";
    return RawHttp.latin1(
        "POST "
            + target
            + " HTTP/1.1\r\nHost: 127.0.0.1:"
            + fx.port
            + "\r\nContent-Type: "
            + type
            + "\r\nContent-Length: 1000\r\n\r\n");
  }

  private Socket connect(String source) throws IOException {
    Socket s = new Socket();
    s.bind(new InetSocketAddress(InetAddress.getByName(source), 0));
    s.connect(new InetSocketAddress("127.0.0.1", fx.port), 5_000);
    return s;
  }

  /** The status of what the server has sent on {@code s} so far, or 0 when it has sent nothing. */
  private static int answered(Socket s) throws IOException {
    InputStream in = s.getInputStream();
    if (in.available() == 0) {
      return 0;
    }
    byte[] b = new byte[Math.min(in.available(), 4096)];
    int n = in.read(b);
    String head = new String(b, 0, Math.max(n, 0), StandardCharsets.ISO_8859_1);
    return head.startsWith("HTTP/1.1 ") && head.length() >= 12
        ? Integer.parseInt(head.substring(9, 12))
        : -1;
  }

  /**
   * 200 sockets, from four addresses (50 each, the default cap), half of them API calls (as in the
   * report), half anonymous upload-pack requests to a public repository. Each sends its head and a
   * first body byte, then one byte every 3 s; one the server answers or closes is replaced at once,
   * so the pressure stays while the probe runs.
   */
  private final class Attack implements AutoCloseable {
    private final List<Socket> sockets = new ArrayList<>();
    private final List<String> sources = new ArrayList<>();
    private final List<Boolean> kinds = new ArrayList<>();

    /** Status → count, per kind ("api", "upload-pack"); -1 = closed without an answer. */
    final Map<String, Integer> outcomes = new TreeMap<>();

    private final Thread trickler;
    private volatile boolean running = true;

    Attack() throws IOException {
      for (int i = 0; i < 200; i++) {
        sources.add("127.0.0." + (10 + i % 4));
        kinds.add(i % 2 == 0);
        sockets.add(open(i));
      }
      trickler = new Thread(this::trickle, "slow-body-attack");
      trickler.setDaemon(true);
      trickler.start();
    }

    private Socket open(int i) throws IOException {
      Socket s = connect(sources.get(i));
      s.getOutputStream().write(slowHead(kinds.get(i)));
      s.getOutputStream().write('{');
      s.getOutputStream().flush();
      return s;
    }

    private void trickle() {
      while (running) {
        for (int i = 0; i < sockets.size() && running; i++) {
          Socket s = sockets.get(i);
          try {
            int status = answered(s);
            if (status == 0) {
              s.getOutputStream().write(' ');
              s.getOutputStream().flush();
            } else {
              replace(i, status);
            }
          } catch (IOException e) {
            replace(i, -1);
          }
          sleep(15); // 200 sockets × 15 ms: each gets a byte every 3 s
        }
      }
    }

    private void replace(int i, int status) {
      synchronized (outcomes) {
        outcomes.merge((kinds.get(i) ? "api " : "upload-pack ") + status, 1, Integer::sum);
      }
      closeQuietly(sockets.get(i));
      try {
        sockets.set(i, open(i));
      } catch (IOException e) {
        // Not accepted right now: tried again on the next round.
      }
    }

    Map<String, Integer> outcomes() {
      synchronized (outcomes) {
        return new TreeMap<>(outcomes);
      }
    }

    @Override
    public void close() throws InterruptedException {
      running = false;
      trickler.join(10_000);
      sockets.forEach(SlowBodiesTest::closeQuietly);
    }
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException e) {
      // already gone
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Test
  void slowBodiesDoNotTakeTheServerFromOthers() throws Exception {
    int logFrom = fx.logEvents();
    Hardening.Api admin =
        new Hardening.Api(
            fx.gateway.httpUrl(),
            Hardening.adminToken(tmp.resolve("data")),
            Duration.ofSeconds(20));
    Hardening.GitResult clone;
    String user;
    String revoke;
    Map<String, Integer> outcomes;
    long started = System.nanoTime();
    try (Attack attack = new Attack()) {
      Thread.sleep(1_500); // every attacking request has reached the servlets
      Path dir = fx.workDir("probe");
      clone = fx.git.run(dir, 45, "clone", fx.gateway.httpUrl() + "/alice/pub.git", "pub");
      user = status(admin, "GET", "/user", null);
      revoke =
          status(
              admin,
              "POST",
              "/credentials/revoke",
              Map.of("credentials", List.of("pcc_" + "A".repeat(38))));
      // Long enough for every kind of attacking request to have been cut at least once.
      while (System.nanoTime() - started < Duration.ofSeconds(12).toNanos()) {
        Thread.sleep(200);
      }
      outcomes = attack.outcomes();
    }
    System.out.println("slow-body attack outcomes (kind status → count): " + outcomes);
    assertTrue(clone.ok(), "the probe clones during the attack: " + clone);
    assertTrue(user.startsWith("200 "), "GET /user during the attack: " + user);
    assertTrue(revoke.startsWith("202 "), "POST /credentials/revoke during the attack: " + revoke);
    // Every attacking request was answered 408 (too slow), or 429, and nothing else.
    for (String outcome : outcomes.keySet()) {
      assertTrue(
          outcome.endsWith(" 408") || outcome.endsWith(" 429"),
          "an attacking request got " + outcome + ": " + outcomes);
    }
    assertTrue(outcomes.containsKey("api 408"), "slow API bodies are cut: " + outcomes);
    assertTrue(
        outcomes.containsKey("upload-pack 408"), "slow upload-pack bodies are cut: " + outcomes);
    assertEquals(
        List.of(), fx.noisySince(logFrom), "no warning or stack trace in the log for slow bodies");
  }

  /** An API call's status and body, or why there was none (the client's timeout is bounded). */
  private static String status(Hardening.Api api, String method, String path, Object body) {
    try {
      return api.call(method, path, body).toString();
    } catch (IOException e) {
      return "no answer: " + e;
    }
  }

  /**
   * The configuration of the report, 24 worker threads, and 30 API calls that send their head and
   * then nothing: their bodies are awaited without a thread each, so other requests are answered at
   * once, and each gets 408 at the body deadline (10 s by default).
   */
  @Test
  void awaitedApiBodiesHoldNoThread() throws Exception {
    try (Gateway small =
        Gateway.start(
            GatewayConfig.defaults(tmp.resolve("small")).withPorts(0, 0).withMaxThreads(24))) {
      int port = URI.create(small.httpUrl()).getPort();
      List<Socket> waiting = new ArrayList<>();
      try {
        for (int i = 0; i < 30; i++) {
          Socket s = new Socket();
          s.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.40"), 0));
          s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
          s.getOutputStream()
              .write(
                  RawHttp.latin1(
                      "POST /api/v3/credentials/revoke HTTP/1.1\r\nHost: 127.0.0.1:"
                          + port
                          + "\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"));
          s.getOutputStream().flush();
          waiting.add(s);
        }
        Thread.sleep(500);
        // Both need a worker thread; with the 30 bodies each holding one, neither would come.
        RawHttp.Response git =
            RawHttp.exchange(
                port,
                RawHttp.head(
                    "GET",
                    "/nobody/none.git/info/refs?service=git-upload-pack",
                    port,
                    List.of(),
                    null),
                null,
                5_000);
        assertTrue(git.status() == 401 || git.status() == 404, git::describe);
        RawHttp.Response api =
            RawHttp.exchange(
                port, RawHttp.head("GET", "/api/v3/user", port, List.of(), null), null, 5_000);
        assertEquals(401, api.status(), api::describe);
        // At the body deadline every waiting call is answered 408, in GitHub's error shape.
        for (Socket s : waiting) {
          s.setSoTimeout(20_000);
          String answer =
              new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
          assertTrue(answer.startsWith("HTTP/1.1 408 "), answer);
          assertTrue(
              answer.contains("\"message\" : \"Request body not received within 10 seconds\""),
              answer);
        }
      } finally {
        waiting.forEach(SlowBodiesTest::closeQuietly);
      }
    }
  }

  /**
   * An API call past its longest duration has its connection closed, whatever it is waiting for:
   * here a body that never comes, with a body deadline longer than the call's longest duration.
   */
  @Test
  void anApiCallPastItsLongestDurationIsClosed() throws Exception {
    Limits d = Limits.DEFAULT;
    Limits limits =
        new Limits(
            d.maxPackBytes(),
            d.maxObjectBytes(),
            d.failedAuth(),
            d.minDataRateBytesPerSecond(),
            d.idleTimeout(),
            d.maxRequestDuration(),
            d.auditEachRead(),
            d.maxRequestsPerClient(),
            d.minBodyRateBytesPerSecond(),
            Duration.ofSeconds(30),
            Duration.ofSeconds(1));
    try (Gateway g =
        Gateway.start(
            GatewayConfig.defaults(tmp.resolve("watched")).withPorts(0, 0).withLimits(limits))) {
      int port = URI.create(g.httpUrl()).getPort();
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
        s.setSoTimeout(15_000);
        s.getOutputStream()
            .write(
                RawHttp.latin1(
                    "POST /api/v3/credentials/revoke HTTP/1.1\r\nHost: 127.0.0.1:"
                        + port
                        + "\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n"));
        s.getOutputStream().flush();
        // Closed by the watchdog after about a second: no answer, the end of the stream.
        byte[] answer = s.getInputStream().readAllBytes();
        assertEquals("", new String(answer, StandardCharsets.ISO_8859_1));
      }
    }
  }

  /** Sends a whole GET from {@code source} and reads the answer (bounded). */
  private String get(String source, String target, String authorization) throws IOException {
    try (Socket s = connect(source)) {
      s.setSoTimeout(10_000);
      s.getOutputStream()
          .write(
              RawHttp.latin1(
                  "GET "
                      + target
                      + " HTTP/1.1\r\nHost: 127.0.0.1:"
                      + fx.port
                      + "\r\nConnection: close\r\n"
                      + (authorization == null ? "" : "Authorization: " + authorization + "\r\n")
                      + "\r\n"));
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try {
        s.getInputStream().transferTo(out);
      } catch (SocketTimeoutException e) {
        return "(no answer in 10 s) " + out.toString(StandardCharsets.ISO_8859_1);
      }
      return out.toString(StandardCharsets.ISO_8859_1);
    }
  }

  @Test
  void aClientPastItsCapIsAnswered429AndGetsItsSlotsBack() throws Exception {
    String infoRefs = "/alice/pub.git/info/refs?service=git-upload-pack";
    List<Socket> held = new ArrayList<>();
    try {
      // The default cap: 50 API calls whose bodies have not come yet are all in flight.
      for (int i = 0; i < 50; i++) {
        Socket s = connect("127.0.0.30");
        s.getOutputStream().write(slowHead(true));
        s.getOutputStream().flush();
        held.add(s);
      }
      // Once the server has taken in all 50 (a request admitted before then just answers 200), the
      // next one from that address is refused at once.
      String git = "";
      for (int i = 0; i < 50 && !git.startsWith("HTTP/1.1 429 "); i++) {
        Thread.sleep(100);
        git = get("127.0.0.30", infoRefs, null);
      }
      assertTrue(git.startsWith("HTTP/1.1 429 "), git);
      assertTrue(
          git.contains("Too many concurrent requests from 127.0.0.30: at most 50 at a time."), git);
      String api = get("127.0.0.30", "/api/v3/user", "token " + fx.aliceToken);
      assertTrue(api.startsWith("HTTP/1.1 429 "), api);
      assertTrue(api.contains("\"message\":\"Too many concurrent requests from 127.0.0.30"), api);
      // Another address is served as usual.
      String other = get("127.0.0.31", infoRefs, null);
      assertTrue(other.startsWith("HTTP/1.1 200 "), other);
    } finally {
      held.forEach(SlowBodiesTest::closeQuietly);
    }
    // Once its requests have ended, the address is served again.
    String again = "";
    for (int i = 0; i < 50 && !again.startsWith("HTTP/1.1 200 "); i++) {
      Thread.sleep(100);
      again = get("127.0.0.30", infoRefs, null);
    }
    assertTrue(again.startsWith("HTTP/1.1 200 "), again);
  }
}
