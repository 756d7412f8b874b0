/**
 * Durable storage of the model: the {@link dev.portcullis.policy.store.PolicyStore} contract, its
 * one JDBC implementation for the embedded H2 store and PostgreSQL, the console's {@link
 * dev.portcullis.policy.store.SignInStore} and the {@link
 * dev.portcullis.policy.store.NotificationOutbox} and {@link
 * dev.portcullis.policy.store.WebhookStore} beside it, the connection pool and the Flyway
 * migrations. Row mapping stays package-private.
 *
 * <p>May use {@code token} and {@code model}.
 */
package dev.portcullis.policy.store;
