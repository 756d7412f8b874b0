package dev.portcullis.policy.model;

/**
 * The notification mails a user chose to receive. Approvals, denials, revocations and leaked-token
 * notices are always sent; these two may be turned off.
 *
 * @param digest the daily digest of pending token requests of the organizations they own
 * @param expiryReminders reminders that a token of theirs expires in 7 days, tomorrow, or expired
 */
public record MailPreferences(boolean digest, boolean expiryReminders) {
  /** What a user receives until they choose: everything. */
  public static final MailPreferences ALL = new MailPreferences(true, true);
}
