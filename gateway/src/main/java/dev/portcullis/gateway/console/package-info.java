/**
 * The web console: server-rendered pages (jte templates under {@code src/main/jte}, compiled at
 * build time, HTML-escaped) for signing in, managing one's own account and tokens and, for
 * organization and enterprise owners, reviewing token requests, revoking tokens and setting token
 * policy, with plain CSS and one small script file that only adds a copy button. Each page action
 * calls the same {@code policy} admin use case as the REST API, with the signed-in user as the
 * actor ({@code via: web} in the audit log).
 *
 * <p>Sessions live in the store (shared by nodes); the cookie holds a random id whose digest the
 * store keeps. Every state-changing form is checked for a same-origin request and its session's
 * CSRF token before anything else happens.
 *
 * <p>May use {@code policy} and the gateway's root package; nothing of JGit.
 */
package dev.portcullis.gateway.console;
