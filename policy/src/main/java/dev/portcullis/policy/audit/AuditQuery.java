package dev.portcullis.policy.audit;

import java.time.Instant;

/**
 * Filters and page of an audit-log listing; null filters match everything. Newest first.
 *
 * @param actor login of the user who made the request or change
 * @param repository {@code owner/name}
 * @param outcome {@code allow}, {@code deny} or {@code ok}
 */
public record AuditQuery(
    String kind,
    String actor,
    Long tokenId,
    String repository,
    String outcome,
    Instant after,
    Instant before,
    int page,
    int perPage) {
  public AuditQuery {
    if (page < 1 || perPage < 1 || perPage > 100) {
      throw new IllegalArgumentException("page ≥ 1 and per_page 1–100");
    }
  }
}
