/**
 * Smart-HTTP git: classifying a request exactly ({@link dev.portcullis.gateway.git.GitRequest}),
 * the access filter in front of JGit's {@code GitServlet} (limiter, decision, answer or forward,
 * audit, metrics, the per-request log line) and what it uses for one request (the check of a POST's
 * content type and encoding and of a push's commands, the byte-counting wrappers, the
 * request-duration watchdog (which watches the REST API's calls too), the {@link
 * dev.portcullis.gateway.git.GitExchange} that carries the decided repository to JGit and the push
 * result back), and the JGit servlet wiring ({@link dev.portcullis.gateway.git.GitServlets}).
 *
 * <p>It may use the policy and repos modules, the {@code ops} package (metrics), the composition
 * root's {@code Limits}, JGit, Jetty and the servlet API. It does not use the {@code api} package,
 * which uses it for the {@code Authorization} header and the watchdog.
 */
package dev.portcullis.gateway.git;
