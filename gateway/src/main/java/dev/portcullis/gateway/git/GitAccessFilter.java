package dev.portcullis.gateway.git;

import dev.portcullis.gateway.ops.GatewayMetrics;
import dev.portcullis.policy.access.AccessService;
import dev.portcullis.policy.access.FailedAuthLimiter;
import dev.portcullis.policy.audit.AuditLog;
import dev.portcullis.policy.decision.Credential;
import dev.portcullis.policy.decision.Decision;
import dev.portcullis.policy.decision.PushRules;
import dev.portcullis.policy.model.GitOperation;
import dev.portcullis.policy.store.StoreUnavailableException;
import dev.portcullis.policy.token.AuthorizationHeader;
import dev.portcullis.repos.RepositoryMaintenance;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Enumeration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * In front of JGit's {@code GitServlet}: classifies the request exactly, authenticates the {@code
 * Authorization} header, runs the access decision, counts refused credentials in the
 * failed-authentication limiter and either answers (401 with a Basic challenge, 403/404 with a
 * one-line {@code text/plain} reason that git prints as {@code remote: …}, 429 for refused
 * credentials past the limit, 503 when the store is unreachable) or hands the request on with the
 * authenticated user set, so that receive-pack accepts it.
 */
public final class GitAccessFilter implements Filter {
  private static final Logger LOG = LoggerFactory.getLogger("portcullis.git");

  private final AccessService access;
  private final FailedAuthLimiter limiter;
  private final GatewayMetrics metrics;
  private final AuditLog audit;
  private final String realm;
  private final RepositoryMaintenance maintenance;
  private final RequestWatchdog watchdog;
  private final Duration maxRequestDuration;
  private final long minUploadPackRate;

  /**
   * @param watchdog closes the connection of a request handed to JGit once it has run for {@code
   *     maxRequestDuration}
   * @param minUploadPackRate slowest accepted arrival of a {@code git-upload-pack} request body in
   *     bytes per second (anyone may send one to a public repository), 0 = any
   */
  public GitAccessFilter(
      AccessService access,
      FailedAuthLimiter limiter,
      GatewayMetrics metrics,
      AuditLog audit,
      String realm,
      RepositoryMaintenance maintenance,
      RequestWatchdog watchdog,
      Duration maxRequestDuration,
      long minUploadPackRate) {
    this.maintenance = maintenance;
    this.access = access;
    this.limiter = limiter;
    this.metrics = metrics;
    this.audit = audit;
    this.realm = realm;
    this.watchdog = watchdog;
    this.maxRequestDuration = maxRequestDuration;
    this.minUploadPackRate = minUploadPackRate;
  }

  @Override
  public void doFilter(ServletRequest req, ServletResponse res, FilterChain chain)
      throws IOException, ServletException {
    HttpServletRequest request = (HttpServletRequest) req;
    HttpServletResponse response = (HttpServletResponse) res;
    long start = System.nanoTime();
    GitRequest git =
        GitRequest.classify(request.getMethod(), request.getRequestURI(), request.getQueryString());
    if (git == null) {
      send(
          response,
          404,
          "Not found: only smart-HTTP git requests (info/refs, git-upload-pack, git-receive-pack) and /api/v3 are served.");
      return;
    }
    String address = request.getRemoteAddr();
    AccessService.AccessCheck check;
    try {
      check =
          access.decide(authorization(request), git.owner(), git.name(), git.operation(), address);
      access.recordUse(check);
    } catch (StoreUnavailableException e) {
      metrics.storeUnavailable();
      LOG.warn(
          "git {} {}/{} store unavailable: {}",
          git.service(),
          git.owner(),
          git.name(),
          e.getMessage());
      response.setHeader("Retry-After", "5");
      send(response, 503, "The gateway cannot reach its store right now; try again shortly.");
      return;
    }
    Decision decision = check.decision();
    metrics.decided(decision, System.nanoTime() - start);
    Credential credential = check.credential();
    Credential.Token token = credential instanceof Credential.Token t ? t : null;
    if (decision instanceof Decision.Denied d) {
      int status = d.status();
      String message = d.message();
      // git's first, credential-less request is how it learns to authenticate: never counted.
      // Only refused credentials count, and only they are answered 429 past the limit.
      if (status == 401 && !(credential instanceof Credential.None)) {
        String blocked = limiter.failure(address, token == null ? null : token.token().digest());
        if (blocked != null) {
          metrics.throttled();
          response.setHeader("Retry-After", Long.toString(limiter.retryAfterSeconds()));
          status = 429;
          message = blocked;
        }
      }
      if (status == 401) {
        response.setHeader("WWW-Authenticate", "Basic realm=\"" + realm + "\"");
      }
      send(response, status, message);
      metrics.gitRequest(git.service(), status, 0, 0);
      record(check.at(), git, token, decision, status, address);
      log(git, token, decision, status, address, start, 0, 0);
      return;
    }
    // A write (receive-pack) was allowed to a token: the rules on what it pushes come from the same
    // inputs.
    GitExchange exchange =
        GitExchange.start(
            request,
            check.repository(),
            git.operation() == GitOperation.WRITE ? PushRules.of(check.inputs()) : null);
    CountingRequest forward =
        new CountingRequest(request, token == null ? null : token.user().login());
    // A POST's content type and encoding, and a push's commands, are checked before JGit reads it.
    ServiceBody.Refusal refused =
        git.advertisement() ? null : ServiceBody.check(git, request, forward);
    if (refused != null) {
      try {
        refused.send(response);
      } finally {
        int out = refused.body().length;
        metrics.gitRequest(git.service(), refused.status(), forward.bytes(), out);
        record(check.at(), git, token, decision, refused.status(), address);
        log(git, token, decision, refused.status(), address, start, forward.bytes(), out);
      }
      return;
    }
    if (git.service().equals(GitRequest.UPLOAD_PACK) && !git.advertisement()) {
      forward.minimumRate(minUploadPackRate);
    }
    CountingResponse counted = new CountingResponse(response);
    // Past the longest request duration the watchdog closes the connection (a trickling client).
    RequestWatchdog.Watched running =
        watchdog.watch(
            request,
            () -> "git " + git.service() + " " + git.owner() + "/" + git.name(),
            start,
            maxRequestDuration);
    boolean push = git.operation() == GitOperation.WRITE && !git.advertisement();
    // While a push is received, the repository's refs are not packed (its ref updates would fail
    // to lock a ref being packed).
    RepositoryMaintenance.Receiving receiving =
        push ? maintenance.receiving(check.repository()) : null;
    try {
      chain.doFilter(forward, counted);
    } finally {
      if (receiving != null) {
        receiving.close();
      }
      watchdog.done(running);
      metrics.gitRequest(git.service(), counted.getStatus(), forward.bytes(), counted.bytes());
      record(check.at(), git, token, decision, counted.getStatus(), address);
      if (push && exchange.pushApplied()) {
        maintenance.touched(check.repository());
      }
      log(
          git,
          token,
          decision,
          counted.getStatus(),
          address,
          start,
          forward.bytes(),
          counted.bytes());
    }
  }

  /** The audit row of the request, at its decision's time (the clock is read once per request). */
  private void record(
      Instant at, GitRequest git, Credential.Token token, Decision d, int status, String address) {
    audit.recordDecision(
        at,
        token == null ? null : token.user().login(),
        token == null ? null : token.token(),
        git.owner() + "/" + git.name(),
        git.operation(),
        d,
        status,
        address);
  }

  /**
   * The single {@code Authorization} header; two or more are malformed. Shared with the REST API.
   */
  public static AuthorizationHeader authorization(HttpServletRequest request) {
    Enumeration<String> values = request.getHeaders("Authorization");
    if (values == null || !values.hasMoreElements()) {
      return AuthorizationHeader.ABSENT;
    }
    String first = values.nextElement();
    if (values.hasMoreElements()) {
      return new AuthorizationHeader.Malformed("repeated Authorization header");
    }
    return AuthorizationHeader.parse(first);
  }

  /** The per-request line, built here (no placeholder formatting, no boxing) and logged as is. */
  private static void log(
      GitRequest git,
      Credential.Token token,
      Decision d,
      int status,
      String address,
      long start,
      long in,
      long out) {
    if (LOG.isInfoEnabled()) {
      StringBuilder b =
          new StringBuilder(224)
              .append("git service=")
              .append(git.service())
              .append(git.advertisement() ? "/info-refs" : "")
              .append(" repo=")
              .append(git.owner())
              .append('/')
              .append(git.name())
              .append(" op=")
              .append(git.operation() == GitOperation.READ ? "read" : "write")
              .append(" user=");
      if (token == null) {
        b.append("- token_id=-");
      } else {
        b.append(token.user().login()).append(" token_id=").append(token.token().id());
      }
      b.append(" decision=")
          .append(d.allowed() ? "allow" : "deny")
          .append(" reason=")
          .append(d.reason().label())
          .append(" status=")
          .append(status)
          .append(" client=")
          .append(address)
          .append(" bytes_in=")
          .append(in)
          .append(" bytes_out=")
          .append(out)
          .append(" duration_ms=")
          .append((System.nanoTime() - start) / 1_000_000);
      LOG.info(b.toString());
    }
  }

  static void send(HttpServletResponse response, int status, String message) throws IOException {
    byte[] body = (message + "\n").getBytes(StandardCharsets.UTF_8);
    response.setStatus(status);
    response.setContentType("text/plain; charset=utf-8");
    response.setHeader("Cache-Control", "no-cache, max-age=0, must-revalidate");
    response.setContentLength(body.length);
    response.getOutputStream().write(body);
  }
}
