package dev.portcullis.gateway.ops;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/** {@code GET /metrics}: Prometheus text format. */
public final class MetricsServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;
  private final transient GatewayMetrics metrics;

  public MetricsServlet(GatewayMetrics metrics) {
    this.metrics = metrics;
  }

  @Override
  protected void doGet(HttpServletRequest req, HttpServletResponse res) throws IOException {
    byte[] body = metrics.scrape().getBytes(StandardCharsets.UTF_8);
    res.setStatus(200);
    res.setContentType("text/plain; version=0.0.4; charset=utf-8");
    res.setContentLength(body.length);
    res.getOutputStream().write(body);
  }
}
