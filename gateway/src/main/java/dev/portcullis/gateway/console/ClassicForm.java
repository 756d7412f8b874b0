package dev.portcullis.gateway.console;

import dev.portcullis.policy.admin.NewToken;
import dev.portcullis.policy.model.ClassicScopes;
import dev.portcullis.policy.model.MaxLifetime;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The classic token form at {@code /settings/tokens/new}, read from a template URL ({@code
 * scopes=repo,workflow&description=…}, the description being the note) or from its own post.
 * Unknown scopes and expirations are reported in {@link #errors()}, never dropped.
 */
public final class ClassicForm {
  private final LocalDate today;
  private final boolean siteAdmin;
  private final List<String> errors = new ArrayList<>();
  private String note = "";
  private String expiry = "30";
  private String customDate = "";
  private String allowedNetworks = "";
  private final Set<String> scopes = new LinkedHashSet<>();

  private ClassicForm(LocalDate today, boolean siteAdmin) {
    this.today = today;
    this.siteAdmin = siteAdmin;
  }

  static ClassicForm read(Map<String, String[]> params, LocalDate today, boolean siteAdmin) {
    ClassicForm f = new ClassicForm(today, siteAdmin);
    String[] d = params.get("description");
    f.note = d == null || d.length == 0 ? "" : d[0];
    String[] n = params.get("allowed_networks");
    f.allowedNetworks = n == null || n.length == 0 ? "" : n[0];
    if (f.note.length() > 40) {
      f.errors.add("Note is too long (maximum is 40 characters).");
    }
    for (String value : params.getOrDefault("scopes", new String[0])) {
      for (String s : value.split(",")) {
        String scope = s.strip();
        if (scope.isEmpty()) {
          continue;
        }
        if (!ClassicScopes.isKnown(scope)
            || (scope.equals(ClassicScopes.SITE_ADMIN) && !siteAdmin)) {
          f.errors.add("Unknown scope: " + scope);
        } else {
          f.scopes.add(scope);
        }
      }
    }
    String[] e = params.get("expires_in");
    String given = e == null || e.length == 0 ? "" : e[0];
    if (given.equals("none") || given.equals("custom")) {
      f.expiry = given;
      String[] at = params.get("expires_at");
      f.customDate = at == null || at.length == 0 ? "" : at[0];
    } else if (!given.isEmpty()) {
      int days;
      try {
        days = Integer.parseInt(given);
      } catch (NumberFormatException x) {
        days = 0;
      }
      if (days < MaxLifetime.MIN_DAYS || days > MaxLifetime.MAX_DAYS) {
        f.errors.add(
            "Invalid value for expires_in: "
                + given
                + ". Use a number of days from 1 to 366, or none.");
      } else if (List.of(7, 30, 60, 90).contains(days)) {
        f.expiry = Integer.toString(days);
      } else {
        f.expiry = "custom";
        f.customDate = today.plusDays(days).toString();
      }
    }
    return f;
  }

  /** The request for the policy use case, or null (with an error added) for a bad custom date. */
  NewToken request() {
    Integer days = null;
    if (expiry.equals("custom")) {
      try {
        days = (int) ChronoUnit.DAYS.between(today, LocalDate.parse(customDate));
      } catch (DateTimeParseException e) {
        days = 0;
      }
      if (days < MaxLifetime.MIN_DAYS || days > MaxLifetime.MAX_DAYS) {
        errors.add("Choose an expiration date after today and at most 366 days away.");
      }
    } else if (!expiry.equals("none")) {
      days = Integer.parseInt(expiry);
    }
    if (!errors.isEmpty()) {
      return null;
    }
    return new NewToken(
        "classic",
        note,
        null,
        days,
        List.copyOf(scopes),
        null,
        null,
        null,
        null,
        null,
        true,
        Console.entries(allowedNetworks),
        null);
  }

  void addError(String message) {
    errors.add(message);
  }

  public List<String> errors() {
    return errors;
  }

  public String note() {
    return note;
  }

  /** The {@code allowed_networks} as typed: one a line or comma-separated. */
  public String allowedNetworks() {
    return allowedNetworks;
  }

  public String customDate() {
    return customDate;
  }

  public String minDate() {
    return today.plusDays(1).toString();
  }

  public String maxDate() {
    return today.plusDays(MaxLifetime.MAX_DAYS).toString();
  }

  public List<FineGrainedForm.Option> expiryOptions() {
    List<FineGrainedForm.Option> options = new ArrayList<>();
    for (int d : List.of(7, 30, 60, 90)) {
      String v = Integer.toString(d);
      options.add(new FineGrainedForm.Option(v, d + " days", v.equals(expiry)));
    }
    options.add(new FineGrainedForm.Option("custom", "Custom…", expiry.equals("custom")));
    options.add(new FineGrainedForm.Option("none", "No expiration", expiry.equals("none")));
    return options;
  }

  /** The scope checkboxes: each scope and whether it is ticked. */
  public List<FineGrainedForm.Option> scopeOptions() {
    return ClassicScopes.all().stream()
        .filter(s -> siteAdmin || !s.equals(ClassicScopes.SITE_ADMIN))
        .map(s -> new FineGrainedForm.Option(s, s, scopes.contains(s)))
        .toList();
  }
}
