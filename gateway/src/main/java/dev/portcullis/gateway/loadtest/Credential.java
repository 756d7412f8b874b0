package dev.portcullis.gateway.loadtest;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * What a simulated git client authenticates with: the ready-made {@code Authorization} header
 * (Basic, username {@value #USERNAME}, the token as password) and the index of the token in the
 * pool, or {@link #BAD} for a garbage or unknown token. {@link #toString()} never shows the secret.
 *
 * @param pool index of the token in the load test's pool, or {@link #BAD}
 * @param authorization the {@code Authorization} header value
 */
record Credential(int pool, String authorization) {
  /** Pool index of a deliberately bad token. */
  static final int BAD = -1;

  /** Git needs a username, the gateway ignores it. */
  static final String USERNAME = "loadtest";

  /** The credential for {@code token}, encoded once so that requests do not pay for it. */
  static Credential basic(int pool, String token) {
    String pair = USERNAME + ":" + token;
    return new Credential(
        pool, "Basic " + Base64.getEncoder().encodeToString(pair.getBytes(StandardCharsets.UTF_8)));
  }

  boolean bad() {
    return pool == BAD;
  }

  @Override
  public String toString() {
    return bad() ? "Credential[bad]" : "Credential[pool=" + pool + "]";
  }
}
