package dev.portcullis.policy.decision;

import dev.portcullis.policy.model.AccessToken;
import dev.portcullis.policy.model.User;
import java.util.Objects;

/**
 * What authentication found in a request: no credentials, invalid ones, or a stored token and its
 * user.
 */
public sealed interface Credential {
  Credential NONE = new None();
  Credential INVALID = new Invalid();

  /** No {@code Authorization} header at all (git's first request, anonymous clones). */
  record None() implements Credential {}

  /** Credentials that can never be valid: empty username, malformed or unknown token. */
  record Invalid() implements Credential {}

  /**
   * A token found in the store, with its user. Whether it is still usable (deleted, expired,
   * suspended user) is the decision's business, so the cached and uncached paths check the same.
   */
  record Token(AccessToken token, User user) implements Credential {
    public Token {
      Objects.requireNonNull(token, "token");
      Objects.requireNonNull(user, "user");
    }
  }
}
