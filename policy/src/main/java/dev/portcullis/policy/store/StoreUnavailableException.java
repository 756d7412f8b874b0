package dev.portcullis.policy.store;

/**
 * The store could not be reached or failed. The gateway answers 503 with {@code Retry-After}: never
 * an allow built on missing data.
 */
public final class StoreUnavailableException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  public StoreUnavailableException(String message, Throwable cause) {
    super(message, cause);
  }
}
