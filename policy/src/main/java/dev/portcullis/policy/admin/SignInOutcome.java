package dev.portcullis.policy.admin;

/** What a console sign-in came to: a new session, or a refusal with its status and message. */
public sealed interface SignInOutcome {
  /** The password matched: a new session (new id) for the user. */
  record SignedIn(ConsoleSession session) implements SignInOutcome {}

  /**
   * Refused: 401 {@code Incorrect username or password.} whatever was wrong, 429 with the limiter's
   * message, or 403 for a suspended account (told only to someone who knew its password).
   */
  record Refused(int status, String message) implements SignInOutcome {}
}
