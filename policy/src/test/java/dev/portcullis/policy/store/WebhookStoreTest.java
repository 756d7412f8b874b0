package dev.portcullis.policy.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.policy.model.AccessToken;
import dev.portcullis.policy.model.GrantStatus;
import dev.portcullis.policy.model.Organization;
import dev.portcullis.policy.model.PermissionLevel;
import dev.portcullis.policy.model.RepositorySelection;
import dev.portcullis.policy.model.User;
import dev.portcullis.policy.token.TokenDigest;
import dev.portcullis.policy.token.TokenFormat;
import dev.portcullis.policy.token.TokenKind;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Webhook deliveries are written by the changes they report, in their transaction: a request
 * created or approved at once, reviewed, or cancelled with its token; only for the organization's
 * active hooks subscribed to the event. Claims are leases, and a lost claim writes nothing.
 */
class WebhookStoreTest {
  private static final Instant T0 = Instant.parse("2025-03-01T10:00:00Z");
  private static final SecureRandom RANDOM = new SecureRandom();

  @TempDir Path dir;
  private Database db;
  private PolicyStore store;
  private WebhookStore hooks;
  private User olive;
  private User bob;
  private Organization acme;

  @BeforeEach
  void open() {
    db = Database.embedded(dir.resolve("db"));
    store = PolicyStores.jdbc(db.dataSource());
    hooks = PolicyStores.webhooks(db.dataSource());
    olive = store.createUser("olive", false, T0);
    bob = store.createUser("bob", false, T0);
    acme = store.createOrganization("acme", null, olive.id(), T0);
  }

  @AfterEach
  void close() {
    db.close();
  }

  private WebhookStore.Hook hook(Organization org, boolean active, List<String> events) {
    return hooks.create(
        new WebhookStore.Hook(
            0,
            org.id(),
            "https://hooks.example.test/" + org.login(),
            "json",
            false,
            null,
            events,
            active,
            T0,
            T0));
  }

  private PolicyStore.StoredToken request(GrantStatus initial) {
    AccessToken t =
        new AccessToken(
            0,
            bob.id(),
            TokenKind.FINE_GRAINED,
            TokenDigest.of(TokenFormat.generate(TokenKind.FINE_GRAINED, RANDOM)),
            "ci",
            null,
            T0,
            T0.plus(Duration.ofDays(30)),
            null,
            null,
            Set.of(),
            acme.id(),
            RepositorySelection.ALL,
            Set.of(),
            Map.of("contents", PermissionLevel.READ));
    return store.insertToken(t, acme.id(), initial, "ci");
  }

  /** Every pending delivery's action, claimed and settled as delivered. */
  private List<String> drain() {
    List<WebhookStore.Delivery> due = hooks.claimDue(T0, "n1", T0.plusSeconds(60), 100);
    for (WebhookStore.Delivery d : due) {
      assertTrue(
          hooks.finish(
              d.id(),
              "n1",
              new WebhookStore.Outcome(T0, 1, 200, "OK", "h: v", "", ""),
              WebhookStore.DELIVERED,
              null));
    }
    return due.stream().map(WebhookStore.Delivery::action).toList();
  }

  @Test
  void eachChangeOfARequestQueuesItsActionForActiveSubscribedHooks() {
    WebhookStore.Hook on = hook(acme, true, List.of(WebhookStore.PAT_REQUEST_EVENT));
    hook(acme, false, List.of(WebhookStore.PAT_REQUEST_EVENT));
    hook(acme, true, List.of());

    PolicyStore.StoredToken a = request(GrantStatus.PENDING);
    assertEquals(List.of("created"), drain());
    store.updateGrantStatus(
        a.grant().id(), GrantStatus.PENDING, GrantStatus.APPROVED, olive.id(), null, T0);
    assertEquals(List.of("approved"), drain());
    store.updateGrantStatus(
        a.grant().id(), GrantStatus.APPROVED, GrantStatus.REVOKED, olive.id(), null, T0);
    assertEquals(List.of(), drain(), "a revocation is no request event");

    PolicyStore.StoredToken d = request(GrantStatus.PENDING);
    store.updateGrantStatus(
        d.grant().id(), GrantStatus.PENDING, GrantStatus.DENIED, olive.id(), "no", T0);
    assertEquals(List.of("created", "denied"), drain());

    assertEquals(List.of("approved"), drain(request(GrantStatus.APPROVED)), "no approval needed");

    PolicyStore.StoredToken c = request(GrantStatus.PENDING);
    assertTrue(store.deleteToken(c.token().id(), T0));
    assertEquals(List.of("created", "cancelled"), drain());
    store.deleteToken(a.token().id(), T0);
    assertEquals(List.of(), drain(), "an approved token's deletion cancels nothing");

    List<WebhookStore.Attempt> log = hooks.attempts(on.id(), null, 100);
    assertEquals(7, log.size());
    assertEquals("cancelled", log.get(0).action(), "newest first");
    assertEquals(2, hooks.attempts(on.id(), log.get(4).id(), 100).size(), "older than a cursor");
  }

  private List<String> drain(PolicyStore.StoredToken ignored) {
    return drain();
  }

  @Test
  void aClaimIsALeaseAndALostClaimWritesNothing() {
    WebhookStore.Hook h = hook(acme, true, List.of(WebhookStore.PAT_REQUEST_EVENT));
    request(GrantStatus.PENDING);
    List<WebhookStore.Delivery> first = hooks.claimDue(T0, "n1", T0.plusSeconds(60), 10);
    assertEquals(1, first.size());
    assertNull(first.get(0).payload());
    assertEquals(List.of(), hooks.claimDue(T0.plusSeconds(30), "n2", T0.plusSeconds(90), 10));
    List<WebhookStore.Delivery> second =
        hooks.claimDue(T0.plusSeconds(61), "n2", T0.plusSeconds(121), 10);
    assertEquals(1, second.size(), "the lease ended");
    long id = second.get(0).id();
    WebhookStore.Outcome failed =
        new WebhookStore.Outcome(T0, 1, 0, "connection refused", "h: v", null, null);
    assertFalse(hooks.setPayload(id, "n1", "{}"), "n1 lost its claim");
    assertFalse(hooks.finish(id, "n1", failed, WebhookStore.PENDING, T0.plusSeconds(300)));
    assertTrue(hooks.setPayload(id, "n2", "{\"a\":1}"));
    assertTrue(hooks.finish(id, "n2", failed, WebhookStore.PENDING, T0.plusSeconds(300)));
    assertEquals(List.of(), hooks.claimDue(T0.plusSeconds(299), "n1", T0.plusSeconds(400), 10));
    WebhookStore.Delivery again =
        hooks.claimDue(T0.plusSeconds(300), "n1", T0.plusSeconds(400), 10).get(0);
    assertEquals(1, again.attempts());
    assertEquals("{\"a\":1}", again.payload(), "kept for the next attempts");
    assertEquals(1, hooks.attempts(h.id(), null, 10).size(), "the lost claim logged nothing");

    assertTrue(hooks.delete(acme.id(), h.id()));
    assertFalse(hooks.delete(acme.id(), h.id()));
    assertEquals(0, hooks.count(WebhookStore.PENDING), "the hook's deliveries went with it");
  }
}
