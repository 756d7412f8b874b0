package dev.portcullis.policy.admin;

import java.time.Instant;
import java.util.Objects;

/**
 * A one-time link that lets {@code login} choose a password: {@code token} is its secret part
 * (shown once; the store keeps its digest), valid until {@code expiresAt}. {@code toString} hides
 * the token.
 */
public record SetupLink(String login, String token, Instant expiresAt) {
  public SetupLink {
    Objects.requireNonNull(login, "login");
    Objects.requireNonNull(token, "token");
    Objects.requireNonNull(expiresAt, "expiresAt");
  }

  /** The link's path on the gateway. */
  public String path() {
    return "/password_reset/" + token;
  }

  @Override
  public String toString() {
    return "SetupLink[login=" + login + ", expiresAt=" + expiresAt + "]";
  }
}
