package dev.portcullis.policy.model;

/** What a notification reports; its name is what the outbox and the API call it. */
public enum NotificationKind {
  /** To a request's creator: an organization approved the token's access request. */
  REQUEST_APPROVED("token_request.approved"),
  /**
   * To a request's creator: an organization denied it, with the owner's reason if one was given.
   */
  REQUEST_DENIED("token_request.denied"),
  /** To a token's owner: an organization revoked the token's access. */
  GRANT_REVOKED("token_grant.revoked"),
  /**
   * To each owner of an organization (unless they turned it off): the day's digest of its pending
   * token requests, listed as they are when the mail goes out.
   */
  REQUEST_DIGEST("token_request.digest"),
  /** To a token's owner: the token was revoked through {@code POST /credentials/revoke}. */
  TOKEN_REVOKED_LEAKED("token.revoked_leaked"),
  /**
   * To a token's owner: a push carried the live token (refused by push protection or bypassed),
   * once per token.
   */
  TOKEN_LEAK_PUSHED("token.leak_pushed"),
  /** To a token's owner (unless they turned reminders off): the token expires within 7 days. */
  TOKEN_EXPIRES_IN_7_DAYS("token.expires_in_7_days"),
  /** To a token's owner (unless they turned reminders off): the token expires within a day. */
  TOKEN_EXPIRES_TOMORROW("token.expires_tomorrow"),
  /** To a token's owner (unless they turned reminders off): the token has expired. */
  TOKEN_EXPIRED("token.expired"),
  /** To a token's owner: an approval given for a limited time lapsed by itself. */
  GRANT_EXPIRED("token_grant.expired");

  private final String apiName;

  NotificationKind(String apiName) {
    this.apiName = apiName;
  }

  public String apiName() {
    return apiName;
  }

  /** The kind named {@code apiName}. */
  public static NotificationKind of(String apiName) {
    for (NotificationKind k : values()) {
      if (k.apiName.equals(apiName)) {
        return k;
      }
    }
    throw new IllegalArgumentException("unknown notification kind '" + apiName + "'");
  }
}
