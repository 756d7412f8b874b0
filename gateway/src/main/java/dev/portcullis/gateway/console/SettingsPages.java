package dev.portcullis.gateway.console;

import dev.portcullis.policy.admin.ConsoleSession;
import dev.portcullis.policy.admin.Passwords;
import dev.portcullis.policy.model.Actor;
import dev.portcullis.policy.model.MailPreferences;
import dev.portcullis.policy.model.PolicyException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The signed-in user's own settings, at GitHub's paths: {@code /settings/profile} (with the
 * notification mails they may turn off, posted to {@code /settings/notifications}) and {@code
 * /settings/password} ({@link TokenPages} has the tokens).
 */
final class SettingsPages implements PageGroup {
  private final Console console;

  SettingsPages(Console console) {
    this.console = console;
  }

  @Override
  public List<String> paths() {
    return List.of("/settings/*");
  }

  @Override
  public void serve(HttpServletRequest req, HttpServletResponse res, String path, boolean post)
      throws IOException {
    Optional<ConsoleSession> session = console.signedIn(req, res, path, post);
    if (session.isEmpty()) {
      return;
    }
    ConsoleSession s = session.get();
    switch (path) {
      case "/settings/profile" -> profile(req, res, s, post);
      case "/settings/password" -> password(req, res, s, post);
      case "/settings/notifications" -> {
        if (post) {
          notifications(req, res, s);
        } else {
          Console.redirect(res, "/settings/profile");
        }
      }
      default -> console.message(res, 404, "Not found", "There is no such page.");
    }
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
        console.admin.accounts().setEmail(actor, s.user().login(), value);
        Console.redirect(res, "/settings/profile?saved=1");
        return;
      } catch (PolicyException e) {
        error = Console.messageOf(e);
      }
    } else {
      email = console.admin.accounts().email(actor, s.user().login()).orElse("");
    }
    MailPreferences mail = console.admin.accounts().mailPreferences(actor, s.user().login());
    Map<String, Object> p = Console.page(s, "Public profile", "profile");
    p.put("email", email == null ? "" : email);
    p.put("error", error);
    String saved = post ? null : req.getParameter("saved");
    p.put(
        "notice",
        saved == null
            ? null
            : saved.equals("notifications") ? "Notification settings saved." : "Profile updated.");
    p.put("digest", mail.digest());
    p.put("expiryReminders", mail.expiryReminders());
    console.render(res, error == null ? 200 : 422, "profile.jte", p);
  }

  /**
   * The notification mails the user may turn off: an unchecked box is absent from the form, so
   * absent means off.
   */
  private void notifications(HttpServletRequest req, HttpServletResponse res, ConsoleSession s)
      throws IOException {
    console
        .admin
        .accounts()
        .setMailPreferences(
            Actor.web(s.user()),
            s.user().login(),
            new MailPreferences(
                req.getParameter("digest") != null, req.getParameter("expiry_reminders") != null));
    Console.redirect(res, "/settings/profile?saved=notifications");
  }

  private void password(
      HttpServletRequest req, HttpServletResponse res, ConsoleSession s, boolean post)
      throws IOException {
    String error = null;
    int status = 422;
    if (post) {
      String next = req.getParameter("password");
      if (next == null || !next.equals(req.getParameter("password_confirmation"))) {
        error = "The new password and its confirmation differ.";
      } else {
        try {
          console
              .admin
              .passwords()
              .changePassword(
                  Actor.web(s.user()),
                  req.getParameter("current_password"),
                  next,
                  req.getRemoteAddr());
          // Every session of the user ended with the change, this one too.
          Console.clearSessionCookie(res);
          Console.redirect(res, "/login?done=password");
          return;
        } catch (PolicyException e) {
          error = Console.messageOf(e);
          if (e.errors().stream().anyMatch(f -> f.code().equals(Passwords.TOO_MANY_ATTEMPTS))) {
            status = 429;
            res.setHeader(
                "Retry-After", Long.toString(console.admin.sessions().retryAfterSeconds()));
          }
        }
      }
    }
    Map<String, Object> p = Console.page(s, "Password", "password");
    p.put("error", error);
    console.render(res, error == null ? 200 : status, "password.jte", p);
  }
}
