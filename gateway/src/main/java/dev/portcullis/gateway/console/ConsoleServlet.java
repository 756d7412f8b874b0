package dev.portcullis.gateway.console;

import dev.portcullis.policy.admin.Admin;
import dev.portcullis.policy.store.StoreUnavailableException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Clock;
import java.util.List;

/**
 * The console's front door: it sets the security headers on every answer, refuses methods other
 * than GET, HEAD and POST, refuses every cross-origin POST with 403 before anything else happens,
 * and hands the request to the {@link PageGroup} whose path matches it best (as servlet mappings
 * do: an exact path first, then the longest prefix). A store that cannot be reached answers 503.
 *
 * <p>A new group of pages is one more entry in {@link #ConsoleServlet}'s list; {@link #paths()}
 * tells the gateway where to mount the servlet.
 */
public final class ConsoleServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;

  /** {@code __Host-}: the browser keeps it only if Secure, Path=/ and without Domain. */
  public static final String COOKIE = "__Host-portcullis_session";

  public static final String CSP =
      "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
          + "form-action 'self'; "
          + "frame-ancestors 'none'; base-uri 'none'";

  private final transient Console console;
  private final transient List<PageGroup> groups;

  public ConsoleServlet(Admin admin, Clock clock) {
    this.console = new Console(admin, clock);
    this.groups =
        List.of(
            new Assets(),
            new SignInPages(console),
            new SettingsPages(console),
            new TokenPages(console),
            new HomePage(console),
            new OrganizationPages(console),
            new EnterprisePages(console));
  }

  /** The servlet paths the console answers, for the gateway to map to it. */
  public List<String> paths() {
    return groups.stream().flatMap(g -> g.paths().stream()).toList();
  }

  @Override
  protected void service(HttpServletRequest req, HttpServletResponse res) throws IOException {
    res.setHeader("Content-Security-Policy", CSP);
    res.setHeader("X-Frame-Options", "DENY");
    res.setHeader("Referrer-Policy", "same-origin");
    res.setHeader("Cache-Control", "no-store");
    res.setHeader("X-Content-Type-Options", "nosniff");
    String path = req.getRequestURI();
    String method = req.getMethod();
    boolean post = method.equals("POST");
    if (!post && !method.equals("GET") && !method.equals("HEAD")) {
      res.setHeader("Allow", "GET, HEAD, POST");
      console.message(res, 405, "Method not allowed", "This page takes GET and POST only.");
      return;
    }
    if (post && !Console.sameOrigin(req)) {
      Console.LOG.info("refused a cross-origin form post to {}", Console.loggable(path));
      console.message(res, 403, "Forbidden", "This form was not sent from this site.");
      return;
    }
    PageGroup group = groupFor(path);
    if (group == null) {
      console.message(res, 404, "Not found", "There is no such page.");
      return;
    }
    try {
      group.serve(req, res, path, post);
    } catch (StoreUnavailableException e) {
      Console.LOG.warn(
          "store unavailable for {} {}: {}", method, Console.loggable(path), e.getMessage());
      res.setHeader("Retry-After", "5");
      console.message(
          res, 503, "Try again shortly", "The gateway cannot reach its store right now.");
    }
  }

  /** The group mapped to the path: an exact mapping wins, then the longest prefix mapping. */
  private PageGroup groupFor(String path) {
    PageGroup best = null;
    int bestLength = -1;
    for (PageGroup g : groups) {
      for (String mapping : g.paths()) {
        // "" is the servlet mapping of the root "/" alone ("/" would be the default servlet).
        if (mapping.equals(path) || (mapping.isEmpty() && path.equals("/"))) {
          return g;
        }
        if (mapping.endsWith("/*")) {
          String prefix = mapping.substring(0, mapping.length() - 2);
          boolean under = path.equals(prefix) || path.startsWith(prefix + "/");
          if (under && prefix.length() > bestLength) {
            best = g;
            bestLength = prefix.length();
          }
        }
      }
    }
    return best;
  }
}
