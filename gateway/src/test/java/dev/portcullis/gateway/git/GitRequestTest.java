package dev.portcullis.gateway.git;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.portcullis.policy.model.GitOperation;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The classifier against its specification, written as the regular expression it replaced (the
 * hand-written parser is several times cheaper per request): every generated path must be
 * classified the same.
 */
class GitRequestTest {
  /**
   * The specification: /{owner}/{repo}[.git]/{tail}, owner as GitHub logins, repo 1-100 of
   * [A-Za-z0-9._-].
   */
  private static final Pattern SPEC =
      Pattern.compile(
          "/([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))/([A-Za-z0-9._-]{1,100}?)(?:\\.git)?/(info/refs|git-upload-pack|git-receive-pack)");

  private static GitRequest oracle(String method, String path, String query) {
    Matcher m = SPEC.matcher(path);
    if (!m.matches() || m.group(2).equals(".") || m.group(2).equals("..")) {
      return null;
    }
    String tail = m.group(3);
    if (tail.equals("info/refs")) {
      if (!"GET".equals(method)) {
        return null;
      }
      if ("service=git-upload-pack".equals(query)) {
        return new GitRequest(
            m.group(1), m.group(2), GitOperation.READ, GitRequest.UPLOAD_PACK, true);
      }
      return "service=git-receive-pack".equals(query)
          ? new GitRequest(
              m.group(1), m.group(2), GitOperation.WRITE, GitRequest.RECEIVE_PACK, true)
          : null;
    }
    if (!"POST".equals(method) || (query != null && !query.isEmpty())) {
      return null;
    }
    return tail.equals("git-upload-pack")
        ? new GitRequest(m.group(1), m.group(2), GitOperation.READ, GitRequest.UPLOAD_PACK, false)
        : new GitRequest(
            m.group(1), m.group(2), GitOperation.WRITE, GitRequest.RECEIVE_PACK, false);
  }

  @Test
  void theFourRequests() {
    assertEquals(
        new GitRequest("acme", "app", GitOperation.READ, "git-upload-pack", true),
        GitRequest.classify("GET", "/acme/app.git/info/refs", "service=git-upload-pack"));
    assertEquals(
        new GitRequest("acme", "app", GitOperation.WRITE, "git-receive-pack", true),
        GitRequest.classify("GET", "/acme/app/info/refs", "service=git-receive-pack"));
    assertEquals(
        new GitRequest("acme", "app", GitOperation.READ, "git-upload-pack", false),
        GitRequest.classify("POST", "/acme/app.git/git-upload-pack", null));
    assertEquals(
        new GitRequest("acme", "app.git", GitOperation.WRITE, "git-receive-pack", false),
        GitRequest.classify("POST", "/acme/app.git.git/git-receive-pack", ""));
    assertEquals(
        new GitRequest("a", ".git", GitOperation.READ, "git-upload-pack", false),
        GitRequest.classify("POST", "/a/.git/git-upload-pack", null));
    assertNull(GitRequest.classify("GET", "/acme/app.git/info/refs", null), "dumb HTTP is off");
    assertNull(GitRequest.classify("GET", "/acme/%2e%2e/info/refs", "service=git-upload-pack"));
    assertNull(GitRequest.classify("GET", "/acme/../info/refs", "service=git-upload-pack"));
    assertNull(GitRequest.classify("POST", "/acme/a/b/git-upload-pack", null));
    assertNull(GitRequest.classify("GET", "/-acme/app/info/refs", "service=git-upload-pack"));
  }

  @Test
  void agreesWithTheSpecificationOnGeneratedPaths() {
    List<String> owners =
        new ArrayList<>(
            List.of(
                "",
                "a",
                "A0",
                "-a",
                "a-",
                "a_b",
                "a.b",
                "o%2f",
                "x".repeat(39),
                "x".repeat(40),
                "é"));
    List<String> repos =
        new ArrayList<>(
            List.of(
                "",
                "r",
                ".",
                "..",
                "...",
                ".git",
                "..git",
                "r.git",
                "r.git.git",
                ".git.git",
                "a_b-c.d",
                "r%2e",
                "r/x",
                "r;x",
                "x".repeat(100),
                "x".repeat(101),
                "x".repeat(100) + ".git",
                "x".repeat(101) + ".git",
                "x".repeat(96) + ".git",
                "x".repeat(97) + ".git",
                "r.GIT",
                "r.gi"));
    List<String> tails =
        List.of(
            "/info/refs",
            "/git-upload-pack",
            "/git-receive-pack",
            "/info/refs/",
            "/info",
            "/objects/info/packs",
            "//info/refs",
            "/git-upload-pack/",
            "");
    List<String> methods = List.of("GET", "POST", "PUT");
    List<String> queries = new ArrayList<>();
    queries.add(null);
    queries.addAll(
        List.of(
            "",
            "service=git-upload-pack",
            "service=git-receive-pack",
            "service=git-upload-pack&x=1",
            "x"));
    int checked = 0;
    for (String o : owners) {
      for (String r : repos) {
        for (String t : tails) {
          String path = "/" + o + "/" + r + t;
          for (String m : methods) {
            for (String q : queries) {
              assertEquals(
                  oracle(m, path, q),
                  GitRequest.classify(m, path, q),
                  () -> m + " " + path + " ? " + q);
              checked++;
            }
          }
        }
      }
    }
    // Random paths over an alphabet that hits every branch.
    Random random = new Random(7);
    String[] pieces = {
      "/",
      "a",
      "Z",
      "0",
      "-",
      ".",
      "_",
      "%",
      ".git",
      "info/refs",
      "git-upload-pack",
      "git-receive-pack",
      "info",
      "refs",
      "x"
    };
    for (int i = 0; i < 200_000; i++) {
      StringBuilder b = new StringBuilder();
      int n = 1 + random.nextInt(9);
      for (int k = 0; k < n; k++) {
        b.append(pieces[random.nextInt(pieces.length)]);
      }
      String path = random.nextInt(4) == 0 ? b.toString() : "/" + b;
      String m = random.nextBoolean() ? "GET" : "POST";
      String q = m.equals("GET") ? "service=git-upload-pack" : null;
      assertEquals(
          oracle(m, path, q), GitRequest.classify(m, path, q), () -> m + " " + path + " ? " + q);
      checked++;
    }
    assertEquals(
        owners.size() * repos.size() * tails.size() * methods.size() * queries.size() + 200_000,
        checked);
  }
}
