package dev.portcullis.policy.admin;

import java.time.Instant;
import java.util.List;

/**
 * Filters, order and page of a listing of an organization's token requests or grants, as GitHub's
 * {@code GET /orgs/{org}/personal-access-token-requests} and {@code …/personal-access-tokens} take
 * them. Null filters match everything.
 *
 * @param owners logins of token owners (at most 10)
 * @param repository a repository name of the organization the token can reach
 * @param permission {@code <name>_<level>}, e.g. {@code contents_read}
 * @param tokenIds at most 50
 * @param ascending {@code direction=asc} (default is descending)
 * @param page 1-based
 * @param perPage 1–100
 */
public record GrantQuery(
    List<String> owners,
    String repository,
    String permission,
    Instant lastUsedBefore,
    Instant lastUsedAfter,
    List<Long> tokenIds,
    boolean ascending,
    int page,
    int perPage) {
  public static final int MAX_PER_PAGE = 100;

  public GrantQuery {
    if (page < 1) {
      throw new IllegalArgumentException("page must be at least 1");
    }
    if (perPage < 1 || perPage > MAX_PER_PAGE) {
      throw new IllegalArgumentException("per_page must be 1–100");
    }
    owners = owners == null ? null : List.copyOf(owners);
    tokenIds = tokenIds == null ? null : List.copyOf(tokenIds);
  }
}
