package dev.portcullis.gateway.loadtest;

import java.io.IOException;
import java.net.ConnectException;
import java.net.ProtocolException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import javax.net.ssl.SSLException;
import org.eclipse.jgit.lib.ObjectId;

/**
 * A git client speaking smart HTTP (protocol v0) over {@link HttpClient}: asynchronous, one {@link
 * Result} per operation, never an exceptional future. Every HTTP answer is reported to a {@link
 * ResponseObserver} with the instant its request was sent, which is what the revocation check
 * needs.
 */
final class SmartHttpClient {
  static final String UPLOAD_PACK = "git-upload-pack";
  static final String RECEIVE_PACK = "git-receive-pack";
  private static final String AGENT = "git/2.43.0 (portcullis-loadtest)";

  /**
   * Sees every HTTP answer: which credential, when its request was sent ({@link Ticks}), its
   * status.
   */
  @FunctionalInterface
  interface ResponseObserver {
    void onResponse(Credential credential, long sentAt, int status);
  }

  /**
   * Makes the pack of a push once the branch's current id is known; {@code null} means nothing to
   * push.
   */
  @FunctionalInterface
  interface PackSource {
    PushPackBuilder.PushPack build(ObjectId oldId) throws IOException;
  }

  /**
   * What an operation did.
   *
   * @param start when it started ({@link Ticks})
   * @param end when its last answer was read
   * @param status the deciding HTTP status: the first non-2xx answer, else 200; 0 when no answer
   *     came
   * @param error {@code null} on success, else a short reason: {@code http 403}, {@code timeout},
   *     {@code connect}, {@code io}, {@code tls}, {@code protocol: …}
   * @param bytes response body bytes read
   */
  record Result(
      Operation op,
      Credential credential,
      long start,
      long end,
      int status,
      String error,
      long bytes) {
    boolean ok() {
      return error == null;
    }

    long micros() {
      return Math.max(0, (end - start) / 1000);
    }
  }

  /** A failed HTTP status, ending an operation early. */
  private static final class StatusFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;
    final int status;

    StatusFailure(int status) {
      super("http " + status, null, false, false);
      this.status = status;
    }
  }

  private record RepoUris(URI uploadRefs, URI receiveRefs, URI uploadPack, URI receivePack) {}

  private final HttpClient http;
  private final String base;
  private final Duration timeout;
  private final ResponseObserver observer;
  private final Map<String, RepoUris> uris = new ConcurrentHashMap<>();

  /**
   * @param base the gateway's base URL, e.g. {@code https://127.0.0.1:8443}
   * @param timeout per HTTP request, from sending to the whole answer
   */
  SmartHttpClient(HttpClient http, URI base, Duration timeout, ResponseObserver observer) {
    this.http = http;
    String b = base.toString();
    this.base = b.endsWith("/") ? b.substring(0, b.length() - 1) : b;
    this.timeout = timeout;
    this.observer = observer;
  }

  /** {@code git ls-remote}: the upload-pack advertisement of {@code repo} ({@code owner/name}). */
  CompletableFuture<Result> lsRemote(Credential c, String repo) {
    long start = Ticks.now();
    long[] bytes = {0};
    return send(c, advertisement(c, repo, UPLOAD_PACK), bytes)
        .thenApply(
            unchecked(
                body -> {
                  RefAdvertisement.parse(body, UPLOAD_PACK);
                  return done(Operation.LS_REMOTE, c, start, bytes[0]);
                }))
        .exceptionally(t -> failed(Operation.LS_REMOTE, c, start, bytes[0], t));
  }

  /** A full clone: the advertisement, then every advertised ref wanted and the whole pack read. */
  CompletableFuture<Result> clone(Credential c, String repo) {
    long start = Ticks.now();
    long[] bytes = {0};
    return send(c, advertisement(c, repo, UPLOAD_PACK), bytes)
        .thenCompose(
            unchecked(
                body -> {
                  Set<ObjectId> wants = RefAdvertisement.parse(body, UPLOAD_PACK).distinctIds();
                  if (wants.isEmpty()) {
                    throw new ProtocolException(repo + " is empty: nothing to clone");
                  }
                  return send(
                      c, service(c, repo, UPLOAD_PACK, FetchProtocol.cloneRequest(wants)), bytes);
                }))
        .thenApply(
            unchecked(
                body -> {
                  FetchProtocol.packBytes(body);
                  return done(Operation.CLONE, c, start, bytes[0]);
                }))
        .exceptionally(t -> failed(Operation.CLONE, c, start, bytes[0], t));
  }

  /**
   * A push of one ref: the receive-pack advertisement gives the ref's current id, {@code source}
   * makes a pack on top of it, and the report must say {@code ok}.
   */
  CompletableFuture<Result> push(Credential c, String repo, String ref, PackSource source) {
    long start = Ticks.now();
    long[] bytes = {0};
    return send(c, advertisement(c, repo, RECEIVE_PACK), bytes)
        .thenCompose(
            unchecked(
                body -> {
                  ObjectId old = RefAdvertisement.parse(body, RECEIVE_PACK).idOf(ref);
                  PushPackBuilder.PushPack p = source.build(old);
                  if (p == null) {
                    return CompletableFuture.completedFuture((byte[]) null);
                  }
                  return send(
                      c,
                      service(
                          c,
                          repo,
                          RECEIVE_PACK,
                          PushProtocol.request(old, p.commit(), ref, p.pack())),
                      bytes);
                }))
        .thenApply(
            unchecked(
                body -> {
                  if (body != null) {
                    PushProtocol.checkReport(body, ref);
                  }
                  return done(Operation.PUSH, c, start, bytes[0]);
                }))
        .exceptionally(t -> failed(Operation.PUSH, c, start, bytes[0], t));
  }

  // ------------------------------------------------------------------ HTTP

  private CompletableFuture<byte[]> send(Credential c, HttpRequest request, long[] bytes) {
    long sent = Ticks.now();
    return http.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray())
        .thenApply(
            r -> {
              int status = r.statusCode();
              observer.onResponse(c, sent, status);
              byte[] body = r.body() == null ? new byte[0] : r.body();
              bytes[0] += body.length;
              if (status < 200 || status > 299) {
                throw new StatusFailure(status);
              }
              return body;
            });
  }

  private HttpRequest advertisement(Credential c, String repo, String service) {
    RepoUris u = urisOf(repo);
    return HttpRequest.newBuilder(service.equals(UPLOAD_PACK) ? u.uploadRefs() : u.receiveRefs())
        .timeout(timeout)
        .header("Authorization", c.authorization())
        .header("User-Agent", AGENT)
        .GET()
        .build();
  }

  private HttpRequest service(Credential c, String repo, String service, byte[] body) {
    RepoUris u = urisOf(repo);
    return HttpRequest.newBuilder(service.equals(UPLOAD_PACK) ? u.uploadPack() : u.receivePack())
        .timeout(timeout)
        .header("Authorization", c.authorization())
        .header("Content-Type", "application/x-" + service + "-request")
        .header("Accept", "application/x-" + service + "-result")
        .header("User-Agent", AGENT)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body))
        .build();
  }

  private RepoUris urisOf(String repo) {
    return uris.computeIfAbsent(
        repo,
        r -> {
          String root = base + "/" + r + ".git/";
          return new RepoUris(
              URI.create(root + "info/refs?service=" + UPLOAD_PACK),
              URI.create(root + "info/refs?service=" + RECEIVE_PACK),
              URI.create(root + UPLOAD_PACK),
              URI.create(root + RECEIVE_PACK));
        });
  }

  // ------------------------------------------------------------------ results

  private static Result done(Operation op, Credential c, long start, long bytes) {
    return new Result(op, c, start, Ticks.now(), 200, null, bytes);
  }

  private static Result failed(Operation op, Credential c, long start, long bytes, Throwable t) {
    Throwable cause = t;
    while ((cause instanceof CompletionException
            || cause instanceof java.util.concurrent.ExecutionException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    if (cause instanceof StatusFailure f) {
      return new Result(op, c, start, Ticks.now(), f.status, "http " + f.status, bytes);
    }
    return new Result(op, c, start, Ticks.now(), 0, reason(cause), bytes);
  }

  /** A short, low-cardinality reason for an exception. */
  static String reason(Throwable t) {
    if (t instanceof HttpConnectTimeoutException) {
      return "connect timeout";
    }
    if (t instanceof HttpTimeoutException) {
      return "timeout";
    }
    if (t instanceof ProtocolException) {
      return "protocol: " + t.getMessage();
    }
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof ConnectException) {
        return "connect";
      }
      if (c instanceof SSLException) {
        return "tls";
      }
    }
    if (t instanceof IOException) {
      return "io";
    }
    return "client bug: " + t;
  }

  @FunctionalInterface
  private interface IoFunction<T, R> {
    R apply(T t) throws IOException;
  }

  private static <T, R> Function<T, R> unchecked(IoFunction<T, R> f) {
    return t -> {
      try {
        return f.apply(t);
      } catch (IOException e) {
        throw new CompletionException(e);
      }
    };
  }
}
