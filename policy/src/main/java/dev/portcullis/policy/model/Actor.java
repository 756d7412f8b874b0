package dev.portcullis.policy.model;

import dev.portcullis.policy.token.TokenKind;

/**
 * Who is calling a management operation: a user with the token they authenticated with, or the
 * gateway itself (first-start bootstrap, the demo seed).
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
   * A site administrator using a classic token with the {@code site_admin} scope (or the gateway
   * itself).
   */
  public boolean isSiteAdmin() {
    return system
        || (user.siteAdmin()
            && token.kind() == TokenKind.CLASSIC
            && token.scopes().contains(ClassicScopes.SITE_ADMIN));
  }
}
