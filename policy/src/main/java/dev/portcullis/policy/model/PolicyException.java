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

  public PolicyException(Kind kind, String message, List<FieldError> errors) {
    super(message, null, false, false);
    this.kind = Objects.requireNonNull(kind);
    this.errors = List.copyOf(errors);
  }

  public static PolicyException notFound(String message) {
    return new PolicyException(Kind.NOT_FOUND, message, List.of());
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

  public List<FieldError> errors() {
    return errors;
  }
}
