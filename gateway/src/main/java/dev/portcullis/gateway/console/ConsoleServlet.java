package dev.portcullis.gateway.console;

import dev.portcullis.gateway.PublicUrl;
import dev.portcullis.policy.admin.Admin;
import dev.portcullis.policy.admin.ConsoleSession;
import dev.portcullis.policy.admin.OwnToken;
import dev.portcullis.policy.admin.SignInOutcome;
import dev.portcullis.policy.model.Actor;
import dev.portcullis.policy.model.PolicyException;
import dev.portcullis.policy.model.User;
import dev.portcullis.policy.store.StoreUnavailableException;
import dev.portcullis.policy.token.TokenKind;
import gg.jte.ContentType;
import gg.jte.TemplateEngine;
import gg.jte.output.StringOutput;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The console's pages, at GitHub's paths: {@code /login}, {@code /logout}, {@code
 * /settings/profile}, {@code /settings/password}, {@code /settings/personal-access-tokens}
 * (fine-grained tokens), {@code /settings/tokens} (classic tokens), and {@code
 * /password_reset/{token}} for setup links. Forms post to their page's own URL and answer with a
 * redirect (post/redirect/get). Every answer carries the security headers; every POST is refused
 * with 403, before anything else happens, unless it is same-origin and (once signed in) carries the
 * session's CSRF token.
 */
public final class ConsoleServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger("portcullis.console");

  /** The servlet paths the console answers. */
  public static final List<String> PATHS =
      List.of("/login", "/logout", "/settings/*", "/password_reset/*", "/assets/console.css");

  /** {@code __Host-}: the browser keeps it only if Secure, Path=/ and without Domain. */
  public static final String COOKIE = "__Host-portcullis_session";

  static final String CSRF_FIELD = "authenticity_token";
  public static final String CSP =
      "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
          + "frame-ancestors 'none'; base-uri 'none'";
  private static final DateTimeFormatter DAY =
      DateTimeFormatter.ofPattern("MMM d, yyyy", Locale.ENGLISH).withZone(ZoneOffset.UTC);

  private final transient Admin admin;
  private final transient Clock clock;
  private final transient TemplateEngine templates =
      TemplateEngine.createPrecompiled(ContentType.Html);
  private final byte[] css;

  public ConsoleServlet(Admin admin, Clock clock) {
    this.admin = admin;
    this.clock = clock;
    try (InputStream in = ConsoleServlet.class.getResourceAsStream("/console/console.css")) {
      if (in == null) {
        throw new IllegalStateException("console.css is missing from the classpath");
      }
      this.css = in.readAllBytes();
    } catch (IOException e) {
      throw new IllegalStateException("cannot read console.css", e);
    }
  }

  @Override
  protected void service(HttpServletRequest req, HttpServletResponse res) throws IOException {
    res.setHeader("Content-Security-Policy", CSP);
    res.setHeader("X-Frame-Options", "DENY");
    res.setHeader("Referrer-Policy", "same-origin");
    res.setHeader("Cache-Control", "no-store");
    res.setHeader("X-Content-Type-Options", "nosniff");
    String path = req.getRequestURI();
    String method = req.getMethod();
    boolean post = method.equals("POST");
    if (!post && !method.equals("GET") && !method.equals("HEAD")) {
      res.setHeader("Allow", "GET, HEAD, POST");
      message(res, 405, "Method not allowed", "This page takes GET and POST only.");
      return;
    }
    if (post && !sameOrigin(req)) {
      LOG.info("refused a cross-origin form post to {}", loggable(path));
      message(res, 403, "Forbidden", "This form was not sent from this site.");
      return;
    }
    try {
      route(req, res, path, post);
    } catch (StoreUnavailableException e) {
      LOG.warn("store unavailable for {} {}: {}", method, loggable(path), e.getMessage());
      res.setHeader("Retry-After", "5");
      message(res, 503, "Try again shortly", "The gateway cannot reach its store right now.");
    }
  }

  /** A path fit for a log line: a setup link's secret is left out. */
  private static String loggable(String path) {
    return path.startsWith("/password_reset/") ? "/password_reset/…" : path;
  }

  private void route(HttpServletRequest req, HttpServletResponse res, String path, boolean post)
      throws IOException {
    if (path.equals("/assets/console.css")) {
      res.setContentType("text/css; charset=utf-8");
      res.setContentLength(css.length);
      res.getOutputStream().write(css);
      return;
    }
    if (path.equals("/login")) {
      if (post) {
        signIn(req, res);
      } else {
        loginPage(req, res);
      }
      return;
    }
    if (path.startsWith("/password_reset/")) {
      setup(req, res, path.substring("/password_reset/".length()), post);
      return;
    }
    Optional<ConsoleSession> session = session(req);
    if (session.isEmpty()) {
      // Not signed in (never, or the session ended): the page asks to sign in.
      redirect(res, "/login");
      return;
    }
    ConsoleSession s = session.get();
    if (post && !csrfMatches(req, s)) {
      LOG.info("refused a form post without its CSRF token to {}", path);
      message(res, 403, "Forbidden", "This form has expired. Go back, reload the page and retry.");
      return;
    }
    switch (path) {
      case "/logout" -> {
        if (post) {
          admin.sessions().signOut(s);
          res.addHeader(
              "Set-Cookie", COOKIE + "=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Lax");
          redirect(res, "/login");
        } else {
          render(res, 200, "logout.jte", page(s, "Sign out", null));
        }
      }
      case "/settings/profile" -> profile(req, res, s, post);
      case "/settings/password" -> password(req, res, s, post);
      case "/settings/personal-access-tokens", "/settings/tokens" -> {
        TokenKind kind =
            path.equals("/settings/tokens") ? TokenKind.CLASSIC : TokenKind.FINE_GRAINED;
        if (post) {
          deleteToken(req, res, s, path);
        } else {
          tokens(req, res, s, kind);
        }
      }
      default -> message(res, 404, "Not found", "There is no such page.");
    }
  }

  // ------------------------------------------------------------------ pages

  private void loginPage(HttpServletRequest req, HttpServletResponse res) throws IOException {
    if (session(req).isPresent()) {
      redirect(res, "/settings/profile");
      return;
    }
    Map<String, Object> p = page(null, "Sign in", null);
    p.put("login", "");
    p.put("error", null);
    p.put(
        "notice",
        switch (String.valueOf(req.getParameter("done"))) {
          case "password" -> "Your password was changed. Sign in with the new one.";
          case "setup" -> "Your password is set. Sign in with it.";
          default -> null;
        });
    render(res, 200, "login.jte", p);
  }

  private void signIn(HttpServletRequest req, HttpServletResponse res) throws IOException {
    String login = req.getParameter("login");
    SignInOutcome outcome =
        admin.sessions().signIn(login, req.getParameter("password"), req.getRemoteAddr());
    if (outcome instanceof SignInOutcome.SignedIn in) {
      long maxAge = admin.sessions().settings().absoluteTimeout().toSeconds();
      res.addHeader(
          "Set-Cookie",
          COOKIE
              + "="
              + in.session().id()
              + "; Path=/; Max-Age="
              + maxAge
              + "; Secure; HttpOnly; SameSite=Lax");
      redirect(res, "/settings/profile");
      return;
    }
    SignInOutcome.Refused r = (SignInOutcome.Refused) outcome;
    if (r.status() == 429) {
      res.setHeader("Retry-After", Long.toString(admin.sessions().retryAfterSeconds()));
    }
    Map<String, Object> p = page(null, "Sign in", null);
    p.put("login", login == null ? "" : login);
    p.put("error", r.message());
    p.put("notice", null);
    render(res, r.status(), "login.jte", p);
  }

  private void setup(HttpServletRequest req, HttpServletResponse res, String token, boolean post)
      throws IOException {
    // The link's secret is in the path; Referrer-Policy keeps it from other sites, loggable() from
    // the log.
    Optional<User> user = admin.passwords().setupLinkUser(token);
    if (user.isEmpty()) {
      message(
          res,
          404,
          "Link not valid",
          "This password setup link is invalid, has been used, or has expired. Ask an administrator for a new one.");
      return;
    }
    if (post) {
      String password = req.getParameter("password");
      String error = null;
      if (password == null || !password.equals(req.getParameter("password_confirmation"))) {
        error = "The two passwords differ.";
      } else {
        try {
          admin.passwords().completeSetup(token, password);
          redirect(res, "/login?done=setup");
          return;
        } catch (PolicyException e) {
          error = messageOf(e);
        }
      }
      Map<String, Object> p = page(null, "Choose a password", null);
      p.put("forLogin", user.get().login());
      p.put("error", error);
      render(res, 422, "setup.jte", p);
      return;
    }
    Map<String, Object> p = page(null, "Choose a password", null);
    p.put("forLogin", user.get().login());
    p.put("error", null);
    render(res, 200, "setup.jte", p);
  }

  private void profile(
      HttpServletRequest req, HttpServletResponse res, ConsoleSession s, boolean post)
      throws IOException {
    Actor actor = Actor.web(s.user());
    String error = null;
    String email;
    if (post) {
      email = req.getParameter("email");
      String value = email == null || email.isBlank() ? null : email.strip();
      try {
        admin.accounts().setEmail(actor, s.user().login(), value);
        redirect(res, "/settings/profile?saved=1");
        return;
      } catch (PolicyException e) {
        error = messageOf(e);
      }
    } else {
      email = admin.accounts().email(actor, s.user().login()).orElse("");
    }
    Map<String, Object> p = page(s, "Public profile", "profile");
    p.put("email", email == null ? "" : email);
    p.put("error", error);
    p.put("notice", !post && req.getParameter("saved") != null ? "Profile updated." : null);
    render(res, error == null ? 200 : 422, "profile.jte", p);
  }

  private void password(
      HttpServletRequest req, HttpServletResponse res, ConsoleSession s, boolean post)
      throws IOException {
    String error = null;
    if (post) {
      String next = req.getParameter("password");
      if (next == null || !next.equals(req.getParameter("password_confirmation"))) {
        error = "The new password and its confirmation differ.";
      } else {
        try {
          admin
              .passwords()
              .changePassword(Actor.web(s.user()), req.getParameter("current_password"), next);
          // Every session of the user ended with the change, this one too.
          res.addHeader(
              "Set-Cookie", COOKIE + "=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Lax");
          redirect(res, "/login?done=password");
          return;
        } catch (PolicyException e) {
          error = messageOf(e);
        }
      }
    }
    Map<String, Object> p = page(s, "Password", "password");
    p.put("error", error);
    render(res, error == null ? 200 : 422, "password.jte", p);
  }

  /** The list's delete buttons post {@code delete=<id>} to the list's own URL. */
  private void deleteToken(
      HttpServletRequest req, HttpServletResponse res, ConsoleSession s, String path)
      throws IOException {
    long id;
    try {
      id = Long.parseLong(String.valueOf(req.getParameter("delete")));
    } catch (NumberFormatException e) {
      message(res, 400, "Bad request", "Which token? The form named none.");
      return;
    }
    try {
      admin.tokens().deleteOwnToken(Actor.web(s.user()), id);
    } catch (PolicyException e) {
      message(res, 404, "Not found", "You have no such token.");
      return;
    }
    redirect(res, path + "?deleted=1");
  }

  /**
   * The user's tokens of one kind: fine-grained at GitHub's path, classic at {@code
   * /settings/tokens}.
   */
  private void tokens(
      HttpServletRequest req, HttpServletResponse res, ConsoleSession s, TokenKind kind)
      throws IOException {
    java.time.Instant now = clock.instant();
    List<TokenRow> rows =
        admin.tokens().ownTokens(Actor.web(s.user())).stream()
            .filter(t -> t.token().kind() == kind)
            .map(t -> TokenRow.of(t, now))
            .toList();
    boolean classic = kind == TokenKind.CLASSIC;
    Map<String, Object> p =
        page(
            s,
            classic ? "Personal access tokens (classic)" : "Fine-grained personal access tokens",
            classic ? "classic" : "tokens");
    p.put("tokens", rows);
    p.put("classic", classic);
    p.put(
        "notice",
        req.getParameter("deleted") != null
            ? "Token deleted: it is refused from its next request on."
            : null);
    render(res, 200, "tokens.jte", p);
  }

  /** A row of the token list, formatted for display. */
  public record TokenRow(
      long id,
      String name,
      String resourceOwner,
      String status,
      String statusDetail,
      String expires,
      String lastUsed) {
    static TokenRow of(OwnToken t, java.time.Instant now) {
      String status = t.status(now);
      String detail =
          status.equals("denied") && t.grant() != null ? t.grant().reviewReason() : null;
      return new TokenRow(
          t.token().id(),
          t.token().name(),
          t.resourceOwner(),
          status,
          detail,
          t.token().expiresAt() == null ? "never" : DAY.format(t.token().expiresAt()),
          t.lastUsedAt() == null ? "never used" : DAY.format(t.lastUsedAt()));
    }
  }

  // ------------------------------------------------------------------ plumbing

  private Optional<ConsoleSession> session(HttpServletRequest req) {
    Cookie[] cookies = req.getCookies();
    if (cookies == null) {
      return Optional.empty();
    }
    for (Cookie c : cookies) {
      if (c.getName().equals(COOKIE)) {
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

  /** The validation message of a use case's refusal, as the API would give it. */
  private static String messageOf(PolicyException e) {
    return e.errors().isEmpty() ? e.getMessage() : e.errors().get(0).message();
  }

  private static Map<String, Object> page(ConsoleSession s, String title, String section) {
    Map<String, Object> p = new HashMap<>();
    p.put("title", title);
    p.put("user", s == null ? null : s.user().login());
    p.put("csrf", s == null ? null : s.csrfToken());
    p.put("section", section);
    return p;
  }

  private void message(HttpServletResponse res, int status, String title, String text)
      throws IOException {
    Map<String, Object> p = page(null, title, null);
    p.put("text", text);
    render(res, status, "message.jte", p);
  }

  private void render(HttpServletResponse res, int status, String template, Map<String, Object> p)
      throws IOException {
    StringOutput out = new StringOutput();
    templates.render(template, p, out);
    byte[] body = out.toString().getBytes(StandardCharsets.UTF_8);
    res.setStatus(status);
    res.setContentType("text/html; charset=utf-8");
    res.setContentLength(body.length);
    res.getOutputStream().write(body);
  }

  private static void redirect(HttpServletResponse res, String path) {
    res.setStatus(303);
    res.setHeader("Location", path);
  }
}
