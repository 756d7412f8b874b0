package dev.portcullis.policy.decision;

import dev.portcullis.policy.model.AccessToken;
import dev.portcullis.policy.model.Organization;
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
   *
   * @param target the organization a fine-grained token targets (its resource owner), whose network
   *     settings the token must meet; {@code null} for classic tokens and tokens on a user
   */
  record Token(AccessToken token, User user, Organization target) implements Credential {
    public Token {
      Objects.requireNonNull(token, "token");
      Objects.requireNonNull(user, "user");
    }

    /** A token that targets no organization. */
    public Token(AccessToken token, User user) {
      this(token, user, null);
    }
  }
}
