package dev.portcullis.gateway.git;

import dev.portcullis.policy.decision.PushRules;
import dev.portcullis.policy.model.Repository;
import jakarta.servlet.http.HttpServletRequest;

/**
 * One allowed git request as it passes from the access filter to JGit and back: the repository the
 * filter decided on (the only one JGit may open), for receive-pack the rules on pushed content, and
 * whether receive-pack applied a push. The filter creates it before handing the request on; {@link
 * GitServlets} finds it with {@link #of}.
 */
final class GitExchange {
  private static final String ATTRIBUTE = GitExchange.class.getName();

  private final Repository repository;
  private final PushRules pushRules;
  private boolean pushApplied;

  private GitExchange(Repository repository, PushRules pushRules) {
    this.repository = repository;
    this.pushRules = pushRules;
  }

  /**
   * Starts the exchange for {@code request}, which is allowed on {@code repository}; {@code
   * pushRules} are those of a receive-pack request, {@code null} for any other.
   */
  static GitExchange start(HttpServletRequest request, Repository repository, PushRules pushRules) {
    GitExchange exchange = new GitExchange(repository, pushRules);
    request.setAttribute(ATTRIBUTE, exchange);
    return exchange;
  }

  /** The request's exchange, or {@code null} if the access filter did not allow it. */
  static GitExchange of(HttpServletRequest request) {
    return request.getAttribute(ATTRIBUTE) instanceof GitExchange e ? e : null;
  }

  /** The repository the access filter decided on. */
  Repository repository() {
    return repository;
  }

  /** The rules on what receive-pack accepts, or {@code null} for an upload-pack request. */
  PushRules pushRules() {
    return pushRules;
  }

  /** Receive-pack changed at least one ref. */
  void markPushApplied() {
    pushApplied = true;
  }

  boolean pushApplied() {
    return pushApplied;
  }
}
