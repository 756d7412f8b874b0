package dev.portcullis.gateway.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Option;

/**
 * A GET of a paged GitHub listing: {@code --per-page}, {@code --page}, and {@code --all}, which
 * follows the {@code Link} header's {@code rel="next"} and prints every item as one table (or, with
 * {@code --json}, one JSON array). Errors are reported through {@link ApiClient#report}.
 */
abstract class PagedCommand extends ListCommand {
  static final int MAX_PAGES = 10_000;
  private static final Pattern NEXT =
      Pattern.compile("<([^<>]*)>\\s*;\\s*rel=\"?([^\";,]*\\s)?next(\\s[^\";,]*)?\"?");

  @Option(
      names = "--per-page",
      paramLabel = "N",
      description = "results per page, 1–100 (server default 30)")
  Integer perPage;

  @Option(
      names = "--page",
      paramLabel = "N",
      description = "the page to show (or, with --all, to start from); default 1")
  Integer page;

  @Option(
      names = "--all",
      description =
          "follow the Link header's rel=\"next\" to the last page and print every result "
              + "in one table (or JSON array)")
  boolean all;

  @Override
  void validate() {
    if (perPage != null && (perPage < 1 || perPage > 100)) {
      throw usage("Invalid value for option '--per-page': " + perPage + " (expected 1–100)");
    }
    if (page != null && page < 1) {
      throw usage("Invalid value for option '--page': " + page + " (expected 1 or more)");
    }
  }

  /** Adds {@code name=value} (value encoded) unless {@code value} is null. */
  static void param(List<String> query, String name, Object value) {
    if (value != null) {
      query.add(name + "=" + URLEncoder.encode(value.toString(), StandardCharsets.UTF_8));
    }
  }

  /**
   * Lists {@code path} (relative to {@code /api/v3}, encoded) with {@code query}; returns the exit
   * code.
   */
  int list(ApiClient api, String path, List<String> query) {
    List<String> q = new ArrayList<>(query);
    param(q, "per_page", perPage);
    param(q, "page", page);
    String target = path + (q.isEmpty() ? "" : "?" + String.join("&", q));
    ArrayNode items = ApiClient.array();
    Set<String> seen = new HashSet<>();
    for (int pages = 0; target != null; pages++) {
      if (pages >= MAX_PAGES || !seen.add(target)) {
        throw new ApiClient.Failure(
            "the gateway's Link headers do not end (stopped at " + target + ")");
      }
      ApiClient.Response r = api.send("GET", target, null);
      if (!r.ok() || r.json() == null || !r.json().isArray()) {
        return api.report(r, null);
      }
      String next = next(api.root(), r.link());
      if (!all) {
        print(api, r.json());
        if (next != null) {
          api.err()
              .println(
                  "(more results: --page " + nextPage(next, page) + ", or --all for every page)");
          api.err().flush();
        }
        return ApiClient.OK;
      }
      r.json().forEach(items::add);
      target = next;
    }
    print(api, items);
    return ApiClient.OK;
  }

  private static int nextPage(String next, Integer current) {
    Matcher m = Pattern.compile("[?&]page=(\\d+)").matcher(next);
    return m.find() ? Integer.parseInt(m.group(1)) : (current == null ? 1 : current) + 1;
  }

  /**
   * The {@code rel="next"} target of a {@code Link} header as a path under the API root, or null.
   * Only its path and query are kept, so the token only ever goes to the configured gateway.
   */
  static String next(URI root, String link) {
    if (link == null) {
      return null;
    }
    Matcher m = NEXT.matcher(link);
    if (!m.find()) {
      return null;
    }
    URI u;
    try {
      u = URI.create(m.group(1).strip());
    } catch (IllegalArgumentException e) {
      throw new ApiClient.Failure("the gateway sent a malformed Link header: " + link);
    }
    String rootPath = root.getRawPath();
    String p = u.getRawPath();
    if (p == null || !p.startsWith(rootPath + "/")) {
      throw new ApiClient.Failure(
          "the gateway's Link header points outside its API (" + m.group(1) + ")");
    }
    return p.substring(rootPath.length()) + (u.getRawQuery() == null ? "" : "?" + u.getRawQuery());
  }
}
