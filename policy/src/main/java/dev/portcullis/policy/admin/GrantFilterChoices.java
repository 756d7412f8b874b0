package dev.portcullis.policy.admin;

import java.util.List;

/**
 * The choices of the Owner, Repository and Permission filters of an organization's request or grant
 * listing, each ordered and each once.
 *
 * @param owners logins of the tokens' owners
 * @param repositories names of the organization's repositories the tokens reach
 * @param permissions {@code <name>_<level>} held by the tokens
 */
public record GrantFilterChoices(
    List<String> owners, List<String> repositories, List<String> permissions) {
  public GrantFilterChoices {
    owners = List.copyOf(owners);
    repositories = List.copyOf(repositories);
    permissions = List.copyOf(permissions);
  }
}
