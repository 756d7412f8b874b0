/**
 * The access decision: a pure function from {@link dev.portcullis.policy.decision.AccessInputs},
 * the operation and the time to a {@link dev.portcullis.policy.decision.Decision}, the rules of the
 * design in order; and {@link dev.portcullis.policy.decision.PushRules}, what the same inputs allow
 * a push to carry (the token's ref_patterns, rule 8, push protection). No caches, no store, no
 * clock of its own: the time, which an approval's end is compared with, is an argument.
 *
 * <p>May use {@code token} and {@code model}.
 */
package dev.portcullis.policy.decision;
