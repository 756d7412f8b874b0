package dev.portcullis.gateway.api;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Typed access to a request's JSON object: a field of the wrong type is a 422 naming the field,
 * never a 500.
 */
final class JsonBody {
  private final JsonNode node;
  private final String resource;

  JsonBody(JsonNode node, String resource) {
    if (node == null || node.isMissingNode() || node.isNull()) {
      throw new ApiException(400, "Body should be a JSON object");
    }
    if (!node.isObject()) {
      throw new ApiException(400, "Body should be a JSON object");
    }
    this.node = node;
    this.resource = resource;
  }

  boolean has(String field) {
    return node.has(field);
  }

  /** Rejects fields other than {@code allowed}. */
  JsonBody only(String... allowed) {
    List<String> ok = List.of(allowed);
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String f = it.next();
      if (!ok.contains(f)) {
        throw ApiException.invalid(resource, f, "invalid", "unknown field '" + f + "'");
      }
    }
    return this;
  }

  String string(String field) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual()) {
      throw ApiException.invalid(resource, field, "invalid", field + " must be a string");
    }
    return text(field, v.asText());
  }

  /** Strings may carry newlines and tabs (descriptions, reasons) but no other control character. */
  private String text(String field, String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 && c != '\n' && c != '\t' || c == 0x7f) {
        throw ApiException.invalid(
            resource, field, "invalid", field + " must not contain control characters");
      }
    }
    return s;
  }

  String requiredString(String field) {
    String s = string(field);
    if (s == null) {
      throw ApiException.invalid(resource, field, "missing_field", field + " is required");
    }
    return s;
  }

  Integer integer(String field) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isIntegralNumber() || !v.canConvertToInt()) {
      throw ApiException.invalid(resource, field, "invalid", field + " must be an integer");
    }
    return v.asInt();
  }

  List<String> strings(String field) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isArray()) {
      throw ApiException.invalid(
          resource, field, "invalid", field + " must be an array of strings");
    }
    List<String> out = new ArrayList<>();
    for (JsonNode e : v) {
      if (!e.isTextual()) {
        throw ApiException.invalid(
            resource, field, "invalid", field + " must be an array of strings");
      }
      out.add(text(field, e.asText()));
    }
    return out;
  }

  List<Long> longs(String field, int min, int max) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isArray()) {
      throw ApiException.invalid(
          resource, field, "invalid", field + " must be an array of integers");
    }
    List<Long> out = new ArrayList<>();
    for (JsonNode e : v) {
      if (!e.isIntegralNumber() || !e.canConvertToLong()) {
        throw ApiException.invalid(
            resource, field, "invalid", field + " must be an array of integers");
      }
      out.add(e.asLong());
    }
    if (out.size() < min || out.size() > max) {
      throw ApiException.invalid(
          resource, field, "invalid", field + " must have " + min + "–" + max + " items");
    }
    return out;
  }

  /** A nested object, or null when absent or null. */
  JsonBody object(String field) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isObject()) {
      throw ApiException.invalid(resource, field, "invalid", field + " must be an object");
    }
    return new JsonBody(v, resource);
  }

  Boolean bool(String field) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isBoolean()) {
      throw ApiException.invalid(resource, field, "invalid", field + " must be a boolean");
    }
    return v.asBoolean();
  }

  /** A string or a number as text (GitHub takes both for some settings); null otherwise. */
  String scalarText(String field) {
    JsonNode v = node.get(field);
    if (v == null || !(v.isTextual() || v.isIntegralNumber())) {
      return null;
    }
    return v.asText();
  }

  Map<String, String> stringMap(String field) {
    JsonNode v = node.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isObject()) {
      throw ApiException.invalid(
          resource, field, "invalid", field + " must be an object of name → level");
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      if (!e.getValue().isTextual()) {
        throw ApiException.invalid(
            resource, field, "invalid", field + "." + e.getKey() + " must be a string level");
      }
      out.put(text(field, e.getKey()), text(field, e.getValue().asText()));
    }
    return out;
  }

  /** The object as a patch: field → String, Integer, Boolean, List of Strings or null. */
  Map<String, Object> patch() {
    Map<String, Object> out = new LinkedHashMap<>();
    for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      JsonNode v = e.getValue();
      if (v.isNull()) {
        out.put(e.getKey(), null);
      } else if (v.isTextual()) {
        out.put(e.getKey(), text(e.getKey(), v.asText()));
      } else if (v.isIntegralNumber() && v.canConvertToInt()) {
        out.put(e.getKey(), v.asInt());
      } else if (v.isBoolean()) {
        out.put(e.getKey(), v.asBoolean());
      } else if (v.isArray()) {
        out.put(e.getKey(), strings(e.getKey()));
      } else {
        throw ApiException.invalid(
            resource,
            e.getKey(),
            "invalid",
            e.getKey() + " must be a string, an integer, a boolean, an array of strings or null");
      }
    }
    return out;
  }
}
