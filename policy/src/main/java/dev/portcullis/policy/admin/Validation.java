package dev.portcullis.policy.admin;

import dev.portcullis.policy.model.MaxLifetime;
import dev.portcullis.policy.model.PolicyException;
import java.util.List;
import java.util.regex.Pattern;

/** Field checks shared by the use cases, reported in GitHub's {@code validation-error} shape. */
final class Validation {
  private Validation() {}

  private static final Pattern LOGIN =
      Pattern.compile("[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}");

  static boolean hasControl(String s) {
    return s != null && s.chars().anyMatch(Character::isISOControl);
  }

  static PolicyException.FieldError fe(String field, String code, String message) {
    return new PolicyException.FieldError("PersonalAccessToken", field, code, message);
  }

  static void failIf(List<PolicyException.FieldError> errors) {
    if (!errors.isEmpty()) {
      throw new PolicyException(PolicyException.Kind.INVALID, "Validation Failed", errors);
    }
  }

  static void checkLogin(String resource, String login) {
    if (login == null || !LOGIN.matcher(login).matches()) {
      throw PolicyException.invalid(
          resource,
          "login",
          login == null ? "missing_field" : "invalid",
          "login must be 1–39 letters, digits or single hyphens, not starting or ending with a hyphen");
    }
  }

  static String str(Object v) {
    return v instanceof String s ? s : null;
  }

  static <E> E enumField(
      List<PolicyException.FieldError> errors,
      String field,
      Object raw,
      E parsed,
      E current,
      String allowed) {
    if (parsed == null) {
      errors.add(
          new PolicyException.FieldError(
              "Policy", field, "invalid", field + " must be one of " + allowed));
      return current;
    }
    return parsed;
  }

  static Integer lifetimeField(
      List<PolicyException.FieldError> errors, String field, Object v, Integer current) {
    if (v == null) {
      return null;
    }
    if (v instanceof Integer i && i >= MaxLifetime.MIN_DAYS && i <= MaxLifetime.MAX_DAYS) {
      return i;
    }
    errors.add(
        new PolicyException.FieldError(
            "Policy", field, "invalid", field + " must be null or an integer 1–366"));
    return current;
  }
}
