package dev.portcullis.gateway.console;

import dev.portcullis.policy.admin.ConsoleSession;
import dev.portcullis.policy.admin.SignInOutcome;
import dev.portcullis.policy.model.PolicyException;
import dev.portcullis.policy.model.User;
import jakarta.servlet.http.Cookie;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Signing in and out: {@code /login}, {@code /logout}, and {@code /password_reset/{token}} for the
 * setup links an administrator hands out.
 *
 * <p>The sign-in form has no session to tie a CSRF token to, so it uses a double-submit token: the
 * login page sets a random value in the {@value #LOGIN_COOKIE} cookie (host-only, Secure, HttpOnly,
 * SameSite=Strict) and in the form; a sign-in post whose form value differs from its cookie is
 * refused with 403 before the password is looked at. Another site can neither read nor set the
 * cookie, so it cannot sign a browser in to an account of its choosing.
 */
final class SignInPages implements PageGroup {
  /** The sign-in form's double-submit cookie. */
  static final String LOGIN_COOKIE = "__Host-portcullis_login";

  private final Console console;
  private final SecureRandom random = new SecureRandom();

  SignInPages(Console console) {
    this.console = console;
  }

  @Override
  public List<String> paths() {
    return List.of("/login", "/logout", "/password_reset/*");
  }

  @Override
  public void serve(HttpServletRequest req, HttpServletResponse res, String path, boolean post)
      throws IOException {
    if (path.equals("/login")) {
      if (post) {
        String token = loginToken(req);
        String sent = req.getParameter(Console.CSRF_FIELD);
        if (token == null
            || sent == null
            || !MessageDigest.isEqual(
                token.getBytes(StandardCharsets.UTF_8), sent.getBytes(StandardCharsets.UTF_8))) {
          Console.LOG.info("refused a sign-in post without its form token");
          console.message(
              res, 403, "Forbidden", "This form has expired. Go back, reload the page and retry.");
          return;
        }
        signIn(req, res, token);
      } else {
        loginPage(req, res);
      }
      return;
    }
    if (path.startsWith("/password_reset/")) {
      setup(req, res, path.substring("/password_reset/".length()), post);
      return;
    }
    Optional<ConsoleSession> session = console.signedIn(req, res, path, post);
    if (session.isEmpty()) {
      return;
    }
    if (!path.equals("/logout")) {
      console.message(res, 404, "Not found", "There is no such page.");
    } else if (post) {
      console.admin.sessions().signOut(session.get());
      Console.clearSessionCookie(res);
      Console.redirect(res, "/login");
    } else {
      console.render(res, 200, "logout.jte", Console.page(session.get(), "Sign out", null));
    }
  }

  private void loginPage(HttpServletRequest req, HttpServletResponse res) throws IOException {
    if (console.session(req).isPresent()) {
      Console.redirect(res, "/settings/profile");
      return;
    }
    String token = loginToken(req);
    if (token == null) {
      byte[] bytes = new byte[32];
      random.nextBytes(bytes);
      token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
      res.addHeader(
          "Set-Cookie", LOGIN_COOKIE + "=" + token + "; Path=/; Secure; HttpOnly; SameSite=Strict");
    }
    Map<String, Object> p = Console.page(null, "Sign in", null);
    p.put("formToken", token);
    p.put("login", "");
    p.put("error", null);
    p.put(
        "notice",
        switch (String.valueOf(req.getParameter("done"))) {
          case "password" -> "Your password was changed. Sign in with the new one.";
          case "setup" -> "Your password is set. Sign in with it.";
          default -> null;
        });
    console.render(res, 200, "login.jte", p);
  }

  /** The value of the sign-in form's cookie, when it has a well-formed one. */
  private static String loginToken(HttpServletRequest req) {
    Cookie[] cookies = req.getCookies();
    if (cookies != null) {
      for (Cookie c : cookies) {
        if (c.getName().equals(LOGIN_COOKIE) && c.getValue().matches("[A-Za-z0-9_-]{43}")) {
          return c.getValue();
        }
      }
    }
    return null;
  }

  private void signIn(HttpServletRequest req, HttpServletResponse res, String formToken)
      throws IOException {
    String login = req.getParameter("login");
    SignInOutcome outcome =
        console.admin.sessions().signIn(login, req.getParameter("password"), req.getRemoteAddr());
    if (outcome instanceof SignInOutcome.SignedIn in) {
      long maxAge = console.admin.sessions().settings().absoluteTimeout().toSeconds();
      res.addHeader(
          "Set-Cookie",
          ConsoleServlet.COOKIE
              + "="
              + in.session().id()
              + "; Path=/; Max-Age="
              + maxAge
              + "; Secure; HttpOnly; SameSite=Lax");
      Console.redirect(res, "/settings/profile");
      return;
    }
    SignInOutcome.Refused r = (SignInOutcome.Refused) outcome;
    if (r.status() == 429) {
      res.setHeader("Retry-After", Long.toString(console.admin.sessions().retryAfterSeconds()));
    }
    Map<String, Object> p = Console.page(null, "Sign in", null);
    p.put("formToken", formToken);
    p.put("login", login == null ? "" : login);
    p.put("error", r.message());
    p.put("notice", null);
    console.render(res, r.status(), "login.jte", p);
  }

  private void setup(HttpServletRequest req, HttpServletResponse res, String token, boolean post)
      throws IOException {
    // The link's secret is in the path; Referrer-Policy keeps it from other sites,
    // Console.loggable() from the log.
    Optional<User> user = console.admin.passwords().setupLinkUser(token);
    if (user.isEmpty()) {
      console.message(
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
          console.admin.passwords().completeSetup(token, password);
          Console.redirect(res, "/login?done=setup");
          return;
        } catch (PolicyException e) {
          error = Console.messageOf(e);
        }
      }
      Map<String, Object> p = Console.page(null, "Choose a password", null);
      p.put("forLogin", user.get().login());
      p.put("error", error);
      console.render(res, 422, "setup.jte", p);
      return;
    }
    Map<String, Object> p = Console.page(null, "Choose a password", null);
    p.put("forLogin", user.get().login());
    p.put("error", null);
    console.render(res, 200, "setup.jte", p);
  }
}
