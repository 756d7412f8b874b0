package dev.portcullis.policy.admin;

import static dev.portcullis.policy.admin.Validation.enumField;
import static dev.portcullis.policy.admin.Validation.failIf;
import static dev.portcullis.policy.admin.Validation.lifetimeField;
import static dev.portcullis.policy.admin.Validation.networksField;
import static dev.portcullis.policy.admin.Validation.str;

import dev.portcullis.policy.access.Invalidation;
import dev.portcullis.policy.model.Actor;
import dev.portcullis.policy.model.EffectivePolicy;
import dev.portcullis.policy.model.Enterprise;
import dev.portcullis.policy.model.EnterprisePolicy;
import dev.portcullis.policy.model.NetworkList;
import dev.portcullis.policy.model.OrgPolicy;
import dev.portcullis.policy.model.Organization;
import dev.portcullis.policy.model.PermissionLevel;
import dev.portcullis.policy.model.PolicyException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Enterprise and organization token policies: partial updates, validated field by field. */
public final class Policies extends UseCase {
  Policies(AdminContext context) {
    super(context);
  }

  /**
   * Applies a partial update: fields left out keep their value, {@code null} clears a max lifetime.
   * Values are Strings, Integers, Booleans or Lists of Strings as parsed from JSON.
   */
  public EnterprisePolicy updateEnterprisePolicy(
      Actor actor, String slug, Map<String, Object> patch) {
    Enterprise e = enterprise(slug);
    requireEnterpriseOwner(actor, e);
    EnterprisePolicy p = e.policy();
    List<PolicyException.FieldError> errors = new ArrayList<>();
    EnterprisePolicy.Access fg = p.fineGrainedAccess();
    EnterprisePolicy.Access cl = p.classicAccess();
    EnterprisePolicy.Approval ap = p.fineGrainedApproval();
    Integer fgMax = p.fineGrainedMaxLifetimeDays();
    Integer clMax = p.classicMaxLifetimeDays();
    for (Map.Entry<String, Object> f : patch.entrySet()) {
      Object v = f.getValue();
      switch (f.getKey()) {
        case "fine_grained_access" ->
            fg =
                enumField(
                    errors,
                    f.getKey(),
                    v,
                    EnterprisePolicy.Access.fromApiName(str(v)),
                    fg,
                    "org_configures, restricted, allowed");
        case "classic_access" ->
            cl =
                enumField(
                    errors,
                    f.getKey(),
                    v,
                    EnterprisePolicy.Access.fromApiName(str(v)),
                    cl,
                    "org_configures, restricted, allowed");
        case "fine_grained_approval" ->
            ap =
                enumField(
                    errors,
                    f.getKey(),
                    v,
                    EnterprisePolicy.Approval.fromApiName(str(v)),
                    ap,
                    "org_configures, required, disabled");
        case "fine_grained_max_lifetime_days" ->
            fgMax = lifetimeField(errors, f.getKey(), v, fgMax);
        case "classic_max_lifetime_days" -> clMax = lifetimeField(errors, f.getKey(), v, clMax);
        default ->
            errors.add(
                new PolicyException.FieldError(
                    "EnterprisePolicy",
                    f.getKey(),
                    "invalid",
                    "unknown field '" + f.getKey() + "'"));
      }
    }
    failIf(errors);
    EnterprisePolicy next = new EnterprisePolicy(fg, cl, ap, fgMax, clMax);
    store.updateEnterprisePolicy(e.id(), next);
    publish.accept(new Invalidation.EnterpriseChanged(e.id()));
    audit(
        actor,
        "enterprise.policy.update",
        "enterprise:" + e.slug(),
        JsonText.of(p),
        JsonText.of(next));
    return next;
  }

  public OrgPolicy updateOrgPolicy(Actor actor, String orgLogin, Map<String, Object> patch) {
    Organization o = organization(orgLogin);
    requireOrgOwner(actor, o, "organization_administration", PermissionLevel.WRITE);
    OrgPolicy p = o.policy();
    List<PolicyException.FieldError> errors = new ArrayList<>();
    OrgPolicy.Access fg = p.fineGrainedAccess();
    OrgPolicy.Access cl = p.classicAccess();
    OrgPolicy.Approval ap = p.fineGrainedApproval();
    Integer fgMax = p.fineGrainedMaxLifetimeDays();
    Integer clMax = p.classicMaxLifetimeDays();
    OrgPolicy.PushProtection pp = p.pushProtection();
    boolean requireNetworks = p.requireTokenNetworks();
    NetworkList networks = p.tokenNetworks();
    for (Map.Entry<String, Object> f : patch.entrySet()) {
      Object v = f.getValue();
      switch (f.getKey()) {
        case "fine_grained_access" ->
            fg =
                enumField(
                    errors,
                    f.getKey(),
                    v,
                    OrgPolicy.Access.fromApiName(str(v)),
                    fg,
                    "allowed, restricted");
        case "classic_access" ->
            cl =
                enumField(
                    errors,
                    f.getKey(),
                    v,
                    OrgPolicy.Access.fromApiName(str(v)),
                    cl,
                    "allowed, restricted");
        case "fine_grained_approval" ->
            ap =
                enumField(
                    errors,
                    f.getKey(),
                    v,
                    OrgPolicy.Approval.fromApiName(str(v)),
                    ap,
                    "required, not_required");
        case "fine_grained_max_lifetime_days" ->
            fgMax = lifetimeField(errors, f.getKey(), v, fgMax);
        case "classic_max_lifetime_days" -> clMax = lifetimeField(errors, f.getKey(), v, clMax);
        case "push_protection" ->
            pp =
                enumField(
                    errors,
                    f.getKey(),
                    v,
                    OrgPolicy.PushProtection.fromApiName(str(v)),
                    pp,
                    "enabled, disabled");
        case "require_token_networks" -> {
          if (v instanceof Boolean b) {
            requireNetworks = b;
          } else {
            errors.add(
                new PolicyException.FieldError(
                    "OrganizationPolicy",
                    f.getKey(),
                    "invalid",
                    f.getKey() + " must be a boolean"));
          }
        }
        case "token_networks" -> {
          if (v == null || v instanceof List<?>) {
            List<String> cidrs =
                v == null ? null : ((List<?>) v).stream().map(String::valueOf).toList();
            networks = networksField(errors, "OrganizationPolicy", f.getKey(), cidrs);
          } else {
            errors.add(
                new PolicyException.FieldError(
                    "OrganizationPolicy",
                    f.getKey(),
                    "invalid",
                    f.getKey() + " must be null or an array of networks"));
          }
        }
        default ->
            errors.add(
                new PolicyException.FieldError(
                    "OrganizationPolicy",
                    f.getKey(),
                    "invalid",
                    "unknown field '" + f.getKey() + "'"));
      }
    }
    failIf(errors);
    OrgPolicy next = new OrgPolicy(fg, cl, ap, fgMax, clMax, pp, requireNetworks, networks);
    store.updateOrgPolicy(o.id(), next);
    publish.accept(new Invalidation.OrganizationChanged(o.id()));
    audit(actor, "org.policy.update", "org:" + o.login(), JsonText.of(p), JsonText.of(next));
    return next;
  }

  /** An enterprise's own policy, for whoever may change it (its owners, site administrators). */
  public EnterprisePolicy enterprisePolicy(Actor actor, String slug) {
    Enterprise e = enterprise(slug);
    requireEnterpriseOwner(actor, e);
    return e.policy();
  }

  /**
   * What each organization of an enterprise enforces now (its effective policy), by login, for
   * whoever may change the enterprise's policy.
   */
  public List<EffectivePolicy> enterpriseOrganizationPolicies(Actor actor, String slug) {
    Enterprise e = enterprise(slug);
    requireEnterpriseOwner(actor, e);
    return store.organizationsOfEnterprise(e.id()).stream()
        .map(o -> EffectivePolicy.of(o, e))
        .toList();
  }

  /**
   * An organization's own policy (before its enterprise's overrides), for whoever may change it:
   * its owners with an owner's token, and site administrators.
   */
  public OrgPolicy orgPolicy(Actor actor, String orgLogin) {
    Organization o = organization(orgLogin);
    requireOrgOwner(actor, o, "organization_administration", PermissionLevel.READ);
    return o.policy();
  }
}
