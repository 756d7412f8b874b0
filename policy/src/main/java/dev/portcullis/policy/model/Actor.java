package dev.portcullis.policy.model;

import dev.portcullis.policy.token.TokenKind;

/**
 * Who is calling a management operation: a user with the token they authenticated with (the REST
 * API and the command line), a user signed in to the web console (no token), or the gateway itself
 * (first-start bootstrap, the demo seed).
 */
public record Actor(User user, AccessToken token, boolean system) {
  public static final Actor SYSTEM = new Actor(null, null, true);

  public static Actor of(User user, AccessToken token) {
    if (user == null || token == null) {
      throw new IllegalArgumentException("an actor has a user and a token");
    }
    return new Actor(user, token, false);
  }

  /**
   * A user signed in to the web console. A session is the user themself, proven by their password,
   * not a token with scopes: their own roles decide what they may do (an organization's owner
   * manages it, an enterprise's owner sets its policy, a site administrator manages everything).
   */
  public static Actor web(User user) {
    if (user == null) {
      throw new IllegalArgumentException("a console actor has a user");
    }
    return new Actor(user, null, false);
  }

  /**
   * The way the call came in, as the audit log records it: {@code api} (a token), {@code web} (a
   * console session), or {@code null} for the gateway itself.
   */
  public String via() {
    return system ? null : token == null ? "web" : "api";
  }

  /**
   * A site administrator signed in to the console or using a classic token with the {@code
   * site_admin} scope, or the gateway itself.
   */
  public boolean isSiteAdmin() {
    return system
        || (token == null && user.siteAdmin())
        || (token != null
            && user.siteAdmin()
            && token.kind() == TokenKind.CLASSIC
            && token.scopes().contains(ClassicScopes.SITE_ADMIN));
  }
}
