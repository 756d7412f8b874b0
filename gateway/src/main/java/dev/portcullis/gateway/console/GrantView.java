package dev.portcullis.gateway.console;

import dev.portcullis.policy.admin.GrantListing;
import dev.portcullis.policy.model.AccessToken;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;

/**
 * A token request or approved grant as the owners' pages show it.
 *
 * @param id the request id (requests) or the token id (grants): what the page's links and forms
 *     name, as the API's paths do
 * @param repositories "All repositories", "Public repositories (read-only)" or a count
 * @param refPatterns the refs a push may update ({@code ref_patterns}), or "any ref"
 * @param approvalEnds when a time-bound approval lapses (UTC, to the minute), or {@code ""}
 * @param allowedNetworks the networks the token may be used from ({@code allowed_networks}), or
 *     "any network"
 */
public record GrantView(
    long id,
    String name,
    String owner,
    String justification,
    String repositories,
    List<String> permissions,
    String created,
    String expires,
    String lastUsed,
    String refPatterns,
    String approvalEnds,
    String allowedNetworks) {
  private static final DateTimeFormatter MINUTE =
      DateTimeFormatter.ofPattern("MMM d, yyyy HH:mm 'UTC'", Locale.ENGLISH)
          .withZone(ZoneOffset.UTC);

  private static final DateTimeFormatter DAY =
      DateTimeFormatter.ofPattern("MMM d, yyyy", Locale.ENGLISH).withZone(ZoneOffset.UTC);

  static GrantView of(GrantListing l, boolean request) {
    AccessToken t = l.token();
    return new GrantView(
        request ? l.grant().id() : t.id(),
        t.name(),
        l.owner().login(),
        l.grant().reason() == null ? "" : l.grant().reason(),
        reach(t),
        t.permissions().entrySet().stream()
            .map(e -> e.getKey() + ": " + e.getValue().apiName())
            .sorted()
            .toList(),
        day(l.grant().createdAt()),
        t.expiresAt() == null ? "never" : day(t.expiresAt()),
        l.lastUsedAt() == null ? "never used" : day(l.lastUsedAt()),
        t.refPatterns() == null ? "any ref" : t.refPatterns().toString(),
        l.grant().approvalExpiresAt() == null ? "" : MINUTE.format(l.grant().approvalExpiresAt()),
        t.allowedNetworks() == null ? "any network" : t.allowedNetworks().toString());
  }

  static String day(Instant t) {
    return DAY.format(t);
  }

  private static String reach(AccessToken t) {
    return switch (t.repositorySelection()) {
      case ALL -> "All repositories";
      case NONE -> "Public repositories (read-only)";
      case SUBSET ->
          t.repositoryIds().size() == 1
              ? "1 repository"
              : t.repositoryIds().size() + " repositories";
    };
  }
}
