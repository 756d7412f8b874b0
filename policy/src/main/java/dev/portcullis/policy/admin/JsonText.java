package dev.portcullis.policy.admin;

import dev.portcullis.policy.audit.AuditEvent;
import dev.portcullis.policy.model.AccessToken;
import dev.portcullis.policy.model.EnterprisePolicy;
import dev.portcullis.policy.model.OrgPolicy;

/**
 * Minimal JSON object text for audit before/after states (the policy module has no JSON library).
 */
final class JsonText {
  private JsonText() {}

  /** {@code {"k1": v1, …}} from alternating keys and values (String, Number, Boolean or null). */
  static String object(Object... kv) {
    StringBuilder sb = new StringBuilder("{");
    for (int i = 0; i + 1 < kv.length; i += 2) {
      if (i > 0) {
        sb.append(',');
      }
      string(sb, String.valueOf(kv[i]));
      sb.append(':');
      Object v = kv[i + 1];
      if (v == null) {
        sb.append("null");
      } else if (v instanceof Number || v instanceof Boolean) {
        sb.append(v);
      } else {
        string(sb, v.toString());
      }
    }
    return sb.append('}').toString();
  }

  private static void string(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (c < 0x20) {
            sb.append(String.format("\\u%04x", (int) c));
          } else {
            sb.append(c);
          }
        }
      }
    }
    sb.append('"');
  }

  static String of(EnterprisePolicy p) {
    return object(
        "fine_grained_access",
        p.fineGrainedAccess().apiName(),
        "classic_access",
        p.classicAccess().apiName(),
        "fine_grained_approval",
        p.fineGrainedApproval().apiName(),
        "fine_grained_max_lifetime_days",
        p.fineGrainedMaxLifetimeDays(),
        "classic_max_lifetime_days",
        p.classicMaxLifetimeDays());
  }

  static String of(OrgPolicy p) {
    return object(
        "fine_grained_access",
        p.fineGrainedAccess().apiName(),
        "classic_access",
        p.classicAccess().apiName(),
        "fine_grained_approval",
        p.fineGrainedApproval().apiName(),
        "fine_grained_max_lifetime_days",
        p.fineGrainedMaxLifetimeDays(),
        "classic_max_lifetime_days",
        p.classicMaxLifetimeDays(),
        "push_protection",
        p.pushProtection().apiName(),
        "require_token_networks",
        p.requireTokenNetworks(),
        "token_networks",
        p.tokenNetworks() == null ? null : p.tokenNetworks().toString());
  }

  static String of(AccessToken t) {
    return object(
        "id",
        t.id(),
        "user_id",
        t.userId(),
        "type",
        t.kind().apiName(),
        "name",
        t.name(),
        "expires_at",
        t.expiresAt() == null ? null : t.expiresAt().toString(),
        "hashed_token",
        AuditEvent.hashedToken(t.digest()),
        "deleted",
        t.deleted(),
        "allowed_networks",
        t.allowedNetworks() == null ? null : t.allowedNetworks().toString(),
        "ref_patterns",
        t.refPatterns() == null ? null : t.refPatterns().toString());
  }
}
