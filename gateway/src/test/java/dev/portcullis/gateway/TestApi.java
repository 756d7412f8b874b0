package dev.portcullis.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A minimal client of the gateway's REST API for test fixtures. */
final class TestApi {
  /** Status, headers and parsed JSON body (or null). */
  record Response(int status, JsonNode json, HttpResponse<String> raw) {
    @Override
    public String toString() {
      return status + " " + raw.body();
    }
  }

  static final ObjectMapper JSON = new ObjectMapper();
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final String base;
  private final String token;

  TestApi(String baseUrl, String token) {
    this.base = baseUrl + "/api/v3";
    this.token = token;
  }

  TestApi as(String otherToken) {
    return new TestApi(base.substring(0, base.length() - "/api/v3".length()), otherToken);
  }

  Response call(String method, String path, Object body) {
    try {
      HttpRequest.Builder b =
          HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(30));
      if (token != null) {
        b.header("Authorization", "token " + token);
      }
      String payload =
          body == null ? null : body instanceof String s ? s : JSON.writeValueAsString(body);
      b.method(
          method,
          payload == null
              ? HttpRequest.BodyPublishers.noBody()
              : HttpRequest.BodyPublishers.ofString(payload));
      if (payload != null) {
        b.header("Content-Type", "application/json");
      }
      HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
      JsonNode json = r.body().isEmpty() ? null : JSON.readTree(r.body());
      return new Response(r.statusCode(), json, r);
    } catch (IOException e) {
      throw new AssertionError(method + " " + path + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Calls and asserts the status. */
  JsonNode expect(int status, String method, String path, Object body) {
    Response r = call(method, path, body);
    if (r.status() != status) {
      throw new AssertionError(method + " " + path + " → expected " + status + " but got " + r);
    }
    return r.json();
  }
}
