package dev.portcullis.policy.admin;

import dev.portcullis.policy.model.AccessToken;
import dev.portcullis.policy.model.Actor;
import dev.portcullis.policy.model.FineGrainedPermissions;
import dev.portcullis.policy.model.Grant;
import dev.portcullis.policy.model.GrantStatus;
import dev.portcullis.policy.model.Organization;
import dev.portcullis.policy.model.Page;
import dev.portcullis.policy.model.PermissionLevel;
import dev.portcullis.policy.model.PolicyException;
import dev.portcullis.policy.model.Repository;
import dev.portcullis.policy.model.RepositorySelection;
import dev.portcullis.policy.model.User;
import dev.portcullis.policy.store.PolicyStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * An organization's pending token requests and approved grants, filtered and paged as GitHub lists
 * them.
 */
public final class GrantListings extends UseCase {
  GrantListings(AdminContext context) {
    super(context);
  }

  /**
   * Lists an organization's pending token requests ({@code requests}) or approved grants, filtered,
   * ordered by creation and paged as GitHub's endpoints do.
   */
  public Page<GrantListing> listGrants(
      Actor actor, String orgLogin, boolean requests, GrantQuery q) {
    Organization org = organization(orgLogin);
    requireOrgOwner(
        actor,
        org,
        requests
            ? "organization_personal_access_token_requests"
            : "organization_personal_access_tokens",
        PermissionLevel.READ);
    GrantStatus wanted = requests ? GrantStatus.PENDING : GrantStatus.APPROVED;
    Long repoId = null;
    if (q.repository() != null) {
      Optional<Repository> r = store.repository(org.id(), q.repository());
      if (r.isEmpty()) {
        return new Page<>(List.of(), q.page(), q.perPage(), 0);
      }
      repoId = r.get().id();
    }
    String permName = null;
    PermissionLevel permLevel = null;
    if (q.permission() != null) {
      int cut = q.permission().lastIndexOf('_');
      permLevel = cut <= 0 ? null : PermissionLevel.fromApiName(q.permission().substring(cut + 1));
      permName = cut <= 0 ? null : q.permission().substring(0, cut);
      if (permLevel == null || FineGrainedPermissions.get(permName) == null) {
        throw PolicyException.invalid(
            "PersonalAccessToken",
            "permission",
            "invalid",
            "permission must be <name>_<level> with a known permission, e.g. contents_read");
      }
    }
    Map<Long, Optional<User>> users = new java.util.HashMap<>();
    List<GrantListing> all = new ArrayList<>();
    for (PolicyStore.GrantRow row : store.grantsOfOrganization(org.id())) {
      Grant g = row.grant();
      AccessToken t = row.token();
      if (g.status() != wanted) {
        continue;
      }
      if (q.tokenIds() != null && !q.tokenIds().contains(t.id())) {
        continue;
      }
      if (q.owners() != null && !ownerIdsContains(q.owners(), t.userId(), users)) {
        continue;
      }
      if (repoId != null) {
        boolean reaches =
            t.repositorySelection() == RepositorySelection.ALL
                || (t.repositorySelection() == RepositorySelection.SUBSET
                    && t.repositoryIds().contains(repoId));
        if (!reaches) {
          continue;
        }
      }
      if (permName != null) {
        PermissionLevel have = t.permission(permName);
        if (have == null || !have.includes(permLevel)) {
          continue;
        }
      }
      Instant lastUsed = latest(t.lastUsedAt(), unflushedLastUse.apply(t.id()));
      if (q.lastUsedBefore() != null
          && (lastUsed == null || !lastUsed.isBefore(q.lastUsedBefore()))) {
        continue;
      }
      if (q.lastUsedAfter() != null && (lastUsed == null || !lastUsed.isAfter(q.lastUsedAfter()))) {
        continue;
      }
      Optional<User> owner = users.computeIfAbsent(t.userId(), store::userById);
      if (owner.isEmpty()) {
        continue;
      }
      all.add(new GrantListing(g, t, owner.get(), lastUsed));
    }
    java.util.Comparator<GrantListing> order =
        java.util.Comparator.comparing((GrantListing l) -> l.grant().createdAt())
            .thenComparing(l -> l.grant().id());
    all.sort(q.ascending() ? order : order.reversed());
    return Page.of(all, q.page(), q.perPage());
  }

  private boolean ownerIdsContains(
      List<String> logins, long userId, Map<Long, Optional<User>> users) {
    Optional<User> u = users.computeIfAbsent(userId, store::userById);
    return u.isPresent() && logins.stream().anyMatch(l -> l.equalsIgnoreCase(u.get().login()));
  }

  private static Instant latest(Instant a, Instant b) {
    if (a == null) {
      return b;
    }
    return b == null || a.isAfter(b) ? a : b;
  }

  /**
   * The repositories a pending request ({@code request}, by request id) or an approved grant (by
   * token id) asks for or reaches: all of the organization's for selection {@code all}.
   */
  public Page<Repository> grantRepositories(
      Actor actor, String orgLogin, boolean request, long id, int page, int perPage) {
    Organization org = organization(orgLogin);
    requireOrgOwner(
        actor,
        org,
        request
            ? "organization_personal_access_token_requests"
            : "organization_personal_access_tokens",
        PermissionLevel.READ);
    Optional<Grant> g = request ? store.grantById(id) : store.grantOfToken(id);
    Grant grant =
        g.filter(x -> x.orgId() == org.id())
            .filter(x -> x.status() == (request ? GrantStatus.PENDING : GrantStatus.APPROVED))
            .orElseThrow(
                () ->
                    PolicyException.notFound(
                        request
                            ? "No pending personal access token request with id "
                                + id
                                + " in '"
                                + org.login()
                                + "'."
                            : "No personal access token with id "
                                + id
                                + " has access to '"
                                + org.login()
                                + "'."));
    AccessToken t =
        store
            .tokenById(grant.tokenId())
            .filter(x -> !x.deleted())
            .orElseThrow(
                () ->
                    PolicyException.notFound(
                        "No personal access token with id " + grant.tokenId() + "."));
    List<Repository> repos =
        switch (t.repositorySelection()) {
          case ALL -> store.repositoriesOfOwner(org.id());
          case NONE -> List.of();
          case SUBSET ->
              store.repositoriesOfOwner(org.id()).stream()
                  .filter(r -> t.repositoryIds().contains(r.id()))
                  .toList();
        };
    return Page.of(repos, page, perPage);
  }
}
