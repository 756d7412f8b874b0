package dev.portcullis.gateway.git;

import dev.portcullis.policy.model.GitOperation;

/**
 * A smart-HTTP git request, classified exactly from method, raw path and raw query. Anything that
 * is not one of the four smart-HTTP requests is not a git request (dumb HTTP is off):
 *
 * <ul>
 *   <li>{@code GET /{owner}/{repo}[.git]/info/refs?service=git-upload-pack} — read
 *   <li>{@code POST /{owner}/{repo}[.git]/git-upload-pack} — read
 *   <li>{@code GET /{owner}/{repo}[.git]/info/refs?service=git-receive-pack} — write
 *   <li>{@code POST /{owner}/{repo}[.git]/git-receive-pack} — write
 * </ul>
 *
 * The raw (undecoded) path must have exactly this shape, with owner and repository names of the
 * characters GitHub allows, so encoded slashes or dots never pass.
 *
 * @param service {@code git-upload-pack} or {@code git-receive-pack}
 * @param advertisement true for {@code info/refs}, false for the service POST
 */
record GitRequest(
    String owner, String name, GitOperation operation, String service, boolean advertisement) {
  public static final String UPLOAD_PACK = "git-upload-pack";
  public static final String RECEIVE_PACK = "git-receive-pack";

  /** The git request, or {@code null} if this is not exactly one. */
  public static GitRequest classify(String method, String rawPath, String rawQuery) {
    if (rawPath == null) {
      return null;
    }
    int length = rawPath.length();
    if (length < 2 || rawPath.charAt(0) != '/') {
      return null;
    }
    // /{owner}: [A-Za-z0-9][A-Za-z0-9-]{0,38}
    int ownerEnd = rawPath.indexOf('/', 1);
    if (ownerEnd < 2 || ownerEnd > 40 || !alphanumeric(rawPath.charAt(1))) {
      return null;
    }
    for (int i = 2; i < ownerEnd; i++) {
      char c = rawPath.charAt(i);
      if (!alphanumeric(c) && c != '-') {
        return null;
      }
    }
    // .../{tail}
    String tail;
    if (rawPath.endsWith("/info/refs")) {
      tail = "info/refs";
    } else if (rawPath.endsWith("/" + UPLOAD_PACK)) {
      tail = UPLOAD_PACK;
    } else if (rawPath.endsWith("/" + RECEIVE_PACK)) {
      tail = RECEIVE_PACK;
    } else {
      return null;
    }
    // /{repo}[.git]/ in between: one segment of [A-Za-z0-9._-], the name 1-100 characters once a
    // final ".git" is taken off (a segment of just ".git" is the name ".git").
    int repoStart = ownerEnd + 1;
    int repoEnd = length - tail.length() - 1;
    if (repoEnd <= repoStart) {
      return null;
    }
    for (int i = repoStart; i < repoEnd; i++) {
      char c = rawPath.charAt(i);
      if (!alphanumeric(c) && c != '.' && c != '_' && c != '-') {
        return null;
      }
    }
    int nameEnd =
        repoEnd - repoStart > 4 && rawPath.startsWith(".git", repoEnd - 4) ? repoEnd - 4 : repoEnd;
    if (nameEnd - repoStart > 100) {
      return null;
    }
    String owner = rawPath.substring(1, ownerEnd);
    String name = rawPath.substring(repoStart, nameEnd);
    if (name.equals(".") || name.equals("..")) {
      return null;
    }
    if (tail.equals("info/refs")) {
      if (!"GET".equals(method)) {
        return null;
      }
      if (("service=" + UPLOAD_PACK).equals(rawQuery)) {
        return new GitRequest(owner, name, GitOperation.READ, UPLOAD_PACK, true);
      }
      if (("service=" + RECEIVE_PACK).equals(rawQuery)) {
        return new GitRequest(owner, name, GitOperation.WRITE, RECEIVE_PACK, true);
      }
      return null;
    }
    if (!"POST".equals(method) || (rawQuery != null && !rawQuery.isEmpty())) {
      return null;
    }
    return tail.equals(UPLOAD_PACK)
        ? new GitRequest(owner, name, GitOperation.READ, UPLOAD_PACK, false)
        : new GitRequest(owner, name, GitOperation.WRITE, RECEIVE_PACK, false);
  }

  private static boolean alphanumeric(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
  }
}
