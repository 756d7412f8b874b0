package dev.portcullis.policy.admin;

import static dev.portcullis.policy.admin.Validation.failIf;
import static dev.portcullis.policy.admin.Validation.fe;
import static dev.portcullis.policy.admin.Validation.hasControl;
import static dev.portcullis.policy.admin.Validation.networksField;
import static dev.portcullis.policy.admin.Validation.refPatternsField;

import dev.portcullis.policy.access.Invalidation;
import dev.portcullis.policy.model.AccessToken;
import dev.portcullis.policy.model.Actor;
import dev.portcullis.policy.model.ClassicScopes;
import dev.portcullis.policy.model.EffectivePolicy;
import dev.portcullis.policy.model.FineGrainedPermissions;
import dev.portcullis.policy.model.Grant;
import dev.portcullis.policy.model.GrantStatus;
import dev.portcullis.policy.model.MaxLifetime;
import dev.portcullis.policy.model.NetworkList;
import dev.portcullis.policy.model.NotificationKind;
import dev.portcullis.policy.model.OrgRole;
import dev.portcullis.policy.model.Organization;
import dev.portcullis.policy.model.Owner;
import dev.portcullis.policy.model.PermissionLevel;
import dev.portcullis.policy.model.PolicyException;
import dev.portcullis.policy.model.RefPatterns;
import dev.portcullis.policy.model.Repository;
import dev.portcullis.policy.model.RepositorySelection;
import dev.portcullis.policy.model.User;
import dev.portcullis.policy.model.Visibility;
import dev.portcullis.policy.store.NotificationOutbox;
import dev.portcullis.policy.store.PolicyStore;
import dev.portcullis.policy.store.StoreUnavailableException;
import dev.portcullis.policy.token.TokenDigest;
import dev.portcullis.policy.token.TokenFormat;
import dev.portcullis.policy.token.TokenKind;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Personal access tokens: issued (the plaintext leaves only in the {@link CreatedToken}), listed,
 * deleted, and revoked by anyone who holds a leaked one.
 */
public final class TokenIssuance extends UseCase {
  TokenIssuance(AdminContext context) {
    super(context);
  }

  /** How long a token lives when its creator chooses no expiry: GitHub's default. */
  public static final int DEFAULT_EXPIRY_DAYS = 30;

  /**
   * The expiry of a token whose creator chose none: {@value #DEFAULT_EXPIRY_DAYS} days, or the
   * target organization's maximum lifetime for fine-grained tokens when that is shorter.
   */
  private int defaultExpiry(NewToken req) {
    int days = DEFAULT_EXPIRY_DAYS;
    if ("fine_grained".equals(req.type()) && req.resourceOwner() != null) {
      Integer max =
          store
              .ownerByLogin(req.resourceOwner())
              .filter(Organization.class::isInstance)
              .map(o -> effectivePolicy((Organization) o).fineGrainedMaxLifetimeDays())
              .orElse(null);
      if (max != null && max < days) {
        days = max;
      }
    }
    return days;
  }

  /** The most fine-grained tokens one user may hold at a time (deleted ones do not count). */
  public static final int MAX_FINE_GRAINED_PER_USER = 50;

  static final String TOO_MANY_FINE_GRAINED =
      "You have reached the limit of "
          + MAX_FINE_GRAINED_PER_USER
          + " fine-grained personal access tokens. Delete one you no longer need to create another.";

  /** A site administrator creates a token for {@code login} (the REST API and the CLI). */
  public CreatedToken createToken(Actor actor, String login, NewToken request) {
    User user = user(login);
    requireSiteAdmin(actor, user);
    return create(actor, user, request);
  }

  /**
   * A user signed in to the console creates a token for themself. A token cannot make another
   * token: an API caller goes through {@link #createToken}, which needs a site administrator.
   */
  public CreatedToken createOwnToken(Actor actor, NewToken request) {
    return create(actor, consoleUser(actor), request);
  }

  private static User consoleUser(Actor actor) {
    if (actor.user() == null || actor.token() != null) {
      throw PolicyException.forbidden("Only a user signed in to the console manages their tokens.");
    }
    return actor.user();
  }

  private CreatedToken create(Actor actor, User user, NewToken request) {
    NewToken req = request.expiryGiven() ? request : request.expiringIn(defaultExpiry(request));
    List<PolicyException.FieldError> errors = new ArrayList<>();
    TokenKind kind = TokenKind.fromApiName(req.type());
    if (kind == null) {
      errors.add(
          fe(
              "type",
              req.type() == null ? "missing_field" : "invalid",
              "type must be fine_grained or classic"));
    }
    if (req.name() == null || req.name().isEmpty() || req.name().length() > 40) {
      errors.add(
          fe(
              "name",
              req.name() == null ? "missing_field" : "invalid",
              "name must be 1–40 characters"));
    }
    if (req.description() != null && req.description().length() > 1024) {
      errors.add(fe("description", "invalid", "description must be at most 1024 characters"));
    }
    if (hasControl(req.name())) {
      errors.add(fe("name", "invalid", "name must not contain control characters"));
    }
    if (hasControl(req.description())
        && !req.description().chars().allMatch(c -> c >= 0x20 || c == '\n' || c == '\t')) {
      errors.add(
          fe(
              "description",
              "invalid",
              "description must not contain control characters other than newlines and tabs"));
    }
    if (hasControl(req.reason())
        && !req.reason().chars().allMatch(c -> c >= 0x20 || c == '\n' || c == '\t')) {
      errors.add(
          fe(
              "reason",
              "invalid",
              "reason must not contain control characters other than newlines and tabs"));
    }
    if (req.expiresIn() != null
        && (req.expiresIn() < MaxLifetime.MIN_DAYS || req.expiresIn() > MaxLifetime.MAX_DAYS)) {
      errors.add(
          fe(
              "expires_in",
              "invalid",
              "expires_in must be 1–366 days or null, not " + req.expiresIn()));
    }
    if (req.reason() != null && req.reason().length() > 1024) {
      errors.add(fe("reason", "invalid", "reason must be at most 1024 characters"));
    }
    failIf(errors);
    Instant created = now();
    Instant expires =
        req.expiresIn() == null ? null : created.plus(Duration.ofDays(req.expiresIn()));
    return kind == TokenKind.CLASSIC
        ? createClassic(actor, user, req, created, expires)
        : createFineGrained(actor, user, req, created, expires);
  }

  private CreatedToken createClassic(
      Actor actor, User user, NewToken req, Instant created, Instant expires) {
    TokenKind kind = TokenKind.CLASSIC;
    List<PolicyException.FieldError> errors = new ArrayList<>();
    Set<String> scopes = new HashSet<>();
    NetworkList networks =
        networksField(errors, "PersonalAccessToken", "allowed_networks", req.allowedNetworks());
    if (req.refPatterns() != null) {
      errors.add(
          fe(
              "ref_patterns",
              "invalid",
              "ref_patterns are for fine-grained tokens with contents: write"));
    }
    if (req.repositorySelection() != null
        || req.resourceOwner() != null
        || req.permissions() != null
        || req.repositories() != null) {
      errors.add(
          fe(
              "type",
              "invalid",
              "classic tokens take scopes, not resource_owner, repository_selection, repositories or permissions"));
    }
    for (String s : req.scopes() == null ? List.<String>of() : req.scopes()) {
      if (s == null || !ClassicScopes.isKnown(s)) {
        errors.add(fe("scopes", "invalid", "unknown scope '" + s + "'"));
      } else if (s.equals(ClassicScopes.SITE_ADMIN) && !user.siteAdmin()) {
        errors.add(fe("scopes", "invalid", "site_admin is only for site administrators"));
      } else {
        scopes.add(s);
      }
    }
    failIf(errors);
    Issued issued =
        issue(
            kind,
            digest ->
                new AccessToken(
                    0,
                    user.id(),
                    kind,
                    digest,
                    req.name(),
                    req.description(),
                    created,
                    expires,
                    null,
                    null,
                    scopes,
                    null,
                    null,
                    Set.of(),
                    Map.of(),
                    networks),
            null,
            null,
            null);
    audit(
        actor, "token.create", "user:" + user.login(), null, JsonText.of(issued.stored().token()));
    return new CreatedToken(issued.stored().token(), issued.plaintext(), null);
  }

  private CreatedToken createFineGrained(
      Actor actor, User user, NewToken req, Instant created, Instant expires) {
    TokenKind kind = TokenKind.FINE_GRAINED;
    long held =
        store.tokensOfUser(user.id()).stream()
            .filter(t -> !t.deleted() && t.kind() == kind)
            .count();
    if (held >= MAX_FINE_GRAINED_PER_USER) {
      failIf(List.of(fe("type", "custom", TOO_MANY_FINE_GRAINED)));
    }
    List<PolicyException.FieldError> errors = new ArrayList<>();
    if (req.scopes() != null && !req.scopes().isEmpty()) {
      errors.add(fe("scopes", "invalid", "fine-grained tokens take permissions, not scopes"));
    }
    Owner resourceOwner = null;
    if (req.resourceOwner() == null) {
      errors.add(
          fe(
              "resource_owner",
              "missing_field",
              "resource_owner (the user itself or an organization) is required"));
    } else {
      resourceOwner = store.ownerByLogin(req.resourceOwner()).orElse(null);
      if (resourceOwner == null) {
        errors.add(
            fe(
                "resource_owner",
                "invalid",
                "no user or organization named '" + req.resourceOwner() + "'"));
      } else if (resourceOwner instanceof User u && u.id() != user.id()) {
        errors.add(
            fe(
                "resource_owner",
                "invalid",
                "a user can only be the resource owner of their own tokens"));
      }
    }
    Organization org = resourceOwner instanceof Organization o ? o : null;
    NetworkList networks =
        networksField(errors, "PersonalAccessToken", "allowed_networks", req.allowedNetworks());
    if (org != null
        && errors.stream().noneMatch(e -> "allowed_networks".equals(e.field()))
        && !org.policy().admitsTokenNetworks(networks)) {
      NetworkList within = org.policy().tokenNetworks();
      errors.add(
          fe(
              "allowed_networks",
              "invalid",
              "the '"
                  + org.login()
                  + "' organization requires fine-grained tokens to be limited to "
                  + (within == null ? "networks" : "networks within " + within)));
    }
    OrgRole role = null;
    EffectivePolicy policy = null;
    if (org != null) {
      role = store.membershipsOfUser(user.id()).get(org.id());
      policy = effectivePolicy(org);
      if (role == null) {
        errors.add(
            fe(
                "resource_owner",
                "invalid",
                "'" + user.login() + "' is not a member of '" + org.login() + "'"));
      } else if (policy.fineGrainedRestricted()) {
        errors.add(
            fe(
                "resource_owner",
                "invalid",
                "the '"
                    + org.login()
                    + "' organization does not allow fine-grained personal access tokens"));
      } else {
        lifetimeError(org, policy, req.expiresIn()).ifPresent(errors::add);
      }
    }
    RepositorySelection selection = RepositorySelection.fromApiName(req.repositorySelection());
    if (selection == null) {
      errors.add(
          fe(
              "repository_selection",
              req.repositorySelection() == null ? "missing_field" : "invalid",
              "repository_selection must be all, subset or none"));
    }
    Set<Long> repoIds = new HashSet<>();
    List<String> names = req.repositories() == null ? List.of() : req.repositories();
    if (selection == RepositorySelection.SUBSET && names.isEmpty()) {
      errors.add(
          fe(
              "repositories",
              "missing_field",
              "repository_selection subset needs at least one repository"));
    } else if (selection != null && selection != RepositorySelection.SUBSET && !names.isEmpty()) {
      errors.add(
          fe(
              "repositories",
              "invalid",
              "repositories are only given with repository_selection subset"));
    }
    if (selection == RepositorySelection.SUBSET && resourceOwner != null) {
      for (String n : names) {
        Optional<Repository> r =
            n == null ? Optional.empty() : store.repository(resourceOwner.id(), n);
        if (r.isEmpty()) {
          errors.add(
              fe(
                  "repositories",
                  "invalid",
                  "no repository named '" + n + "' owned by '" + resourceOwner.login() + "'"));
        } else {
          repoIds.add(r.get().id());
        }
      }
    }
    Map<String, PermissionLevel> perms = new LinkedHashMap<>();
    perms.put("metadata", PermissionLevel.READ);
    if (req.permissions() != null) {
      for (Map.Entry<String, String> p : req.permissions().entrySet()) {
        FineGrainedPermissions.Definition def = FineGrainedPermissions.get(p.getKey());
        PermissionLevel level = PermissionLevel.fromApiName(p.getValue());
        if (def == null) {
          errors.add(fe("permissions", "invalid", "unknown permission '" + p.getKey() + "'"));
        } else if (level == null || !def.levels().contains(level)) {
          errors.add(
              fe(
                  "permissions",
                  "invalid",
                  "permission '" + p.getKey() + "' does not support level '" + p.getValue() + "'"));
        } else if (def.category() == FineGrainedPermissions.Category.ORGANIZATION && org == null) {
          errors.add(
              fe(
                  "permissions",
                  "invalid",
                  "organization permission '"
                      + p.getKey()
                      + "' needs an organization as resource owner"));
        } else if (def.category() == FineGrainedPermissions.Category.ACCOUNT && org != null) {
          errors.add(
              fe(
                  "permissions",
                  "invalid",
                  "account permission '" + p.getKey() + "' needs the user as resource owner"));
        } else {
          perms.put(p.getKey(), level);
        }
      }
    }
    RefPatterns refPatterns =
        refPatternsField(errors, "PersonalAccessToken", "ref_patterns", req.refPatterns());
    if (req.refPatterns() != null && perms.get("contents") != PermissionLevel.WRITE) {
      errors.add(fe("ref_patterns", "invalid", "ref_patterns need the permission contents: write"));
    }
    failIf(errors);
    GrantStatus initial = null;
    if (org != null) {
      initial =
          policy.approvalRequired() && role != OrgRole.ADMIN
              ? GrantStatus.PENDING
              : GrantStatus.APPROVED;
    }
    long ownerId = resourceOwner.id();
    Issued issued =
        issue(
            kind,
            digest ->
                new AccessToken(
                    0,
                    user.id(),
                    kind,
                    digest,
                    req.name(),
                    req.description(),
                    created,
                    expires,
                    null,
                    null,
                    Set.of(),
                    ownerId,
                    selection,
                    repoIds,
                    perms,
                    networks,
                    null,
                    refPatterns),
            org == null ? null : org.id(),
            initial,
            req.reason());
    PolicyStore.StoredToken st = issued.stored();
    audit(actor, "token.create", "user:" + user.login(), null, JsonText.of(st.token()));
    return new CreatedToken(st.token(), issued.plaintext(), st.grant());
  }

  /** An expiry of {@code days} (null: never) beyond the organization's maximum lifetime. */
  private static Optional<PolicyException.FieldError> lifetimeError(
      Organization org, EffectivePolicy policy, Integer days) {
    Integer max = policy.fineGrainedMaxLifetimeDays();
    if (max == null || (days != null && days <= max)) {
      return Optional.empty();
    }
    return Optional.of(
        fe(
            "expires_in",
            "invalid",
            "the '"
                + org.login()
                + "' organization requires fine-grained tokens to expire within "
                + max
                + " days"));
  }

  /**
   * The resource owners the console offers a user for a new fine-grained token: the user, then each
   * organization they belong to that allows fine-grained tokens, with its maximum lifetime, whether
   * it wants approval, its network settings, and the repositories of each that the user can see.
   */
  public List<TokenTarget> tokenTargets(Actor actor) {
    User user = consoleUser(actor);
    List<TokenTarget> targets = new ArrayList<>();
    targets.add(
        new TokenTarget(
            user.login(), false, false, null, null, repositoryNames(user.id(), r -> true)));
    Map<Long, OrgRole> memberships = store.membershipsOfUser(user.id());
    store.accounts().stream()
        .filter(o -> o instanceof Organization && memberships.containsKey(o.id()))
        .map(Organization.class::cast)
        .sorted(java.util.Comparator.comparing(o -> o.login().toLowerCase(java.util.Locale.ROOT)))
        .forEach(
            org -> {
              EffectivePolicy p = effectivePolicy(org);
              if (!p.fineGrainedRestricted()) {
                Integer max = p.fineGrainedMaxLifetimeDays();
                targets.add(
                    new TokenTarget(
                        org.login(),
                        true,
                        p.approvalRequired() && memberships.get(org.id()) != OrgRole.ADMIN,
                        max,
                        max == null ? null : p.lifetimeImposer(false),
                        repositoryNames(org.id(), visibleIn(actor, org)),
                        !org.policy().admitsTokenNetworks(null),
                        org.policy().tokenNetworks()));
              }
            });
    return targets;
  }

  private List<String> repositoryNames(
      long ownerId, java.util.function.Predicate<Repository> visible) {
    return store.repositoriesOfOwner(ownerId).stream()
        .filter(visible)
        .map(Repository::name)
        .sorted(String.CASE_INSENSITIVE_ORDER)
        .toList();
  }

  /**
   * The user regenerates one of their own tokens: a new secret with the same settings (and the same
   * organization grant). The old secret keeps working for {@code overlapSeconds} (0 to {@value
   * #MAX_OVERLAP_SECONDS}; 0 refuses it from its next request on), on every node. The expiry is
   * chosen anew: {@code expiresIn} days, null for never, and when not {@code expiryGiven} the
   * default a new token would get; an organization's maximum lifetime applies as at creation.
   */
  public CreatedToken regenerateOwnToken(
      Actor actor, long tokenId, Integer expiresIn, boolean expiryGiven, Integer overlapSeconds) {
    User user = consoleUser(actor);
    AccessToken t = ownLiveToken(user, tokenId);
    Organization org = targetOrganization(t);
    Integer days = expiresIn;
    if (!expiryGiven) {
      days =
          defaultExpiry(
              new NewToken(
                  t.kind().apiName(),
                  t.name(),
                  null,
                  null,
                  null,
                  org == null ? null : org.login(),
                  null,
                  null,
                  null,
                  null,
                  false));
    }
    List<PolicyException.FieldError> errors = new ArrayList<>();
    overlapError(overlapSeconds).ifPresent(errors::add);
    if (days != null && (days < MaxLifetime.MIN_DAYS || days > MaxLifetime.MAX_DAYS)) {
      errors.add(fe("expires_in", "invalid", "expires_in must be 1–366 days or null, not " + days));
    } else if (org != null && t.kind() == TokenKind.FINE_GRAINED) {
      lifetimeError(org, effectivePolicy(org), days).ifPresent(errors::add);
    }
    failIf(errors);
    // The new secret's lifetime counts from now, as a new token's would.
    Instant issued = now();
    Instant expires = days == null ? null : issued.plus(Duration.ofDays(days));
    return rotate(actor, t, issued, expires, overlapSeconds, "token.regenerate");
  }

  /** The longest overlap a rotation may give the old secret: a day. */
  public static final int MAX_OVERLAP_SECONDS = 86_400;

  private static Optional<PolicyException.FieldError> overlapError(Integer overlapSeconds) {
    if (overlapSeconds != null && overlapSeconds >= 0 && overlapSeconds <= MAX_OVERLAP_SECONDS) {
      return Optional.empty();
    }
    return Optional.of(
        fe(
            "overlap_seconds",
            "invalid",
            "overlap_seconds must be 0–" + MAX_OVERLAP_SECONDS + ", not " + overlapSeconds));
  }

  /**
   * A token rotates its own secret (the REST API's self-rotation, authenticated by the very secret
   * being rotated): {@link #rotateToken} for the caller's token. A secret already rotated away
   * cannot rotate: {@link #rotatedSecretPresented} is the caller's answer to it.
   */
  public CreatedToken rotateOwnSecret(Actor actor, Integer overlapSeconds) {
    AccessToken presented = actor.token();
    if (presented == null || presented.rotated() != null) {
      throw PolicyException.forbidden("Only a token's current secret rotates it.");
    }
    failIf(overlapError(overlapSeconds).stream().toList());
    AccessToken t =
        store
            .tokenById(presented.id())
            .filter(x -> !x.deleted() && x.digest().equals(presented.digest()))
            .orElseThrow(() -> Directory.noToken(presented.id()));
    return rotate(actor, t, overlapSeconds, "token.rotate");
  }

  /**
   * A site administrator rotates a token's secret, keeping its lifetime (the admin API, the CLI).
   */
  public CreatedToken rotateToken(Actor actor, long tokenId, Integer overlapSeconds) {
    if (!actor.isSiteAdmin()) {
      // Not even the token's owner learns more than a missing token: this route is for admins.
      throw Directory.noToken(tokenId);
    }
    AccessToken t = liveToken(tokenId);
    failIf(overlapError(overlapSeconds).stream().toList());
    return rotate(actor, t, overlapSeconds, "token.rotate");
  }

  /**
   * A rotation through the API keeps the token's lifetime: the new secret expires as long after the
   * rotation as the old one did after its issue (never, for a token that never expires), at most
   * the target organization's current maximum lifetime for a fine-grained token.
   */
  private CreatedToken rotate(Actor actor, AccessToken t, Integer overlapSeconds, String action) {
    Instant issued = now();
    Duration lifetime = t.lifetime();
    Instant expires = lifetime == null ? null : issued.plus(lifetime);
    Organization org = targetOrganization(t);
    Integer max =
        org == null || t.kind() != TokenKind.FINE_GRAINED
            ? null
            : effectivePolicy(org).fineGrainedMaxLifetimeDays();
    if (max != null) {
      Instant cap = issued.plus(Duration.ofDays(max));
      if (expires == null || expires.isAfter(cap)) {
        expires = cap;
      }
    }
    return rotate(actor, t, issued, expires, overlapSeconds, action);
  }

  private Organization targetOrganization(AccessToken t) {
    return t.resourceOwnerId() == null
        ? null
        : ownerById(t.resourceOwnerId())
            .filter(Organization.class::isInstance)
            .map(Organization.class::cast)
            .orElse(null);
  }

  /**
   * Gives {@code t} a new secret issued at {@code issued}, its current one valid {@code
   * overlapSeconds} more, and makes that hold on every node: each rotated secret whose validity
   * changed is dropped from the caches, so its next lookup loads the end of its overlap, which the
   * cached entry then carries (the clock, not the store, ends it). Audited without any secret.
   */
  private CreatedToken rotate(
      Actor actor,
      AccessToken t,
      Instant issued,
      Instant expires,
      int overlapSeconds,
      String action) {
    Instant until = issued.plusSeconds(overlapSeconds);
    for (int attempt = 1; ; attempt++) {
      String plaintext = TokenFormat.generate(t.kind(), random);
      TokenDigest digest = TokenDigest.of(plaintext);
      Optional<List<TokenDigest>> changed;
      try {
        changed = store.rotateSecret(t.id(), t.digest(), digest, issued, expires, until);
      } catch (PolicyStore.LookupKeyTaken e) {
        if (attempt == ISSUE_ATTEMPTS) {
          throw new StoreUnavailableException(
              "could not rotate a token: "
                  + ISSUE_ATTEMPTS
                  + " generated tokens all had taken lookup keys",
              e);
        }
        continue;
      }
      if (changed.isEmpty()) {
        // Deleted, or rotated by someone else since it was read.
        throw Directory.noToken(t.id());
      }
      for (TokenDigest d : changed.get()) {
        publish.accept(new Invalidation.TokenChanged(d, t.id()));
      }
      AccessToken next = store.tokenById(t.id()).orElseThrow(() -> Directory.noToken(t.id()));
      Instant previousUntil =
          t.expiresAt() != null && t.expiresAt().isBefore(until) ? t.expiresAt() : until;
      audit(
          actor,
          action,
          "token:" + t.id(),
          JsonText.of(t),
          JsonText.object(
              "expires_at",
              expires == null ? null : expires.toString(),
              "overlap_seconds",
              overlapSeconds,
              "previous_secret_valid_until",
              previousUntil.toString()));
      Grant grant =
          t.kind() == TokenKind.FINE_GRAINED ? store.grantOfToken(t.id()).orElse(null) : null;
      return new CreatedToken(next, plaintext, grant);
    }
  }

  /**
   * The secrets that rotations replaced in a token the caller may already see, the most recent
   * first, each with its last use including one still in memory.
   */
  public List<PolicyStore.TokenSecret> rotatedSecretsOf(long tokenId) {
    List<PolicyStore.TokenSecret> out = new ArrayList<>();
    for (PolicyStore.TokenSecret s : store.rotatedSecrets(tokenId)) {
      Instant pending = unflushedLastUse.apply(-s.id());
      out.add(
          pending == null || (s.lastUsedAt() != null && !pending.isAfter(s.lastUsedAt()))
              ? s
              : new PolicyStore.TokenSecret(
                  s.id(),
                  s.tokenId(),
                  s.digest(),
                  s.createdAt(),
                  s.expiresAt(),
                  s.rotatedAt(),
                  s.validUntil(),
                  pending));
    }
    return out;
  }

  /**
   * A secret that a rotation replaced was presented to rotate again (GitLab's reuse detection): the
   * secret may have leaked and someone else rotated it, so the whole token (every secret of it) is
   * revoked, on every node, and audited. Nothing happens to a token deleted already.
   */
  public void rotatedSecretPresented(AccessToken presented) {
    if (presented.rotated() == null) {
      throw new IllegalArgumentException("not a rotated secret");
    }
    AccessToken t = store.tokenById(presented.id()).filter(x -> !x.deleted()).orElse(null);
    if (t == null) {
      return;
    }
    delete(t);
    audit(
        null,
        "token.revoke_reused",
        "token:" + t.id(),
        JsonText.of(t),
        JsonText.object("deleted", true, "reused_secret_rotated", true));
  }

  /**
   * A site administrator sets a live fine-grained token's {@code ref_patterns} ({@code null}: any
   * ref). Narrowing them takes effect at once. Widening them (a ref the old patterns did not allow,
   * or dropping them) on a token whose organization approved it while approval is required opens a
   * new request, as more permissions do on GitHub: the approval ends, and the token waits for an
   * owner's review of the new patterns. An organization owner's own token is approved at once, as
   * at creation.
   *
   * @return the token and its grant afterwards
   */
  public PolicyStore.StoredToken updateRefPatterns(
      Actor actor, long tokenId, List<String> refPatterns) {
    AccessToken t = liveToken(tokenId);
    requireSiteAdmin(actor, t);
    return setRefPatterns(actor, t, refPatterns);
  }

  /**
   * The user signed in to the console sets the {@code ref_patterns} of one of their own tokens, as
   * {@link #updateRefPatterns} does for an administrator: narrowing holds at once, widening an
   * approved token opens a new request. Anyone else's token, or a deleted one, is the missing
   * token's 404.
   */
  public PolicyStore.StoredToken updateOwnRefPatterns(
      Actor actor, long tokenId, List<String> refPatterns) {
    User user = consoleUser(actor);
    AccessToken t = ownLiveToken(user, tokenId);
    return setRefPatterns(actor, t, refPatterns);
  }

  private PolicyStore.StoredToken setRefPatterns(
      Actor actor, AccessToken t, List<String> refPatterns) {
    List<PolicyException.FieldError> errors = new ArrayList<>();
    if (!t.takesRefPatterns()) {
      errors.add(
          fe(
              "ref_patterns",
              "invalid",
              "ref_patterns need a fine-grained token with contents: write"));
    }
    RefPatterns next = refPatternsField(errors, "PersonalAccessToken", "ref_patterns", refPatterns);
    failIf(errors);
    Grant grant = store.grantOfToken(t.id()).orElse(null);
    Grant reopen = null;
    if (grant != null
        && grant.status() == GrantStatus.APPROVED
        && !RefPatterns.covers(t.refPatterns(), next)) {
      Organization org = store.organizationById(grant.orgId()).orElse(null);
      if (org != null
          && effectivePolicy(org).approvalRequired()
          && store.membershipsOfUser(t.userId()).get(org.id()) != OrgRole.ADMIN) {
        reopen = grant;
      }
    }
    PolicyStore.StoredToken stored =
        store
            .updateRefPatterns(t.id(), next, reopen, reopen == null ? null : reopen.reason(), now())
            .orElseThrow(
                () ->
                    PolicyException.invalid(
                        "PersonalAccessToken",
                        "ref_patterns",
                        "invalid",
                        "the token or its request changed meanwhile; try again"));
    publishTokenChanged(t);
    if (grant != null) {
      publish.accept(new Invalidation.GrantChanged(t.id()));
    }
    audit(actor, "token.update", "token:" + t.id(), JsonText.of(t), JsonText.of(stored.token()));
    if (reopen != null) {
      audit(
          actor,
          "token_request.reopen",
          "token:" + t.id(),
          JsonText.object("request", reopen.id(), "status", "approved"),
          JsonText.object("request", stored.grant().id(), "status", "pending"));
    }
    return stored;
  }

  /** A stored token and the plaintext it was issued with. */
  private record Issued(PolicyStore.StoredToken stored, String plaintext) {}

  /** How many plaintexts are tried when each one's lookup key is taken (each time about 10^-13). */
  private static final int ISSUE_ATTEMPTS = 3;

  /**
   * Generates a plaintext and stores the token {@code build} makes of its digest; when another
   * token has the same lookup key (the digest's first 8 bytes, unique in the store), generates
   * another.
   */
  private Issued issue(
      TokenKind kind,
      java.util.function.Function<TokenDigest, AccessToken> build,
      Long grantOrgId,
      GrantStatus initial,
      String reason) {
    for (int attempt = 1; ; attempt++) {
      String plaintext = TokenFormat.generate(kind, random);
      try {
        return new Issued(
            store.insertToken(build.apply(TokenDigest.of(plaintext)), grantOrgId, initial, reason),
            plaintext);
      } catch (PolicyStore.LookupKeyTaken e) {
        if (attempt == ISSUE_ATTEMPTS) {
          throw new StoreUnavailableException(
              "could not issue a token: "
                  + ISSUE_ATTEMPTS
                  + " generated tokens all had taken lookup keys",
              e);
        }
      }
    }
  }

  public List<AccessToken> tokensOf(Actor actor, String login) {
    User user = user(login);
    requireSiteAdmin(actor, user);
    return store.tokensOfUser(user.id());
  }

  /**
   * The caller's own live (not deleted) tokens, newest first, for their settings page: whatever
   * their token, a user sees their own tokens and no one else's.
   */
  public List<OwnToken> ownTokens(Actor actor) {
    User user = actor.user();
    if (user == null) {
      throw PolicyException.forbidden("Only a user has tokens.");
    }
    List<OwnToken> own = new java.util.ArrayList<>();
    for (AccessToken t : store.tokensOfUser(user.id())) {
      if (t.deleted()) {
        continue;
      }
      String owner =
          t.resourceOwnerId() == null
              ? user.login()
              : ownerById(t.resourceOwnerId()).map(Owner::login).orElse("");
      Grant grant =
          t.resourceOwnerId() == null || t.resourceOwnerId() == user.id()
              ? null
              : store.grantOfToken(t.id()).orElse(null);
      Instant pending = unflushedLastUse.apply(t.id());
      Instant last =
          pending == null || (t.lastUsedAt() != null && t.lastUsedAt().isAfter(pending))
              ? t.lastUsedAt()
              : pending;
      String reviewer =
          grant == null || grant.reviewedBy() == null
              ? null
              : userById(grant.reviewedBy()).map(User::login).orElse(null);
      own.add(new OwnToken(t, owner, grant, last, reviewer));
    }
    own.sort(
        java.util.Comparator.comparing((OwnToken o) -> o.token().createdAt())
            .thenComparing(o -> o.token().id())
            .reversed());
    return own;
  }

  /**
   * The caller deletes one of their own tokens (the console's delete button): refused on its next
   * request, on every node. Anyone else's token, or a deleted one, is the missing token's 404.
   */
  public void deleteOwnToken(Actor actor, long tokenId) {
    User user = actor.user();
    AccessToken t = ownLiveToken(user, tokenId);
    delete(t);
    audit(
        actor, "token.delete", "token:" + t.id(), JsonText.of(t), JsonText.object("deleted", true));
  }

  /** A token that is not deleted, or the missing token's 404. */
  private AccessToken liveToken(long tokenId) {
    return store
        .tokenById(tokenId)
        .filter(x -> !x.deleted())
        .orElseThrow(() -> Directory.noToken(tokenId));
  }

  /**
   * One of {@code user}'s tokens that is not deleted, or the missing token's 404 (also for anyone
   * else's token, and for no user).
   */
  private AccessToken ownLiveToken(User user, long tokenId) {
    return store
        .tokenById(tokenId)
        .filter(x -> !x.deleted() && user != null && x.userId() == user.id())
        .orElseThrow(() -> Directory.noToken(tokenId));
  }

  public void deleteToken(Actor actor, long tokenId) {
    AccessToken t = liveToken(tokenId);
    requireSiteAdmin(actor, t);
    delete(t);
    audit(
        actor, "token.delete", "token:" + t.id(), JsonText.of(t), JsonText.object("deleted", true));
  }

  /**
   * Deletes {@code t} and drops it from the caches under every secret it has had: its current one
   * and each one a rotation replaced, whichever of them {@code t} was found by.
   */
  private void delete(AccessToken t) {
    delete(t, null);
  }

  /**
   * As {@link #delete(AccessToken)}, writing {@code notice} (if any) in the same transaction as the
   * deletion.
   */
  private void delete(AccessToken t, NotificationOutbox.Notice notice) {
    store.deleteToken(t.id(), now(), notice);
    publishTokenChanged(t);
  }

  /**
   * Drops {@code t} from the caches of every node under every secret it has had: its current one
   * and each one a rotation replaced (each cached entry carries its own copy of the token),
   * whichever of them {@code t} was found by.
   */
  private void publishTokenChanged(AccessToken t) {
    Set<TokenDigest> digests = new LinkedHashSet<>();
    digests.add(t.digest());
    store.tokenById(t.id()).ifPresent(current -> digests.add(current.digest()));
    for (PolicyStore.TokenSecret secret : store.rotatedSecrets(t.id())) {
      digests.add(secret.digest());
    }
    for (TokenDigest d : digests) {
      publish.accept(new Invalidation.TokenChanged(d, t.id()));
    }
  }

  /**
   * Revokes every valid token among {@code plaintexts} (anyone holding a leaked token may revoke
   * it). Says nothing about which were real.
   */
  public void revokeCredentials(List<String> plaintexts) {
    for (String p : plaintexts) {
      if (p == null || TokenFormat.kindOf(p) == null) {
        continue;
      }
      store
          .tokenByDigest(TokenDigest.of(p))
          .filter(t -> !t.deleted())
          .ifPresent(
              t -> {
                // Its owner learns of it (GitHub mails them too), in the revocation's transaction.
                delete(
                    t,
                    new NotificationOutbox.Notice(
                        NotificationKind.TOKEN_REVOKED_LEAKED,
                        NotificationKind.TOKEN_REVOKED_LEAKED.apiName() + ":token:" + t.id(),
                        t.userId(),
                        null,
                        t.id(),
                        null,
                        null));
                audit(
                    null,
                    "token.revoke_leaked",
                    "token:" + t.id(),
                    JsonText.of(t),
                    JsonText.object("deleted", true));
              });
    }
  }

  /**
   * Tokens of this gateway found in content pushed to {@code repo} by {@code pusher}: each one that
   * is live (in the store, neither deleted nor expired) is audited as leaked. When the pusher
   * bypassed push protection ({@code bypassReason} non-null) the bypass is audited with its reason,
   * and a live token that thereby entered a public repository is revoked at once, on every node, as
   * by {@link #revokeCredentials}. The owner of each live token is notified once per token, whether
   * the push was refused or went through (and, when it was revoked, of the revocation too).
   *
   * @return how many of the tokens are live
   */
  public int pushedTokens(
      Actor pusher, Repository repo, Collection<TokenDigest> digests, String bypassReason) {
    boolean revoke = bypassReason != null && repo.visibility() == Visibility.PUBLIC;
    Instant now = now();
    int live = 0;
    for (TokenDigest d : new LinkedHashSet<>(digests)) {
      Optional<AccessToken> found =
          store.tokenByDigest(d).filter(t -> !t.deleted() && !t.expired(now));
      if (found.isEmpty()) {
        continue;
      }
      AccessToken t = found.get();
      live++;
      audit(
          pusher,
          "token.leak_pushed",
          "token:" + t.id(),
          JsonText.of(t),
          JsonText.object("repository", repo.fullName(), "bypassed", bypassReason != null));
      // Once per token: a token pushed again (or to another repository) is not mailed again.
      store
          .notifications()
          .enqueue(
              new NotificationOutbox.Notice(
                  NotificationKind.TOKEN_LEAK_PUSHED,
                  NotificationKind.TOKEN_LEAK_PUSHED.apiName() + ":token:" + t.id(),
                  t.userId(),
                  null,
                  t.id(),
                  null,
                  "A push to "
                      + repo.fullName()
                      + (pusher != null && pusher.user() != null
                          ? " by " + pusher.user().login()
                          : "")
                      + " carried it; "
                      + (bypassReason == null
                          ? "push protection refused the push."
                          : revoke
                              ? "push protection was bypassed into a public repository, so the"
                                  + " token was revoked."
                              : "push protection was bypassed, so it is now in the"
                                  + " repository.")),
              now);
      if (revoke) {
        delete(
            t,
            new NotificationOutbox.Notice(
                NotificationKind.TOKEN_REVOKED_LEAKED,
                NotificationKind.TOKEN_REVOKED_LEAKED.apiName() + ":token:" + t.id(),
                t.userId(),
                null,
                t.id(),
                null,
                "It was pushed to the public repository " + repo.fullName() + "."));
        audit(
            pusher,
            "token.revoke_leaked",
            "token:" + t.id(),
            JsonText.of(t),
            JsonText.object("deleted", true, "repository", repo.fullName()));
      }
    }
    if (bypassReason != null) {
      audit(
          pusher,
          "repo.push_protection_bypass",
          "repo:" + repo.fullName(),
          null,
          JsonText.object("reason", bypassReason, "tokens", digests.size(), "live", live));
    }
    return live;
  }
}
