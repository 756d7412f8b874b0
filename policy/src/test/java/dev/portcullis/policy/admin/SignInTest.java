package dev.portcullis.policy.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.policy.audit.AuditEvent;
import dev.portcullis.policy.model.Actor;
import dev.portcullis.policy.model.PolicyException;
import dev.portcullis.policy.store.PolicyStores;
import dev.portcullis.policy.store.SignInStore;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Console passwords and sessions over the real H2 store: sign-in, the limiter, timeouts, and every
 * way a session ends. The fixture's limiter allows 5 failures a minute.
 */
class SignInTest extends AdminFixture {
  private static final String PASSWORD = "a long enough passphrase";
  private static final String ADDRESS = "192.0.2.1";
  private final List<AuditEvent> audited = new ArrayList<>();
  private Admin console;
  private SignInStore signIns;

  @BeforeEach
  void passwords() {
    signIns = PolicyStores.signIn(db.dataSource());
    console =
        new Admin(
            store,
            cache::apply,
            clock,
            new SecureRandom(),
            id -> null,
            audited::add,
            signIns,
            new dev.portcullis.policy.access.FailedAuthLimiter(
                new dev.portcullis.policy.access.FailedAuthLimiter.Settings(
                    5, Duration.ofMinutes(1), 1000),
                ticker),
            SessionSettings.DEFAULT);
    setPassword("alice", PASSWORD);
  }

  /** The way a user without a password gets one: a setup link. */
  private void setPassword(String login, String password) {
    console
        .passwords()
        .completeSetup(console.passwords().createSetupLink(Actor.SYSTEM, login).token(), password);
  }

  private ConsoleSession signIn(String login, String password) {
    SignInOutcome o = console.sessions().signIn(login, password, ADDRESS);
    return assertInstanceOf(SignInOutcome.SignedIn.class, o, o.toString()).session();
  }

  @Test
  void theRightPasswordOpensASessionWithANewIdEachTime() {
    ConsoleSession a = signIn("alice", PASSWORD);
    ConsoleSession b = signIn("ALICE", PASSWORD);
    assertNotEquals(a.id(), b.id());
    assertEquals(alice.id(), console.sessions().resume(a.id()).orElseThrow().user().id());
    assertEquals(a.csrfToken(), console.sessions().resume(a.id()).orElseThrow().csrfToken());
    assertNotEquals(a.csrfToken(), b.csrfToken(), "the CSRF token belongs to its session");
    assertFalse(a.toString().contains(a.id()) || a.toString().contains(a.csrfToken()));
    assertTrue(signIns.session(a.id()).isEmpty(), "the store holds a digest, not the id");
  }

  @Test
  void everyRefusalSaysTheSameAndTheLimiterThenAnswers429BeforeCheckingThePassword() {
    for (String[] attempt :
        new String[][] {{"alice", "wrong password!"}, {"nobody", PASSWORD}, {"bob", PASSWORD}}) {
      SignInOutcome o = console.sessions().signIn(attempt[0], attempt[1], ADDRESS);
      assertEquals(new SignInOutcome.Refused(401, Sessions.INCORRECT), o);
    }
    console.sessions().signIn("alice", "wrong again!!", "192.0.2.2");
    console.sessions().signIn("alice", "wrong again!!", "192.0.2.3");
    SignInOutcome sixth = console.sessions().signIn("alice", "wrong again!!", "192.0.2.4");
    SignInOutcome.Refused refused = assertInstanceOf(SignInOutcome.Refused.class, sixth);
    assertEquals(401, refused.status(), "alice's 4th failure");
    refused =
        assertInstanceOf(
            SignInOutcome.Refused.class,
            console.sessions().signIn("alice", "wrong again!!", "192.0.2.5"));
    assertEquals(401, refused.status(), "alice's 5th failure: the limit is 5");
    refused =
        assertInstanceOf(
            SignInOutcome.Refused.class,
            console.sessions().signIn("alice", "wrong again!!", "192.0.2.6"));
    assertEquals(429, refused.status());
    assertTrue(refused.message().startsWith("Too many failed sign-in attempts for this account"));
    // Blocked: even the right password is not checked, from any address.
    refused =
        assertInstanceOf(
            SignInOutcome.Refused.class, console.sessions().signIn("alice", PASSWORD, "192.0.2.9"));
    assertEquals(429, refused.status());
    ticker.advance(Duration.ofMinutes(2));
    signIn("alice", PASSWORD);
  }

  @Test
  void wrongCurrentPasswordsCountInTheLimiterAndABlockedChangeIsNotChecked() {
    ConsoleSession s = signIn("alice", PASSWORD);
    Actor web = Actor.web(s.user());
    for (int i = 1; i <= 5; i++) {
      PolicyException e =
          assertPolicyException(
              PolicyException.Kind.INVALID,
              () ->
                  console
                      .passwords()
                      .changePassword(web, "not the password", "a new passphrase", ADDRESS));
      assertEquals("The current password is incorrect.", e.errors().get(0).message(), "try " + i);
    }
    PolicyException sixth =
        assertPolicyException(
            PolicyException.Kind.INVALID,
            () ->
                console
                    .passwords()
                    .changePassword(web, "not the password", "a new passphrase", ADDRESS));
    assertEquals(Passwords.TOO_MANY_ATTEMPTS, sixth.errors().get(0).code());
    // Blocked: the right password is not even checked, and sign-in is blocked too.
    PolicyException blocked =
        assertPolicyException(
            PolicyException.Kind.INVALID,
            () -> console.passwords().changePassword(web, PASSWORD, "a new passphrase", ADDRESS));
    assertEquals(Passwords.TOO_MANY_ATTEMPTS, blocked.errors().get(0).code());
    assertEquals(
        429,
        assertInstanceOf(
                SignInOutcome.Refused.class,
                console.sessions().signIn("alice", PASSWORD, "192.0.2.77"))
            .status());
    assertTrue(console.sessions().resume(s.id()).isPresent(), "the password did not change");
    ticker.advance(Duration.ofMinutes(2));
    console.passwords().changePassword(web, PASSWORD, "a new passphrase", ADDRESS);
  }

  @Test
  void aSessionEndsAfterItsIdleTimeoutAndItsAbsoluteTimeout() {
    ConsoleSession s = signIn("alice", PASSWORD);
    clock.advance(Duration.ofHours(7));
    assertTrue(console.sessions().resume(s.id()).isPresent(), "used within 8 hours");
    clock.advance(Duration.ofHours(7));
    assertTrue(console.sessions().resume(s.id()).isPresent(), "7 hours since its last use");
    clock.advance(Duration.ofHours(8).plusSeconds(1));
    assertTrue(console.sessions().resume(s.id()).isEmpty(), "idle for 8 hours");

    ConsoleSession kept = signIn("alice", PASSWORD);
    for (int i = 0; i < 14 * 3; i++) {
      assertTrue(console.sessions().resume(kept.id()).isPresent(), "day " + i / 3);
      clock.advance(Duration.ofHours(8).minusMinutes(1));
    }
    clock.advance(Duration.ofMinutes(42));
    assertTrue(console.sessions().resume(kept.id()).isEmpty(), "14 days after sign-in");
  }

  @Test
  void signOutSuspensionAndAPasswordChangeEachEndSessionsAtOnce() {
    ConsoleSession out = signIn("alice", PASSWORD);
    ConsoleSession other = signIn("alice", PASSWORD);
    console.sessions().signOut(out);
    assertTrue(console.sessions().resume(out.id()).isEmpty());
    assertTrue(console.sessions().resume(other.id()).isPresent());

    console.accounts().setSuspended(Actor.SYSTEM, "alice", true);
    assertTrue(console.sessions().resume(other.id()).isEmpty(), "suspension ends sessions");
    assertEquals(
        new SignInOutcome.Refused(403, "Your account is suspended."),
        console.sessions().signIn("alice", PASSWORD, ADDRESS));
    console.accounts().setSuspended(Actor.SYSTEM, "alice", false);

    ConsoleSession changing = signIn("alice", PASSWORD);
    ConsoleSession elsewhere = signIn("alice", PASSWORD);
    Actor web = Actor.web(changing.user());
    PolicyException wrong =
        assertPolicyException(
            PolicyException.Kind.INVALID,
            () ->
                console
                    .passwords()
                    .changePassword(web, "not the password", "a new passphrase", "192.0.2.1"));
    assertEquals("The current password is incorrect.", wrong.errors().get(0).message());
    assertTrue(console.sessions().resume(elsewhere.id()).isPresent(), "nothing changed");
    console.passwords().changePassword(web, PASSWORD, "a new passphrase", "192.0.2.1");
    assertTrue(console.sessions().resume(changing.id()).isEmpty());
    assertTrue(console.sessions().resume(elsewhere.id()).isEmpty());
    signIn("alice", "a new passphrase");
    AuditEvent change =
        audited.stream()
            .filter(e -> e.operation().equals("user.password.change"))
            .findFirst()
            .orElseThrow();
    assertEquals("web", change.via());
    assertEquals("alice", change.actor());
  }

  @Test
  void passwordsShorterThan12CharactersAreRefused() {
    PolicyException e =
        assertPolicyException(
            PolicyException.Kind.INVALID,
            () -> console.accounts().createUser(Actor.SYSTEM, "dave", null, "eleven char"));
    assertEquals(
        "Password must be between 12 and 512 characters long.", e.errors().get(0).message());
    assertTrue(console.directory().findUser("dave").isEmpty(), "nothing was created");
    console.accounts().createUser(Actor.SYSTEM, "dave", "dave@example.com", "twelve chars");
    signIn("dave", "twelve chars");
  }

  @Test
  void aHashWithWeakerParametersIsReplacedAtSignInAndItsSessionsStay() {
    PasswordHasher old =
        new PasswordHasher(new PasswordHasher.Params(8 * 1024, 1, 1), new SecureRandom(), 1);
    signIns.setPassword(bob.id(), old.hash(PASSWORD), START);
    ConsoleSession first = signIn("bob", PASSWORD);
    String stored = signIns.passwordHash(bob.id()).orElseThrow();
    assertTrue(stored.startsWith("$argon2id$v=19$m=19456,t=2,p=1$"), stored);
    assertTrue(console.sessions().resume(first.id()).isPresent(), "a rehash is not a change");
    signIn("bob", PASSWORD);
    assertEquals(stored, signIns.passwordHash(bob.id()).orElseThrow(), "rehashed once");
  }

  @Test
  void aSetupLinkWorksOnceWithinSevenDays() {
    SetupLink link = console.passwords().createSetupLink(Actor.SYSTEM, "carol");
    assertEquals(START.plus(Duration.ofDays(7)), link.expiresAt());
    assertFalse(link.toString().contains(link.token()));
    assertEquals("carol", console.passwords().setupLinkUser(link.token()).orElseThrow().login());
    assertPolicyException(
        PolicyException.Kind.INVALID,
        () -> console.passwords().completeSetup(link.token(), "too short"));
    assertTrue(console.passwords().setupLinkUser(link.token()).isPresent(), "still usable");
    console.passwords().completeSetup(link.token(), "carol's passphrase");
    signIn("carol", "carol's passphrase");
    assertTrue(console.passwords().setupLinkUser(link.token()).isEmpty(), "used");
    PolicyException again =
        assertPolicyException(
            PolicyException.Kind.NOT_FOUND,
            () -> console.passwords().completeSetup(link.token(), "another passphrase"));
    assertEquals(Passwords.INVALID_LINK, again.getMessage());

    SetupLink late = console.passwords().createSetupLink(Actor.SYSTEM, "carol");
    clock.advance(Duration.ofDays(7));
    assertPolicyException(
        PolicyException.Kind.NOT_FOUND,
        () -> console.passwords().completeSetup(late.token(), "another passphrase"));
    signIn("carol", "carol's passphrase");
  }

  @Test
  void noSecretReachesTheAuditLog() {
    SetupLink link = console.passwords().createSetupLink(Actor.SYSTEM, "carol");
    console.passwords().completeSetup(link.token(), "carol's passphrase");
    ConsoleSession s = signIn("carol", "carol's passphrase");
    console.accounts().setEmail(Actor.web(s.user()), "carol", "carol@example.com");
    console
        .passwords()
        .changePassword(Actor.web(s.user()), "carol's passphrase", PASSWORD, "192.0.2.1");
    assertTrue(audited.size() >= 5, audited.toString());
    for (AuditEvent e : audited) {
      String row = e.toString();
      for (String secret :
          List.of(link.token(), "carol's passphrase", PASSWORD, s.id(), s.csrfToken())) {
        assertFalse(row.contains(secret), row);
      }
    }
  }
}
