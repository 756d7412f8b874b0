package dev.portcullis.gateway.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.gateway.notify.WebhookSecrets;
import dev.portcullis.gateway.notify.WebhookUrls;
import dev.portcullis.policy.admin.Admin;
import dev.portcullis.policy.admin.GrantListing;
import dev.portcullis.policy.audit.AuditEvent;
import dev.portcullis.policy.audit.AuditLog;
import dev.portcullis.policy.model.AccessToken;
import dev.portcullis.policy.model.Actor;
import dev.portcullis.policy.model.Grant;
import dev.portcullis.policy.model.OrgRole;
import dev.portcullis.policy.model.Organization;
import dev.portcullis.policy.model.PermissionLevel;
import dev.portcullis.policy.model.Repository;
import dev.portcullis.policy.model.RepositorySelection;
import dev.portcullis.policy.model.User;
import dev.portcullis.policy.model.Visibility;
import dev.portcullis.policy.store.PolicyStore;
import dev.portcullis.policy.store.WebhookStore;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * Organization webhooks as GitHub's REST API has them ({@code /orgs/{org}/hooks…}): the hooks,
 * pings, the delivery log and redeliveries; and the payloads the sender posts. Only the
 * organization's owners manage its hooks, with a classic token carrying {@code admin:org} (or a
 * fine-grained one with {@code organization_hooks}); to anyone else the hooks do not exist (404).
 * Secrets are sealed before they are stored and never answered ({@code "********"}), logged or
 * audited.
 */
public final class OrgWebhooksApi {
  static final String MASK = "********";
  static final int MAX_HOOKS = 20;

  /** The events a hook may subscribe to. */
  private static final List<String> EVENTS =
      List.of(WebhookStore.PAT_REQUEST_EVENT, WebhookStore.PAT_EVENT);

  /** The events of a hook created without {@code events}. */
  private static final List<String> DEFAULT_EVENTS = List.of(WebhookStore.PAT_REQUEST_EVENT);

  private static final List<String> ZEN =
      List.of(
          "Keep it logically awesome.",
          "Design for failure.",
          "Approachable is better than simple.",
          "Mind your words, they are important.",
          "Half measures are as bad as nothing at all.");

  private final Admin admin;
  private final PolicyStore reads;
  private final WebhookStore hooks;
  private final WebhookSecrets secrets;
  private final AuditLog audit;
  private final Clock clock;
  private final boolean allowPrivate;
  private final Supplier<String> publicBase;
  private final ObjectMapper json = new ObjectMapper();
  private final GithubShapes shapes = new GithubShapes(json);

  /**
   * @param reads the policy store, for the payloads' token requests and the callers' roles
   * @param publicBase the gateway's public URL, which payloads' links start with
   */
  public OrgWebhooksApi(
      Admin admin,
      PolicyStore reads,
      WebhookStore hooks,
      WebhookSecrets secrets,
      AuditLog audit,
      Clock clock,
      boolean allowPrivate,
      Supplier<String> publicBase) {
    this.admin = admin;
    this.reads = reads;
    this.hooks = hooks;
    this.secrets = secrets;
    this.audit = audit;
    this.clock = clock;
    this.allowPrivate = allowPrivate;
    this.publicBase = publicBase;
  }

  // ------------------------------------------------------------------ authorization

  /**
   * The organization of the call, if its caller owns it (or is a site administrator): anyone else
   * gets GitHub's bare 404; an owner whose token lacks {@code admin:org} gets 403.
   */
  private Organization owned(ApiServlet.Call c, PermissionLevel level) {
    Actor a = c.actor();
    Organization org = admin.directory().organization(c.param(0));
    if (!a.isSiteAdmin() && reads.membershipsOfUser(a.user().id()).get(org.id()) != OrgRole.ADMIN) {
      throw new ApiException(404, "Not Found");
    }
    admin.callers().requireOrgOwner(a, org, "organization_hooks", level);
    return org;
  }

  private WebhookStore.Hook hook(ApiServlet.Call c, Organization org) {
    long id = c.longParam(1, "hook_id");
    return hooks.hook(org.id(), id).orElseThrow(() -> new ApiException(404, "Not Found"));
  }

  // ------------------------------------------------------------------ hooks

  ApiServlet.Reply list(ApiServlet.Call c) {
    Organization org = owned(c, PermissionLevel.READ);
    String base = ApiServlet.baseUrl(c.request);
    ArrayNode arr = json.createArrayNode();
    hooks.hooksOf(org.id()).forEach(h -> arr.add(hookJson(h, org, base)));
    return new ApiServlet.Reply(200, arr);
  }

  ApiServlet.Reply get(ApiServlet.Call c) {
    Organization org = owned(c, PermissionLevel.READ);
    return new ApiServlet.Reply(200, hookJson(hook(c, org), org, ApiServlet.baseUrl(c.request)));
  }

  ApiServlet.Reply getConfig(ApiServlet.Call c) {
    Organization org = owned(c, PermissionLevel.READ);
    return new ApiServlet.Reply(200, configJson(hook(c, org)));
  }

  ApiServlet.Reply create(ApiServlet.Call c) {
    Organization org = owned(c, PermissionLevel.WRITE);
    JsonBody b = c.body("Hook").only("name", "config", "events", "active");
    String name = b.requiredString("name");
    if (!name.equals("web")) {
      throw ApiException.invalid("Hook", "name", "invalid", "name must be \"web\"");
    }
    JsonBody config = b.object("config");
    if (config == null) {
      throw ApiException.invalid("Hook", "config", "missing_field", "config is required");
    }
    Config cfg = config(config, null);
    List<String> events = events(b, DEFAULT_EVENTS);
    Boolean active = b.bool("active");
    if (hooks.hooksOf(org.id()).size() >= MAX_HOOKS) {
      throw ApiException.invalid(
          "Hook", "hooks", "too_many", "an organization has at most " + MAX_HOOKS + " hooks");
    }
    Instant now = now();
    WebhookStore.Hook h =
        hooks.create(
            new WebhookStore.Hook(
                0,
                org.id(),
                cfg.url,
                cfg.contentType,
                cfg.insecureSsl,
                cfg.sealedSecret,
                events,
                active == null || active,
                now,
                now));
    audit(c, "org_hook.create", org, h, null, h);
    // GitHub pings a new hook.
    ping(h, org, c.actor());
    return new ApiServlet.Reply(201, hookJson(h, org, ApiServlet.baseUrl(c.request)));
  }

  ApiServlet.Reply update(ApiServlet.Call c) {
    Organization org = owned(c, PermissionLevel.WRITE);
    WebhookStore.Hook before = hook(c, org);
    JsonBody b = requiredBody(c).only("name", "config", "events", "active");
    if (b.has("name") && !"web".equals(b.string("name"))) {
      throw ApiException.invalid("Hook", "name", "invalid", "name must be \"web\"");
    }
    JsonBody config = b.object("config");
    Config cfg = config == null ? Config.of(before) : config(config, before);
    List<String> events = b.has("events") ? events(b, before.events()) : before.events();
    Boolean active = b.bool("active");
    WebhookStore.Hook after =
        new WebhookStore.Hook(
            before.id(),
            org.id(),
            cfg.url,
            cfg.contentType,
            cfg.insecureSsl,
            cfg.sealedSecret,
            events,
            active == null ? before.active() : active,
            before.createdAt(),
            now());
    save(c, org, before, after);
    return new ApiServlet.Reply(200, hookJson(after, org, ApiServlet.baseUrl(c.request)));
  }

  ApiServlet.Reply updateConfig(ApiServlet.Call c) {
    Organization org = owned(c, PermissionLevel.WRITE);
    WebhookStore.Hook before = hook(c, org);
    JsonBody b = requiredBody(c);
    Config cfg = config(b, before);
    WebhookStore.Hook after =
        new WebhookStore.Hook(
            before.id(),
            org.id(),
            cfg.url,
            cfg.contentType,
            cfg.insecureSsl,
            cfg.sealedSecret,
            before.events(),
            before.active(),
            before.createdAt(),
            now());
    save(c, org, before, after);
    return new ApiServlet.Reply(200, configJson(after));
  }

  /** A partial update needs a body: an absent one would be a change of nothing, audited. */
  private static JsonBody requiredBody(ApiServlet.Call c) {
    JsonBody b = c.optionalBody("Hook");
    if (b == null) {
      throw new ApiException(400, "Body should be a JSON object");
    }
    return b;
  }

  private void save(
      ApiServlet.Call c, Organization org, WebhookStore.Hook before, WebhookStore.Hook after) {
    if (!hooks.update(after)) {
      throw new ApiException(404, "Not Found");
    }
    audit(c, "org_hook.update", org, after, before, after);
  }

  ApiServlet.Reply delete(ApiServlet.Call c) {
    Organization org = owned(c, PermissionLevel.WRITE);
    WebhookStore.Hook h = hook(c, org);
    if (!hooks.delete(org.id(), h.id())) {
      throw new ApiException(404, "Not Found");
    }
    audit(c, "org_hook.delete", org, h, h, null);
    return new ApiServlet.Reply(204, null);
  }

  ApiServlet.Reply pings(ApiServlet.Call c) {
    Organization org = owned(c, PermissionLevel.WRITE);
    ping(hook(c, org), org, c.actor());
    return new ApiServlet.Reply(204, null);
  }

  /** Queues a {@code ping} to {@code h}, its payload ready. */
  private void ping(WebhookStore.Hook h, Organization org, Actor actor) {
    String base = publicBase.get();
    ObjectNode p = json.createObjectNode();
    p.put("zen", ZEN.get((int) (h.id() % ZEN.size())));
    p.put("hook_id", h.id());
    ObjectNode hook = hookJson(h, org, base);
    ObjectNode lastResponse = hook.putObject("last_response");
    lastResponse.putNull("code");
    lastResponse.put("status", "unused");
    lastResponse.putNull("message");
    p.set("hook", hook);
    p.set("organization", shapes.organizationSimple(org, base));
    User sender = actor.system() ? null : actor.user();
    if (sender != null) {
      p.set("sender", shapes.simpleUser(sender, sender.siteAdmin(), base));
    }
    hooks.enqueue(
        h.id(),
        UUID.randomUUID().toString(),
        "ping",
        null,
        null,
        null,
        sender == null ? null : sender.id(),
        write(p),
        false,
        now());
  }

  // ------------------------------------------------------------------ deliveries

  ApiServlet.Reply deliveries(ApiServlet.Call c) {
    Organization org = owned(c, PermissionLevel.READ);
    WebhookStore.Hook h = hook(c, org);
    QueryParams q = new QueryParams(c.request.getQueryString());
    int perPage = q.perPage();
    String cursor = q.single("cursor");
    Long before = null;
    if (cursor != null && !cursor.isEmpty()) {
      try {
        before = Long.parseLong(cursor);
      } catch (NumberFormatException e) {
        throw ApiException.invalid("Delivery", "cursor", "invalid", "cursor is not valid");
      }
    }
    List<WebhookStore.Attempt> page = hooks.attempts(h.id(), before, perPage);
    ArrayNode arr = json.createArrayNode();
    page.forEach(a -> arr.add(deliveryJson(a)));
    String link = null;
    if (page.size() == perPage) {
      String base = ApiServlet.baseUrl(c.request);
      link =
          "<"
              + base
              + ApiServlet.PREFIX
              + "/orgs/"
              + org.login()
              + "/hooks/"
              + h.id()
              + "/deliveries?per_page="
              + perPage
              + "&cursor="
              + page.get(page.size() - 1).id()
              + ">; rel=\"next\"";
    }
    return new ApiServlet.Reply(200, arr, link);
  }

  ApiServlet.Reply delivery(ApiServlet.Call c) {
    Organization org = owned(c, PermissionLevel.READ);
    WebhookStore.Hook h = hook(c, org);
    WebhookStore.Attempt a = attempt(c, h);
    ObjectNode o = deliveryJson(a);
    o.put("url", h.url());
    ObjectNode request = o.putObject("request");
    request.set("headers", headers(a.requestHeaders()));
    request.set("payload", parse(a.payload()));
    ObjectNode response = o.putObject("response");
    response.set("headers", headers(a.responseHeaders()));
    response.put("payload", a.responseBody());
    return new ApiServlet.Reply(200, o);
  }

  ApiServlet.Reply redeliver(ApiServlet.Call c) {
    Organization org = owned(c, PermissionLevel.WRITE);
    WebhookStore.Hook h = hook(c, org);
    WebhookStore.Attempt a = attempt(c, h);
    WebhookStore.Delivery d =
        hooks.delivery(a.deliveryId()).orElseThrow(() -> new ApiException(404, "Not Found"));
    if (d.payload() == null) {
      throw ApiException.invalid(
          "Delivery", "delivery_id", "invalid", "this delivery had no payload to send again");
    }
    hooks.enqueue(
        h.id(),
        d.guid(),
        d.event(),
        d.action(),
        d.grantId(),
        d.tokenId(),
        d.senderId(),
        d.payload(),
        true,
        now());
    return new ApiServlet.Reply(202, json.createObjectNode());
  }

  private WebhookStore.Attempt attempt(ApiServlet.Call c, WebhookStore.Hook h) {
    long id = c.longParam(2, "delivery_id");
    return hooks.attempt(h.id(), id).orElseThrow(() -> new ApiException(404, "Not Found"));
  }

  // ------------------------------------------------------------------ payloads

  /**
   * The body of an event: GitHub's {@code personal_access_token_request} payload, or the {@code
   * personal_access_token} one of a token's expiry; empty when what it is about is gone.
   */
  public Optional<String> render(WebhookStore.Delivery d, WebhookStore.Hook hook) {
    if (d.tokenStage() != null) {
      return renderExpiring(d, hook);
    }
    if (d.grantId() == null) {
      return Optional.empty();
    }
    Optional<Grant> g = reads.grantById(d.grantId());
    Optional<AccessToken> t = g.flatMap(x -> reads.tokenById(x.tokenId()));
    Optional<User> owner = t.flatMap(x -> reads.userById(x.userId()));
    Optional<Organization> org = g.flatMap(x -> reads.organizationById(x.orgId()));
    if (owner.isEmpty() || org.isEmpty()) {
      return Optional.empty();
    }
    String base = publicBase.get();
    AccessToken token = t.get();
    User sender = d.senderId() == null ? null : reads.userById(d.senderId()).orElse(null);
    if (sender == null) {
      sender = owner.get();
    }
    ObjectNode request =
        shapes.grantRequest(
            new GrantListing(g.get(), token, owner.get(), token.lastUsedAt()),
            org.get().login(),
            base,
            clock.instant());
    // GitHub's event object: the listing's fields, its permissions as requested (all of them
    // added: a token's permissions are fixed at its creation) and its repositories.
    JsonNode perms = request.remove("permissions");
    request.remove("repositories_url");
    request.remove("reason");
    ObjectNode out = json.createObjectNode();
    out.put("action", d.action());
    ObjectNode pr = out.putObject("personal_access_token_request");
    pr.put("id", request.get("id").asLong());
    pr.set("owner", request.get("owner"));
    pr.set("permissions_added", perms.deepCopy());
    pr.putObject("permissions_upgraded");
    pr.set("permissions_result", perms.deepCopy());
    pr.put("repository_selection", token.repositorySelection().apiName());
    if (token.repositorySelection() == RepositorySelection.SUBSET) {
      List<Repository> repos = new ArrayList<>();
      token.repositoryIds().stream()
          .sorted()
          .forEach(id -> reads.repositoryById(id).ifPresent(repos::add));
      pr.put("repository_count", repos.size());
      ArrayNode arr = pr.putArray("repositories");
      for (Repository r : repos) {
        ObjectNode o = arr.addObject();
        o.put("id", r.id());
        o.put("node_id", shapes.minimalRepository(r, org.get(), base).get("node_id").asText());
        o.put("name", r.name());
        o.put("full_name", r.fullName());
        o.put("private", r.visibility() != Visibility.PUBLIC);
      }
    } else {
      pr.putNull("repository_count");
      pr.putNull("repositories");
    }
    for (String f :
        List.of(
            "created_at",
            "token_id",
            "token_name",
            "token_expired",
            "token_expires_at",
            "token_last_used_at")) {
      pr.set(f, request.get(f));
    }
    out.set("organization", shapes.organizationSimple(org.get(), base));
    out.set("sender", shapes.simpleUser(sender, sender.siteAdmin(), base));
    return Optional.of(write(out));
  }

  /**
   * The body of a {@code personal_access_token} {@code expiring} event (a Portcullis extension):
   * the token with the request object's token fields, the reminder's stage and the expiry it is
   * about, the hook's organization, and its owner as the sender.
   */
  private Optional<String> renderExpiring(WebhookStore.Delivery d, WebhookStore.Hook hook) {
    Optional<AccessToken> t = reads.tokenById(d.tokenId());
    Optional<User> owner = t.flatMap(x -> reads.userById(x.userId()));
    Optional<Organization> org = reads.organizationById(hook.orgId());
    if (owner.isEmpty() || org.isEmpty()) {
      return Optional.empty();
    }
    String base = publicBase.get();
    AccessToken token = t.get();
    ObjectNode pat =
        shapes.tokenFields(
            token,
            owner.get(),
            token.lastUsedAt(),
            token.id(),
            base
                + ApiServlet.PREFIX
                + "/orgs/"
                + org.get().login()
                + "/personal-access-tokens/"
                + token.id()
                + "/repositories",
            base,
            clock.instant());
    pat.put("name", token.name());
    pat.put("expires_at", d.tokenExpiresAt().toString());
    pat.put("expired", "expired".equals(d.tokenStage()));
    pat.put("stage", d.tokenStage());
    ObjectNode out = json.createObjectNode();
    out.put("action", d.action());
    out.set("personal_access_token", pat);
    out.set("organization", shapes.organizationSimple(org.get(), base));
    out.set("sender", shapes.simpleUser(owner.get(), owner.get().siteAdmin(), base));
    return Optional.of(write(out));
  }

  // ------------------------------------------------------------------ shapes

  /** GitHub's {@code org-hook}; the secret is never shown, only that there is one. */
  ObjectNode hookJson(WebhookStore.Hook h, Organization org, String base) {
    String url = base + ApiServlet.PREFIX + "/orgs/" + org.login() + "/hooks/" + h.id();
    ObjectNode o = json.createObjectNode();
    o.put("type", "Organization");
    o.put("id", h.id());
    o.put("name", "web");
    o.put("active", h.active());
    ArrayNode events = o.putArray("events");
    h.events().forEach(events::add);
    o.set("config", configJson(h));
    o.put("updated_at", h.updatedAt().toString());
    o.put("created_at", h.createdAt().toString());
    o.put("url", url);
    o.put("ping_url", url + "/pings");
    o.put("deliveries_url", url + "/deliveries");
    return o;
  }

  private ObjectNode configJson(WebhookStore.Hook h) {
    ObjectNode config = json.createObjectNode();
    config.put("content_type", h.contentType());
    config.put("insecure_ssl", h.insecureSsl() ? "1" : "0");
    config.put("url", h.url());
    if (h.sealedSecret() != null) {
      config.put("secret", MASK);
    }
    return config;
  }

  private ObjectNode deliveryJson(WebhookStore.Attempt a) {
    ObjectNode o = json.createObjectNode();
    o.put("id", a.id());
    o.put("guid", a.guid());
    o.put("delivered_at", a.attemptedAt().toString());
    o.put("redelivery", a.redelivery());
    o.put("duration", a.durationMillis() / 1000.0);
    o.put("status", a.status());
    o.put("status_code", a.statusCode());
    o.put("event", a.event());
    o.put("action", a.action());
    o.putNull("installation_id");
    o.putNull("repository_id");
    o.putNull("throttled_at");
    return o;
  }

  private JsonNode headers(String lines) {
    if (lines == null) {
      return json.nullNode();
    }
    ObjectNode o = json.createObjectNode();
    for (String line : lines.split("\n")) {
      int colon = line.indexOf(": ");
      if (colon > 0) {
        o.put(line.substring(0, colon), line.substring(colon + 2));
      }
    }
    return o;
  }

  private JsonNode parse(String payload) {
    if (payload == null) {
      return json.nullNode();
    }
    try {
      return json.readTree(payload);
    } catch (JsonProcessingException e) {
      return json.nullNode();
    }
  }

  private String write(JsonNode n) {
    try {
      return json.writeValueAsString(n);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  // ------------------------------------------------------------------ input

  /** A hook's settings as given, checked, the secret sealed. */
  private record Config(String url, String contentType, boolean insecureSsl, String sealedSecret) {
    static Config of(WebhookStore.Hook h) {
      return new Config(h.url(), h.contentType(), h.insecureSsl(), h.sealedSecret());
    }
  }

  /**
   * {@code config}, over {@code before}'s when updating: an absent or masked secret keeps the old
   * one, {@code null} or {@code ""} removes it.
   */
  private Config config(JsonBody config, WebhookStore.Hook before) {
    config.only("url", "content_type", "secret", "insecure_ssl");
    String url = config.string("url");
    if (url == null) {
      if (before == null) {
        throw ApiException.invalid("Hook", "url", "missing_field", "config.url is required");
      }
      url = before.url();
    } else {
      if (url.length() > 2048) {
        throw ApiException.invalid("Hook", "url", "invalid", "url must be at most 2048 characters");
      }
      String problem = WebhookUrls.problem(url, allowPrivate);
      if (problem != null) {
        throw ApiException.invalid("Hook", "url", "invalid", problem);
      }
    }
    String contentType = config.string("content_type");
    if (contentType == null) {
      contentType = before == null ? "form" : before.contentType();
    } else if (!contentType.equals("json") && !contentType.equals("form")) {
      throw ApiException.invalid(
          "Hook", "content_type", "invalid", "content_type must be json or form");
    }
    boolean insecure = before != null && before.insecureSsl();
    if (config.has("insecure_ssl")) {
      String v = config.scalarText("insecure_ssl");
      if (v == null || !(v.equals("0") || v.equals("1"))) {
        throw ApiException.invalid(
            "Hook", "insecure_ssl", "invalid", "insecure_ssl must be \"0\" or \"1\"");
      }
      insecure = v.equals("1");
    }
    String sealed = before == null ? null : before.sealedSecret();
    if (config.has("secret")) {
      String secret = config.string("secret");
      if (secret == null || secret.isEmpty()) {
        sealed = null;
      } else if (!secret.equals(MASK)) {
        if (secret.length() > 256) {
          throw ApiException.invalid(
              "Hook", "secret", "invalid", "secret must be at most 256 characters");
        }
        sealed = secrets.seal(secret);
      }
    }
    return new Config(url, contentType, insecure, sealed);
  }

  private static List<String> events(JsonBody b, List<String> dflt) {
    List<String> events = b.strings("events");
    if (events == null) {
      return dflt;
    }
    for (String e : events) {
      if (!EVENTS.contains(e)) {
        throw ApiException.invalid(
            "Hook",
            "events",
            "invalid",
            "unknown event '" + e + "': hooks take " + String.join(", ", EVENTS));
      }
    }
    return events.stream().distinct().toList();
  }

  private Instant now() {
    return clock.instant().truncatedTo(ChronoUnit.SECONDS);
  }

  /** One audit event per change; the secret is only said to be set, never written. */
  private void audit(
      ApiServlet.Call c,
      String action,
      Organization org,
      WebhookStore.Hook target,
      WebhookStore.Hook before,
      WebhookStore.Hook after) {
    audit.record(
        AuditEvent.admin(
            clock.instant(),
            c.actor(),
            action,
            "org:" + org.login() + "/hook:" + target.id(),
            before == null ? null : write(json.valueToTree(auditable(before))),
            after == null ? null : write(json.valueToTree(auditable(after)))));
  }

  private static Map<String, Object> auditable(WebhookStore.Hook h) {
    return new java.util.TreeMap<>(
        Map.of(
            "url",
            h.url(),
            "content_type",
            h.contentType(),
            "insecure_ssl",
            h.insecureSsl(),
            "secret",
            h.sealedSecret() != null,
            "events",
            h.events(),
            "active",
            h.active()));
  }
}
