package dev.portcullis.gateway.console;

import java.util.List;

/**
 * One choice of the token regeneration form's overlap select: how long the old secret keeps
 * working.
 */
public record Overlap(int seconds, String label) {
  /** The overlaps the console offers: none, an hour, a day. */
  public static final List<Overlap> CHOICES =
      List.of(
          new Overlap(0, "None: the old secret stops working at once"),
          new Overlap(3600, "1 hour"),
          new Overlap(86_400, "1 day"));
}
