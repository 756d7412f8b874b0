package dev.portcullis.policy.model;

import java.util.List;
import java.util.Objects;

/**
 * A management request that cannot be carried out: the REST layer turns it into GitHub's error
 * shape. The message and errors never contain a secret.
 */
public final class PolicyException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Maps to 404, 422, 403. */
  public enum Kind {
    NOT_FOUND,
    INVALID,
    FORBIDDEN
  }

  /** One field error in GitHub's {@code validation-error} shape. */
  public record FieldError(String resource, String field, String code, String message) {}

  private final Kind kind;
  private final transient List<FieldError> errors;
  private final boolean unseen;

  public PolicyException(Kind kind, String message, List<FieldError> errors) {
    this(kind, message, errors, false);
  }

  private PolicyException(Kind kind, String message, List<FieldError> errors, boolean unseen) {
    super(message, null, false, false);
    this.kind = Objects.requireNonNull(kind);
    this.errors = List.copyOf(errors);
    this.unseen = unseen;
  }

  /** Something missing inside an object the caller was allowed to act on. */
  public static PolicyException notFound(String message) {
    return new PolicyException(Kind.NOT_FOUND, message, List.of());
  }

  /**
   * An object named in a request that does not exist or that the caller may not see: the same
   * exception either way (see {@link #unseen()}).
   */
  public static PolicyException unseen(String message) {
    return new PolicyException(Kind.NOT_FOUND, message, List.of(), true);
  }

  public static PolicyException forbidden(String message) {
    return new PolicyException(Kind.FORBIDDEN, message, List.of());
  }

  public static PolicyException invalid(
      String resource, String field, String code, String message) {
    return new PolicyException(
        Kind.INVALID, "Validation Failed", List.of(new FieldError(resource, field, code, message)));
  }

  public Kind kind() {
    return kind;
  }

  /**
   * Whether this NOT_FOUND is about an object named in the request that may exist but be hidden
   * from the caller. Its message (which names the object as requested) is the same either way; the
   * REST API answers it with GitHub's bare {@code Not Found} to anyone but a site administrator, so
   * that not even a name differs between two answers.
   */
  public boolean unseen() {
    return unseen;
  }

  public List<FieldError> errors() {
    return errors;
  }
}
