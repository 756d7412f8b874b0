package dev.portcullis.gateway.ops;

import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;

/**
 * {@code /healthz}: the process is up. {@code /readyz}: the store answers and, on PostgreSQL, the
 * change listener is connected — a balancer should send no traffic to a node that is not ready.
 * Information that does not make a node unready (mail is off) follows on the lines after {@code
 * ready}: git and the API are served whether or not mail goes out.
 */
public final class HealthServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;

  private final transient DataSource store;
  private final transient BooleanSupplier listenerConnected;
  private final String information;

  public HealthServlet(DataSource store, BooleanSupplier listenerConnected) {
    this(store, listenerConnected, List.of());
  }

  /**
   * @param information lines {@code /readyz} adds below {@code ready} (and below a problem)
   */
  public HealthServlet(
      DataSource store, BooleanSupplier listenerConnected, List<String> information) {
    this.store = store;
    this.listenerConnected = listenerConnected;
    this.information = information.stream().map(line -> "\n" + line).reduce("", String::concat);
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
    send(res, problem == null ? 200 : 503, (problem == null ? "ready" : problem) + information);
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
