package dev.portcullis.gateway.loadtest;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Deletes what a run made, through the admin API, once: the organization (with its repositories,
 * memberships, requests and grants, and the fine-grained tokens aimed at it) and then its users
 * (with their classic tokens). Only what the run created, or was told to reuse, is registered, so
 * an organization or user that existed already and was not the run's own is never deleted.
 *
 * <p>Runs at the end of a run, also when setup or the load failed, and from a shutdown hook when
 * the run is interrupted.
 */
final class Cleanup {
  private final AdminApi api;
  private final PrintWriter out;
  private volatile String org;
  private final Set<String> users = ConcurrentHashMap.newKeySet();
  private boolean done;

  /** What the cleanup did not manage, empty when it deleted everything. */
  private final List<String> failures = new ArrayList<>();

  Cleanup(AdminApi api, PrintWriter out) {
    this.api = api;
    this.out = out;
  }

  /** The run's organization: made by it, or reused on request. */
  void organization(String login) {
    org = login;
  }

  /** A user of the run: made by it, or reused on request. */
  void user(String login) {
    users.add(login);
  }

  /**
   * Deletes everything registered (a second call does nothing) and prints one line saying what;
   * returns whether everything went.
   */
  synchronized boolean run() {
    if (done) {
      return failures.isEmpty();
    }
    done = true;
    long t0 = Ticks.now();
    String o = org;
    if (o != null) {
      delete("/orgs/" + o, "the organization " + o);
    }
    List<String> logins = new ArrayList<>(users);
    logins.sort(null);
    int deleted = 0;
    for (String login : logins) {
      if (delete("/admin/users/" + login, "the user " + login)) {
        deleted++;
      }
    }
    if (o != null || !logins.isEmpty()) {
      out.printf(
          Locale.ROOT,
          "cleanup: deleted %s and %d of %d users with their tokens, requests and grants (%.1f s)%n",
          o == null ? "no organization" : "the organization " + o + " with its repositories",
          deleted,
          logins.size(),
          (Ticks.now() - t0) / 1e9);
    }
    for (String f : failures) {
      out.println("cleanup: " + f);
    }
    out.flush();
    return failures.isEmpty();
  }

  /** One deletion; a 404 means it is gone already. */
  private boolean delete(String path, String what) {
    try {
      AdminApi.Response r = api.send("DELETE", path, null);
      if (r.ok() || r.status() == 404) {
        return true;
      }
      failures.add("cannot delete " + what + ": " + r.message());
    } catch (AdminApi.CallFailed e) {
      failures.add("cannot delete " + what + ": " + e.getMessage());
    }
    return false;
  }
}
