package dev.portcullis.policy.admin;

import dev.portcullis.policy.access.FailedAuthLimiter;
import dev.portcullis.policy.model.Actor;
import dev.portcullis.policy.model.User;
import dev.portcullis.policy.store.SignInStore.StoredSession;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Console sign-in and sessions. A session is a random id in the browser's cookie and its SHA-256 in
 * the store, so every node sharing the store knows it and a restart keeps it; it ends at sign-out,
 * after the idle timeout, at the absolute timeout, when its user is suspended, and when its user's
 * password changes.
 */
public final class Sessions extends UseCase {
  /** The one answer to a refused sign-in, whatever was wrong. */
  public static final String INCORRECT = "Incorrect username or password.";

  /** A session's last use is written at most this often (the idle timeout is hours). */
  private static final Duration TOUCH_EVERY = Duration.ofMinutes(1);

  private final FailedAuthLimiter limiter;
  private final SessionSettings settings;

  /**
   * Verified when the login names no user or one without a password, so that such a sign-in takes
   * as long as a wrong password does.
   */
  private volatile String decoy;

  Sessions(AdminContext context) {
    super(context);
    this.limiter = context.limiter();
    this.settings = context.sessions();
  }

  private String decoy() {
    String d = decoy;
    if (d == null) {
      d = hasher.hash(Secrets.next(random));
      decoy = d;
    }
    return d;
  }

  public SessionSettings settings() {
    return settings;
  }

  /** How long a blocked address or login waits ({@code Retry-After}). */
  public long retryAfterSeconds() {
    return limiter.retryAfterSeconds();
  }

  /**
   * Signs {@code login} in from {@code address}: a new session (with a new id) when the password
   * matches. A blocked address or login is refused before the password is checked; every refusal
   * counts towards the failed-authentication limit, per address and per login.
   */
  public SignInOutcome signIn(String login, String password, String address) {
    String blocked = limiter.signInBlocked(address, login);
    if (blocked != null) {
      return new SignInOutcome.Refused(429, blocked);
    }
    Optional<User> user =
        login == null || login.isEmpty() || login.length() > 39
            ? Optional.empty()
            : findUser(login);
    String stored = user.flatMap(u -> signIns.passwordHash(u.id())).orElse(null);
    boolean matches =
        hasher.verify(password == null ? "" : password, stored == null ? decoy() : stored);
    if (!matches || stored == null) {
      String limited = limiter.signInFailure(address, login);
      return limited != null
          ? new SignInOutcome.Refused(429, limited)
          : new SignInOutcome.Refused(401, INCORRECT);
    }
    User u = user.get();
    if (u.suspended()) {
      return new SignInOutcome.Refused(403, "Your account is suspended.");
    }
    if (hasher.needsRehash(stored)) {
      signIns.rehashPassword(u.id(), stored, hasher.hash(password));
    }
    String id = Secrets.next(random);
    Instant now = now();
    signIns.insertSession(Secrets.digest(id), u.id(), now, now.plus(settings.absoluteTimeout()));
    audit(Actor.web(u), "user.login", "user:" + u.login(), null, null);
    return new SignInOutcome.SignedIn(new ConsoleSession(id, u, Secrets.csrfToken(id)));
  }

  /**
   * The live session with this id: not past its idle or absolute timeout, of a user who exists and
   * is not suspended. Records the use.
   */
  public Optional<ConsoleSession> resume(String id) {
    if (!Secrets.wellFormed(id)) {
      return Optional.empty();
    }
    String digest = Secrets.digest(id);
    Optional<StoredSession> found = signIns.session(digest);
    if (found.isEmpty()) {
      return Optional.empty();
    }
    StoredSession s = found.get();
    Instant now = now();
    if (!now.isBefore(s.expiresAt())
        || !now.isBefore(s.lastSeenAt().plus(settings.idleTimeout()))) {
      signIns.deleteSession(digest);
      return Optional.empty();
    }
    Optional<User> user = userById(s.userId()).filter(u -> !u.suspended());
    if (user.isEmpty()) {
      return Optional.empty();
    }
    if (!now.isBefore(s.lastSeenAt().plus(TOUCH_EVERY))) {
      signIns.touchSession(digest, now);
    }
    return Optional.of(new ConsoleSession(id, user.get(), Secrets.csrfToken(id)));
  }

  /** Ends the session (sign-out); nothing happens for an unknown one. */
  public void signOut(ConsoleSession session) {
    if (signIns.deleteSession(Secrets.digest(session.id()))) {
      audit(Actor.web(session.user()), "user.logout", "user:" + session.user().login(), null, null);
    }
  }

  /** Removes sessions and setup links past their time; returns how many went. */
  public int deleteExpired() {
    Instant now = now();
    return signIns.deleteExpired(now, now.minus(settings.idleTimeout()));
  }
}
