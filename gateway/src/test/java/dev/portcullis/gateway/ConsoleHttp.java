package dev.portcullis.gateway;

import dev.portcullis.gateway.console.ConsoleServlet;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * A console client over plain HTTP for tests that need no browser: it keeps the session cookie by
 * hand (the JDK client has no cookie jar by default) and sends the headers a browser would.
 */
final class ConsoleHttp {
  static final String LOGIN_COOKIE = "__Host-portcullis_login";
  private static final Pattern CSRF =
      Pattern.compile("name=\"authenticity_token\" value=\"([^\"]+)\"");
  private final HttpClient http =
      HttpClient.newBuilder()
          .connectTimeout(Duration.ofSeconds(10))
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();
  private final String base;
  private final String origin;
  String session;

  /** The sign-in form's double-submit cookie, as the login page set it. */
  String loginCookie;

  /** The client address a trusted balancer names in {@code X-Forwarded-For}, or null. */
  String forwardedFor;

  /**
   * @param base where requests go
   * @param origin the {@code Origin} a browser on the gateway's pages sends
   */
  ConsoleHttp(String base, String origin) {
    this.base = base;
    this.origin = origin;
  }

  HttpResponse<String> get(String path) {
    return send(HttpRequest.newBuilder(URI.create(base + path)).GET());
  }

  /** A form post as a same-origin page sends it. */
  HttpResponse<String> post(String path, Map<String, String> form) {
    return post(path, form, Map.of("Origin", origin, "Sec-Fetch-Site", "same-origin"));
  }

  HttpResponse<String> post(String path, Map<String, String> form, Map<String, String> headers) {
    String body =
        form.entrySet().stream()
            .map(e -> field(e.getKey(), e.getValue()))
            .collect(Collectors.joining("&"));
    return postBody(path, body, headers);
  }

  /**
   * A same-origin form post whose fields may repeat, in the order given: a checkbox after its
   * hidden default sends both.
   */
  HttpResponse<String> postFields(String path, String... kv) {
    List<String> fields = new ArrayList<>();
    for (int i = 0; i + 1 < kv.length; i += 2) {
      fields.add(field(kv[i], kv[i + 1]));
    }
    return postBody(
        path, String.join("&", fields), Map.of("Origin", origin, "Sec-Fetch-Site", "same-origin"));
  }

  private static String field(String name, String value) {
    return URLEncoder.encode(name, StandardCharsets.UTF_8)
        + "="
        + URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  private HttpResponse<String> postBody(String path, String body, Map<String, String> headers) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + path))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    headers.forEach(b::header);
    return send(b);
  }

  /**
   * Signs in as a browser does, through the login page and its form token; returns the answer (303
   * with the cookie on success).
   */
  HttpResponse<String> signIn(String login, String password) {
    // Signed in, the login page redirects: the form is read as a signed-out browser sees it.
    String signedIn = session;
    session = null;
    String token = csrf("/login");
    session = signedIn;
    return post(
        "/login", Map.of("login", login, "password", password, "authenticity_token", token));
  }

  /** The CSRF token of a signed-in page. */
  String csrf(String path) {
    HttpResponse<String> page = get(path);
    Matcher m = CSRF.matcher(page.body());
    if (!m.find()) {
      throw new AssertionError("no CSRF token on " + path + ": " + page.statusCode());
    }
    return m.group(1);
  }

  Map<String, String> form(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i + 1 < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }

  private HttpResponse<String> send(HttpRequest.Builder b) {
    List<String> cookies = new ArrayList<>();
    if (session != null) {
      cookies.add(ConsoleServlet.COOKIE + "=" + session);
    }
    if (loginCookie != null) {
      cookies.add(LOGIN_COOKIE + "=" + loginCookie);
    }
    if (!cookies.isEmpty()) {
      b.header("Cookie", String.join("; ", cookies));
    }
    if (forwardedFor != null) {
      b.header("X-Forwarded-For", forwardedFor);
    }
    try {
      HttpResponse<String> r =
          http.send(
              b.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
      for (String c : r.headers().allValues("Set-Cookie")) {
        if (c.startsWith(ConsoleServlet.COOKIE + "=")) {
          String v = c.substring(ConsoleServlet.COOKIE.length() + 1, c.indexOf(';'));
          session = v.isEmpty() ? null : v;
        }
        if (c.startsWith(LOGIN_COOKIE + "=")) {
          loginCookie = c.substring(LOGIN_COOKIE.length() + 1, c.indexOf(';'));
        }
      }
      return r;
    } catch (IOException e) {
      throw new AssertionError(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
