package dev.portcullis.gateway.ops;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.policy.audit.AuditEvent;

/** The JSON form of an audit event, shared by the API and the JSON-lines file. */
public final class AuditJson {
  private AuditJson() {}

  public static ObjectNode toJson(ObjectMapper json, AuditEvent e) {
    ObjectNode o = json.createObjectNode();
    if (e.id() > 0) {
      o.put("id", e.id());
    }
    o.put("@timestamp", e.at().toEpochMilli());
    o.put("created_at", e.at().toString());
    o.put("kind", e.kind());
    o.put("actor", e.actor());
    if (e.tokenId() != null) {
      o.put("token_id", e.tokenId());
    }
    o.put("hashed_token", e.hashedToken());
    o.put("count", e.occurrences());
    if (e.kind().equals("decision")) {
      o.put("repository", e.repository());
      o.put("operation", e.operation());
      o.put("outcome", e.outcome());
      o.put("reason", e.reason());
      if (e.status() != null) {
        o.put("status", e.status());
      }
      o.put("client_address", e.clientAddress());
    } else {
      o.put("action", e.operation());
      o.put("target", e.target());
      o.put("before", e.before());
      o.put("after", e.after());
      o.put("via", e.via());
    }
    return o;
  }
}
