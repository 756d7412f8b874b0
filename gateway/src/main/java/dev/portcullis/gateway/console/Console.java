package dev.portcullis.gateway.console;

import dev.portcullis.gateway.PublicUrl;
import dev.portcullis.policy.admin.Admin;
import dev.portcullis.policy.admin.ConsoleSession;
import dev.portcullis.policy.model.PolicyException;
import gg.jte.ContentType;
import gg.jte.TemplateEngine;
import gg.jte.output.StringOutput;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every page group shares: the policy use cases and clock, the session lookup and CSRF check,
 * and the rendering, redirect and message helpers.
 */
final class Console {
  static final Logger LOG = LoggerFactory.getLogger("portcullis.console");
  static final String CSRF_FIELD = "authenticity_token";

  final Admin admin;
  final Clock clock;
  private final TemplateEngine templates = TemplateEngine.createPrecompiled(ContentType.Html);

  Console(Admin admin, Clock clock) {
    this.admin = admin;
    this.clock = clock;
  }

  /**
   * The signed-in user's session, when there is one and, for a POST, the form carries its CSRF
   * token. Otherwise the answer is given here (a redirect to {@code /login}, or 403) and the result
   * is empty: the caller returns.
   */
  Optional<ConsoleSession> signedIn(
      HttpServletRequest req, HttpServletResponse res, String path, boolean post)
      throws IOException {
    Optional<ConsoleSession> session = session(req);
    if (session.isEmpty()) {
      // Not signed in (never, or the session ended): the page asks to sign in.
      redirect(res, "/login");
      return Optional.empty();
    }
    if (post && !csrfMatches(req, session.get())) {
      LOG.info("refused a form post without its CSRF token to {}", loggable(path));
      message(res, 403, "Forbidden", "This form has expired. Go back, reload the page and retry.");
      return Optional.empty();
    }
    return session;
  }

  /** The session named by the request's cookie, if it is still live. */
  Optional<ConsoleSession> session(HttpServletRequest req) {
    Cookie[] cookies = req.getCookies();
    if (cookies == null) {
      return Optional.empty();
    }
    for (Cookie c : cookies) {
      if (c.getName().equals(ConsoleServlet.COOKIE)) {
        Optional<ConsoleSession> s = admin.sessions().resume(c.getValue());
        if (s.isPresent()) {
          return s;
        }
      }
    }
    return Optional.empty();
  }

  /**
   * A form post is same-origin when its {@code Origin} is this gateway's public URL (or the scheme
   * of that URL with the request's own host) and its {@code Sec-Fetch-Site}, when sent, says {@code
   * same-origin}. A post with neither header is refused: every browser the console serves sends
   * one.
   */
  static boolean sameOrigin(HttpServletRequest req) {
    String origin = req.getHeader("Origin");
    String site = req.getHeader("Sec-Fetch-Site");
    if (origin == null && site == null) {
      return false;
    }
    if (site != null && !site.equals("same-origin")) {
      return false;
    }
    if (origin == null) {
      return true;
    }
    String base = PublicUrl.of(req);
    String o = origin.toLowerCase(Locale.ROOT);
    if (o.equals(base)) {
      return true;
    }
    String host = req.getHeader("Host");
    String scheme = base.substring(0, base.indexOf("://"));
    return host != null && o.equals(scheme + "://" + host.toLowerCase(Locale.ROOT));
  }

  private static boolean csrfMatches(HttpServletRequest req, ConsoleSession s) {
    String sent = req.getParameter(CSRF_FIELD);
    return sent != null
        && MessageDigest.isEqual(
            sent.getBytes(StandardCharsets.UTF_8), s.csrfToken().getBytes(StandardCharsets.UTF_8));
  }

  /** A path fit for a log line: a setup link's secret is left out. */
  static String loggable(String path) {
    return path.startsWith("/password_reset/") ? "/password_reset/…" : path;
  }

  /**
   * A list typed in a text box, one entry a line or comma-separated ({@code allowed_networks},
   * {@code token_networks}): each entry stripped, blank ones left out; {@code null} when none is
   * left, which the use cases take as "no list".
   */
  static List<String> entries(String typed) {
    if (typed == null) {
      return null;
    }
    List<String> out =
        Arrays.stream(typed.split("[,\\r\\n]"))
            .map(String::strip)
            .filter(e -> !e.isEmpty())
            .toList();
    return out.isEmpty() ? null : out;
  }

  /**
   * A list typed in a text box one entry a line ({@code ref_patterns}, whose entries may hold
   * commas): each line stripped, blank ones left out; {@code null} when none is left.
   */
  static List<String> lines(String typed) {
    if (typed == null) {
      return null;
    }
    List<String> out = typed.lines().map(String::strip).filter(l -> !l.isEmpty()).toList();
    return out.isEmpty() ? null : out;
  }

  /** The validation message of a use case's refusal, as the API would give it. */
  static String messageOf(PolicyException e) {
    return e.errors().isEmpty() ? e.getMessage() : e.errors().get(0).message();
  }

  /** The parameters every page's layout takes; {@code s} is null on pages before sign-in. */
  static Map<String, Object> page(ConsoleSession s, String title, String section) {
    Map<String, Object> p = new HashMap<>();
    p.put("title", title);
    p.put("user", s == null ? null : s.user().login());
    p.put("csrf", s == null ? null : s.csrfToken());
    p.put("section", section);
    return p;
  }

  /** A page holding one short message, such as an error. */
  void message(HttpServletResponse res, int status, String title, String text) throws IOException {
    Map<String, Object> p = page(null, title, null);
    p.put("text", text);
    render(res, status, "message.jte", p);
  }

  void render(HttpServletResponse res, int status, String template, Map<String, Object> p)
      throws IOException {
    StringOutput out = new StringOutput();
    templates.render(template, p, out);
    byte[] body = out.toString().getBytes(StandardCharsets.UTF_8);
    res.setStatus(status);
    res.setContentType("text/html; charset=utf-8");
    res.setContentLength(body.length);
    res.getOutputStream().write(body);
  }

  /** See other: the answer to a form post, so that a reload does not repeat it. */
  static void redirect(HttpServletResponse res, String path) {
    res.setStatus(303);
    res.setHeader("Location", path);
  }

  /** Tells the browser to forget the session cookie. */
  static void clearSessionCookie(HttpServletResponse res) {
    res.addHeader(
        "Set-Cookie",
        ConsoleServlet.COOKIE + "=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Lax");
  }
}
