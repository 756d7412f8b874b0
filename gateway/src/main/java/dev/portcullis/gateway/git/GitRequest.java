package dev.portcullis.gateway.git;

import dev.portcullis.policy.GitOperation;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
 * The raw (undecoded) path must match a strict pattern, so encoded slashes or dots never pass.
 *
 * @param service {@code git-upload-pack} or {@code git-receive-pack}
 * @param advertisement true for {@code info/refs}, false for the service POST
 */
public record GitRequest(String owner, String name, GitOperation operation, String service, boolean advertisement) {
  private static final Pattern PATH =
      Pattern.compile(
          "/([A-Za-z0-9](?:[A-Za-z0-9-]{0,38}))/([A-Za-z0-9._-]{1,100}?)(?:\\.git)?/(info/refs|git-upload-pack|git-receive-pack)");

  public static final String UPLOAD_PACK = "git-upload-pack";
  public static final String RECEIVE_PACK = "git-receive-pack";

  /** The git request, or {@code null} if this is not exactly one. */
  public static GitRequest classify(String method, String rawPath, String rawQuery) {
    if (rawPath == null) {
      return null;
    }
    Matcher m = PATH.matcher(rawPath);
    if (!m.matches()) {
      return null;
    }
    String owner = m.group(1);
    String name = m.group(2);
    if (name.equals(".") || name.equals("..")) {
      return null;
    }
    String tail = m.group(3);
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
}
