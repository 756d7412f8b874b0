package dev.portcullis.gateway.loadtest;

/**
 * A token the load test created through the admin API. The plaintext lives only inside {@link
 * #credential()}'s header and is never printed or written to a report.
 *
 * @param index position in the pool
 * @param id the token id (what reports show)
 * @param kind classic, fine-grained approved at once, or fine-grained with a pending request
 * @param requestId the access request id of a pending fine-grained token, else 0
 * @param user the owning user's login
 * @param credential the Basic credential git clients send
 */
record PoolToken(
    int index, long id, Kind kind, long requestId, String user, Credential credential) {
  /** How a token was made, which decides how the revoker takes it away. */
  enum Kind {
    /** Classic, scope {@code repo}: deleted. */
    CLASSIC,
    /** Fine-grained on the org, approved at once: the org revokes its grant, or it is deleted. */
    FINE_GRAINED,
    /**
     * Fine-grained created while the org required approval: its request stays pending and is usable
     * once the org stops requiring approval; the org denies it.
     */
    FINE_GRAINED_PENDING;

    String label() {
      return switch (this) {
        case CLASSIC -> "classic";
        case FINE_GRAINED -> "fine_grained";
        case FINE_GRAINED_PENDING -> "fine_grained_pending";
      };
    }
  }

  @Override
  public String toString() {
    return "PoolToken[index=" + index + ", id=" + id + ", kind=" + kind + ", user=" + user + "]";
  }
}
