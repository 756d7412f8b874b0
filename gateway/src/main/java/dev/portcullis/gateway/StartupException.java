package dev.portcullis.gateway;

/**
 * The gateway cannot start for a reason its operator can fix (a port in use, a data directory held
 * by another gateway); the message is one line that says which, and nothing was written.
 */
public final class StartupException extends Exception {
  public StartupException(String message) {
    super(message);
  }

  public StartupException(String message, Throwable cause) {
    super(message, cause);
  }
}
