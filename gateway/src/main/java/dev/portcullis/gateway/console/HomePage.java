package dev.portcullis.gateway.console;

import dev.portcullis.policy.admin.ConsoleSession;
import dev.portcullis.policy.model.Actor;
import dev.portcullis.policy.model.Enterprise;
import dev.portcullis.policy.model.Organization;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The signed-in user's home, {@code /}: the organizations and enterprises they own, each with the
 * number of token requests waiting for review, and links to their settings.
 */
final class HomePage implements PageGroup {
  private final Console console;

  HomePage(Console console) {
    this.console = console;
  }

  /** {@code ""}: the servlet mapping of the root alone. */
  @Override
  public List<String> paths() {
    return List.of("");
  }

  @Override
  public void serve(HttpServletRequest req, HttpServletResponse res, String path, boolean post)
      throws IOException {
    Optional<ConsoleSession> session = console.signedIn(req, res, path, post);
    if (session.isEmpty()) {
      return;
    }
    if (post) {
      console.message(res, 405, "Method not allowed", "This page takes no forms.");
      return;
    }
    Actor actor = Actor.web(session.get().user());
    List<Organization> orgs = console.admin.accounts().ownedOrganizations(actor);
    Map<Long, Integer> pending = console.admin.grants().pendingCounts(actor, orgs);
    List<OwnedAccount> owned = new ArrayList<>();
    for (Organization o : orgs) {
      String base = "/organizations/" + o.login() + "/settings/";
      owned.add(
          new OwnedAccount(
              o.login(),
              base + "personal-access-tokens",
              base + "personal-access-token-requests",
              pending.getOrDefault(o.id(), 0)));
    }
    List<OwnedAccount> enterprises = new ArrayList<>();
    for (Enterprise e : console.admin.accounts().ownedEnterprises(actor)) {
      enterprises.add(
          new OwnedAccount(
              e.slug(),
              "/enterprises/" + e.slug() + "/settings/personal-access-tokens",
              null,
              console.admin.grants().enterprisePendingCount(actor, e.slug())));
    }
    Map<String, Object> p = Console.page(session.get(), "Your organizations", "home");
    p.put("orgs", owned);
    p.put("enterprises", enterprises);
    console.render(res, 200, "home.jte", p);
  }
}
