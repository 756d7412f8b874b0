package dev.portcullis.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A webhook receiver inside the test (the JDK's HTTP server): it keeps every request and answers
 * with the statuses it is told, 200 once they are used up.
 */
final class WebhookReceiver implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One request as received: lower-case header names. */
  record Received(Map<String, String> headers, byte[] body, int answered) {
    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new AssertionError(e);
      }
    }

    String header(String name) {
      return headers.get(name.toLowerCase(java.util.Locale.ROOT));
    }
  }

  private final HttpServer server;
  private final List<Received> received = new CopyOnWriteArrayList<>();
  private final Deque<Integer> plan = new ArrayDeque<>();

  WebhookReceiver() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        exchange -> {
          byte[] body = exchange.getRequestBody().readAllBytes();
          Map<String, String> headers = new java.util.HashMap<>();
          exchange
              .getRequestHeaders()
              .forEach(
                  (k, v) -> headers.put(k.toLowerCase(java.util.Locale.ROOT), String.join(",", v)));
          int status;
          synchronized (plan) {
            status = plan.isEmpty() ? 200 : plan.poll();
          }
          received.add(new Received(headers, body, status));
          byte[] answer = ("answered " + status).getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("X-Receiver", "test");
          if (status >= 300 && status < 400) {
            exchange.getResponseHeaders().add("Location", url() + "/elsewhere");
          }
          exchange.sendResponseHeaders(status, answer.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(answer);
          }
        });
    server.start();
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/hook";
  }

  /** The next requests are answered with these statuses. */
  void answer(Integer... statuses) {
    synchronized (plan) {
      plan.addAll(List.of(statuses));
    }
  }

  List<Received> received() {
    return List.copyOf(received);
  }

  void clear() {
    received.clear();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
