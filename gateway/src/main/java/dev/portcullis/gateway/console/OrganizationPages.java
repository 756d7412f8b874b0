package dev.portcullis.gateway.console;

import dev.portcullis.policy.admin.ConsoleSession;
import dev.portcullis.policy.admin.GrantFilterChoices;
import dev.portcullis.policy.admin.GrantListing;
import dev.portcullis.policy.admin.GrantQuery;
import dev.portcullis.policy.model.Actor;
import dev.portcullis.policy.model.EffectivePolicy;
import dev.portcullis.policy.model.Enterprise;
import dev.portcullis.policy.model.EnterprisePolicy;
import dev.portcullis.policy.model.OrgPolicy;
import dev.portcullis.policy.model.Organization;
import dev.portcullis.policy.model.Page;
import dev.portcullis.policy.model.PermissionLevel;
import dev.portcullis.policy.model.PolicyException;
import dev.portcullis.policy.model.Repository;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An organization's owners' pages, at GitHub's paths under {@code /organizations/{org}/settings/}:
 * pending token requests ({@code personal-access-token-requests[/{id}]}), approved tokens ({@code
 * personal-access-tokens/active[/{id}]}) and the token policy ({@code personal-access-tokens}).
 *
 * <p>Only the organization's owners and site administrators see them: to anyone else every page and
 * every form post is the 404 of a page that does not exist. Each action calls the same use case as
 * the REST API ({@code reviews()}, {@code grants()}, {@code policies()}), with the signed-in user
 * as the actor.
 */
final class OrganizationPages implements PageGroup {
  static final int PER_PAGE = 25;
  private static final int REPOS_PER_PAGE = 20;
  private static final Pattern PATH =
      Pattern.compile(
          "/organizations/([^/]+)/settings/(personal-access-token-requests|personal-access-tokens)"
              + "(/active)?(?:/([0-9]{1,18}))?");

  private final Console console;

  OrganizationPages(Console console) {
    this.console = console;
  }

  @Override
  public List<String> paths() {
    return List.of("/organizations/*");
  }

  /** A page of one organization: its login, which listing, and the one request or token named. */
  private record Where(String org, boolean requests, boolean active, Long id) {
    String base() {
      return "/organizations/"
          + org
          + "/settings/"
          + (requests ? "personal-access-token-requests" : "personal-access-tokens")
          + (active ? "/active" : "");
    }
  }

  @Override
  public void serve(HttpServletRequest req, HttpServletResponse res, String path, boolean post)
      throws IOException {
    Optional<ConsoleSession> session = console.signedIn(req, res, path, post);
    if (session.isEmpty()) {
      return;
    }
    Matcher m = PATH.matcher(path);
    boolean requests = m.matches() && m.group(2).equals("personal-access-token-requests");
    if (!m.matches()
        || (requests && m.group(3) != null)
        || (!requests && m.group(3) == null && m.group(4) != null)) {
      notFound(res);
      return;
    }
    Where w =
        new Where(
            m.group(1),
            requests,
            m.group(3) != null,
            m.group(4) == null ? null : Long.valueOf(m.group(4)));
    ConsoleSession s = session.get();
    Actor actor = Actor.web(s.user());
    Organization org;
    try {
      // Owners and site administrators only: to anyone else the organization does not exist here.
      org = console.admin.directory().organization(w.org());
      console
          .admin
          .callers()
          .requireOrgOwner(actor, org, "organization_administration", PermissionLevel.READ);
    } catch (PolicyException e) {
      notFound(res);
      return;
    }
    w = new Where(org.login(), w.requests(), w.active(), w.id());
    if (!w.requests() && !w.active()) {
      policy(req, res, s, org, post);
    } else if (w.id() != null) {
      detail(req, res, s, w, post);
    } else if (post) {
      bulk(req, res, s, w);
    } else {
      listing(req, res, s, w, null, 200);
    }
  }

  private void notFound(HttpServletResponse res) throws IOException {
    console.message(res, 404, "Not found", "There is no such page.");
  }

  // ------------------------------------------------------------------ listings

  /** A listing of pending requests or approved tokens, with an error of a refused action or not. */
  private void listing(
      HttpServletRequest req,
      HttpServletResponse res,
      ConsoleSession s,
      Where w,
      String error,
      int status)
      throws IOException {
    Actor actor = Actor.web(s.user());
    ListingFilters f = ListingFilters.of(req);
    Page<GrantListing> page;
    if (!f.datesValid()) {
      error = "Last used dates are written yyyy-mm-dd.";
      status = 422;
      page = new Page<>(List.of(), 1, PER_PAGE, 0);
    } else {
      try {
        page =
            console
                .admin
                .grants()
                .listGrants(
                    actor,
                    w.org(),
                    w.requests(),
                    new GrantQuery(
                        f.owner() == null ? null : List.of(f.owner()),
                        f.repository(),
                        f.permission(),
                        w.requests() ? null : ListingFilters.day(f.lastUsedBefore()),
                        w.requests() ? null : ListingFilters.day(f.lastUsedAfter()),
                        null,
                        false,
                        f.page(),
                        PER_PAGE));
      } catch (PolicyException e) {
        error = Console.messageOf(e);
        status = 422;
        page = new Page<>(List.of(), 1, PER_PAGE, 0);
      }
    }
    GrantFilterChoices choices = console.admin.grants().filterChoices(actor, w.org(), w.requests());
    Map<String, Object> p =
        Console.page(
            s,
            w.requests() ? "Pending requests" : "Active tokens",
            w.requests() ? "org-requests" : "org-active");
    p.put("org", w.org());
    p.put("requests", w.requests());
    p.put("base", w.base());
    p.put("rows", page.items().stream().map(l -> GrantView.of(l, w.requests())).toList());
    p.put("total", page.total());
    p.put("pageNumber", page.page());
    p.put("lastPage", page.lastPage());
    p.put("filters", f);
    p.put("choices", choices);
    p.put("error", error);
    p.put("notice", error == null ? notice(req, w.requests()) : null);
    console.render(res, status, "org_grants.jte", p);
  }

  private static String notice(HttpServletRequest req, boolean requests) {
    String done = req.getParameter("done");
    String count = String.valueOf(req.getParameter("count"));
    if (done == null || !count.matches("[0-9]{1,4}")) {
      return null;
    }
    String what =
        requests
            ? (count.equals("1") ? "1 request" : count + " requests")
            : (count.equals("1") ? "1 token" : count + " tokens");
    return switch (done) {
      case "approved" -> what + " approved.";
      case "denied" -> what + " denied. The reason, if any, is shown to each token's owner.";
      case "revoked" -> what + " revoked: refused from the next git request on.";
      default -> null;
    };
  }

  /**
   * A listing's form: the checked rows ({@code ids}, or every row shown with {@code select_all})
   * and an action. Without {@code confirm} it answers the confirmation step; with it, it acts
   * through the use case, all or nothing, and returns to the same filtered view.
   */
  private void bulk(HttpServletRequest req, HttpServletResponse res, ConsoleSession s, Where w)
      throws IOException {
    String action = String.valueOf(req.getParameter("action"));
    boolean valid = w.requests() ? action.matches("approve|deny") : action.equals("revoke");
    List<Long> ids = ids(req, req.getParameter("select_all") != null ? "page_ids" : "ids");
    if (!valid || ids == null) {
      console.message(res, 400, "Bad request", "The form named no such action or row.");
      return;
    }
    if (ids.isEmpty()) {
      listing(req, res, s, w, "Select at least one " + (w.requests() ? "request." : "token."), 422);
      return;
    }
    apply(req, res, s, w, action, ids, w.base() + ListingFilters.of(req).query(1));
  }

  /**
   * The confirmation step, or (with {@code confirm}) the action itself: the use case checks every
   * id before it changes any, so a request that stopped being pending is reported and nothing
   * changes.
   */
  private void apply(
      HttpServletRequest req,
      HttpServletResponse res,
      ConsoleSession s,
      Where w,
      String action,
      List<Long> ids,
      String back)
      throws IOException {
    Actor actor = Actor.web(s.user());
    String reason = req.getParameter("reason");
    reason = reason == null || reason.isBlank() ? null : reason.strip();
    try {
      if (req.getParameter("confirm") == null) {
        List<GrantView> chosen = new ArrayList<>();
        for (long id : ids) {
          chosen.add(
              GrantView.of(
                  console.admin.grants().grant(actor, w.org(), w.requests(), id), w.requests()));
        }
        Map<String, Object> p =
            Console.page(
                s, confirmTitle(action, ids.size()), w.requests() ? "org-requests" : "org-active");
        p.put("org", w.org());
        p.put("action", action);
        p.put("rows", chosen);
        p.put("back", back);
        console.render(res, 200, "org_confirm.jte", p);
        return;
      }
      if (w.requests()) {
        console
            .admin
            .reviews()
            .reviewRequests(
                actor,
                w.org(),
                ids,
                action.equals("approve"),
                reason,
                approvalEnd(req.getParameter("expires_at")));
      } else {
        console.admin.reviews().revokeGrants(actor, w.org(), ids);
      }
    } catch (PolicyException e) {
      if (w.id() != null) {
        console.message(res, status(e), "Not done", Console.messageOf(e));
      } else {
        listing(req, res, s, w, Console.messageOf(e) + " Nothing was changed.", status(e));
      }
      return;
    }
    String done =
        switch (action) {
          case "approve" -> "approved";
          case "deny" -> "denied";
          default -> "revoked";
        };
    String list = w.id() == null ? back : w.base();
    Console.redirect(
        res, list + (list.contains("?") ? "&" : "?") + "done=" + done + "&count=" + ids.size());
  }

  /**
   * The form's "approve until" as the use case takes it: a browser's date and time without an
   * offset is taken as UTC (the page says so); anything else goes through as typed, for the use
   * case to accept or refuse; empty is no end.
   */
  static String approvalEnd(String field) {
    if (field == null || field.isBlank()) {
      return null;
    }
    try {
      return java.time.LocalDateTime.parse(field.strip()).atOffset(ZoneOffset.UTC).toString();
    } catch (java.time.format.DateTimeParseException e) {
      return field.strip();
    }
  }

  private static String confirmTitle(String action, int n) {
    String what =
        action.equals("revoke")
            ? (n == 1 ? "1 token" : n + " tokens")
            : (n == 1 ? "1 request" : n + " requests");
    return switch (action) {
      case "approve" -> "Approve " + what + "?";
      case "deny" -> "Deny " + what + "?";
      default -> "Revoke " + what + "?";
    };
  }

  private static int status(PolicyException e) {
    return switch (e.kind()) {
      case NOT_FOUND -> 404;
      case INVALID -> 422;
      case FORBIDDEN -> 403;
    };
  }

  /** The ids a form names (each once, in order), or null when one is not a number. */
  private static List<Long> ids(HttpServletRequest req, String name) {
    String[] values = req.getParameterValues(name);
    LinkedHashSet<Long> ids = new LinkedHashSet<>();
    if (values != null) {
      for (String v : values) {
        try {
          ids.add(Long.parseLong(v));
        } catch (NumberFormatException e) {
          return null;
        }
      }
    }
    return List.copyOf(ids);
  }

  // ------------------------------------------------------------------ one request or token

  private void detail(
      HttpServletRequest req, HttpServletResponse res, ConsoleSession s, Where w, boolean post)
      throws IOException {
    Actor actor = Actor.web(s.user());
    if (post) {
      String action = String.valueOf(req.getParameter("action"));
      boolean valid = w.requests() ? action.matches("approve|deny") : action.equals("revoke");
      if (!valid) {
        console.message(res, 400, "Bad request", "The form named no such action.");
        return;
      }
      // Approving or denying one request is its own confirmation (the reason is on the page);
      // revoking asks once more.
      apply(req, res, s, w, action, List.of(w.id()), w.base() + "/" + w.id());
      return;
    }
    GrantListing l;
    Page<Repository> repos;
    int page = ListingFilters.of(req).page();
    try {
      l = console.admin.grants().grant(actor, w.org(), w.requests(), w.id());
      repos =
          console
              .admin
              .grants()
              .grantRepositories(actor, w.org(), w.requests(), w.id(), page, REPOS_PER_PAGE);
    } catch (PolicyException e) {
      console.message(
          res,
          404,
          "Not found",
          w.requests()
              ? "No pending request with this id: it may have been reviewed already."
              : "No active token with this id: it may have been revoked already.");
      return;
    }
    Map<String, Object> p =
        Console.page(s, l.token().name(), w.requests() ? "org-requests" : "org-active");
    p.put("org", w.org());
    p.put("requests", w.requests());
    p.put("base", w.base());
    p.put("row", GrantView.of(l, w.requests()));
    p.put("repositories", repos.items().stream().map(Repository::name).toList());
    p.put("repoPage", repos.page());
    p.put("repoLastPage", repos.lastPage());
    console.render(res, 200, "org_grant.jte", p);
  }

  // ------------------------------------------------------------------ policy

  /** The organization's own setting of each field, and whether its enterprise decides it. */
  private void policy(
      HttpServletRequest req,
      HttpServletResponse res,
      ConsoleSession s,
      Organization org,
      boolean post)
      throws IOException {
    Actor actor = Actor.web(s.user());
    Enterprise e =
        org.enterpriseId() == null
            ? null
            : console.admin.directory().enterpriseById(org.enterpriseId()).orElse(null);
    EnterprisePolicy ep = e == null ? EnterprisePolicy.DEFAULT : e.policy();
    String error = null;
    int status = 200;
    if (post) {
      Map<String, Object> patch = new HashMap<>();
      List<String> locked = new ArrayList<>();
      field(
          req,
          patch,
          locked,
          "fine_grained_access",
          ep.fineGrainedAccess() != EnterprisePolicy.Access.ORG_CONFIGURES);
      field(
          req,
          patch,
          locked,
          "fine_grained_approval",
          ep.fineGrainedApproval() != EnterprisePolicy.Approval.ORG_CONFIGURES);
      field(
          req,
          patch,
          locked,
          "classic_access",
          ep.classicAccess() != EnterprisePolicy.Access.ORG_CONFIGURES);
      lifetime(req, patch, "fine_grained_max_lifetime_days");
      lifetime(req, patch, "classic_max_lifetime_days");
      // Push protection and the network settings are the organization's own: no enterprise
      // setting decides them.
      field(req, patch, locked, "push_protection", false);
      networks(req, patch);
      if (!locked.isEmpty()) {
        // The form shows these settings disabled: only a hand-made post sends them.
        Console.LOG.info(
            "refused a change of {} locked by an enterprise", String.join(", ", locked));
        console.message(
            res,
            403,
            "Forbidden",
            "The '"
                + e.slug()
                + "' enterprise decides "
                + String.join(", ", locked)
                + ": this organization cannot change it.");
        return;
      }
      try {
        console.admin.policies().updateOrgPolicy(actor, org.login(), patch);
        Console.redirect(
            res, "/organizations/" + org.login() + "/settings/personal-access-tokens?saved=1");
        return;
      } catch (PolicyException x) {
        error = Console.messageOf(x);
        status = status(x);
      }
    }
    OrgPolicy own = console.admin.policies().orgPolicy(actor, org.login());
    // After a refusal the boxes show what was sent, to be corrected; otherwise what is stored.
    String typed = error == null ? null : req.getParameter("token_networks");
    String[] ticked = error == null ? null : req.getParameterValues("require_token_networks");
    Organization fresh = console.admin.directory().organization(org.login());
    EffectivePolicy effective = console.admin.directory().effectivePolicy(fresh);
    Map<String, Object> p = Console.page(s, "Personal access tokens", "org-policy");
    p.put("org", org.login());
    p.put("own", own);
    p.put("enterprise", e == null ? null : e.slug());
    p.put("ep", ep);
    p.put("effective", effective);
    p.put(
        "requireTokenNetworks",
        ticked != null && ticked.length > 0
            ? "true".equals(ticked[ticked.length - 1])
            : own.requireTokenNetworks());
    p.put(
        "tokenNetworks",
        typed != null
            ? typed
            : own.tokenNetworks() == null ? "" : String.join("\n", own.tokenNetworks().cidrs()));
    p.put("error", error);
    p.put(
        "notice",
        !post && req.getParameter("saved") != null
            ? "Policy saved: in force from the next git request on."
            : null);
    console.render(res, status, "org_policy.jte", p);
  }

  /** A choice of the policy form; one the enterprise decides is noted as locked instead. */
  private static void field(
      HttpServletRequest req,
      Map<String, Object> patch,
      List<String> locked,
      String name,
      boolean byEnterprise) {
    String v = req.getParameter(name);
    if (v == null) {
      return;
    }
    if (byEnterprise) {
      locked.add(name);
    } else {
      patch.put(name, v);
    }
  }

  /**
   * The network settings as the use case takes them. The form sends {@code
   * require_token_networks=false} from a hidden field and then {@code true} from the checkbox when
   * it is ticked, so the last value is the choice; anything else goes through for the use case to
   * refuse. {@code token_networks}: one a line or comma-separated, empty clears the list.
   */
  private static void networks(HttpServletRequest req, Map<String, Object> patch) {
    String[] required = req.getParameterValues("require_token_networks");
    if (required != null && required.length > 0) {
      String last = required[required.length - 1];
      patch.put(
          "require_token_networks",
          switch (last) {
            case "true" -> Boolean.TRUE;
            case "false" -> Boolean.FALSE;
            default -> last;
          });
    }
    String list = req.getParameter("token_networks");
    if (list != null) {
      patch.put("token_networks", Console.entries(list));
    }
  }

  /** A lifetime field: empty clears it, digits set it, anything else the use case refuses. */
  private static void lifetime(HttpServletRequest req, Map<String, Object> patch, String name) {
    String v = req.getParameter(name);
    if (v == null) {
      return;
    }
    v = v.strip();
    if (v.isEmpty()) {
      patch.put(name, null);
    } else {
      try {
        patch.put(name, Integer.valueOf(v));
      } catch (NumberFormatException e) {
        patch.put(name, v);
      }
    }
  }
}
