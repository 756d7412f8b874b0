package dev.portcullis.gateway.console;

import dev.portcullis.policy.admin.ConsoleSession;
import dev.portcullis.policy.model.Actor;
import dev.portcullis.policy.model.EffectivePolicy;
import dev.portcullis.policy.model.EnterprisePolicy;
import dev.portcullis.policy.model.PolicyException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * An enterprise's token policy at {@code /enterprises/{slug}/settings/personal-access-tokens}, with
 * what each of its organizations enforces as a result. Its owners and site administrators see it;
 * to anyone else it does not exist (404, pages and form posts alike).
 */
final class EnterprisePages implements PageGroup {
  private static final Pattern PATH =
      Pattern.compile("/enterprises/([^/]+)/settings/personal-access-tokens");
  private static final List<String> FIELDS =
      List.of("fine_grained_access", "fine_grained_approval", "classic_access");

  private final Console console;

  EnterprisePages(Console console) {
    this.console = console;
  }

  @Override
  public List<String> paths() {
    return List.of("/enterprises/*");
  }

  @Override
  public void serve(HttpServletRequest req, HttpServletResponse res, String path, boolean post)
      throws IOException {
    Optional<ConsoleSession> session = console.signedIn(req, res, path, post);
    if (session.isEmpty()) {
      return;
    }
    Matcher m = PATH.matcher(path);
    Actor actor = Actor.web(session.get().user());
    EnterprisePolicy current;
    try {
      if (!m.matches()) {
        throw PolicyException.notFound("no such page");
      }
      current = console.admin.policies().enterprisePolicy(actor, m.group(1));
    } catch (PolicyException e) {
      console.message(res, 404, "Not found", "There is no such page.");
      return;
    }
    String slug = console.admin.directory().enterprise(m.group(1)).slug();
    String error = null;
    int status = 200;
    if (post) {
      Map<String, Object> patch = new HashMap<>();
      for (String f : FIELDS) {
        String v = req.getParameter(f);
        if (v != null) {
          patch.put(f, v);
        }
      }
      for (String f : List.of("fine_grained_max_lifetime_days", "classic_max_lifetime_days")) {
        String v = req.getParameter(f);
        if (v != null) {
          v = v.strip();
          patch.put(f, v.isEmpty() ? null : v.matches("[0-9]{1,9}") ? Integer.valueOf(v) : v);
        }
      }
      try {
        console.admin.policies().updateEnterprisePolicy(actor, slug, patch);
        Console.redirect(res, "/enterprises/" + slug + "/settings/personal-access-tokens?saved=1");
        return;
      } catch (PolicyException e) {
        error = Console.messageOf(e);
        status = e.kind() == PolicyException.Kind.INVALID ? 422 : 403;
      }
    }
    List<EffectivePolicy> orgs =
        console.admin.policies().enterpriseOrganizationPolicies(actor, slug);
    Map<String, Object> p = Console.page(session.get(), "Personal access tokens", "enterprise");
    p.put("enterprise", slug);
    p.put("policy", current);
    p.put("orgs", orgs);
    p.put("error", error);
    p.put(
        "notice",
        !post && req.getParameter("saved") != null
            ? "Policies saved: every organization of the enterprise enforces them from the next git request on."
            : null);
    console.render(res, status, "enterprise_policy.jte", p);
  }
}
