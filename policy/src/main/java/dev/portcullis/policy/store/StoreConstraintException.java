package dev.portcullis.policy.store;

/**
 * A write the store refused because of what it holds or was given, not because it is down: a unique
 * key already taken (a login or name created concurrently) or a value it cannot store. The caller's
 * edge turns it into a validation error (the REST API answers 422); nothing was written.
 */
public final class StoreConstraintException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** What was violated. */
  public enum Kind {
    /** A unique key is taken. */
    DUPLICATE,
    /** A value the database cannot store (e.g. a NUL character). */
    UNSTORABLE_VALUE
  }

  private final Kind kind;

  StoreConstraintException(Kind kind, Throwable cause) {
    super(
        kind == Kind.DUPLICATE
            ? "already exists"
            : "a value contains characters that cannot be stored",
        cause,
        false,
        false);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
