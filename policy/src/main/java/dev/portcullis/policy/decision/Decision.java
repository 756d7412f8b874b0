package dev.portcullis.policy.decision;

import java.util.Objects;

/**
 * The outcome of the access decision: a value, handled by one exhaustive switch at the HTTP edge.
 */
public sealed interface Decision {

  /** Why a request was allowed or denied; stable names for logs, audit and metrics. */
  enum Reason {
    ANONYMOUS_PUBLIC_READ,
    PUBLIC_READ,
    AUTHORIZED,
    NO_CREDENTIALS,
    INVALID_CREDENTIALS,
    TOKEN_EXPIRED,
    TOKEN_DELETED,
    USER_SUSPENDED,
    REPOSITORY_NOT_FOUND,
    CLASSIC_RESTRICTED,
    CLASSIC_LIFETIME,
    MISSING_SCOPE,
    RESOURCE_OWNER_MISMATCH,
    OUTSIDE_COLLABORATOR,
    NOT_IN_SELECTION,
    FINE_GRAINED_RESTRICTED,
    FINE_GRAINED_LIFETIME,
    GRANT_REVOKED,
    GRANT_DENIED,
    GRANT_PENDING,
    MISSING_PERMISSION,
    NO_PUSH_PERMISSION,
    NETWORK_NOT_ALLOWED,
    ORG_TOKEN_NETWORKS,
    GRANT_EXPIRED;

    private final String label = name().toLowerCase(java.util.Locale.ROOT);

    /** The lowercase name logs, audit rows and metrics carry, e.g. {@code invalid_credentials}. */
    public String label() {
      return label;
    }
  }

  Reason reason();

  boolean allowed();

  /** The request may proceed. */
  record Allowed(Reason reason) implements Decision {
    public Allowed {
      Objects.requireNonNull(reason, "reason");
    }

    @Override
    public boolean allowed() {
      return true;
    }
  }

  /**
   * The request is refused with an HTTP status (401, 403 or 404) and a one-line message that git
   * shows as {@code remote: …}. The message never contains a secret.
   */
  record Denied(int status, Reason reason, String message) implements Decision {
    public Denied {
      if (status != 401 && status != 403 && status != 404) {
        throw new IllegalArgumentException("a denial is 401, 403 or 404, not " + status);
      }
      Objects.requireNonNull(reason, "reason");
      Objects.requireNonNull(message, "message");
    }

    @Override
    public boolean allowed() {
      return false;
    }
  }
}
