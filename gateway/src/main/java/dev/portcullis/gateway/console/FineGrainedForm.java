package dev.portcullis.gateway.console;

import dev.portcullis.policy.admin.NewToken;
import dev.portcullis.policy.admin.TokenTarget;
import dev.portcullis.policy.model.FineGrainedPermissions;
import dev.portcullis.policy.model.FineGrainedPermissions.Category;
import dev.portcullis.policy.model.MaxLifetime;
import dev.portcullis.policy.model.PermissionLevel;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;

/**
 * The fine-grained token form at {@code /settings/personal-access-tokens/new}, read from a template
 * URL (GitHub's parameters: {@code name}, {@code description}, {@code target_name}, {@code
 * expires_in} and {@code <permission>=<level>}) or from the form's own post, which uses the same
 * names. Whatever cannot be used is reported in {@link #errors()}, never dropped: the person sees
 * it before anything is created.
 */
public final class FineGrainedForm {
  /** The parameters that are not permissions. */
  private static final Set<String> FIELDS =
      Set.of(
          "name",
          "description",
          "target_name",
          "expires_in",
          "expires_at",
          "reason",
          "ref_patterns",
          "allowed_networks",
          "repository_selection",
          "repositories",
          Console.CSRF_FIELD);

  private static final List<Integer> STANDARD_DAYS = List.of(7, 30, 60, 90);
  private static final Map<String, String> DISPLAY_NAMES = displayNames();

  private final List<TokenTarget> targets;
  private final LocalDate today;
  private final List<String> errors = new ArrayList<>();
  private String name = "";
  private String description = "";
  private String target;
  private String expiry;
  private String customDate = "";
  private String reason = "";
  private String refPatterns = "";
  private String allowedNetworks = "";
  private String selection = "none";
  private final Set<String> repositories = new LinkedHashSet<>();
  private final Map<String, String> permissions = new LinkedHashMap<>();

  private FineGrainedForm(List<TokenTarget> targets, LocalDate today) {
    this.targets = targets;
    this.today = today;
    this.target = targets.get(0).login();
  }

  /**
   * Reads the parameters of a template URL or a post. {@code targets} are the resource owners the
   * user may pick, the user first.
   */
  static FineGrainedForm read(
      Map<String, String[]> params, List<TokenTarget> targets, LocalDate today) {
    FineGrainedForm f = new FineGrainedForm(targets, today);
    f.name = first(params, "name", "");
    f.description = first(params, "description", "");
    f.reason = first(params, "reason", "");
    f.refPatterns = first(params, "ref_patterns", "");
    f.allowedNetworks = first(params, "allowed_networks", "");
    if (f.name.length() > 40) {
      f.errors.add("Name is too long (maximum is 40 characters).");
    }
    if (f.description.length() > 1024) {
      f.errors.add("Description is too long (maximum is 1024 characters).");
    }
    String owner = first(params, "target_name", null);
    if (owner != null && !owner.isEmpty()) {
      TokenTarget t = f.targetNamed(owner);
      if (t == null) {
        f.errors.add("Cannot find the specified resource owner: " + owner);
      } else {
        f.target = t.login();
      }
    }
    f.readExpiry(first(params, "expires_in", null), first(params, "expires_at", ""));
    String sel = first(params, "repository_selection", "none");
    if (!List.of("none", "all", "subset").contains(sel)) {
      f.errors.add("Repository access must be public repositories, all or only select ones.");
    } else {
      f.selection = sel;
    }
    String[] repos = params.getOrDefault("repositories", new String[0]);
    f.repositories.addAll(List.of(repos));
    f.readPermissions(params);
    return f;
  }

  private static String first(Map<String, String[]> params, String key, String otherwise) {
    String[] v = params.get(key);
    return v == null || v.length == 0 ? otherwise : v[0];
  }

  private TokenTarget targetNamed(String login) {
    for (TokenTarget t : targets) {
      if (t.login().equalsIgnoreCase(login)) {
        return t;
      }
    }
    return null;
  }

  /** The chosen resource owner. */
  public TokenTarget selected() {
    return targetNamed(target);
  }

  private void readExpiry(String given, String date) {
    Integer cap = selected().maxLifetimeDays();
    int standard = cap == null || cap > 30 ? 30 : cap;
    expiry = Integer.toString(standard);
    if (given == null || given.isEmpty()) {
      return;
    }
    if (given.equals("none")) {
      if (cap != null) {
        errors.add(capMessage("No expiration", cap));
      } else {
        expiry = "none";
      }
      return;
    }
    if (given.equals("custom")) {
      expiry = "custom";
      customDate = date;
      return;
    }
    int days;
    try {
      days = Integer.parseInt(given);
    } catch (NumberFormatException e) {
      days = 0;
    }
    if (days < MaxLifetime.MIN_DAYS || days > MaxLifetime.MAX_DAYS) {
      errors.add(
          "Invalid value for expires_in: "
              + given
              + ". Use a number of days from 1 to 366, or none.");
      return;
    }
    if (cap != null && days > cap) {
      errors.add(capMessage(days + " days", cap));
      return;
    }
    String value = Integer.toString(days);
    if (expiryOptions().stream().anyMatch(o -> o.value().equals(value))) {
      expiry = value;
    } else {
      expiry = "custom";
      customDate = today.plusDays(days).toString();
    }
  }

  private String capMessage(String asked, int cap) {
    return "Expiration "
        + asked
        + " is beyond the maximum lifetime of "
        + cap
        + " days that "
        + selected().maxLifetimeSetBy()
        + " sets for fine-grained tokens; "
        + Math.min(30, cap)
        + " days is chosen instead.";
  }

  private void readPermissions(Map<String, String[]> params) {
    boolean org = selected().organization();
    for (Map.Entry<String, String[]> p : params.entrySet()) {
      String key = p.getKey();
      String level = p.getValue().length == 0 ? "" : p.getValue()[0];
      if (FIELDS.contains(key) || level.isEmpty()) {
        continue;
      }
      FineGrainedPermissions.Definition def = FineGrainedPermissions.get(key);
      PermissionLevel l = PermissionLevel.fromApiName(level);
      if (def == null) {
        errors.add("Unknown permission: " + key);
      } else if (l == null || !def.levels().contains(l)) {
        errors.add(
            "Invalid access level for "
                + key
                + ": "
                + level
                + ". It supports "
                + String.join(", ", levels(def))
                + ".");
      } else if (def.category() == Category.ORGANIZATION && !org) {
        errors.add(
            "The organization permission "
                + key
                + " needs an organization as resource owner, not "
                + target
                + ".");
        permissions.put(key, level);
      } else if (def.category() == Category.ACCOUNT && org) {
        errors.add(
            "The account permission " + key + " needs you as resource owner, not " + target + ".");
        permissions.put(key, level);
      } else if (!key.equals("metadata")) {
        permissions.put(key, level);
      }
    }
  }

  private static List<String> levels(FineGrainedPermissions.Definition def) {
    return def.levels().stream().sorted().map(PermissionLevel::apiName).toList();
  }

  /**
   * The request for the policy use case; the expiry in days from {@code today}. Adds an error (and
   * returns null) when a custom date is not a day after today.
   */
  NewToken request() {
    Integer days;
    if (expiry.equals("none")) {
      days = null;
    } else if (expiry.equals("custom")) {
      try {
        days = (int) ChronoUnit.DAYS.between(today, LocalDate.parse(customDate));
      } catch (DateTimeParseException e) {
        days = 0;
      }
      if (days < MaxLifetime.MIN_DAYS || days > MaxLifetime.MAX_DAYS) {
        errors.add("Choose an expiration date after today and at most 366 days away.");
        return null;
      }
    } else {
      days = Integer.parseInt(expiry);
    }
    List<String> repos = new ArrayList<>();
    if (selection.equals("subset")) {
      for (String r : repositories) {
        String prefix = target.toLowerCase(Locale.ROOT) + "/";
        if (r.toLowerCase(Locale.ROOT).startsWith(prefix)) {
          repos.add(r.substring(prefix.length()));
        } else {
          errors.add("The repository " + r + " is not owned by the resource owner " + target + ".");
        }
      }
    }
    if (!errors.isEmpty()) {
      return null;
    }
    return new NewToken(
        "fine_grained",
        name,
        description.isEmpty() ? null : description,
        days,
        null,
        target,
        selection,
        selection.equals("subset") ? repos : null,
        Map.copyOf(permissions),
        selected().approvalRequired() && !reason.isEmpty() ? reason : null,
        true,
        Console.entries(allowedNetworks),
        Console.lines(refPatterns));
  }

  void addError(String message) {
    errors.add(message);
  }

  public List<String> errors() {
    return errors;
  }

  public String name() {
    return name;
  }

  public String description() {
    return description;
  }

  public String reason() {
    return reason;
  }

  /** The {@code ref_patterns} as typed, one a line. */
  public String refPatterns() {
    return refPatterns;
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
    Integer cap = selected().maxLifetimeDays();
    return today.plusDays(cap == null ? MaxLifetime.MAX_DAYS : cap).toString();
  }

  public List<TokenTarget> targets() {
    return targets;
  }

  public boolean isTarget(TokenTarget t) {
    return t.login().equals(target);
  }

  /** The organizations among the targets that ask for approval. */
  public List<String> approvingOrganizations() {
    return targets.stream().filter(TokenTarget::approvalRequired).map(TokenTarget::login).toList();
  }

  public String selection() {
    return selection;
  }

  public boolean repositoryChosen(String fullName) {
    return repositories.contains(fullName);
  }

  /** An option of a select: its value, its label, whether it is chosen. */
  public record Option(String value, String label, boolean selected) {}

  /** The expirations the chosen resource owner allows. */
  public List<Option> expiryOptions() {
    Integer cap = selected().maxLifetimeDays();
    List<Option> options = new ArrayList<>();
    List<Integer> days = new ArrayList<>();
    for (int d : STANDARD_DAYS) {
      if (cap == null || d <= cap) {
        days.add(d);
      }
    }
    if (cap != null && !days.contains(cap)) {
      days.add(cap);
    }
    for (int d : days) {
      String v = Integer.toString(d);
      String label = d + " days" + (cap != null && d == cap ? " (the maximum)" : "");
      options.add(new Option(v, label, v.equals(expiry)));
    }
    options.add(new Option("custom", "Custom…", expiry.equals("custom")));
    if (cap == null) {
      options.add(new Option("none", "No expiration", expiry.equals("none")));
    }
    return options;
  }

  /** A permission's row: its name, display name, the levels it offers and the one chosen. */
  public record PermissionRow(String name, String label, List<Option> levels) {}

  /** A group of permissions, with when it applies. */
  public record PermissionGroup(String title, String note, List<PermissionRow> rows) {}

  public List<PermissionGroup> permissionGroups() {
    return List.of(
        group(
            "Repository permissions",
            "For the repositories chosen above. Metadata: read is always included.",
            Category.REPOSITORY),
        group(
            "Organization permissions",
            "Only with an organization as resource owner.",
            Category.ORGANIZATION),
        group("Account permissions", "Only with you as resource owner.", Category.ACCOUNT));
  }

  private PermissionGroup group(String title, String note, Category category) {
    List<PermissionRow> rows = new ArrayList<>();
    for (FineGrainedPermissions.Definition def : FineGrainedPermissions.all().values()) {
      if (def.category() != category || def.name().equals("metadata")) {
        continue;
      }
      String chosen = permissions.getOrDefault(def.name(), "");
      List<Option> levels = new ArrayList<>();
      levels.add(new Option("", "No access", chosen.isEmpty()));
      for (String l : levels(def)) {
        levels.add(
            new Option(
                l, l.substring(0, 1).toUpperCase(Locale.ROOT) + l.substring(1), l.equals(chosen)));
      }
      rows.add(new PermissionRow(def.name(), DISPLAY_NAMES.get(def.name()), levels));
    }
    rows.sort((a, b) -> a.label().compareToIgnoreCase(b.label()));
    return new PermissionGroup(title, note, rows);
  }

  /** A permission's name as GitHub's pages show it. */
  static String displayName(String permission) {
    return DISPLAY_NAMES.getOrDefault(permission, permission);
  }

  private static Map<String, String> displayNames() {
    Properties p = new Properties();
    try (InputStream in =
        FineGrainedForm.class.getResourceAsStream("/console/permission-names.properties")) {
      if (in == null) {
        throw new IllegalStateException("permission-names.properties is missing");
      }
      p.load(new InputStreamReader(in, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Map<String, String> names = new LinkedHashMap<>();
    for (String permission : FineGrainedPermissions.all().keySet()) {
      String label = p.getProperty(permission);
      if (label == null) {
        throw new IllegalStateException("no display name for the permission " + permission);
      }
      names.put(permission, label);
    }
    return Map.copyOf(names);
  }
}
