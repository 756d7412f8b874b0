package dev.portcullis.policy.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.policy.model.AccessToken;
import dev.portcullis.policy.model.GrantStatus;
import dev.portcullis.policy.model.NotificationKind;
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
 * active hooks subscribed to the event. Claims are leases, and a lost claim writes nothing. A
 * token's expiry reminder writes its {@code personal_access_token} event once per hook, stage and
 * expiry, with or without its mail (shared with PostgreSQL).
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

  @Test
  void anExpiryReminderAnnouncesTheTokenOnceToItsOrganizationsSubscribedHooks() {
    expiryEvents(store, hooks);
  }

  private static AccessToken token(User u, TokenKind kind, Long resourceOwner) {
    return new AccessToken(
        0,
        u.id(),
        kind,
        TokenDigest.of(TokenFormat.generate(kind, RANDOM)),
        "expiring",
        null,
        T0,
        T0.plus(Duration.ofDays(30)),
        null,
        null,
        kind == TokenKind.CLASSIC ? Set.of("repo") : Set.of(),
        resourceOwner,
        kind == TokenKind.CLASSIC ? null : RepositorySelection.ALL,
        Set.of(),
        kind == TokenKind.CLASSIC ? Map.of() : Map.of("contents", PermissionLevel.READ));
  }

  /**
   * The {@code expiring} event goes to the active hooks subscribed to {@code personal_access_token}
   * of the organization the token targets, once per hook, stage and expiry, in the transaction of
   * the mail's row, and also when no mail is written; classic tokens, tokens targeting a user and
   * other organizations' hooks get none.
   */
  static void expiryEvents(PolicyStore store, WebhookStore hooks) {
    User owner = store.createUser("exp-owner", false, T0);
    User dev = store.createUser("exp-dev", false, T0);
    Organization org = store.createOrganization("exp-org", null, owner.id(), T0);
    Organization other = store.createOrganization("exp-other", null, owner.id(), T0);
    List<WebhookStore.Hook> made = new java.util.ArrayList<>();
    for (Object[] h :
        new Object[][] {
          {org, true, List.of(WebhookStore.PAT_EVENT)},
          {org, true, List.of(WebhookStore.PAT_REQUEST_EVENT)},
          {org, false, List.of(WebhookStore.PAT_EVENT)},
          {other, true, List.of(WebhookStore.PAT_REQUEST_EVENT, WebhookStore.PAT_EVENT)}
        }) {
      @SuppressWarnings("unchecked")
      List<String> events = (List<String>) h[2];
      made.add(
          hooks.create(
              new WebhookStore.Hook(
                  0,
                  ((Organization) h[0]).id(),
                  "https://hooks.example.test/exp",
                  "json",
                  false,
                  null,
                  events,
                  (Boolean) h[1],
                  T0,
                  T0)));
    }
    // The store may hold other tests' deliveries (PostgreSQL's is shared): only these hooks' count.
    Set<Long> mine = new java.util.HashSet<>();
    made.forEach(h -> mine.add(h.id()));
    WebhookStore.Hook subscribed = made.get(0);
    WebhookStore.Hook otherOrgs = made.get(3);
    AccessToken t =
        store
            .insertToken(
                token(dev, TokenKind.FINE_GRAINED, org.id()), org.id(), GrantStatus.APPROVED, null)
            .token();
    AccessToken classic =
        store.insertToken(token(dev, TokenKind.CLASSIC, null), null, null, null).token();
    AccessToken own =
        store.insertToken(token(dev, TokenKind.FINE_GRAINED, dev.id()), null, null, null).token();
    // The request events of the token's creation: out of the way.
    drainAll(hooks, mine);
    NotificationOutbox outbox = store.notifications();
    long mailsBefore = outbox.count(null);
    Instant expires = t.expiresAt();
    NotificationOutbox.Notice mail =
        new NotificationOutbox.Notice(
            NotificationKind.TOKEN_EXPIRES_IN_7_DAYS,
            "exp:7:" + t.id(),
            dev.id(),
            null,
            t.id(),
            null,
            null);
    Instant now = expires.minus(Duration.ofDays(6));

    assertTrue(outbox.remind(mail, t.id(), "7_days", expires, now));
    List<WebhookStore.Delivery> week = drainAll(hooks, mine);
    assertEquals(1, week.size(), "the subscribed active hook of the token's organization only");
    WebhookStore.Delivery d = week.get(0);
    assertEquals(subscribed.id(), d.hookId());
    assertEquals(WebhookStore.PAT_EVENT, d.event());
    assertEquals(WebhookStore.EXPIRING_ACTION, d.action());
    assertEquals(t.id(), d.tokenId());
    assertEquals("7_days", d.tokenStage());
    assertEquals(expires, d.tokenExpiresAt());
    assertNull(d.grantId());
    assertEquals(mailsBefore + 1, outbox.count(null));

    assertFalse(outbox.remind(mail, t.id(), "7_days", expires, now), "once");
    assertEquals(List.of(), drainAll(hooks, mine));
    assertEquals(mailsBefore + 1, outbox.count(null));

    // An owner who wants no reminder mails: the organization's event still goes out, once.
    assertTrue(outbox.remind(null, t.id(), "1_day", expires, now));
    assertEquals(
        List.of("1_day"), drainAll(hooks, mine).stream().map(x -> x.tokenStage()).toList());
    assertFalse(outbox.remind(null, t.id(), "1_day", expires, now));
    // Turning mails back on later sends the mail, not the event again.
    NotificationOutbox.Notice dayMail =
        new NotificationOutbox.Notice(
            NotificationKind.TOKEN_EXPIRES_TOMORROW,
            "exp:1:" + t.id(),
            dev.id(),
            null,
            t.id(),
            null,
            null);
    assertTrue(outbox.remind(dayMail, t.id(), "1_day", expires, now));
    assertEquals(List.of(), drainAll(hooks, mine));
    assertEquals(mailsBefore + 2, outbox.count(null));
    // A regenerated token's new expiry is a new reminder.
    assertTrue(outbox.remind(null, t.id(), "1_day", expires.plus(Duration.ofDays(30)), now));
    assertEquals(1, drainAll(hooks, mine).size());

    // Classic tokens and tokens targeting a user announce nothing.
    assertFalse(outbox.remind(null, classic.id(), "7_days", classic.expiresAt(), now));
    assertFalse(outbox.remind(null, own.id(), "7_days", own.expiresAt(), now));
    assertEquals(List.of(), drainAll(hooks, mine));
    assertEquals(0, hooks.attempts(otherOrgs.id(), null, 10).size(), "another organization's hook");

    // A new hook subscribing while a stage is current gets that stage's event at the next scan.
    WebhookStore.Hook late =
        hooks.create(
            new WebhookStore.Hook(
                0,
                org.id(),
                "https://hooks.example.test/late",
                "json",
                false,
                null,
                List.of(WebhookStore.PAT_EVENT),
                true,
                T0,
                T0));
    mine.add(late.id());
    assertTrue(outbox.remind(null, t.id(), "7_days", expires, now));
    List<WebhookStore.Delivery> caughtUp = drainAll(hooks, mine);
    assertEquals(List.of(late.id()), caughtUp.stream().map(x -> x.hookId()).toList());
  }

  /** Every due delivery, claimed at any time and settled as delivered; those to {@code mine}. */
  private static List<WebhookStore.Delivery> drainAll(WebhookStore hooks, Set<Long> mine) {
    Instant far = T0.plus(Duration.ofDays(400));
    List<WebhookStore.Delivery> due = hooks.claimDue(far, "n1", far.plusSeconds(60), 100);
    for (WebhookStore.Delivery d : due) {
      assertTrue(
          hooks.finish(
              d.id(),
              "n1",
              new WebhookStore.Outcome(far, 1, 200, "OK", "h: v", "", ""),
              WebhookStore.DELIVERED,
              null));
    }
    return due.stream().filter(d -> mine.contains(d.hookId())).toList();
  }
}
