package dev.portcullis.gateway.console;

import dev.portcullis.policy.admin.ConsoleSession;
import dev.portcullis.policy.admin.Passwords;
import dev.portcullis.policy.model.Actor;
import dev.portcullis.policy.model.PolicyException;
import dev.portcullis.policy.token.TokenKind;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The signed-in user's own settings, at GitHub's paths: {@code /settings/profile}, {@code
 * /settings/password}, {@code /settings/personal-access-tokens} (fine-grained tokens) and {@code
 * /settings/tokens} (classic tokens).
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
      case "/settings/personal-access-tokens", "/settings/tokens" -> {
        TokenKind kind =
            path.equals("/settings/tokens") ? TokenKind.CLASSIC : TokenKind.FINE_GRAINED;
        if (post) {
          deleteToken(req, res, s, path);
        } else {
          tokens(req, res, s, kind);
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
    Map<String, Object> p = Console.page(s, "Public profile", "profile");
    p.put("email", email == null ? "" : email);
    p.put("error", error);
    p.put("notice", !post && req.getParameter("saved") != null ? "Profile updated." : null);
    console.render(res, error == null ? 200 : 422, "profile.jte", p);
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

  /** The list's delete buttons post {@code delete=<id>} to the list's own URL. */
  private void deleteToken(
      HttpServletRequest req, HttpServletResponse res, ConsoleSession s, String path)
      throws IOException {
    long id;
    try {
      id = Long.parseLong(String.valueOf(req.getParameter("delete")));
    } catch (NumberFormatException e) {
      console.message(res, 400, "Bad request", "Which token? The form named none.");
      return;
    }
    try {
      console.admin.tokens().deleteOwnToken(Actor.web(s.user()), id);
    } catch (PolicyException e) {
      console.message(res, 404, "Not found", "You have no such token.");
      return;
    }
    Console.redirect(res, path + "?deleted=1");
  }

  /**
   * The user's tokens of one kind: fine-grained at GitHub's path, classic at {@code
   * /settings/tokens}.
   */
  private void tokens(
      HttpServletRequest req, HttpServletResponse res, ConsoleSession s, TokenKind kind)
      throws IOException {
    Instant now = console.clock.instant();
    List<TokenRow> rows =
        console.admin.tokens().ownTokens(Actor.web(s.user())).stream()
            .filter(t -> t.token().kind() == kind)
            .map(t -> TokenRow.of(t, now))
            .toList();
    boolean classic = kind == TokenKind.CLASSIC;
    Map<String, Object> p =
        Console.page(
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
    console.render(res, 200, "tokens.jte", p);
  }
}
