package dev.portcullis.policy.model;

import java.util.Locale;

/** Repository visibility, as on GitHub Enterprise. */
public enum Visibility {
  PUBLIC,
  PRIVATE,
  INTERNAL;

  public String apiName() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The visibility named {@code name} ({@code public|private|internal}), or {@code null}. */
  public static Visibility fromApiName(String name) {
    for (Visibility v : values()) {
      if (v.apiName().equals(name)) {
        return v;
      }
    }
    return null;
  }
}
