package dev.portcullis.gateway.loadtest;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * The admin REST API calls the load test makes (setup and revocations): asynchronous JSON over
 * {@link HttpClient}, the admin token in the {@code Authorization} header and nowhere else.
 */
final class AdminApi {
  static final ObjectMapper JSON = new ObjectMapper();

  /** An answer: status and parsed JSON ({@code null} when there was no JSON body). */
  record Response(int status, JsonNode json) {
    boolean ok() {
      return status >= 200 && status <= 299;
    }

    /** A 422 whose errors say the thing exists already. */
    boolean alreadyExists() {
      if (status != 422 || json == null) {
        return false;
      }
      for (JsonNode e : json.path("errors")) {
        if ("already_exists".equals(e.path("code").asText())) {
          return true;
        }
      }
      return false;
    }

    /** GitHub's {@code message}, or the status. */
    String message() {
      return json != null && json.hasNonNull("message")
          ? status + " " + json.get("message").asText()
          : "HTTP " + status;
    }
  }

  /** An API call that failed, with a message that never holds a token. */
  static final class CallFailed extends RuntimeException {
    private static final long serialVersionUID = 1L;

    CallFailed(String message) {
      super(message, null, false, false);
    }
  }

  private final HttpClient http;
  private final String root;
  private final String authorization;
  private final Duration timeout;

  AdminApi(HttpClient http, URI apiRoot, String token, Duration timeout) {
    this.http = http;
    this.root = apiRoot.toString();
    this.authorization = "token " + token;
    this.timeout = timeout;
  }

  /**
   * Sends one call; {@code path} is relative to {@code /api/v3}; {@code body} may be {@code null}.
   */
  CompletableFuture<Response> call(String method, String path, Object body) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(root + path))
            .timeout(timeout)
            .header("Authorization", authorization)
            .header("Accept", "application/vnd.github+json")
            .header("User-Agent", "portcullis-loadtest");
    if (body != null) {
      try {
        b.header("Content-Type", "application/json");
        b.method(method, HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
      } catch (JsonProcessingException e) {
        throw new IllegalArgumentException("cannot serialize a request body", e);
      }
    } else {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    }
    return http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofByteArray())
        .thenApply(
            r -> {
              JsonNode json = null;
              if (r.body() != null && r.body().length > 0) {
                try {
                  json = JSON.readTree(r.body());
                } catch (IOException e) {
                  json = null;
                }
              }
              return new Response(r.statusCode(), json);
            });
  }

  /** Sends one call and waits for it. */
  Response send(String method, String path, Object body) {
    try {
      return call(method, path, body).join();
    } catch (CompletionException e) {
      throw new CallFailed(
          method
              + " "
              + path
              + ": "
              + SmartHttpClient.reason(e.getCause() == null ? e : e.getCause()));
    }
  }

  /**
   * Sends one call and fails unless it answered 2xx (or 422 already_exists when {@code
   * existingOk}).
   */
  Response expect(String method, String path, Object body, boolean existingOk) {
    Response r = send(method, path, body);
    if (r.ok() || (existingOk && r.alreadyExists())) {
      return r;
    }
    throw new CallFailed(method + " /api/v3" + path + " answered " + r.message());
  }
}
