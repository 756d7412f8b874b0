package dev.portcullis.policy.admin;

import dev.portcullis.policy.model.MaxLifetime;
import dev.portcullis.policy.model.NetworkList;
import dev.portcullis.policy.model.PolicyException;
import dev.portcullis.policy.model.RefPatterns;
import java.util.ArrayList;
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

  /** Console passwords: at least 12 characters (NIST SP 800-63B's advice for a password alone). */
  static final int MIN_PASSWORD_LENGTH = 12;

  static final int MAX_PASSWORD_LENGTH = 512;

  static void checkPassword(String field, String password) {
    if (password == null) {
      throw PolicyException.invalid("User", field, "missing_field", "a password is required");
    }
    int length = password.codePointCount(0, password.length());
    if (length < MIN_PASSWORD_LENGTH || length > MAX_PASSWORD_LENGTH) {
      throw PolicyException.invalid(
          "User",
          field,
          "invalid",
          "Password must be between "
              + MIN_PASSWORD_LENGTH
              + " and "
              + MAX_PASSWORD_LENGTH
              + " characters long.");
    }
  }

  private static final Pattern EMAIL =
      Pattern.compile("[^@\\s\\p{Cntrl}]{1,64}@[^@\\s\\p{Cntrl}]+\\.[^@\\s\\p{Cntrl}]+");

  /** An e-mail address of the form local@domain.tld, at most 254 characters; null stays null. */
  static void checkEmail(String email) {
    if (email != null && (email.length() > 254 || !EMAIL.matcher(email).matches())) {
      throw PolicyException.invalid(
          "User", "email", "invalid", "Email must be an address like name@example.com.");
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

  /**
   * A list of networks ({@code allowed_networks}, {@code token_networks}): at most {@link
   * NetworkList#MAX_ENTRIES} IPv4 or IPv6 addresses or CIDR blocks, each problem reported against
   * {@code field}; {@code null} for no entries or when there were problems.
   */
  static NetworkList networksField(
      List<PolicyException.FieldError> errors, String resource, String field, List<String> cidrs) {
    if (cidrs == null) {
      return null;
    }
    if (cidrs.size() > NetworkList.MAX_ENTRIES) {
      errors.add(
          new PolicyException.FieldError(
              resource,
              field,
              "invalid",
              field + " may list at most " + NetworkList.MAX_ENTRIES + " networks"));
      return null;
    }
    List<String> problems = new ArrayList<>();
    NetworkList list = NetworkList.parse(cidrs, problems);
    for (String p : problems) {
      errors.add(new PolicyException.FieldError(resource, field, "invalid", field + ": " + p));
    }
    return list;
  }

  /**
   * A list of {@code ref_patterns} ({@code null}: none given); each problem is an error on {@code
   * field}.
   */
  static RefPatterns refPatternsField(
      List<PolicyException.FieldError> errors, String resource, String field, List<String> given) {
    if (given == null) {
      return null;
    }
    if (given.isEmpty() || given.size() > RefPatterns.MAX_ENTRIES) {
      errors.add(
          new PolicyException.FieldError(
              resource,
              field,
              "invalid",
              field + " must list 1–" + RefPatterns.MAX_ENTRIES + " patterns, or be left out"));
      return null;
    }
    List<String> problems = new ArrayList<>();
    RefPatterns patterns = RefPatterns.parse(given, problems);
    for (String p : problems) {
      errors.add(new PolicyException.FieldError(resource, field, "invalid", field + ": " + p));
    }
    return patterns;
  }
}
