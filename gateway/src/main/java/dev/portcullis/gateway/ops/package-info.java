/**
 * Operating the gateway: the Prometheus metrics ({@link dev.portcullis.gateway.ops.GatewayMetrics})
 * and their {@code /metrics} servlet, the {@code /healthz} and {@code /readyz} servlet, the audit
 * sinks (the JSON-lines file and the JSON form of an audit event it shares with the REST API) and
 * the batching log appender named in {@code logback.xml}.
 *
 * <p>It may use the policy module, Micrometer, the servlet API, Jackson, Logback and JDBC. It does
 * not use the {@code api} or {@code git} packages (they use it), nor the composition root {@code
 * dev.portcullis.gateway}, which builds its types.
 */
package dev.portcullis.gateway.ops;
