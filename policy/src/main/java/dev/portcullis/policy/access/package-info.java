/**
 * The hot path around the evaluator: the decision-input caches (keyed by token digest, never by
 * plaintext), their invalidation by the write that changed an input and its delivery to other nodes
 * (the change bus), last-used times kept in memory and written in batches, the
 * failed-authentication limiter, and {@link dev.portcullis.policy.access.AccessService}, which
 * authenticates and decides a request from cached inputs.
 *
 * <p>May use {@code token}, {@code model}, {@code decision} and {@code store}.
 */
package dev.portcullis.policy.access;
