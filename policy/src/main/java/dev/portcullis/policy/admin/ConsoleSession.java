package dev.portcullis.policy.admin;

import dev.portcullis.policy.model.User;
import java.util.Objects;

/**
 * A signed-in console session: its id (the cookie's value; the store holds only its digest), its
 * user, and the CSRF token every state-changing form of the session carries. {@code toString} shows
 * neither secret.
 */
public record ConsoleSession(String id, User user, String csrfToken) {
  public ConsoleSession {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(user, "user");
    Objects.requireNonNull(csrfToken, "csrfToken");
  }

  @Override
  public String toString() {
    return "ConsoleSession[user=" + user.login() + "]";
  }
}
