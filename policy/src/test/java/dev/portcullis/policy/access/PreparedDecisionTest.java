package dev.portcullis.policy.access;

import static dev.portcullis.policy.testing.Fixtures.NOW;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.policy.decision.AccessEvaluator;
import dev.portcullis.policy.decision.AccessEvaluatorTest;
import dev.portcullis.policy.decision.AccessInputs;
import dev.portcullis.policy.decision.Decision;
import dev.portcullis.policy.model.GitOperation;
import dev.portcullis.policy.testing.Fixtures.Given;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.provider.Arguments;

/**
 * The decisions a joined cache entry keeps ({@link AccessService.Prepared}), over every row of the
 * decision table.
 */
class PreparedDecisionTest {
  /**
   * What lets a warm request reuse a decision ({@link AccessService.Prepared}): on every row of the
   * table, a decision made at one instant and reused at another equals the evaluator's own decision
   * at that other instant, or is refused (when the two instants lie on either side of the token's
   * expiry or of the end of its approval). Instants around the expiry, far before and after it, and
   * with the clock set back.
   */
  @Test
  void aReusedDecisionEqualsTheEvaluatorsAtEveryInstantItIsServed() {
    int reused = 0;
    int refused = 0;
    for (Arguments a : AccessEvaluatorTest.table().toList()) {
      Given given = (Given) a.get()[1];
      AccessEvaluator evaluator = new AccessEvaluator(given.anonymousRead());
      AccessInputs in = given.inputs();
      Instant edge = AccessEvaluator.changesAt(in);
      Instant grantEdge = AccessEvaluator.grantChangesAt(in);
      List<Instant> times =
          new ArrayList<>(
              List.of(
                  Instant.EPOCH,
                  NOW.minus(Duration.ofDays(3650)),
                  NOW,
                  NOW.plus(Duration.ofDays(3650))));
      for (Instant e : new Instant[] {edge, grantEdge}) {
        if (e != null) {
          times.addAll(List.of(e.minusNanos(1), e, e.plusNanos(1)));
        }
      }
      for (Instant made : times) {
        AccessService.Prepared prepared = new AccessService.Prepared(in, evaluator, made);
        for (Instant served : times) {
          for (GitOperation op : GitOperation.values()) {
            Decision reuse = prepared.decision(op, served);
            Decision fresh = evaluator.decide(in, op, served);
            if (reuse == null) {
              refused++;
              assertTrue(
                  crossed(edge, made, served) || crossed(grantEdge, made, served),
                  () -> a.get()[0] + ": refused on the same side of the expiry and approval end");
            } else {
              reused++;
              assertEquals(
                  fresh, reuse, () -> a.get()[0] + ": made at " + made + ", served at " + served);
            }
          }
        }
      }
    }
    assertTrue(
        reused > 0 && refused > 0,
        "both cases occur: " + reused + " reused, " + refused + " refused");
  }

  /** Whether {@code made} and {@code served} lie on either side of {@code edge}. */
  private static boolean crossed(Instant edge, Instant made, Instant served) {
    return edge != null && made.isBefore(edge) != served.isBefore(edge);
  }
}
