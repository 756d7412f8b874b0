package dev.portcullis.gateway.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.gateway.PublicUrl;
import dev.portcullis.gateway.git.RequestWatchdog;
import dev.portcullis.gateway.ops.AuditJson;
import dev.portcullis.policy.access.AccessService;
import dev.portcullis.policy.access.FailedAuthLimiter;
import dev.portcullis.policy.admin.Admin;
import dev.portcullis.policy.admin.CreatedToken;
import dev.portcullis.policy.admin.GrantListing;
import dev.portcullis.policy.admin.GrantQuery;
import dev.portcullis.policy.admin.NewToken;
import dev.portcullis.policy.admin.RepositoryView;
import dev.portcullis.policy.audit.AuditEvent;
import dev.portcullis.policy.audit.AuditLog;
import dev.portcullis.policy.audit.AuditQuery;
import dev.portcullis.policy.decision.AccessEvaluator;
import dev.portcullis.policy.decision.Credential;
import dev.portcullis.policy.decision.Decision;
import dev.portcullis.policy.model.AccessToken;
import dev.portcullis.policy.model.Actor;
import dev.portcullis.policy.model.Enterprise;
import dev.portcullis.policy.model.Grant;
import dev.portcullis.policy.model.Notification;
import dev.portcullis.policy.model.OrgRole;
import dev.portcullis.policy.model.Organization;
import dev.portcullis.policy.model.Owner;
import dev.portcullis.policy.model.Page;
import dev.portcullis.policy.model.PolicyException;
import dev.portcullis.policy.model.RepoPermission;
import dev.portcullis.policy.model.Repository;
import dev.portcullis.policy.model.User;
import dev.portcullis.policy.store.PolicyStore;
import dev.portcullis.policy.store.StoreConstraintException;
import dev.portcullis.policy.store.StoreUnavailableException;
import dev.portcullis.policy.token.TokenKind;
import dev.portcullis.repos.RepositoryStorage;
import jakarta.servlet.AsyncContext;
import jakarta.servlet.AsyncEvent;
import jakarta.servlet.AsyncListener;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The REST API under {@code /api/v3}: JSON, GitHub's error shape, {@code Bearer} and {@code token}
 * authorization schemes. Routes are matched on the raw (undecoded) path. Every route but {@code
 * POST /credentials/revoke} authenticates its caller before anything else (401), then the
 * management use cases authorize; an object the caller may not see answers as a missing one.
 *
 * <p>A request body is read before the call is handled, without a thread while it arrives; the call
 * then runs on the thread that delivered its last bytes.
 */
public final class ApiServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;
  private static final Logger LOG = LoggerFactory.getLogger("portcullis.api");
  static final String PREFIX = "/api/v3";
  static final String DOCS = "https://docs.github.com/rest";
  private static final int MAX_BODY = 1 << 20;

  /** How long a body may take before its rate is judged (its first bytes may be in flight). */
  private static final long RATE_GRACE_NANOS = 1_000_000_000L;

  private static final String SEG = "([^/]+)";

  /** What a handler gets. */
  static final class Call {
    final HttpServletRequest request;
    final List<String> params;
    private final ApiServlet api;
    private final Actor actor;
    private final RequestBody raw;
    private JsonNode body;

    Call(
        ApiServlet api,
        HttpServletRequest request,
        Actor actor,
        List<String> params,
        RequestBody raw) {
      this.api = api;
      this.request = request;
      this.actor = actor;
      this.params = params;
      this.raw = raw;
    }

    String param(int i) {
      return params.get(i);
    }

    long longParam(int i, String what) {
      try {
        return Long.parseLong(params.get(i));
      } catch (NumberFormatException e) {
        throw new ApiException(404, "Not Found: " + what + " must be an integer id");
      }
    }

    /** The authenticated caller (routes that take anonymous callers have none). */
    Actor actor() {
      if (actor == null) {
        throw new IllegalStateException("this route takes anonymous callers");
      }
      return actor;
    }

    /** The JSON object the request carries; an absent body is {@code {}}, as GitHub reads it. */
    JsonBody body(String resource) {
      if (body == null) {
        body = api.parseJson(raw);
      }
      return body.isMissingNode()
          ? new JsonBody(api.json.createObjectNode(), resource)
          : new JsonBody(body, resource);
    }

    /**
     * A partial update's fields. Unlike {@link #body}, it needs a body: an absent one would be a
     * change of nothing, audited as a change.
     */
    Map<String, Object> patch(String resource) {
      if (body == null) {
        body = api.parseJson(raw);
      }
      if (body.isMissingNode()) {
        throw new ApiException(400, "Body should be a JSON object");
      }
      return new JsonBody(body, resource).patch();
    }

    /** The body, or {@code null} when the request has none (bodies are optional on some PUTs). */
    JsonBody optionalBody(String resource) {
      if (body == null) {
        body = api.parseJson(raw);
      }
      return body.isMissingNode() ? null : new JsonBody(body, resource);
    }
  }

  /** A handler's answer: status, optional JSON and optional {@code Link} header. */
  record Reply(int status, JsonNode json, String link) {
    Reply(int status, JsonNode json) {
      this(status, json, null);
    }
  }

  @FunctionalInterface
  interface Handler {
    Reply handle(ApiServlet api, Call call) throws IOException;
  }

  /**
   * One route: method, path template ({@code {}} for a segment), handler, and whether it takes
   * anonymous callers (every other route authenticates its caller before anything else).
   */
  private record Route(
      String method, String template, Pattern pattern, Handler handler, boolean anonymous) {
    Route(String method, String template, Handler handler) {
      this(method, template, Pattern.compile(template.replace("{}", SEG)), handler, false);
    }

    Route withoutAuthentication() {
      return new Route(method, template, pattern, handler, true);
    }
  }

  /** Every route, in matching order. */
  private static final List<Route> ROUTES =
      List.of(
          new Route("GET", "/user", (api, c) -> api.currentUser(c)),
          new Route("PATCH", "/user", ApiServlet::updateCurrentUser),
          new Route("GET", "/users", ApiServlet::listAccounts),
          new Route("GET", "/users/{}", ApiServlet::viewUser),
          new Route("GET", "/admin/users", ApiServlet::listUsers),
          new Route("POST", "/admin/users", ApiServlet::createUser),
          new Route("POST", "/admin/users/{}/password-setup-links", ApiServlet::setupLink),
          new Route("DELETE", "/admin/users/{}", ApiServlet::deleteUser),
          new Route("PUT", "/users/{}/suspended", (api, c) -> api.suspend(c, true)),
          new Route("DELETE", "/users/{}/suspended", (api, c) -> api.suspend(c, false)),
          new Route("POST", "/admin/enterprises", ApiServlet::createEnterprise),
          new Route(
              "GET",
              "/enterprises/{}/personal-access-token-policy",
              ApiServlet::viewEnterprisePolicy),
          new Route(
              "PUT", "/enterprises/{}/personal-access-token-policy", ApiServlet::enterprisePolicy),
          new Route(
              "GET", "/enterprises/{}/organizations", ApiServlet::listEnterpriseOrganizations),
          new Route("PUT", "/enterprises/{}/owners/{}", ApiServlet::addEnterpriseOwner),
          new Route("DELETE", "/enterprises/{}/owners/{}", ApiServlet::removeEnterpriseOwner),
          new Route("POST", "/admin/organizations", ApiServlet::createOrganization),
          new Route("GET", "/organizations", ApiServlet::listOrganizations),
          new Route("GET", "/orgs/{}", ApiServlet::viewOrganization),
          new Route("DELETE", "/orgs/{}", ApiServlet::deleteOrganization),
          new Route("GET", "/orgs/{}/personal-access-token-policy", ApiServlet::viewOrgPolicy),
          new Route("PUT", "/orgs/{}/personal-access-token-policy", ApiServlet::orgPolicy),
          new Route("GET", "/orgs/{}/members", ApiServlet::listMembers),
          new Route("PUT", "/orgs/{}/memberships/{}", ApiServlet::setMembership),
          new Route("DELETE", "/orgs/{}/memberships/{}", ApiServlet::removeMembership),
          new Route("PUT", "/orgs/{}/base-permission", ApiServlet::basePermission),
          new Route("GET", "/orgs/{}/repos", ApiServlet::listOrgRepos),
          new Route("POST", "/orgs/{}/repos", (api, c) -> api.createOrgRepo(c)),
          new Route("POST", "/admin/users/{}/repos", (api, c) -> api.createUserRepo(c)),
          new Route("GET", "/repos/{}/{}", ApiServlet::viewRepository),
          new Route("DELETE", "/repos/{}/{}", ApiServlet::deleteRepository),
          new Route("GET", "/repos/{}/{}/collaborators", ApiServlet::listCollaborators),
          new Route("PUT", "/repos/{}/{}/collaborators/{}", ApiServlet::setCollaborator),
          new Route("DELETE", "/repos/{}/{}/collaborators/{}", ApiServlet::removeCollaborator),
          new Route("POST", "/admin/users/{}/personal-access-tokens", ApiServlet::createToken),
          new Route("GET", "/admin/users/{}/personal-access-tokens", ApiServlet::listTokens),
          new Route("DELETE", "/admin/personal-access-tokens/{}", ApiServlet::deleteToken),
          new Route("POST", "/admin/personal-access-tokens/{}/rotate", ApiServlet::rotateToken),
          // Authenticated by the handler: a secret already rotated away is answered differently.
          new Route("POST", "/user/personal-access-tokens/self/rotate", ApiServlet::rotateOwnSecret)
              .withoutAuthentication(),
          new Route("PATCH", "/admin/personal-access-tokens/{}", ApiServlet::updateToken),
          new Route(
              "GET",
              "/orgs/{}/personal-access-token-requests",
              (api, c) -> api.listGrants(c, true)),
          new Route(
              "GET",
              "/orgs/{}/personal-access-token-requests/{}/repositories",
              (api, c) -> api.grantRepositories(c, true)),
          new Route("GET", "/orgs/{}/personal-access-tokens", (api, c) -> api.listGrants(c, false)),
          new Route(
              "GET",
              "/orgs/{}/personal-access-tokens/{}/repositories",
              (api, c) -> api.grantRepositories(c, false)),
          new Route(
              "POST", "/orgs/{}/personal-access-token-requests/{}", ApiServlet::reviewRequest),
          new Route("POST", "/orgs/{}/personal-access-token-requests", ApiServlet::reviewRequests),
          new Route("POST", "/orgs/{}/personal-access-tokens/{}", ApiServlet::revokeGrant),
          new Route("POST", "/orgs/{}/personal-access-tokens", ApiServlet::revokeGrants),
          // Anyone holding a leaked token may revoke it.
          new Route("POST", "/credentials/revoke", ApiServlet::revokeCredentials)
              .withoutAuthentication(),
          new Route("GET", "/orgs/{}/hooks", (api, c) -> api.webhooks.list(c)),
          new Route("POST", "/orgs/{}/hooks", (api, c) -> api.webhooks.create(c)),
          new Route("GET", "/orgs/{}/hooks/{}", (api, c) -> api.webhooks.get(c)),
          new Route("PATCH", "/orgs/{}/hooks/{}", (api, c) -> api.webhooks.update(c)),
          new Route("DELETE", "/orgs/{}/hooks/{}", (api, c) -> api.webhooks.delete(c)),
          new Route("GET", "/orgs/{}/hooks/{}/config", (api, c) -> api.webhooks.getConfig(c)),
          new Route("PATCH", "/orgs/{}/hooks/{}/config", (api, c) -> api.webhooks.updateConfig(c)),
          new Route("POST", "/orgs/{}/hooks/{}/pings", (api, c) -> api.webhooks.pings(c)),
          new Route("GET", "/orgs/{}/hooks/{}/deliveries", (api, c) -> api.webhooks.deliveries(c)),
          new Route("GET", "/orgs/{}/hooks/{}/deliveries/{}", (api, c) -> api.webhooks.delivery(c)),
          new Route(
              "POST",
              "/orgs/{}/hooks/{}/deliveries/{}/attempts",
              (api, c) -> api.webhooks.redeliver(c)),
          new Route("GET", "/admin/audit-log", ApiServlet::auditLog),
          new Route("GET", "/admin/notifications", ApiServlet::listNotifications),
          new Route("POST", "/admin/notifications/digest", ApiServlet::sendDigest));

  private final transient Admin management;
  private final transient FailedAuthLimiter limiter;
  private final transient AuditLog audit;
  private final transient AccessService access;
  private final transient RepositoryStorage storage;
  private final transient Clock clock;
  private final transient RequestWatchdog watchdog;
  private final transient Duration maxRequestDuration;
  private final transient Duration bodyTimeout;
  private final long minBodyRate;
  private final transient OrgWebhooksApi webhooks;
  final transient ObjectMapper json =
      new ObjectMapper()
          .enable(com.fasterxml.jackson.databind.DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
  private final transient GithubShapes shapes = new GithubShapes(json);

  public ApiServlet(
      Admin management,
      AccessService access,
      RepositoryStorage storage,
      Clock clock,
      FailedAuthLimiter limiter,
      AuditLog audit,
      RequestWatchdog watchdog,
      Duration maxRequestDuration,
      Duration bodyTimeout,
      long minBodyRate,
      OrgWebhooksApi webhooks) {
    this.webhooks = webhooks;
    this.watchdog = watchdog;
    this.maxRequestDuration = maxRequestDuration;
    this.bodyTimeout = bodyTimeout;
    this.minBodyRate = minBodyRate;
    this.limiter = limiter;
    this.audit = audit;
    this.management = management;
    this.access = access;
    this.storage = storage;
    this.clock = clock;
  }

  /**
   * The route table: each route's method and path template under {@code /api/v3}, {@code {}}
   * standing for one path segment (tests walk every route).
   */
  public static List<String> routeTable() {
    return ROUTES.stream().map(r -> r.method() + " " + r.template()).toList();
  }

  // ------------------------------------------------------------------ dispatch

  /**
   * A request's body as read before the call is handled: its bytes, or too large to be read (the
   * handler that needs it answers 413; one that refuses the caller first does not).
   */
  record RequestBody(byte[] bytes, boolean tooLarge) {
    static final RequestBody NONE = new RequestBody(new byte[0], false);
    static final RequestBody TOO_LARGE = new RequestBody(new byte[0], true);
  }

  /**
   * Reads the body without holding a thread while it arrives (Servlet non-blocking input), within
   * {@code bodyTimeout} and no slower than {@code minBodyRate} (else 408), then handles the call.
   * Every call is watched for its longest duration.
   */
  @Override
  protected void service(HttpServletRequest req, HttpServletResponse res) throws IOException {
    long start = System.nanoTime();
    String uri = req.getRequestURI();
    String path = uri.startsWith(PREFIX) ? uri.substring(PREFIX.length()) : uri;
    if (path.length() > 1 && path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    RequestWatchdog.Watched running =
        watchdog.watch(req, () -> "api " + req.getMethod() + " " + uri, start, maxRequestDuration);
    long length = req.getContentLengthLong();
    boolean hasBody = length > 0 || (length < 0 && req.getHeader("Transfer-Encoding") != null);
    if (!hasBody || length > MAX_BODY) {
      try {
        answer(req, res, path, hasBody ? RequestBody.TOO_LARGE : RequestBody.NONE);
      } finally {
        watchdog.done(running);
      }
      return;
    }
    AsyncContext async = req.startAsync();
    async.setTimeout(bodyTimeout.toMillis());
    BodyReader reader = new BodyReader(req, res, path, async, running, start);
    async.addListener(reader);
    req.getInputStream().setReadListener(reader);
  }

  /**
   * Collects a body as it arrives, on whichever thread Jetty calls back on, and answers once: the
   * call when the body is complete (or too large), 408 when it is too slow or late, 400 when it
   * cannot be read.
   */
  private final class BodyReader implements ReadListener, AsyncListener {
    private final HttpServletRequest req;
    private final HttpServletResponse res;
    private final String path;
    private final AsyncContext async;
    private final RequestWatchdog.Watched running;
    private final long start;
    private final ByteArrayOutputStream buf = new ByteArrayOutputStream();
    private final byte[] chunk = new byte[8192];
    private final AtomicBoolean answered = new AtomicBoolean();

    BodyReader(
        HttpServletRequest req,
        HttpServletResponse res,
        String path,
        AsyncContext async,
        RequestWatchdog.Watched running,
        long start) {
      this.req = req;
      this.res = res;
      this.path = path;
      this.async = async;
      this.running = running;
      this.start = start;
    }

    @Override
    public void onDataAvailable() throws IOException {
      ServletInputStream in = req.getInputStream();
      while (!answered.get() && in.isReady()) {
        int n = in.read(chunk);
        if (n < 0) {
          return; // onAllDataRead follows
        }
        buf.write(chunk, 0, n);
        if (buf.size() > MAX_BODY) {
          finish(() -> answer(req, res, path, RequestBody.TOO_LARGE));
          return;
        }
      }
      long elapsed = System.nanoTime() - start;
      if (minBodyRate > 0
          && elapsed > RATE_GRACE_NANOS
          && buf.size() * 1_000_000_000L / elapsed < minBodyRate) {
        finish(
            () ->
                refuse(408, "Request body arrived slower than " + minBodyRate + " bytes a second"));
      }
    }

    @Override
    public void onAllDataRead() {
      finish(() -> answer(req, res, path, new RequestBody(buf.toByteArray(), false)));
    }

    @Override
    public void onError(Throwable t) {
      // Broken chunked framing, a connection that went away: Jetty's verdict is a 4xx at most.
      int status =
          t instanceof org.eclipse.jetty.http.HttpException h
                  && h.getCode() >= 400
                  && h.getCode() < 500
              ? h.getCode()
              : 400;
      finish(() -> refuse(status, "Bad request: the request body could not be read"));
    }

    @Override
    public void onTimeout(AsyncEvent event) {
      finish(
          () ->
              refuse(
                  408, "Request body not received within " + bodyTimeout.toSeconds() + " seconds"));
    }

    @Override
    public void onError(AsyncEvent event) {
      onError(event.getThrowable());
    }

    @Override
    public void onComplete(AsyncEvent event) {}

    @Override
    public void onStartAsync(AsyncEvent event) {}

    /** Answers once (whichever callback comes first), then ends the request. */
    private void finish(Answer answer) {
      if (!answered.compareAndSet(false, true)) {
        return;
      }
      try {
        answer.send();
      } catch (IOException | RuntimeException e) {
        // The client is gone, or the answer could not be written: nothing more to tell it.
        LOG.debug("API answer not sent: {}", e.toString());
      } finally {
        watchdog.done(running);
        async.complete();
      }
    }

    /** An answer before the call is handled; the body is left unread, so the connection closes. */
    private void refuse(int status, String message) throws IOException {
      res.setHeader("Connection", "close");
      write(res, error(status, message, List.of()));
    }
  }

  @FunctionalInterface
  private interface Answer {
    void send() throws IOException;
  }

  /** Handles the call and writes its answer. */
  private void answer(
      HttpServletRequest req, HttpServletResponse res, String path, RequestBody body)
      throws IOException {
    Reply reply;
    try {
      reply = dispatch(req, path, body);
    } catch (ApiException e) {
      reply = error(e.status, e.getMessage(), e.errors);
    } catch (PolicyException e) {
      int status =
          switch (e.kind()) {
            case NOT_FOUND -> 404;
            case FORBIDDEN -> 403;
            case INVALID -> 422;
          };
      reply = error(status, e.getMessage(), e.errors());
    } catch (StoreConstraintException e) {
      // A unique key taken by a concurrent creation, or a value the store cannot hold: the same
      // validation error as one caught before the write.
      String code =
          e.kind() == StoreConstraintException.Kind.DUPLICATE ? "already_exists" : "invalid";
      reply =
          error(
              422,
              "Validation Failed",
              List.of(new PolicyException.FieldError(null, null, code, e.getMessage())));
    } catch (StoreUnavailableException e) {
      LOG.warn("store unavailable for {} {}: {}", req.getMethod(), path, e.getMessage());
      res.setHeader("Retry-After", "5");
      reply =
          error(503, "The gateway cannot reach its store right now; try again shortly.", List.of());
    } catch (org.eclipse.jetty.http.HttpException.RuntimeException e) {
      // Jetty's own verdict on the request (a malformed query, say): a 4xx.
      int status = e.getCode() >= 400 && e.getCode() < 500 ? e.getCode() : 400;
      reply =
          error(
              status,
              "Bad request: "
                  + (e.getReason() == null ? "the request could not be read" : e.getReason()),
              List.of());
    } catch (RuntimeException e) {
      // A bug: log it with its stack, answer without one.
      LOG.error("internal error on {} {}", req.getMethod(), path, e);
      reply = error(500, "Internal error; the gateway logged the details.", List.of());
    }
    if (reply.link() != null) {
      res.setHeader("Link", reply.link());
    }
    if (reply.status() == 401) {
      res.setHeader("WWW-Authenticate", "Basic realm=\"Portcullis\"");
    }
    if (reply.status() == 429) {
      res.setHeader("Retry-After", Long.toString(limiter.retryAfterSeconds()));
    }
    write(res, reply);
  }

  private void write(HttpServletResponse res, Reply reply) throws IOException {
    res.setStatus(reply.status());
    if (reply.json() != null) {
      byte[] bytes = json.writerWithDefaultPrettyPrinter().writeValueAsBytes(reply.json());
      res.setContentType("application/json; charset=utf-8");
      res.setContentLength(bytes.length);
      res.getOutputStream().write(bytes);
    }
  }

  private Reply dispatch(HttpServletRequest req, String path, RequestBody body) throws IOException {
    boolean pathMatched = false;
    for (Route r : ROUTES) {
      Matcher m = r.pattern().matcher(path);
      if (!m.matches()) {
        continue;
      }
      pathMatched = true;
      if (!r.method().equals(req.getMethod())) {
        continue;
      }
      // Authenticate first: a caller without valid credentials learns nothing about the objects
      // the path names, not even that a name is malformed.
      Actor actor = r.anonymous() ? null : authenticate(req);
      List<String> params = new ArrayList<>();
      for (int i = 1; i <= m.groupCount(); i++) {
        params.add(decode(m.group(i)));
      }
      try {
        return r.handler().handle(this, new Call(this, req, actor, params, body));
      } catch (PolicyException e) {
        // A missing object and one the caller may not see are the same NOT_FOUND to the policy
        // module; to anyone but a site administrator (who sees everything) both are GitHub's bare
        // "Not Found", so that not even the name in the message differs.
        if (e.unseen() && (actor == null || !actor.isSiteAdmin())) {
          throw new ApiException(404, "Not Found");
        }
        throw e;
      }
    }
    if (pathMatched) {
      throw new ApiException(
          405, "Method " + req.getMethod() + " is not allowed on " + PREFIX + path);
    }
    throw new ApiException(404, "Not Found");
  }

  private static String decode(String segment) {
    String d;
    try {
      d = URLDecoder.decode(segment.replace("+", "%2B"), StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      throw new ApiException(400, "Malformed percent-encoding in the path");
    }
    for (int i = 0; i < d.length(); i++) {
      if (Character.isISOControl(d.charAt(i))) {
        throw new ApiException(400, "Control characters are not allowed in the path");
      }
    }
    return d;
  }

  /**
   * The caller, or 401; refused credentials count towards the failed-authentication limit and past
   * it are answered 429 (valid credentials from the same address still pass).
   */
  private Actor authenticate(HttpServletRequest req) {
    Credential c =
        access.authenticate(dev.portcullis.gateway.git.GitAccessFilter.authorization(req));
    if (c instanceof Credential.None) {
      throw new ApiException(401, "Requires authentication");
    }
    Credential.Token t = c instanceof Credential.Token token ? token : null;
    Decision.Denied unusable = t == null ? null : AccessEvaluator.unusable(t, clock.instant());
    if (unusable != null && unusable.status() == 403) {
      // A suspended user's valid token: refused as on git, not reported as bad credentials.
      throw new ApiException(403, unusable.message());
    }
    if (t == null || unusable != null) {
      String blocked = limiter.failure(req.getRemoteAddr(), t == null ? null : t.token().digest());
      if (blocked != null) {
        throw new ApiException(429, blocked);
      }
      throw new ApiException(401, "Bad credentials");
    }
    Decision.Denied elsewhere = AccessEvaluator.networks(t, req.getRemoteAddr());
    if (elsewhere != null) {
      throw new ApiException(403, elsewhere.message());
    }
    return Actor.of(t.user(), t.token());
  }

  private JsonNode parseJson(RequestBody body) {
    if (body.tooLarge()) {
      throw new ApiException(413, "Request body larger than " + MAX_BODY + " bytes");
    }
    if (body.bytes().length == 0) {
      return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
    }
    try {
      return json.readTree(body.bytes());
    } catch (JsonProcessingException e) {
      throw new ApiException(400, "Problems parsing JSON");
    } catch (IOException e) {
      throw new ApiException(400, "Could not read the request body");
    }
  }

  private Reply error(int status, String message, List<PolicyException.FieldError> errors) {
    return new Reply(status, shapes.error(status, message, errors));
  }

  private static Reply ok(JsonNode body) {
    return new Reply(200, body);
  }

  private static Reply created(JsonNode body) {
    return new Reply(201, body);
  }

  private static final Reply NO_CONTENT = new Reply(204, null);

  // ------------------------------------------------------------------ JSON shapes

  /**
   * The base of absolute URLs: {@code --public-url}, a trusted proxy's forwarded host, or the
   * listener's address; never the request's {@code Host}, since a client reading a {@code Link}
   * sends its credentials there.
   */
  static String baseUrl(HttpServletRequest req) {
    return PublicUrl.of(req);
  }

  // ------------------------------------------------------------------ handlers

  private Reply currentUser(Call c) {
    return ok(shapes.user(c.actor().user(), baseUrl(c.request)));
  }

  /**
   * GitHub's {@code PATCH /user}: the caller's own e-mail address (where notifications go), checked
   * before it is kept; {@code null} or {@code ""} removes it. The answer is the user with it.
   */
  private Reply updateCurrentUser(Call c) {
    Actor a = c.actor();
    JsonBody b = c.body("User").only("email");
    if (!b.has("email")) {
      throw ApiException.invalid("User", "email", "missing_field", "email is required");
    }
    String email = b.string("email");
    String value = email == null || email.isBlank() ? null : email.strip();
    management.accounts().setEmail(a, a.user().login(), value);
    ObjectNode o = shapes.user(a.user(), baseUrl(c.request));
    o.put("email", value);
    return ok(o);
  }

  private Reply createOrgRepo(Call c) {
    return createRepo(c, management.directory().organization(c.param(0)).login());
  }

  private Reply createUserRepo(Call c) {
    return createRepo(c, management.directory().user(c.param(0)).login());
  }

  private Reply createUser(Call c) {
    Actor a = c.actor();
    JsonBody b = c.body("User").only("login", "email", "password");
    return created(
        shapes.user(
            management
                .accounts()
                .createUser(a, b.requiredString("login"), b.string("email"), b.string("password")),
            baseUrl(c.request)));
  }

  /**
   * A one-time link with which the user chooses a console password (valid 7 days): its URL is in
   * this answer only.
   */
  private Reply setupLink(Call c) {
    Actor a = c.actor();
    c.body("PasswordSetupLink").only();
    dev.portcullis.policy.admin.SetupLink link =
        management.passwords().createSetupLink(a, c.param(0));
    ObjectNode o = json.createObjectNode();
    o.put("login", link.login());
    o.put("url", baseUrl(c.request) + link.path());
    o.put("expires_at", link.expiresAt().toString());
    return created(o);
  }

  private Reply deleteUser(Call c) {
    management.accounts().deleteUser(c.actor(), c.param(0), storage::delete);
    return NO_CONTENT;
  }

  /** GitHub answers 202; here the organization is gone when the answer comes. */
  private Reply deleteOrganization(Call c) {
    management.accounts().deleteOrganization(c.actor(), c.param(0), storage::delete);
    return new Reply(202, shapes.accepted());
  }

  private Reply deleteRepository(Call c) {
    management.repositories().deleteRepository(c.actor(), c.param(0), c.param(1), storage::delete);
    return NO_CONTENT;
  }

  private Reply suspend(Call c, boolean suspended) {
    Actor a = c.actor();
    management.accounts().setSuspended(a, c.param(0), suspended);
    return NO_CONTENT;
  }

  private Reply createEnterprise(Call c) {
    Actor a = c.actor();
    JsonBody b = c.body("Enterprise").only("slug");
    Enterprise e = management.accounts().createEnterprise(a, b.requiredString("slug"));
    return created(shapes.enterprise(e));
  }

  private Reply enterprisePolicy(Call c) {
    Actor a = c.actor();
    Map<String, Object> patch = c.patch("EnterprisePolicy");
    return ok(
        shapes.enterprisePolicy(
            management.policies().updateEnterprisePolicy(a, c.param(0), patch)));
  }

  private Reply createOrganization(Call c) {
    Actor a = c.actor();
    JsonBody b = c.body("Organization").only("login", "admin", "enterprise");
    Organization o =
        management
            .accounts()
            .createOrganization(
                a, b.requiredString("login"), b.requiredString("admin"), b.string("enterprise"));
    return created(shapes.organization(o, baseUrl(c.request)));
  }

  private Reply orgPolicy(Call c) {
    Actor a = c.actor();
    Map<String, Object> patch = c.patch("OrganizationPolicy");
    return ok(shapes.orgPolicy(management.policies().updateOrgPolicy(a, c.param(0), patch)));
  }

  private Reply setMembership(Call c) {
    Actor a = c.actor();
    JsonBody b = c.optionalBody("Membership");
    String role = b == null ? null : b.only("role").string("role");
    OrgRole r = management.accounts().setMembership(a, c.param(0), c.param(1), role);
    return ok(shapes.membership(c.param(0), c.param(1), r));
  }

  /** 204 whether the user became an owner or already was one. */
  private Reply addEnterpriseOwner(Call c) {
    management.accounts().addEnterpriseOwner(c.actor(), c.param(0), c.param(1));
    return NO_CONTENT;
  }

  private Reply removeEnterpriseOwner(Call c) {
    management.accounts().removeEnterpriseOwner(c.actor(), c.param(0), c.param(1));
    return NO_CONTENT;
  }

  private Reply removeMembership(Call c) {
    management.accounts().removeMembership(c.actor(), c.param(0), c.param(1));
    return NO_CONTENT;
  }

  private Reply basePermission(Call c) {
    Actor a = c.actor();
    String p = c.body("Organization").only("permission").requiredString("permission");
    management.accounts().setBasePermission(a, c.param(0), p);
    return ok(shapes.basePermission(c.param(0), p));
  }

  private Reply createRepo(Call c, String owner) {
    Actor a = c.actor();
    JsonBody b = c.body("Repository").only("name", "visibility", "private", "description");
    String visibility = b.string("visibility");
    if (visibility == null && b.has("private")) {
      JsonNode p = c.body.get("private");
      if (!p.isBoolean()) {
        throw ApiException.invalid("Repository", "private", "invalid", "private must be a boolean");
      }
      visibility = p.asBoolean() ? "private" : "public";
    }
    Repository r =
        management
            .repositories()
            .createRepository(a, owner, b.requiredString("name"), visibility, storage::create);
    return created(shapes.repository(r, baseUrl(c.request)));
  }

  private Reply setCollaborator(Call c) {
    Actor a = c.actor();
    JsonBody b = c.optionalBody("Collaborator");
    String permission = b == null ? null : b.only("permission").string("permission");
    RepoPermission p =
        management
            .repositories()
            .setCollaborator(a, c.param(0), c.param(1), c.param(2), permission);
    return created(shapes.collaborator(c.param(0) + "/" + c.param(1), c.param(2), p));
  }

  private Reply removeCollaborator(Call c) {
    management.repositories().removeCollaborator(c.actor(), c.param(0), c.param(1), c.param(2));
    return NO_CONTENT;
  }

  private Reply createToken(Call c) {
    Actor a = c.actor();
    JsonBody b =
        c.body("PersonalAccessToken")
            .only(
                "type",
                "name",
                "description",
                "expires_in",
                "scopes",
                "resource_owner",
                "repository_selection",
                "repositories",
                "permissions",
                "reason",
                "allowed_networks",
                "ref_patterns");
    // expires_in: days, or null / "none" for a token that never expires; left out, the default.
    boolean never = b.has("expires_in") && "none".equals(c.body.get("expires_in").asText(null));
    NewToken req =
        new NewToken(
            b.string("type"),
            b.string("name"),
            b.string("description"),
            never ? null : b.integer("expires_in"),
            b.strings("scopes"),
            b.string("resource_owner"),
            b.string("repository_selection"),
            b.strings("repositories"),
            b.stringMap("permissions"),
            b.string("reason"),
            b.has("expires_in"),
            b.strings("allowed_networks"),
            b.strings("ref_patterns"));
    CreatedToken t = management.tokens().createToken(a, c.param(0), req);
    ObjectNode o = tokenJson(t.token(), t.grant());
    // The plaintext leaves the gateway here, once, and nowhere else.
    o.put("token", t.plaintext());
    return created(o);
  }

  private Reply listTokens(Call c) {
    List<AccessToken> tokens = management.tokens().tokensOf(c.actor(), c.param(0));
    ArrayNode arr = json.createArrayNode();
    for (AccessToken t : tokens) {
      arr.add(
          tokenJson(
              t,
              t.kind() == TokenKind.FINE_GRAINED
                  ? management.directory().grantOfToken(t.id()).orElse(null)
                  : null));
    }
    return ok(arr);
  }

  private Reply deleteToken(Call c) {
    Actor a = c.actor();
    management.tokens().deleteToken(a, c.longParam(0, "personal access token id"));
    return NO_CONTENT;
  }

  /**
   * {@code POST /admin/personal-access-tokens/{id}/rotate}: a site administrator gives a token a
   * new secret, the old one working {@code overlap_seconds} more (default 0). 200 with the token
   * and, once, its new plaintext; to anyone else the missing token's 404.
   */
  private Reply rotateToken(Call c) {
    Actor a = c.actor();
    long id = c.longParam(0, "personal access token id");
    CreatedToken t = management.tokens().rotateToken(a, id, overlapSeconds(c));
    return ok(rotated(t));
  }

  /**
   * {@code POST /user/personal-access-tokens/self/rotate}: the token that authenticates the call
   * rotates itself (GitLab's self-rotation), so a deployment can renew its own secret. A secret
   * that a rotation replaced (in its overlap or after) is refused with 401 and revokes the whole
   * token: someone else may hold the new one.
   */
  private Reply rotateOwnSecret(Call c) {
    Credential presented =
        access.authenticate(dev.portcullis.gateway.git.GitAccessFilter.authorization(c.request));
    if (presented instanceof Credential.Token t && t.token().rotated() != null) {
      management.tokens().rotatedSecretPresented(t.token());
      throw new ApiException(401, "Bad credentials");
    }
    Actor a = authenticate(c.request);
    CreatedToken t = management.tokens().rotateOwnSecret(a, overlapSeconds(c));
    return ok(rotated(t));
  }

  /** A rotation's {@code overlap_seconds}: 0 when left out; anything but an integer is a 422. */
  private static Integer overlapSeconds(Call c) {
    JsonBody b = c.body("PersonalAccessToken").only("overlap_seconds");
    return b.has("overlap_seconds") ? b.integer("overlap_seconds") : Integer.valueOf(0);
  }

  private ObjectNode rotated(CreatedToken t) {
    ObjectNode o = tokenJson(t.token(), t.grant());
    // The new plaintext leaves the gateway here, once, as at creation.
    o.put("token", t.plaintext());
    return o;
  }

  /**
   * Sets a fine-grained token's {@code ref_patterns} (a Portcullis extension): {@code null} for any
   * ref. Widening them on an approved token opens a new request, shown in the answer.
   */
  private Reply updateToken(Call c) {
    Actor a = c.actor();
    long id = c.longParam(0, "personal access token id");
    JsonBody b = c.body("PersonalAccessToken").only("ref_patterns");
    if (!b.has("ref_patterns")) {
      throw ApiException.invalid(
          "PersonalAccessToken", "ref_patterns", "missing_field", "ref_patterns is required");
    }
    PolicyStore.StoredToken t =
        management.tokens().updateRefPatterns(a, id, b.strings("ref_patterns"));
    return ok(tokenJson(t.token(), t.grant()));
  }

  /**
   * A token's JSON with its resource owner's login and its repositories' names looked up, and its
   * secrets ({@code portcullis_secrets}): the current one and each one a rotation replaced, with
   * their own issue, expiry, end of overlap and last use (never a hash). Its {@code last_used_at}
   * is the latest use of any of them.
   */
  private ObjectNode tokenJson(AccessToken t, Grant grant) {
    ObjectNode o = tokenFields(t, grant);
    shapes.secrets(o, t, management.tokens().rotatedSecretsOf(t.id()));
    return o;
  }

  private ObjectNode tokenFields(AccessToken t, Grant grant) {
    if (t.kind() != TokenKind.FINE_GRAINED) {
      return shapes.token(t, grant, null, List.of());
    }
    String owner =
        management.directory().ownerById(t.resourceOwnerId()).map(Owner::login).orElse(null);
    List<String> repos = new ArrayList<>();
    t.repositoryIds().stream()
        .sorted()
        .forEach(
            id -> management.directory().repositoryById(id).ifPresent(r -> repos.add(r.name())));
    return shapes.token(t, grant, owner, repos);
  }

  private static boolean reviewAction(JsonBody b) {
    String action = b.requiredString("action");
    if (!action.equals("approve") && !action.equals("deny")) {
      throw ApiException.invalid(
          "PersonalAccessTokenRequest", "action", "invalid", "action must be approve or deny");
    }
    return action.equals("approve");
  }

  private Reply reviewRequest(Call c) {
    Actor a = c.actor();
    long id = c.longParam(1, "pat_request_id");
    JsonBody b = c.body("PersonalAccessTokenRequest").only("action", "reason", "expires_at");
    management
        .reviews()
        .reviewRequests(
            a,
            c.param(0),
            List.of(id),
            reviewAction(b),
            b.string("reason"),
            b.string("expires_at"));
    return NO_CONTENT;
  }

  private Reply reviewRequests(Call c) {
    Actor a = c.actor();
    JsonBody b =
        c.body("PersonalAccessTokenRequest")
            .only("pat_request_ids", "action", "reason", "expires_at");
    boolean approve = reviewAction(b);
    List<Long> ids = b.longs("pat_request_ids", 1, 100);
    if (ids == null) {
      throw ApiException.invalid(
          "PersonalAccessTokenRequest",
          "pat_request_ids",
          "missing_field",
          "pat_request_ids is required");
    }
    management
        .reviews()
        .reviewRequests(a, c.param(0), ids, approve, b.string("reason"), b.string("expires_at"));
    return new Reply(202, shapes.accepted());
  }

  private static void revokeAction(JsonBody b) {
    if (!"revoke".equals(b.requiredString("action"))) {
      throw ApiException.invalid(
          "PersonalAccessTokenGrant", "action", "invalid", "action must be revoke");
    }
  }

  private Reply revokeGrant(Call c) {
    Actor a = c.actor();
    long id = c.longParam(1, "pat_id");
    JsonBody b = c.body("PersonalAccessTokenGrant").only("action");
    revokeAction(b);
    management.reviews().revokeGrant(a, c.param(0), id);
    return NO_CONTENT;
  }

  private Reply revokeGrants(Call c) {
    Actor a = c.actor();
    JsonBody b = c.body("PersonalAccessTokenGrant").only("action", "pat_ids");
    revokeAction(b);
    List<Long> ids = b.longs("pat_ids", 1, 100);
    if (ids == null) {
      throw ApiException.invalid(
          "PersonalAccessTokenGrant", "pat_ids", "missing_field", "pat_ids is required");
    }
    management.reviews().revokeGrants(a, c.param(0), ids);
    return new Reply(202, shapes.accepted());
  }

  // ------------------------------------------------------------------ reads of what was written

  /** A page of items as a JSON array, with GitHub's {@code Link} header. */
  private <T> Reply page(Call c, Page<T> page, java.util.function.Function<T, JsonNode> shape) {
    ArrayNode arr = json.createArrayNode();
    page.items().forEach(item -> arr.add(shape.apply(item)));
    return new Reply(200, arr, link(c.request, page));
  }

  private Reply listAccounts(Call c) {
    QueryParams q = new QueryParams(c.request.getQueryString());
    Page<Owner> page = management.accounts().listAccounts(c.actor(), q.page(), q.perPage());
    String base = baseUrl(c.request);
    return page(c, page, o -> shapes.simpleUser(o, o instanceof User u && u.siteAdmin(), base));
  }

  private Reply listUsers(Call c) {
    QueryParams q = new QueryParams(c.request.getQueryString());
    Page<User> page = management.accounts().listUsers(c.actor(), q.page(), q.perPage());
    String base = baseUrl(c.request);
    return page(c, page, u -> shapes.user(u, base));
  }

  private Reply viewUser(Call c) {
    User u = management.accounts().viewUser(c.actor(), c.param(0));
    int publicRepos = management.directory().publicRepositoryCount(u.id());
    return ok(shapes.publicUser(u, publicRepos, baseUrl(c.request)));
  }

  private Reply listOrganizations(Call c) {
    QueryParams q = new QueryParams(c.request.getQueryString());
    Page<Organization> page =
        management.accounts().listOrganizations(c.actor(), q.page(), q.perPage());
    String base = baseUrl(c.request);
    return page(c, page, o -> shapes.organizationSimple(o, base));
  }

  private Reply viewOrganization(Call c) {
    Organization o = management.accounts().viewOrganization(c.actor(), c.param(0));
    String enterprise =
        o.enterpriseId() == null
            ? null
            : management
                .directory()
                .enterpriseById(o.enterpriseId())
                .map(Enterprise::slug)
                .orElse(null);
    int publicRepos = management.directory().publicRepositoryCount(o.id());
    return ok(shapes.organizationFull(o, enterprise, publicRepos, baseUrl(c.request)));
  }

  private Reply listMembers(Call c) {
    Actor a = c.actor();
    QueryParams q = new QueryParams(c.request.getQueryString());
    Page<PolicyStore.Member> page =
        management.accounts().listMembers(a, c.param(0), q.single("role"), q.page(), q.perPage());
    String base = baseUrl(c.request);
    return page(c, page, m -> shapes.simpleUser(m.user(), m.user().siteAdmin(), base));
  }

  private Reply listEnterpriseOrganizations(Call c) {
    QueryParams q = new QueryParams(c.request.getQueryString());
    Page<Organization> page =
        management
            .accounts()
            .listEnterpriseOrganizations(c.actor(), c.param(0), q.page(), q.perPage());
    String base = baseUrl(c.request);
    return page(c, page, o -> shapes.organizationSimple(o, base));
  }

  private Reply viewEnterprisePolicy(Call c) {
    return ok(
        shapes.enterprisePolicy(management.policies().enterprisePolicy(c.actor(), c.param(0))));
  }

  private Reply viewOrgPolicy(Call c) {
    return ok(shapes.orgPolicy(management.policies().orgPolicy(c.actor(), c.param(0))));
  }

  private Reply listOrgRepos(Call c) {
    Actor a = c.actor();
    QueryParams q = new QueryParams(c.request.getQueryString());
    Page<Repository> page =
        management
            .repositories()
            .listRepositories(
                a,
                c.param(0),
                q.single("type"),
                q.single("sort"),
                q.single("direction"),
                q.page(),
                q.perPage());
    Organization org = management.directory().organization(c.param(0));
    String base = baseUrl(c.request);
    return page(c, page, r -> shapes.minimalRepository(r, org, base));
  }

  private Reply viewRepository(Call c) {
    RepositoryView v = management.repositories().viewRepository(c.actor(), c.param(0), c.param(1));
    return ok(shapes.fullRepository(v, baseUrl(c.request)));
  }

  private Reply listCollaborators(Call c) {
    Actor a = c.actor();
    QueryParams q = new QueryParams(c.request.getQueryString());
    Page<PolicyStore.Collaborator> page =
        management
            .repositories()
            .listCollaborators(
                a,
                c.param(0),
                c.param(1),
                q.single("affiliation"),
                q.single("permission"),
                q.page(),
                q.perPage());
    String base = baseUrl(c.request);
    return page(c, page, x -> shapes.collaboratorUser(x, base));
  }

  // ------------------------------------------------------------------ GitHub's org token listings

  private Reply listGrants(Call c, boolean requests) {
    Actor a = c.actor();
    // GitHub authorizes before it validates: a stranger learns nothing from a 422.
    Organization target = management.directory().organization(c.param(0));
    management
        .callers()
        .requireOrgOwner(
            a,
            target,
            requests
                ? "organization_personal_access_token_requests"
                : "organization_personal_access_tokens",
            dev.portcullis.policy.model.PermissionLevel.READ);
    QueryParams q = new QueryParams(c.request.getQueryString());
    q.oneOf("sort", "created_at", "created_at");
    boolean asc = q.oneOf("direction", "desc", "asc", "desc").equals("asc");
    GrantQuery query =
        new GrantQuery(
            q.array("owner", 10),
            q.single("repository"),
            q.single("permission"),
            q.dateTime("last_used_before"),
            q.dateTime("last_used_after"),
            q.longArray("token_id", 50),
            asc,
            q.page(),
            q.perPage());
    String org = management.directory().organization(c.param(0)).login();
    Page<GrantListing> page = management.grants().listGrants(a, org, requests, query);
    String base = baseUrl(c.request);
    Instant now = clock.instant();
    ArrayNode arr = json.createArrayNode();
    for (GrantListing l : page.items()) {
      arr.add(requests ? shapes.grantRequest(l, org, base, now) : shapes.grant(l, org, base, now));
    }
    return new Reply(200, arr, link(c.request, page));
  }

  private Reply grantRepositories(Call c, boolean request) {
    Actor a = c.actor();
    QueryParams q = new QueryParams(c.request.getQueryString());
    long id = c.longParam(1, request ? "pat_request_id" : "pat_id");
    Organization org = management.directory().organization(c.param(0));
    // These two operations document no 422: bad paging values fall back to the defaults.
    Page<Repository> page =
        management
            .grants()
            .grantRepositories(a, org.login(), request, id, q.lenientPage(), q.lenientPerPage());
    String base = baseUrl(c.request);
    ArrayNode arr = json.createArrayNode();
    for (Repository r : page.items()) {
      arr.add(shapes.minimalRepository(r, org, base));
    }
    return new Reply(200, arr, link(c.request, page));
  }

  /**
   * GitHub's {@code Link} header: absolute URLs keeping every other query parameter; first page has
   * next/last, middle pages add prev/first, the last page has prev/first. Omitted when everything
   * fits on one page.
   */
  static String link(HttpServletRequest req, Page<?> page) {
    int last = page.lastPage();
    if (last <= 1 && page.page() <= 1) {
      return null;
    }
    String base = baseUrl(req) + req.getRequestURI();
    StringBuilder keep = new StringBuilder();
    String raw = req.getQueryString();
    if (raw != null) {
      for (String pair : raw.split("&")) {
        if (!pair.isEmpty() && !pair.startsWith("page=")) {
          keep.append(pair).append('&');
        }
      }
    }
    List<String> parts = new ArrayList<>();
    java.util.function.IntFunction<String> url = p -> "<" + base + "?" + keep + "page=" + p + ">";
    if (page.page() < last) {
      parts.add(url.apply(page.page() + 1) + "; rel=\"next\"");
      parts.add(url.apply(last) + "; rel=\"last\"");
    }
    if (page.page() > 1) {
      parts.add(url.apply(1) + "; rel=\"first\"");
      parts.add(url.apply(Math.min(page.page() - 1, last)) + "; rel=\"prev\"");
    }
    return String.join(", ", parts);
  }

  private Reply auditLog(Call c) {
    management.callers().requireSiteAdmin(c.actor());
    QueryParams q = new QueryParams(c.request.getQueryString());
    String kind = q.single("kind");
    if (kind != null && !kind.equals("decision") && !kind.equals("admin")) {
      throw ApiException.invalid("Query", "kind", "invalid", "kind must be decision or admin");
    }
    String outcome = q.single("outcome");
    if (outcome != null && !List.of("allow", "deny", "ok").contains(outcome)) {
      throw ApiException.invalid(
          "Query", "outcome", "invalid", "outcome must be allow, deny or ok");
    }
    List<Long> tokenIds = q.longArray("token_id", 1);
    AuditQuery query =
        new AuditQuery(
            kind,
            q.single("user"),
            tokenIds == null || tokenIds.isEmpty() ? null : tokenIds.get(0),
            q.single("repository"),
            outcome,
            q.dateTime("after"),
            q.dateTime("before"),
            q.page(),
            q.perPage());
    Page<AuditEvent> page = audit.query(query);
    ArrayNode arr = json.createArrayNode();
    for (AuditEvent e : page.items()) {
      arr.add(AuditJson.toJson(json, e));
    }
    return new Reply(200, arr, link(c.request, page));
  }

  private Reply revokeCredentials(Call c) {
    JsonBody b = c.body("Credentials").only("credentials");
    List<String> creds = b.strings("credentials");
    if (creds == null || creds.isEmpty() || creds.size() > 1000) {
      throw ApiException.invalid(
          "Credentials", "credentials", "invalid", "credentials must be an array of 1–1000 tokens");
    }
    management.tokens().revokeCredentials(creds);
    return new Reply(202, shapes.accepted());
  }

  /**
   * Enqueues today's digest of pending token requests now, to the owners of every organization with
   * some (site administrators); a digest enqueued today already is not sent again.
   */
  private Reply sendDigest(Call c) {
    c.body("Digest").only();
    int queued = management.digests().sendNow(c.actor());
    ObjectNode o = json.createObjectNode();
    o.put("queued", queued);
    return new Reply(202, o);
  }

  /** The outbox's notifications, newest first: {@code ?status=failed} lists those given up. */
  private Reply listNotifications(Call c) {
    QueryParams q = new QueryParams(c.request.getQueryString());
    Page<Notification> page =
        management.notifications().list(c.actor(), q.single("status"), q.page(), q.perPage());
    return page(c, page, shapes::notification);
  }
}
