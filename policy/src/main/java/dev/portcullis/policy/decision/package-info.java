/**
 * The access decision: a pure function from {@link dev.portcullis.policy.decision.AccessInputs},
 * the operation and the time to a {@link dev.portcullis.policy.decision.Decision}, the rules of the
 * design in order. No caches, no store, no clock of its own.
 *
 * <p>May use {@code token} and {@code model}.
 */
package dev.portcullis.policy.decision;
