package dev.portcullis.policy.model;

import java.util.ArrayList;
import java.util.List;

/**
 * The refs a fine-grained token with {@code contents: write} may update: its {@code ref_patterns},
 * git refspec-style patterns such as {@code refs/heads/release/*} or {@code refs/tags/v*}. A
 * pattern names one ref, or holds one {@code *} that stands for any run of characters, {@code /}
 * included (as in a fetch refspec: {@code refs/heads/release/*} matches {@code
 * refs/heads/release/1.2/hotfix}). Parsed once when the token is loaded; matched only on the refs a
 * push updates.
 */
public final class RefPatterns {
  /** The most patterns a token may carry. */
  public static final int MAX_ENTRIES = 32;

  /** The longest pattern taken. */
  public static final int MAX_LENGTH = 255;

  /**
   * Each pattern split at its star: the part before, and the part after ({@code null}: no star).
   */
  private final String[] heads;

  private final String[] tails;
  private final List<String> patterns;

  private RefPatterns(List<String> patterns) {
    this.patterns = List.copyOf(patterns);
    heads = new String[patterns.size()];
    tails = new String[patterns.size()];
    for (int i = 0; i < heads.length; i++) {
      String p = patterns.get(i);
      int star = p.indexOf('*');
      heads[i] = star < 0 ? p : p.substring(0, star);
      tails[i] = star < 0 ? null : p.substring(star + 1);
    }
  }

  /**
   * Parses a list of patterns; each one that is not a valid pattern is described in {@code
   * problems}.
   *
   * @return the list, or {@code null} when there were problems
   */
  public static RefPatterns parse(List<String> patterns, List<String> problems) {
    int before = problems.size();
    List<String> out = new ArrayList<>();
    for (String p : patterns) {
      String problem = problem(p);
      if (problem != null) {
        problems.add(problem);
      } else if (!out.contains(p)) {
        out.add(p);
      }
    }
    return problems.size() > before || out.isEmpty() ? null : new RefPatterns(out);
  }

  /** Parses a list validated before (as stored), or throws; {@code null} for no entries. */
  public static RefPatterns of(List<String> patterns) {
    List<String> problems = new ArrayList<>();
    RefPatterns r = parse(patterns, problems);
    if (!problems.isEmpty()) {
      throw new IllegalArgumentException(String.join("; ", problems));
    }
    return r;
  }

  /**
   * Why {@code p} is not a pattern, or {@code null} when it is: it starts with {@code refs/}, has
   * at most one {@code *}, and is otherwise a ref name as {@code git check-ref-format
   * --refspec-pattern} takes it.
   */
  static String problem(String p) {
    if (p == null || p.isEmpty()) {
      return "a ref pattern must not be empty";
    }
    String q = "'" + p + "'";
    if (p.length() > MAX_LENGTH) {
      return "ref pattern " + q.substring(0, 40) + "…' is longer than " + MAX_LENGTH;
    }
    if (!p.startsWith("refs/") || p.length() == "refs/".length()) {
      return q + " must start with refs/ and name refs under it";
    }
    if (p.indexOf('*') != p.lastIndexOf('*')) {
      return q + " may hold at most one *";
    }
    for (int i = 0; i < p.length(); i++) {
      char c = p.charAt(i);
      if (c < 0x20 || c == 0x7f || " ~^:?[\\".indexOf(c) >= 0) {
        return q + " holds a character a ref name may not hold";
      }
    }
    if (p.contains("..") || p.contains("@{") || p.endsWith(".") || p.endsWith("/")) {
      return q + " is not a valid ref name pattern (.., @{, or a trailing . or /)";
    }
    for (String part : p.split("/", -1)) {
      if (part.isEmpty() || part.startsWith(".") || part.endsWith(".lock")) {
        return q
            + " is not a valid ref name pattern (an empty part, or one that starts with . or ends"
            + " with .lock)";
      }
    }
    return null;
  }

  /** Whether {@code ref} ({@code refs/heads/main}) matches one of the patterns. */
  public boolean matches(String ref) {
    for (int i = 0; i < heads.length; i++) {
      if (tails[i] == null
          ? ref.equals(heads[i])
          : ref.length() >= heads[i].length() + tails[i].length()
              && ref.startsWith(heads[i])
              && ref.endsWith(tails[i])) {
        return true;
      }
    }
    return false;
  }

  /**
   * Whether every ref one of {@code other}'s patterns matches is matched by one of these: {@code
   * other} grants no ref these do not. {@code null} stands for every ref on either side.
   */
  public static boolean covers(RefPatterns these, RefPatterns other) {
    if (these == null) {
      return true;
    }
    if (other == null) {
      return false;
    }
    for (int j = 0; j < other.heads.length; j++) {
      boolean covered = false;
      for (int i = 0; i < these.heads.length && !covered; i++) {
        if (other.tails[j] == null) {
          covered = these.matches(other.heads[j]);
        } else {
          // x*y lies inside a*b exactly when x starts with a and y ends with b.
          covered =
              these.tails[i] != null
                  && other.heads[j].startsWith(these.heads[i])
                  && other.tails[j].endsWith(these.tails[i]);
        }
      }
      if (!covered) {
        return false;
      }
    }
    return true;
  }

  /** The patterns, in the order given, without repeats. */
  public List<String> patterns() {
    return patterns;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof RefPatterns r && patterns.equals(r.patterns);
  }

  @Override
  public int hashCode() {
    return patterns.hashCode();
  }

  @Override
  public String toString() {
    return String.join(", ", patterns);
  }
}
