/**
 * Notifications delivery: the sender that claims due rows of the store's outbox (through the {@code
 * policy} admin use case {@link dev.portcullis.policy.admin.Notifications}), renders each as a mail
 * (plain text and HTML, links from {@code --public-url}, never a token's plaintext) and sends it
 * over SMTP with Jakarta Mail (Eclipse Angus), reporting each outcome so failures are retried with
 * backoff; and {@link dev.portcullis.gateway.notify.MailSchedule}, the periodic look for due expiry
 * reminders and the owners' daily digest, which it enqueues. The mail settings ({@code --smtp-url},
 * {@code --mail-from}, {@code --digest-time}, credentials from the environment) live here too.
 *
 * <p>Organization webhooks delivery: {@link dev.portcullis.gateway.notify.WebhookSender} claims due
 * rows of the store's webhook outbox and posts them with GitHub's headers and signature over {@code
 * java.net.http}, retrying with backoff; {@link dev.portcullis.gateway.notify.WebhookSecrets} seals
 * hook secrets (AES-GCM) and {@link dev.portcullis.gateway.notify.WebhookUrls} refuses private
 * addresses.
 *
 * <p>May use {@code policy}, Jakarta Mail and the JDK's HTTP client; nothing of Jetty, servlets or
 * JGit, and no other gateway package (the composition root {@code dev.portcullis.gateway} builds
 * and schedules it).
 */
package dev.portcullis.gateway.notify;
