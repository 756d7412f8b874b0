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
