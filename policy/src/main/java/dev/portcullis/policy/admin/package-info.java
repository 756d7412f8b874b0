/**
 * The management use cases the REST API, the command line and the console call: accounts, policies,
 * repositories, token issuance, an organization&#39;s reviews and listings, and the console&#39;s
 * passwords and sessions. Each validates, checks its caller, writes, publishes the invalidation
 * that makes a narrowing change hold on the next request, and audits.
 *
 * <p>May use every other package of the module except the root.
 */
package dev.portcullis.policy.admin;
