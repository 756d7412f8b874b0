package dev.portcullis.policy.admin;

import dev.portcullis.policy.model.AccessToken;
import dev.portcullis.policy.model.Actor;
import dev.portcullis.policy.model.Enterprise;
import dev.portcullis.policy.model.FineGrainedPermissions;
import dev.portcullis.policy.model.Grant;
import dev.portcullis.policy.model.GrantStatus;
import dev.portcullis.policy.model.Organization;
import dev.portcullis.policy.model.Page;
import dev.portcullis.policy.model.PermissionLevel;
import dev.portcullis.policy.model.PolicyException;
import dev.portcullis.policy.model.Repository;
import dev.portcullis.policy.model.User;
import dev.portcullis.policy.store.PolicyStore;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;

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
    // The store filters, the last-used filters and the order need its freshest value (which may
    // be in memory only), and only the page asked for is loaded in full.
    List<PolicyStore.GrantKey> keys = new ArrayList<>();
    Map<Long, Instant> lastUse = new HashMap<>();
    for (PolicyStore.GrantKey k :
        store.grantKeys(
            org.id(),
            wanted,
            new PolicyStore.GrantFilter(q.owners(), repoId, permName, permLevel, q.tokenIds()))) {
      Instant lastUsed = latest(k.lastUsedAt(), unflushedLastUse.apply(k.tokenId()));
      if (q.lastUsedBefore() != null
          && (lastUsed == null || !lastUsed.isBefore(q.lastUsedBefore()))) {
        continue;
      }
      if (q.lastUsedAfter() != null && (lastUsed == null || !lastUsed.isAfter(q.lastUsedAfter()))) {
        continue;
      }
      keys.add(k);
      if (lastUsed != null) {
        lastUse.put(k.tokenId(), lastUsed);
      }
    }
    Comparator<PolicyStore.GrantKey> order =
        Comparator.comparing(PolicyStore.GrantKey::createdAt)
            .thenComparing(PolicyStore.GrantKey::grantId);
    keys.sort(q.ascending() ? order : order.reversed());
    Page<PolicyStore.GrantKey> page = Page.of(keys, q.page(), q.perPage());
    List<GrantListing> items = new ArrayList<>();
    Map<Long, Optional<User>> users = new HashMap<>();
    for (PolicyStore.GrantRow row :
        store.grantRows(page.items().stream().map(PolicyStore.GrantKey::grantId).toList())) {
      users
          .computeIfAbsent(row.token().userId(), store::userById)
          .ifPresent(
              u ->
                  items.add(
                      new GrantListing(
                          row.grant(), row.token(), u, lastUse.get(row.token().id()))));
    }
    return new Page<>(items, page.page(), page.perPage(), page.total());
  }

  /**
   * The choices of a listing's filters, built from the organization's pending requests ({@code
   * requests}) or approved grants themselves: their owners, the repositories they reach and the
   * permissions they hold ({@code <name>_<level>}, as {@link GrantQuery#permission} takes them).
   */
  public GrantFilterChoices filterChoices(Actor actor, String orgLogin, boolean requests) {
    Organization org = organization(orgLogin);
    requireOrgOwner(
        actor,
        org,
        requests
            ? "organization_personal_access_token_requests"
            : "organization_personal_access_tokens",
        PermissionLevel.READ);
    GrantStatus status = requests ? GrantStatus.PENDING : GrantStatus.APPROVED;
    PolicyStore.GrantFacets facets = store.grantFacets(org.id(), status);
    TreeSet<String> permissions = new TreeSet<>();
    for (Map<String, PermissionLevel> set : facets.permissionSets()) {
      set.forEach((name, level) -> permissions.add(name + "_" + level.apiName()));
    }
    return new GrantFilterChoices(
        facets.ownerLogins(), facets.repositoryNames(), List.copyOf(permissions));
  }

  /**
   * One pending request ({@code request}, by request id) or approved grant (by token id) of the
   * organization, as its listing shows it.
   */
  public GrantListing grant(Actor actor, String orgLogin, boolean request, long id) {
    Organization org = organization(orgLogin);
    requireOrgOwner(
        actor,
        org,
        request
            ? "organization_personal_access_token_requests"
            : "organization_personal_access_tokens",
        PermissionLevel.READ);
    Grant grant = live(org, request, id);
    PolicyStore.GrantRow row =
        store.grantRows(List.of(grant.id())).stream()
            .filter(r -> !r.token().deleted())
            .findFirst()
            .orElseThrow(() -> missing(org, request, id));
    User owner = store.userById(row.token().userId()).orElseThrow(() -> missing(org, request, id));
    return new GrantListing(
        row.grant(),
        row.token(),
        owner,
        latest(row.token().lastUsedAt(), unflushedLastUse.apply(row.token().id())));
  }

  /**
   * The number of pending requests of each organization the caller owns (or may review), by
   * organization id; organizations with none are left out.
   */
  public Map<Long, Integer> pendingCounts(Actor actor, List<Organization> orgs) {
    for (Organization o : orgs) {
      requireOrgOwner(
          actor, o, "organization_personal_access_token_requests", PermissionLevel.READ);
    }
    return store.grantCounts(orgs.stream().map(Organization::id).toList(), GrantStatus.PENDING);
  }

  /**
   * The number of pending requests over every organization of an enterprise, for its owners and
   * site administrators.
   */
  public int enterprisePendingCount(Actor actor, String slug) {
    Enterprise e = enterprise(slug);
    requireEnterpriseOwner(actor, e);
    return store
        .grantCounts(
            store.organizationsOfEnterprise(e.id()).stream().map(Organization::id).toList(),
            GrantStatus.PENDING)
        .values()
        .stream()
        .mapToInt(Integer::intValue)
        .sum();
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
    Grant grant = live(org, request, id);
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

  /** A pending request by request id, or an approved grant by token id, of {@code org}. */
  private Grant live(Organization org, boolean request, long id) {
    Optional<Grant> g = request ? store.grantById(id) : store.grantOfToken(id);
    return g.filter(x -> x.orgId() == org.id())
        .filter(x -> x.status() == (request ? GrantStatus.PENDING : GrantStatus.APPROVED))
        .orElseThrow(() -> missing(org, request, id));
  }

  private static PolicyException missing(Organization org, boolean request, long id) {
    return PolicyException.notFound(
        request
            ? "No pending personal access token request with id "
                + id
                + " in '"
                + org.login()
                + "'."
            : "No personal access token with id " + id + " has access to '" + org.login() + "'.");
  }
}
