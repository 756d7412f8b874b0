package dev.portcullis.policy.admin;

import dev.portcullis.policy.model.AccessToken;
import dev.portcullis.policy.model.Grant;

/**
 * A freshly created token: the only object that ever holds its plaintext. {@code grant} is set for
 * a fine-grained token aimed at an organization.
 */
public record CreatedToken(AccessToken token, String plaintext, Grant grant) {
  @Override
  public String toString() {
    return "CreatedToken[" + token + "]";
  }
}
