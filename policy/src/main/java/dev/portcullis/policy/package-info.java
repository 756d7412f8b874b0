/**
 * The policy module: who may do what to which repository, decided on every git request, and the
 * management of tokens, accounts and policies that feeds that decision. Plain Java: no Jetty,
 * servlet or JGit (the build enforces it).
 *
 * <p>Packages, each depending only on those before it:
 *
 * <ol>
 *   <li>{@code token}: the token format, its digest, the {@code Authorization} header;
 *   <li>{@code model}: the domain's records and enums;
 *   <li>{@code decision}: the pure access evaluator and its inputs ({@code store} sits beside it);
 *   <li>{@code store}: durable storage over JDBC, its migrations;
 *   <li>{@code access}: the hot path around the evaluator: caches, invalidation between nodes,
 *       last-used times, the failed-authentication limiter ({@code audit} sits beside it);
 *   <li>{@code audit}: the audit log;
 *   <li>{@code admin}: the management use cases;
 * </ol>
 *
 * and this package, which holds only {@link dev.portcullis.policy.Policy}, the module assembled. An
 * ArchUnit test keeps this order and forbids cycles.
 */
package dev.portcullis.policy;
