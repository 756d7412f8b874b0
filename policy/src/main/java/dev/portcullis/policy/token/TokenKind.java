package dev.portcullis.policy.token;

/** The two kinds of personal access token, each with its own plaintext prefix. */
public enum TokenKind {
  FINE_GRAINED("pcf_", "fine_grained"),
  CLASSIC("pcc_", "classic");

  private final String prefix;
  private final String apiName;

  TokenKind(String prefix, String apiName) {
    this.prefix = prefix;
    this.apiName = apiName;
  }

  /** The plaintext prefix, four characters ending in an underscore. */
  public String prefix() {
    return prefix;
  }

  /** The name used in the REST API and the store ({@code fine_grained} / {@code classic}). */
  public String apiName() {
    return apiName;
  }

  /** The kind named {@code name} in the API, or {@code null}. */
  public static TokenKind fromApiName(String name) {
    for (TokenKind k : values()) {
      if (k.apiName.equals(name)) {
        return k;
      }
    }
    return null;
  }
}
