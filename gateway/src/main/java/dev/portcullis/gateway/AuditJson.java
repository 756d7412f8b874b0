package dev.portcullis.gateway;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.policy.AuditEvent;

/**
 * The REST API's name for {@link dev.portcullis.gateway.ops.AuditJson}, which moved to the ops
 * package; it goes once the api package refers to that class directly.
 */
public final class AuditJson {
  private AuditJson() {}

  public static ObjectNode toJson(ObjectMapper json, AuditEvent e) {
    return dev.portcullis.gateway.ops.AuditJson.toJson(json, e);
  }
}
