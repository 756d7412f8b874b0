package dev.portcullis.gateway.console;

import dev.portcullis.policy.admin.ConsoleSession;
import dev.portcullis.policy.admin.SignInOutcome;
import dev.portcullis.policy.model.PolicyException;
import dev.portcullis.policy.model.User;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Signing in and out: {@code /login}, {@code /logout}, and {@code /password_reset/{token}} for the
 * setup links an administrator hands out.
 */
final class SignInPages implements PageGroup {
  private final Console console;

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
    Map<String, Object> p = Console.page(null, "Sign in", null);
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

  private void signIn(HttpServletRequest req, HttpServletResponse res) throws IOException {
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
