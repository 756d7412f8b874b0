package dev.portcullis.gateway.loadtest;

import java.util.Locale;

/** What a simulated git client does in one step. */
enum Operation {
  /** {@code GET info/refs?service=git-upload-pack}, the advertisement parsed. */
  LS_REMOTE,
  /**
   * The advertisement, then {@code POST git-upload-pack} wanting every advertised ref; the pack
   * read fully.
   */
  CLONE,
  /**
   * {@code GET info/refs?service=git-receive-pack}, then {@code POST git-receive-pack} with one new
   * commit.
   */
  PUSH;

  /**
   * The name used on the command line and in reports: {@code ls-remote}, {@code clone}, {@code
   * push}.
   */
  String label() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** The operation labelled {@code label}, or {@code null}. */
  static Operation byLabel(String label) {
    for (Operation o : values()) {
      if (o.label().equals(label)) {
        return o;
      }
    }
    return null;
  }
}
