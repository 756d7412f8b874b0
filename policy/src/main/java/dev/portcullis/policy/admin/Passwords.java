package dev.portcullis.policy.admin;

import static dev.portcullis.policy.admin.Validation.checkPassword;

import dev.portcullis.policy.access.FailedAuthLimiter;
import dev.portcullis.policy.model.Actor;
import dev.portcullis.policy.model.PolicyException;
import dev.portcullis.policy.model.User;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;

/**
 * Console passwords: chosen by the user through a one-time setup link a site administrator made (or
 * given at the user's creation, {@link Accounts#createUser(Actor, String, String, String)}), and
 * changed by the user. Passwords exist for the console only; git and the API take tokens. Any
 * change of a user's password ends all their sessions before the call returns.
 */
public final class Passwords extends UseCase {
  /** How long a setup link stays usable. */
  public static final Duration SETUP_LINK_LIFETIME = Duration.ofDays(7);

  static final String INVALID_LINK =
      "This password setup link is invalid, has been used, or has expired. Ask an administrator for a new one.";

  /** The field error code of a password change refused by the failed-authentication limiter. */
  public static final String TOO_MANY_ATTEMPTS = "too_many_attempts";

  private final FailedAuthLimiter limiter;

  Passwords(AdminContext context) {
    super(context);
    this.limiter = context.limiter();
  }

  /**
   * A site administrator creates a one-time link with which {@code login} chooses a password, valid
   * for {@link #SETUP_LINK_LIFETIME}. Its secret is in the answer only.
   */
  public SetupLink createSetupLink(Actor actor, String login) {
    User u = user(login);
    requireSiteAdmin(actor, u);
    String secret = Secrets.next(random);
    Instant now = now();
    Instant expires = now.plus(SETUP_LINK_LIFETIME);
    signIns.insertSetupLink(Secrets.digest(secret), u.id(), now, expires);
    audit(
        actor,
        "user.setup_link.create",
        "user:" + u.login(),
        null,
        JsonText.object("expires_at", expires.toString()));
    return new SetupLink(u.login(), secret, expires);
  }

  /** The user a usable setup link is for; empty for an unknown, used or expired one. */
  public Optional<User> setupLinkUser(String secret) {
    if (!Secrets.wellFormed(secret)) {
      return Optional.empty();
    }
    return signIns.setupLinkUser(Secrets.digest(secret), now()).flatMap(this::userById);
  }

  /**
   * Uses a setup link: its user's password becomes {@code password}, the link is spent, and the
   * user's sessions end. A password that fails the rules leaves the link usable.
   */
  public User completeSetup(String secret, String password) {
    checkPassword("password", password);
    if (!Secrets.wellFormed(secret)) {
      throw PolicyException.notFound(INVALID_LINK);
    }
    String hash = hasher.hash(password);
    long userId =
        signIns
            .useSetupLink(Secrets.digest(secret), hash, now())
            .orElseThrow(() -> PolicyException.notFound(INVALID_LINK));
    User u = userById(userId).orElseThrow(() -> PolicyException.notFound(INVALID_LINK));
    audit(Actor.web(u), "user.password.set", "user:" + u.login(), null, null);
    return u;
  }

  /**
   * The signed-in user changes their own password, giving the current one, from {@code address}. A
   * wrong current password counts in the failed-authentication limiter like a refused sign-in (per
   * address and per login); once blocked, the change is refused before the password is checked,
   * with code {@value #TOO_MANY_ATTEMPTS}. Every session of the user ends, the one making the
   * change included.
   */
  public void changePassword(Actor actor, String current, String next, String address) {
    User u = actor.user();
    if (u == null) {
      throw PolicyException.forbidden("Only a user has a password.");
    }
    String blocked = limiter.signInBlocked(address, u.login());
    if (blocked != null) {
      throw PolicyException.invalid("User", "current_password", TOO_MANY_ATTEMPTS, blocked);
    }
    String stored = signIns.passwordHash(u.id()).orElse(null);
    if (current == null || stored == null || !hasher.verify(current, stored)) {
      String limited = limiter.signInFailure(address, u.login());
      if (limited != null) {
        throw PolicyException.invalid("User", "current_password", TOO_MANY_ATTEMPTS, limited);
      }
      throw PolicyException.invalid(
          "User", "current_password", "invalid", "The current password is incorrect.");
    }
    checkPassword("password", next);
    signIns.setPassword(u.id(), hasher.hash(next), now());
    audit(actor, "user.password.change", "user:" + u.login(), null, null);
  }
}
