package dev.portcullis.gateway.api;

import dev.portcullis.policy.model.PolicyException;
import java.util.List;

/** An HTTP-level API error (bad JSON, no credentials, unknown route) in GitHub's error shape. */
final class ApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  final int status;
  final transient List<PolicyException.FieldError> errors;

  ApiException(int status, String message) {
    this(status, message, List.of());
  }

  ApiException(int status, String message, List<PolicyException.FieldError> errors) {
    super(message, null, false, false);
    this.status = status;
    this.errors = errors;
  }

  static ApiException invalid(String resource, String field, String code, String message) {
    return new ApiException(
        422,
        "Validation Failed",
        List.of(new PolicyException.FieldError(resource, field, code, message)));
  }
}
