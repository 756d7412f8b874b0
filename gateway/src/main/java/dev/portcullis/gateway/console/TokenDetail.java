package dev.portcullis.gateway.console;

import dev.portcullis.policy.admin.Directory;
import dev.portcullis.policy.admin.OwnToken;
import dev.portcullis.policy.model.AccessToken;
import dev.portcullis.policy.model.Grant;
import dev.portcullis.policy.model.PermissionLevel;
import dev.portcullis.policy.model.RepositorySelection;
import dev.portcullis.policy.store.PolicyStore;
import dev.portcullis.policy.token.TokenKind;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One token's page: what it can reach, its status and its approval request, formatted for display.
 *
 * @param access what repositories it reaches, in words
 * @param permissions "Contents: read" lines (fine-grained) or scope names (classic)
 * @param grant the approval request when the resource owner is an organization, else null
 * @param previous the secrets rotations replaced, the most recent first
 * @param refPatterns the refs a push may update, or {@code null} for any
 * @param approvalEnds when a time-bound approval lapses (UTC), or {@code null}
 * @param allowedNetworks the networks it may be used from ({@code allowed_networks}), or "any
 *     network"
 */
public record TokenDetail(
    TokenRow row,
    boolean classic,
    String description,
    String created,
    String access,
    List<String> repositories,
    List<String> permissions,
    Grant grant,
    String requested,
    String reviewed,
    List<PreviousSecret> previous,
    String refPatterns,
    String approvalEnds,
    String allowedNetworks) {

  /**
   * A secret a rotation replaced: when, until when it works (to the minute, UTC), whether it still
   * does, and its last use.
   */
  public record PreviousSecret(String rotated, String validUntil, boolean works, String lastUsed) {}

  static final DateTimeFormatter MINUTE =
      DateTimeFormatter.ofPattern("MMM d, yyyy HH:mm 'UTC'", Locale.ENGLISH)
          .withZone(ZoneOffset.UTC);

  static TokenDetail of(
      OwnToken own, Instant now, Directory directory, List<PolicyStore.TokenSecret> rotated) {
    AccessToken t = own.token();
    boolean classic = t.kind() == TokenKind.CLASSIC;
    List<String> repos = new ArrayList<>();
    List<String> perms = new ArrayList<>();
    String access;
    if (classic) {
      access = "Every repository you can reach, as the scopes allow.";
      perms.addAll(t.scopes().stream().sorted().toList());
    } else {
      RepositorySelection s = t.repositorySelection();
      access =
          switch (s == null ? RepositorySelection.NONE : s) {
            case ALL -> "All repositories of " + own.resourceOwner() + ".";
            case SUBSET -> "Only these repositories of " + own.resourceOwner() + ":";
            case NONE -> "Public repositories only (read-only).";
          };
      for (long id : t.repositoryIds()) {
        directory.repositoryById(id).ifPresent(r -> repos.add(r.ownerLogin() + "/" + r.name()));
      }
      repos.sort(String.CASE_INSENSITIVE_ORDER);
      for (Map.Entry<String, PermissionLevel> p : t.permissions().entrySet()) {
        perms.add(FineGrainedForm.displayName(p.getKey()) + ": " + p.getValue().apiName());
      }
      perms.sort(String.CASE_INSENSITIVE_ORDER);
    }
    Grant g = own.grant();
    return new TokenDetail(
        TokenRow.of(own, now),
        classic,
        t.description(),
        TokenRow.DAY.format(t.createdAt()),
        access,
        repos,
        perms,
        g,
        g == null ? null : TokenRow.DAY.format(g.createdAt()),
        g == null || g.reviewedAt() == null ? null : TokenRow.DAY.format(g.reviewedAt()),
        rotated.stream()
            .map(
                r ->
                    new PreviousSecret(
                        MINUTE.format(r.rotatedAt()),
                        MINUTE.format(r.validUntil()),
                        now.isBefore(r.validUntil()),
                        r.lastUsedAt() == null ? "never used" : MINUTE.format(r.lastUsedAt())))
            .toList(),
        t.refPatterns() == null ? null : t.refPatterns().toString(),
        g == null || g.approvalExpiresAt() == null
            ? null
            : g.approvalExpiresAt().toString().replace('T', ' ').replace("Z", " UTC"),
        t.allowedNetworks() == null ? "any network" : t.allowedNetworks().toString());
  }
}
