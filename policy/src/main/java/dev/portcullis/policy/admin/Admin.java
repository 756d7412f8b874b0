package dev.portcullis.policy.admin;

import dev.portcullis.policy.access.FailedAuthLimiter;
import dev.portcullis.policy.access.Invalidation;
import dev.portcullis.policy.audit.AuditEvent;
import dev.portcullis.policy.model.Actor;
import dev.portcullis.policy.model.ClassicScopes;
import dev.portcullis.policy.model.PolicyException;
import dev.portcullis.policy.model.User;
import dev.portcullis.policy.store.PolicyStore;
import dev.portcullis.policy.store.SignInStore;
import dev.portcullis.policy.store.StoreConstraintException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.LongFunction;

/**
 * The management use cases that the REST API, the command line and the console call, each in one
 * place: validation, authorization of the caller, the store write, the cache invalidation that
 * makes a narrowing change hold on the very next request (published after the write commits and
 * before the call returns), and one audit event per change.
 */
public final class Admin {
  private final Directory directory;
  private final Callers callers;
  private final Accounts accounts;
  private final Policies policies;
  private final Repositories repositories;
  private final TokenIssuance tokens;
  private final OrgTokenReviews reviews;
  private final GrantListings grants;
  private final Passwords passwords;
  private final Sessions sessions;
  private final Notifications notifications;
  private final ExpiryReminders expiryReminders;
  private final RequestDigests digests;

  /**
   * @param unflushedLastUse a token's last use recorded in memory and not yet written, or null (so
   *     listings show real use at once)
   * @param audit receives one event per admin change (who, what, before/after), never a plaintext
   * @param signIns the console's passwords, setup links and sessions
   * @param limiter counts refused console sign-ins, per address and per login
   */
  public Admin(
      PolicyStore store,
      Consumer<Invalidation> publish,
      Clock clock,
      SecureRandom random,
      LongFunction<Instant> unflushedLastUse,
      Consumer<AuditEvent> audit,
      SignInStore signIns,
      FailedAuthLimiter limiter,
      SessionSettings sessionSettings) {
    this.directory = new Directory(store);
    this.callers = new Callers(store, directory, clock);
    PasswordHasher hasher =
        new PasswordHasher(
            PasswordHasher.Params.OWASP,
            random,
            Math.max(2, Runtime.getRuntime().availableProcessors()));
    AdminContext context =
        new AdminContext(
            store,
            publish,
            clock,
            random,
            unflushedLastUse,
            audit,
            directory,
            callers,
            signIns,
            hasher,
            limiter,
            sessionSettings);
    this.accounts = new Accounts(context);
    this.policies = new Policies(context);
    this.repositories = new Repositories(context);
    this.tokens = new TokenIssuance(context);
    this.reviews = new OrgTokenReviews(context);
    this.grants = new GrantListings(context);
    this.passwords = new Passwords(context);
    this.sessions = new Sessions(context);
    this.digests = new RequestDigests(context);
    this.notifications = new Notifications(context, digests);
    this.expiryReminders = new ExpiryReminders(context);
  }

  /** Lookups by name and id. */
  public Directory directory() {
    return directory;
  }

  /** Checks of who may call what. */
  public Callers callers() {
    return callers;
  }

  /** Users, enterprises, organizations and memberships. */
  public Accounts accounts() {
    return accounts;
  }

  /** Enterprise and organization token policies. */
  public Policies policies() {
    return policies;
  }

  /** Repositories and collaborators. */
  public Repositories repositories() {
    return repositories;
  }

  /** Token creation, listing and deletion. */
  public TokenIssuance tokens() {
    return tokens;
  }

  /** An organization's approvals, denials and revocations. */
  public OrgTokenReviews reviews() {
    return reviews;
  }

  /** An organization's requests and grants, listed. */
  public GrantListings grants() {
    return grants;
  }

  /** Console passwords, set by an administrator, through a setup link, or by their user. */
  public Passwords passwords() {
    return passwords;
  }

  /** Console sign-in, sessions and sign-out. */
  public Sessions sessions() {
    return sessions;
  }

  /** The notification outbox: its senders' claims and outcomes, and its listing. */
  public Notifications notifications() {
    return notifications;
  }

  /** Reminders of tokens' expiry to their owners. */
  public ExpiryReminders expiryReminders() {
    return expiryReminders;
  }

  /** The owners' daily digest of pending token requests. */
  public RequestDigests digests() {
    return digests;
  }

  /**
   * Creates the first-start site administrator {@code admin} and its classic {@code site_admin}
   * token when there is no such user yet; returns the token (with its plaintext) or empty.
   */
  public Optional<CreatedToken> bootstrapAdmin() {
    if (directory.findUser("admin").isPresent()) {
      return Optional.empty();
    }
    User admin;
    try {
      admin = accounts.createUserUnchecked("admin", true);
    } catch (PolicyException | StoreConstraintException e) {
      // Another node sharing the store created it first.
      return Optional.empty();
    }
    NewToken req =
        new NewToken(
            "classic",
            "bootstrap admin token",
            "created at first start",
            null,
            List.of(ClassicScopes.SITE_ADMIN, ClassicScopes.ADMIN_ORG, ClassicScopes.REPO),
            null,
            null,
            null,
            null,
            null);
    return Optional.of(tokens.createToken(Actor.SYSTEM, admin.login(), req));
  }
}
