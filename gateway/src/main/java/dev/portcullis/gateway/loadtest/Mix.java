package dev.portcullis.gateway.loadtest;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The operation mix: a weight per operation, parsed from {@code ls-remote=70,clone=20,push=10}.
 * Weights are relative (they need not add up to 100); an operation left out has weight 0.
 */
final class Mix {
  static final String DEFAULT = "ls-remote=70,clone=20,push=10";

  private final Map<Operation, Double> weights;
  private final double[] cumulative;
  private final Operation[] ops;

  private Mix(Map<Operation, Double> weights) {
    this.weights = weights;
    double total = weights.values().stream().mapToDouble(Double::doubleValue).sum();
    List<Operation> used = new ArrayList<>();
    List<Double> bounds = new ArrayList<>();
    double sum = 0;
    for (var e : weights.entrySet()) {
      if (e.getValue() > 0) {
        sum += e.getValue() / total;
        used.add(e.getKey());
        bounds.add(sum);
      }
    }
    this.ops = used.toArray(new Operation[0]);
    this.cumulative = bounds.stream().mapToDouble(Double::doubleValue).toArray();
    cumulative[cumulative.length - 1] = 1.0;
  }

  /**
   * Parses a mix.
   *
   * @throws IllegalArgumentException naming the bad part when an operation is unknown or repeated,
   *     a weight is not a non-negative number, or every weight is 0
   */
  static Mix parse(String spec) {
    Map<Operation, Double> w = new EnumMap<>(Operation.class);
    if (spec == null || spec.isBlank()) {
      throw new IllegalArgumentException("the mix is empty; expected e.g. " + DEFAULT);
    }
    for (String part : spec.split(",")) {
      String p = part.strip();
      int eq = p.indexOf('=');
      Operation op = eq < 0 ? null : Operation.byLabel(p.substring(0, eq).strip());
      if (op == null) {
        throw new IllegalArgumentException(
            "'" + p + "' is not OPERATION=WEIGHT with OPERATION one of ls-remote, clone, push");
      }
      if (w.containsKey(op)) {
        throw new IllegalArgumentException(op.label() + " appears twice in the mix");
      }
      double v;
      try {
        v = Double.parseDouble(p.substring(eq + 1).strip());
      } catch (NumberFormatException e) {
        v = -1;
      }
      if (!(v >= 0) || Double.isInfinite(v)) {
        throw new IllegalArgumentException(
            "the weight of "
                + op.label()
                + " must be a number ≥ 0, not '"
                + p.substring(eq + 1)
                + "'");
      }
      w.put(op, v);
    }
    if (w.values().stream().allMatch(v -> v == 0)) {
      throw new IllegalArgumentException("at least one weight of the mix must be above 0");
    }
    return new Mix(w);
  }

  /** The operation for a uniform random number {@code u} in [0, 1). */
  Operation pick(double u) {
    for (int i = 0; i < cumulative.length; i++) {
      if (u < cumulative[i]) {
        return ops[i];
      }
    }
    return ops[ops.length - 1];
  }

  /** Whether the mix ever picks {@code op}. */
  boolean includes(Operation op) {
    return weights.getOrDefault(op, 0.0) > 0;
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder();
    weights.forEach(
        (k, v) ->
            sb.append(sb.length() == 0 ? "" : ",")
                .append(k.label())
                .append('=')
                .append(v == Math.rint(v) ? Long.toString(v.longValue()) : v.toString()));
    return sb.toString();
  }
}
