package dev.portcullis.gateway.ops;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;

/**
 * {@code /healthz}: the process is up. {@code /readyz}: the store answers and, on PostgreSQL, the
 * change listener is connected — a balancer should send no traffic to a node that is not ready.
 */
public final class HealthServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;

  private final transient DataSource store;
  private final transient BooleanSupplier listenerConnected;

  public HealthServlet(DataSource store, BooleanSupplier listenerConnected) {
    this.store = store;
    this.listenerConnected = listenerConnected;
  }

  @Override
  protected void doGet(HttpServletRequest req, HttpServletResponse res) throws IOException {
    if (req.getRequestURI().equals("/healthz")) {
      send(res, 200, "ok");
      return;
    }
    String problem = null;
    try (Connection c = store.getConnection()) {
      if (!c.isValid(2)) {
        problem = "store not reachable";
      }
    } catch (SQLException e) {
      problem = "store not reachable";
    }
    if (problem == null && !listenerConnected.getAsBoolean()) {
      problem = "change listener not connected";
    }
    send(res, problem == null ? 200 : 503, problem == null ? "ready" : problem);
  }

  private static void send(HttpServletResponse res, int status, String body) throws IOException {
    byte[] b = (body + "\n").getBytes(StandardCharsets.UTF_8);
    res.setStatus(status);
    res.setContentType("text/plain; charset=utf-8");
    res.setHeader("Cache-Control", "no-store");
    res.setContentLength(b.length);
    res.getOutputStream().write(b);
  }
}
