package dev.portcullis.gateway.notify;

import dev.portcullis.policy.store.WebhookStore;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node's webhook sender: claims the due deliveries of the outbox (a lease, so no other node
 * attempts the same one meanwhile), renders an event's payload at its first attempt and keeps it,
 * POSTs it with GitHub's headers and signature (10 s timeout, redirects not followed), logs the
 * attempt and settles the delivery: delivered on a 2xx, else tried again after 1 min, 5 min, 30
 * min, 2 h and 12 h, then failed. A redelivery asked for through the API is one attempt. The URL is
 * checked again before every attempt, since its name may now resolve to a private address. The
 * clock and the retry delays are injected, so tests move time instead of sleeping.
 *
 * <p>Logs name the hook, the delivery's guid and the URL's host, never a secret.
 */
public final class WebhookSender {
  private static final Logger LOG = LoggerFactory.getLogger("portcullis.webhooks");

  /** GitHub never retries; Portcullis does, after these delays. */
  public static final List<Duration> RETRIES =
      List.of(
          Duration.ofMinutes(1),
          Duration.ofMinutes(5),
          Duration.ofMinutes(30),
          Duration.ofHours(2),
          Duration.ofHours(12));

  /** How long a claim holds; a batch stops at half of it. */
  public static final Duration LEASE = Duration.ofMinutes(5);

  public static final Duration TIMEOUT = Duration.ofSeconds(10);
  static final int BATCH = 10;
  private static final int MAX_RESPONSE_BODY = 20_000;

  /** Renders an event's payload; empty when what it is about is gone. */
  @FunctionalInterface
  public interface Payloads {
    Optional<String> render(WebhookStore.Delivery delivery, WebhookStore.Hook hook);
  }

  private final WebhookStore store;
  private final Payloads payloads;
  private final WebhookSecrets secrets;
  private final Clock clock;
  private final boolean allowPrivate;
  private final List<Duration> retries;
  private final String userAgent;
  private final String node;
  private final HttpClient verifying;
  private final HttpClient insecure;
  private final AtomicLong delivered = new AtomicLong();
  private final AtomicLong failedAttempts = new AtomicLong();

  public WebhookSender(
      WebhookStore store,
      Payloads payloads,
      WebhookSecrets secrets,
      Clock clock,
      boolean allowPrivate,
      List<Duration> retries,
      String version) {
    this.store = store;
    this.payloads = payloads;
    this.secrets = secrets;
    this.clock = clock;
    this.allowPrivate = allowPrivate;
    this.retries = List.copyOf(retries);
    this.userAgent = "Portcullis-Hookshot/" + version;
    this.node = nodeId();
    this.verifying = client(null);
    this.insecure = client(trustingEveryone());
  }

  private static HttpClient client(SSLContext tls) {
    HttpClient.Builder b =
        HttpClient.newBuilder()
            // As GitHub posts: HTTP/1.1, no h2c upgrade offered to the receiver.
            .version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER)
            .connectTimeout(TIMEOUT);
    if (tls != null) {
      b.sslContext(tls);
    }
    return b.build();
  }

  /** {@code insecure_ssl: "1"}: the hook's owner asked for no certificate check. */
  private static SSLContext trustingEveryone() {
    X509ExtendedTrustManager all =
        new X509ExtendedTrustManager() {
          @Override
          public void checkClientTrusted(X509Certificate[] c, String a, java.net.Socket s) {}

          @Override
          public void checkServerTrusted(X509Certificate[] c, String a, java.net.Socket s) {}

          @Override
          public void checkClientTrusted(X509Certificate[] c, String a, SSLEngine e) {}

          @Override
          public void checkServerTrusted(X509Certificate[] c, String a, SSLEngine e) {}

          @Override
          public void checkClientTrusted(X509Certificate[] c, String a) {}

          @Override
          public void checkServerTrusted(X509Certificate[] c, String a) {}

          @Override
          public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
          }
        };
    try {
      SSLContext tls = SSLContext.getInstance("TLS");
      tls.init(null, new TrustManager[] {all}, new SecureRandom());
      return tls;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String nodeId() {
    byte[] r = new byte[6];
    new SecureRandom().nextBytes(r);
    return "hooks-" + ProcessHandle.current().pid() + "-" + HexFormat.of().formatHex(r);
  }

  /**
   * Claims and attempts what is due now; returns how many were delivered. Never throws: a store
   * that cannot be reached is tried again at the next run.
   */
  public int deliverDue() {
    Instant claimedAt = clock.instant();
    List<WebhookStore.Delivery> due;
    try {
      due = store.claimDue(claimedAt, node, claimedAt.plus(LEASE), BATCH);
    } catch (RuntimeException e) {
      LOG.warn("could not read the webhook outbox: {}", e.toString());
      return 0;
    }
    Instant stopAt = claimedAt.plus(LEASE.dividedBy(2));
    int count = 0;
    for (WebhookStore.Delivery d : due) {
      if (clock.instant().isAfter(stopAt)) {
        break;
      }
      try {
        if (attempt(d)) {
          count++;
        }
      } catch (RuntimeException e) {
        LOG.warn("could not record webhook delivery {}: {}", d.guid(), e.toString());
      }
    }
    return count;
  }

  /** One attempt of {@code d}, logged and settled; true when it was delivered. */
  private boolean attempt(WebhookStore.Delivery d) {
    Instant started = clock.instant();
    long t0 = System.nanoTime();
    Optional<WebhookStore.Hook> found = store.hookById(d.hookId());
    if (found.isEmpty()) {
      return false;
    }
    WebhookStore.Hook hook = found.get();
    String payload = d.payload();
    if (payload == null) {
      Optional<String> rendered = payloads.render(d, hook);
      if (rendered.isEmpty()) {
        settle(
            d,
            hook,
            started,
            t0,
            0,
            "what the event is about no longer exists",
            "",
            null,
            null,
            true);
        return false;
      }
      payload = rendered.get();
      if (!store.setPayload(d.id(), node, payload)) {
        return false;
      }
    }
    boolean json = "json".equals(hook.contentType());
    byte[] body =
        (json ? payload : "payload=" + URLEncoder.encode(payload, StandardCharsets.UTF_8))
            .getBytes(StandardCharsets.UTF_8);
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Accept", "*/*");
    headers.put("Content-Type", json ? "application/json" : "application/x-www-form-urlencoded");
    headers.put("User-Agent", userAgent);
    headers.put("X-GitHub-Delivery", d.guid());
    headers.put("X-GitHub-Event", d.event());
    headers.put("X-GitHub-Hook-ID", Long.toString(hook.id()));
    headers.put("X-GitHub-Hook-Installation-Target-ID", Long.toString(hook.orgId()));
    headers.put("X-GitHub-Hook-Installation-Target-Type", "organization");
    String secret;
    try {
      secret = secrets.open(hook.sealedSecret());
    } catch (IllegalStateException e) {
      // Sealed with another key: nothing can be signed until the secret is set again.
      settle(d, hook, started, t0, 0, e.getMessage(), lines(headers), null, null, true);
      return false;
    }
    if (secret != null) {
      headers.put("X-Hub-Signature-256", "sha256=" + hmac(secret, body));
    }
    String requestHeaders = lines(headers);
    String problem = WebhookUrls.problem(hook.url(), allowPrivate);
    if (problem != null) {
      settle(d, hook, started, t0, 0, problem, requestHeaders, null, null, false);
      return false;
    }
    HttpRequest.Builder req =
        HttpRequest.newBuilder(URI.create(hook.url()))
            .timeout(TIMEOUT)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    headers.forEach(req::header);
    HttpClient client = hook.insecureSsl() ? insecure : verifying;
    try {
      HttpResponse<InputStream> res =
          client.send(req.build(), HttpResponse.BodyHandlers.ofInputStream());
      String responseBody;
      try (InputStream in = res.body()) {
        responseBody = new String(in.readNBytes(MAX_RESPONSE_BODY), StandardCharsets.UTF_8);
      }
      Map<String, String> got = new LinkedHashMap<>();
      res.headers().map().forEach((k, v) -> got.put(k, String.join(", ", v)));
      int code = res.statusCode();
      boolean ok = code >= 200 && code < 300;
      settle(
          d,
          hook,
          started,
          t0,
          code,
          ok ? "OK" : "Invalid HTTP Response: " + code,
          requestHeaders,
          lines(got),
          responseBody,
          false);
      return ok;
    } catch (HttpTimeoutException e) {
      settle(d, hook, started, t0, 0, "timed out", requestHeaders, null, null, false);
    } catch (ConnectException e) {
      settle(
          d, hook, started, t0, 0, "failed to connect to host", requestHeaders, null, null, false);
    } catch (IOException e) {
      settle(
          d,
          hook,
          started,
          t0,
          0,
          "error: "
              + e.getClass().getSimpleName()
              + (e.getMessage() == null ? "" : " " + e.getMessage()),
          requestHeaders,
          null,
          null,
          false);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return false;
  }

  /** Logs the attempt and delivers, reschedules or fails {@code d}. */
  private void settle(
      WebhookStore.Delivery d,
      WebhookStore.Hook hook,
      Instant started,
      long t0,
      int code,
      String status,
      String requestHeaders,
      String responseHeaders,
      String responseBody,
      boolean giveUp) {
    long millis = (System.nanoTime() - t0) / 1_000_000;
    WebhookStore.Outcome o =
        new WebhookStore.Outcome(
            started, millis, code, status, requestHeaders, responseHeaders, responseBody);
    boolean ok = code >= 200 && code < 300;
    int failures = d.attempts() + 1;
    String next;
    Instant at = null;
    if (ok) {
      next = WebhookStore.DELIVERED;
    } else if (giveUp || d.redelivery() || failures > retries.size()) {
      next = WebhookStore.FAILED;
    } else {
      next = WebhookStore.PENDING;
      at = clock.instant().plus(retries.get(failures - 1));
    }
    if (!store.finish(d.id(), node, o, next, at)) {
      LOG.warn("webhook delivery {}: the claim was lost, its outcome is not recorded", d.guid());
      return;
    }
    String host = URI.create(hook.url()).getHost();
    if (ok) {
      delivered.incrementAndGet();
      LOG.info(
          "webhook {} delivery {} ({}{}) to {}: {}",
          hook.id(),
          d.guid(),
          d.event(),
          d.action() == null ? "" : "." + d.action(),
          host,
          code);
    } else {
      failedAttempts.incrementAndGet();
      LOG.warn(
          "webhook {} delivery {} ({}{}) to {} failed (attempt {}{}): {}",
          hook.id(),
          d.guid(),
          d.event(),
          d.action() == null ? "" : "." + d.action(),
          host,
          failures,
          at == null ? ", given up" : ", next at " + at,
          status);
    }
  }

  private static String lines(Map<String, String> headers) {
    StringBuilder out = new StringBuilder();
    headers.forEach((k, v) -> out.append(k).append(": ").append(v).append('\n'));
    return out.toString();
  }

  /** The hex HMAC-SHA256 of {@code body} under {@code secret}. */
  public static String hmac(String secret, byte[] body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return HexFormat.of().formatHex(mac.doFinal(body));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Deliveries made by this node since it started (a metric). */
  public long delivered() {
    return delivered.get();
  }

  /** Failed attempts on this node since it started (a metric). */
  public long failedAttempts() {
    return failedAttempts.get();
  }
}
