package dev.portcullis.policy.model;

/**
 * An account that can own repositories and be a token's resource owner: a user or an organization.
 */
public sealed interface Owner permits User, Organization {
  long id();

  String login();
}
