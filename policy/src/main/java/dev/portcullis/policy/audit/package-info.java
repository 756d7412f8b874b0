/**
 * The audit log: every access decision and every admin change, queued in memory and written in
 * batches by one thread, never a token plaintext. Allowed reads and credential-less refusals are
 * counted per minute.
 *
 * <p>May use {@code token}, {@code model}, {@code decision} and {@code store}.
 */
package dev.portcullis.policy.audit;
