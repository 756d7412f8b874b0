package dev.portcullis.policy.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.policy.model.AccessToken;
import dev.portcullis.policy.model.Grant;
import dev.portcullis.policy.model.GrantStatus;
import dev.portcullis.policy.model.MailPreferences;
import dev.portcullis.policy.model.Notification;
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
 * The outbox on the embedded store: a notice is written in the transaction of the change it reports
 * (and only when the change happens), once per dedupe key; claims are leases that exclude other
 * senders until they end; outcomes are compare-and-set on the claim.
 */
class NotificationOutboxTest {
  private static final Instant T0 = Instant.parse("2025-03-01T10:00:00Z");
  private static final SecureRandom RANDOM = new SecureRandom();

  @TempDir Path dir;
  private Database db;
  private PolicyStore store;
  private NotificationOutbox outbox;
  private User alice;
  private User bob;
  private Organization acme;

  @BeforeEach
  void open() {
    db = Database.embedded(dir.resolve("db"));
    store = PolicyStores.jdbc(db.dataSource());
    outbox = store.notifications();
    alice = store.createUser("alice", false, T0);
    bob = store.createUser("bob", false, T0);
    acme = store.createOrganization("acme", null, alice.id(), T0);
  }

  @AfterEach
  void close() {
    db.close();
  }

  private Grant pendingGrant(String name) {
    AccessToken t =
        new AccessToken(
            0,
            bob.id(),
            TokenKind.FINE_GRAINED,
            TokenDigest.of(TokenFormat.generate(TokenKind.FINE_GRAINED, RANDOM)),
            name,
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
    return store.insertToken(t, acme.id(), GrantStatus.PENDING, "for CI").grant();
  }

  private NotificationOutbox.Notice notice(NotificationKind kind, Grant g, long recipient) {
    return new NotificationOutbox.Notice(
        kind,
        kind.apiName() + ":grant:" + g.id(),
        recipient,
        acme.id(),
        g.tokenId(),
        g.id(),
        "not now");
  }

  private boolean deny(Grant g, NotificationOutbox.Notice n) {
    return store.updateGrantStatus(
        g.id(), GrantStatus.PENDING, GrantStatus.DENIED, alice.id(), "not now", T0, n);
  }

  @Test
  void aNoticeIsWrittenWithItsChangeAndCarriesWhatTheMailNeeds() {
    Grant g = pendingGrant("ci");
    assertTrue(deny(g, notice(NotificationKind.REQUEST_DENIED, g, bob.id())));
    List<Notification> all = outbox.list(null, 1, 10).items();
    assertEquals(1, all.size());
    Notification n = all.get(0);
    assertEquals(NotificationKind.REQUEST_DENIED, n.kind());
    assertEquals(Notification.PENDING, n.status());
    assertEquals(0, n.attempts());
    assertEquals("bob", n.recipientLogin());
    assertNull(n.recipientEmail(), "bob has no address yet");
    assertEquals("acme", n.orgLogin());
    assertEquals(g.tokenId(), n.tokenId());
    assertEquals("ci", n.tokenName());
    assertEquals("not now", n.reason());
    assertEquals(T0, n.createdAt());
    assertEquals(T0, n.nextAttemptAt());
  }

  @Test
  void noChangeNoNotice() {
    Grant g = pendingGrant("ci");
    assertTrue(deny(g, notice(NotificationKind.REQUEST_DENIED, g, bob.id())));
    // A second reviewer loses the compare-and-set: nothing changed, nothing to report.
    assertFalse(
        store.updateGrantStatus(
            g.id(),
            GrantStatus.PENDING,
            GrantStatus.APPROVED,
            alice.id(),
            null,
            T0,
            notice(NotificationKind.REQUEST_APPROVED, g, bob.id())));
    assertEquals(1, outbox.count(null));
  }

  @Test
  void aNoticeThatCannotBeWrittenUndoesItsChange() {
    Grant g = pendingGrant("ci");
    // A recipient that does not exist: the outbox row breaks a foreign key, and the grant change
    // in the same transaction is rolled back with it.
    assertThrows(
        StoreConstraintException.class,
        () -> deny(g, notice(NotificationKind.REQUEST_DENIED, g, 424242)));
    assertEquals(GrantStatus.PENDING, store.grantById(g.id()).orElseThrow().status());
    assertEquals(0, outbox.count(null));
  }

  @Test
  void aDedupeKeyIsWrittenOnce() {
    Grant g = pendingGrant("ci");
    Grant h = pendingGrant("deploy");
    NotificationOutbox.Notice n = notice(NotificationKind.REQUEST_DENIED, g, bob.id());
    assertTrue(deny(g, n));
    assertTrue(deny(h, n), "the change itself is kept");
    assertEquals(1, outbox.count(null));
  }

  @Test
  void aClaimIsALeaseThatOtherSendersWaitFor() {
    Grant g = pendingGrant("ci");
    assertTrue(deny(g, notice(NotificationKind.REQUEST_DENIED, g, bob.id())));
    Instant lease = T0.plusSeconds(600);
    List<Notification> a = outbox.claimDue(T0, "node-a", lease, 10);
    assertEquals(1, a.size());
    assertEquals(List.of(), outbox.claimDue(T0.plusSeconds(1), "node-b", lease, 10));
    // node-a dies; after its lease node-b takes the row, and node-a's late outcome is refused.
    List<Notification> b =
        outbox.claimDue(lease.plusSeconds(1), "node-b", lease.plusSeconds(900), 10);
    assertEquals(1, b.size());
    assertFalse(outbox.markSent(a.get(0).id(), "node-a", lease.plusSeconds(2)));
    assertTrue(outbox.markSent(b.get(0).id(), "node-b", lease.plusSeconds(2)));
    assertEquals(1, outbox.count(Notification.SENT));
    assertEquals(List.of(), outbox.claimDue(lease.plusSeconds(3600), "node-a", lease, 10));
  }

  @Test
  void aRescheduledRowIsDueAgainOnlyAtItsTime() {
    Grant g = pendingGrant("ci");
    assertTrue(deny(g, notice(NotificationKind.REQUEST_DENIED, g, bob.id())));
    Notification n = outbox.claimDue(T0, "a", T0.plusSeconds(900), 10).get(0);
    Instant next = T0.plusSeconds(30);
    assertTrue(outbox.reschedule(n.id(), "a", 1, next, "connection refused"));
    assertEquals(List.of(), outbox.claimDue(next.minusSeconds(1), "a", next.plusSeconds(900), 10));
    Notification again = outbox.claimDue(next, "a", next.plusSeconds(900), 10).get(0);
    assertEquals(1, again.attempts());
    assertEquals("connection refused", again.lastError());
    assertTrue(outbox.markFailed(again.id(), "a", 2, "x".repeat(2000)));
    Notification failed = outbox.list(Notification.FAILED, 1, 10).items().get(0);
    assertEquals(2, failed.attempts());
    assertEquals(500, failed.lastError().length(), "errors are clipped");
    assertEquals(1, outbox.count(Notification.FAILED));
    assertEquals(List.of(), outbox.claimDue(next.plusSeconds(86_400), "a", next, 10));
  }

  @Test
  void aStandaloneNoticeIsWrittenOncePerKey() {
    Grant g = pendingGrant("ci");
    NotificationOutbox.Notice n =
        new NotificationOutbox.Notice(
            NotificationKind.TOKEN_EXPIRED,
            "token.expired:token:" + g.tokenId(),
            bob.id(),
            null,
            g.tokenId(),
            null,
            null);
    assertTrue(outbox.enqueue(n, T0));
    assertFalse(outbox.enqueue(n, T0.plusSeconds(60)), "the key exists");
    assertEquals(1, outbox.count(null));
    Notification row = outbox.list(null, 1, 10).items().get(0);
    assertEquals(TokenKind.FINE_GRAINED, row.tokenKind());
    assertEquals(T0.plus(Duration.ofDays(30)), row.tokenExpiresAt());
  }

  @Test
  void remindersAndDigestsFindWhatIsDueAndWhoWantsIt() {
    Grant g = pendingGrant("ci");
    Instant expires = T0.plus(Duration.ofDays(30));
    assertEquals(
        List.of(new NotificationOutbox.ExpiringToken(g.tokenId(), bob.id(), T0, expires, true)),
        outbox.expiringTokens(expires.minus(Duration.ofDays(7)), expires.plusSeconds(1)));
    assertEquals(List.of(), outbox.expiringTokens(T0, expires), "the window's end is excluded");
    assertEquals(
        List.of(new NotificationOutbox.DigestRecipient(acme.id(), alice.id(), true)),
        outbox.digestRecipients(T0));
    assertEquals(List.of(), outbox.digestRecipients(expires), "an expired request is not pending");

    SignInStore signIns = PolicyStores.signIn(db.dataSource());
    assertEquals(MailPreferences.ALL, signIns.mailPreferences(alice.id()));
    signIns.setMailPreferences(alice.id(), new MailPreferences(false, true));
    signIns.setMailPreferences(bob.id(), new MailPreferences(true, false));
    assertEquals(new MailPreferences(false, true), signIns.mailPreferences(alice.id()));
    assertFalse(outbox.digestRecipients(T0).get(0).digest());
    assertFalse(
        outbox.expiringTokens(T0, expires.plusSeconds(1)).get(0).expiryReminders(),
        "bob turned reminders off");

    store.deleteToken(g.tokenId(), T0);
    assertEquals(List.of(), outbox.expiringTokens(T0, expires.plusSeconds(1)), "deleted");
    assertEquals(List.of(), outbox.digestRecipients(T0));
  }

  @Test
  void aTokenDeletedWithANoticeWritesBothOrNeither() {
    Grant g = pendingGrant("ci");
    NotificationOutbox.Notice n =
        new NotificationOutbox.Notice(
            NotificationKind.TOKEN_REVOKED_LEAKED,
            "token.revoked_leaked:token:" + g.tokenId(),
            424242,
            null,
            g.tokenId(),
            null,
            null);
    assertThrows(StoreConstraintException.class, () -> store.deleteToken(g.tokenId(), T0, n));
    assertFalse(store.tokenById(g.tokenId()).orElseThrow().deleted(), "rolled back");
    NotificationOutbox.Notice ok =
        new NotificationOutbox.Notice(
            n.kind(), n.dedupeKey(), bob.id(), null, g.tokenId(), null, null);
    assertTrue(store.deleteToken(g.tokenId(), T0, ok));
    assertFalse(store.deleteToken(g.tokenId(), T0, ok), "deleted once");
    assertEquals(1, outbox.count(null));
  }
}
