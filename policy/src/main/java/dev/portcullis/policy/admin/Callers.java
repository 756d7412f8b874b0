package dev.portcullis.policy.admin;

import dev.portcullis.policy.decision.AccessEvaluator;
import dev.portcullis.policy.model.AccessToken;
import dev.portcullis.policy.model.Actor;
import dev.portcullis.policy.model.ClassicScopes;
import dev.portcullis.policy.model.EffectivePolicy;
import dev.portcullis.policy.model.Grant;
import dev.portcullis.policy.model.GrantStatus;
import dev.portcullis.policy.model.OrgRole;
import dev.portcullis.policy.model.Organization;
import dev.portcullis.policy.model.PermissionLevel;
import dev.portcullis.policy.model.PolicyException;
import dev.portcullis.policy.store.PolicyStore;
import dev.portcullis.policy.token.TokenKind;

/**
 * Who may call a management operation: site administrators, and organization owners with the right
 * token.
 */
public final class Callers {
  private final PolicyStore store;
  private final Directory directory;

  Callers(PolicyStore store, Directory directory) {
    this.store = store;
    this.directory = directory;
  }

  /** Site administrators only. */
  public void requireSiteAdmin(Actor actor) {
    if (!actor.isSiteAdmin()) {
      throw PolicyException.forbidden(
          "Must be a site administrator using a token with the site_admin scope.");
    }
  }

  /**
   * A site admin, or an owner of {@code org} using a classic token with {@code admin:org} or a
   * fine-grained token on {@code org} with {@code permission} at {@code level} or more.
   */
  public void requireOrgOwner(
      Actor actor, Organization org, String permission, PermissionLevel level) {
    if (actor.isSiteAdmin()) {
      return;
    }
    boolean owner = store.membershipsOfUser(actor.user().id()).get(org.id()) == OrgRole.ADMIN;
    AccessToken t = actor.token();
    // The org's token policy binds its management API as it binds git access (rules 5 and 6).
    EffectivePolicy policy = directory.effectivePolicy(org);
    boolean tokenOk;
    if (t.kind() == TokenKind.CLASSIC) {
      tokenOk =
          t.scopes().contains(ClassicScopes.ADMIN_ORG)
              && AccessEvaluator.classicOrgPolicy(t, policy) == null;
    } else {
      PermissionLevel granted = t.permission(permission);
      Grant grant = store.grantOfToken(t.id()).orElse(null);
      // Beyond rule 6, the management API needs an approved grant even where approval is not
      // required.
      tokenOk =
          t.resourceOwnerId() != null
              && t.resourceOwnerId() == org.id()
              && granted != null
              && granted.includes(level)
              && AccessEvaluator.fineGrainedOrgPolicy(t, policy, grant) == null
              && grant != null
              && grant.status() == GrantStatus.APPROVED;
    }
    if (!owner || !tokenOk) {
      throw PolicyException.forbidden(
          "Must be an owner of the '"
              + org.login()
              + "' organization using a token with admin:org (classic) or "
              + permission
              + ":"
              + level.apiName()
              + " (fine-grained).");
    }
  }
}
