package dev.portcullis.policy.store;

import dev.portcullis.policy.model.MailPreferences;
import java.time.Instant;
import java.util.Optional;

/**
 * Durable storage of the web console's sign-in: users' e-mail addresses, password hashes, one-time
 * setup links and sessions. Links and sessions are kept as the SHA-256 (hex) of their random value,
 * never the value itself, so the store alone cannot be used to sign in. Every method is one
 * transaction; every node sharing the store sees the same sessions.
 */
public interface SignInStore {

  /** A stored session. */
  record StoredSession(
      String digest, long userId, Instant createdAt, Instant lastSeenAt, Instant expiresAt) {}

  Optional<String> email(long userId);

  void setEmail(long userId, String email);

  /** The notification mails the user chose ({@link MailPreferences#ALL} until they choose). */
  MailPreferences mailPreferences(long userId);

  void setMailPreferences(long userId, MailPreferences preferences);

  /** The user's password hash (with its parameters), or empty when they have none. */
  Optional<String> passwordHash(long userId);

  /**
   * Sets the user's password hash and ends every session of theirs, in one transaction: when this
   * returns, no session from before the change is accepted.
   */
  void setPassword(long userId, String hash, Instant now);

  /**
   * Replaces the hash of an unchanged password (stronger parameters): sessions stay. False when the
   * stored hash is no longer {@code expected} (the password changed meanwhile).
   */
  boolean rehashPassword(long userId, String expected, String hash);

  void insertSetupLink(String digest, long userId, Instant now, Instant expiresAt);

  /** The user an unused, unexpired setup link is for. */
  Optional<Long> setupLinkUser(String digest, Instant now);

  /**
   * Uses an unused, unexpired setup link: marks it used, sets its user's password and ends their
   * sessions, in one transaction; returns the user, or empty (nothing written) when the link is
   * unknown, used or expired. Two concurrent uses of one link: one wins.
   */
  Optional<Long> useSetupLink(String digest, String hash, Instant now);

  void insertSession(String digest, long userId, Instant now, Instant expiresAt);

  Optional<StoredSession> session(String digest);

  /** Records a use of the session (the idle timeout counts from the last one). */
  void touchSession(String digest, Instant now);

  /** False when there was no such session. */
  boolean deleteSession(String digest);

  /** Ends every session of the user; returns how many there were. */
  int deleteSessionsOf(long userId);

  /**
   * Removes sessions past their absolute expiry or idle since {@code idleBefore}, and setup links
   * past their expiry; returns how many rows went.
   */
  int deleteExpired(Instant now, Instant idleBefore);
}
