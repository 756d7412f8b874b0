package dev.portcullis.gateway.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.gateway.Gateway;
import dev.portcullis.gateway.GatewayConfig;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code --metrics-port}: metrics and health on a listener of their own, off the public one. */
class MetricsPortTest {
  @TempDir Path tmp;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

  private HttpResponse<String> get(String url) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void withAMetricsPortThePublicListenerNoLongerServesMetrics() throws Exception {
    try (Gateway g =
        Gateway.start(
            GatewayConfig.defaults(tmp.resolve("data")).withPorts(0, 0).withMetricsPort(0))) {
      HttpResponse<String> internal = get(g.metricsUrl() + "/metrics");
      assertEquals(200, internal.statusCode());
      assertTrue(internal.body().contains("portcullis_decisions_total"), internal::body);
      assertEquals(200, get(g.metricsUrl() + "/readyz").statusCode());
      assertEquals(200, get(g.metricsUrl() + "/healthz").statusCode());
      assertEquals(404, get(g.httpUrl() + "/metrics").statusCode(), "not on the public listener");
      assertEquals(404, get(g.httpUrl() + "/readyz").statusCode());
      assertEquals(404, get(g.metricsUrl() + "/api/v3/user").statusCode(), "no API on it");
      assertEquals(
          404,
          get(g.metricsUrl() + "/acme/app.git/info/refs?service=git-upload-pack").statusCode(),
          "no git on it");
      assertEquals(401, get(g.httpUrl() + "/api/v3/user").statusCode(), "the API is public");
    }
  }

  @Test
  void withoutOneThePublicListenerServesMetrics() throws Exception {
    try (Gateway g = Gateway.start(GatewayConfig.defaults(tmp.resolve("data")).withPorts(0, 0))) {
      assertNull(g.metricsUrl());
      assertEquals(200, get(g.httpUrl() + "/metrics").statusCode());
    }
  }
}
