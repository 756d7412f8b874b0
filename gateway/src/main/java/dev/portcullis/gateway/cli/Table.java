package dev.portcullis.gateway.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Aligned text columns for the list commands: a header row, then one row per JSON item, columns two
 * spaces apart and the last one unpadded. A missing or null value shows as {@code -}; line breaks
 * in a value become spaces, so every item stays on one line.
 */
final class Table {
  /** One column: its header and how a JSON item gives its value ({@code null} for none). */
  record Column(String header, Function<JsonNode, String> value) {}

  private Table() {}

  /** A column showing the text of {@code field}. */
  static Column column(String header, String field) {
    return new Column(header, item -> text(item.get(field)));
  }

  /** The text of a JSON value: {@code null} for none, numbers and booleans as JSON writes them. */
  static String text(JsonNode v) {
    if (v != null && v.isArray()) {
      // A list (an organization's token_networks): comma-separated, as the options take it.
      List<String> items = new ArrayList<>();
      v.forEach(e -> items.add(e.asText()));
      return String.join(",", items);
    }
    return v == null || v.isNull() || v.isMissingNode() ? null : v.asText();
  }

  /**
   * A fine-grained token's permissions object, as {@code name=level} pairs: the spelling {@code
   * token create --permission} and the filters take.
   */
  static String permissions(JsonNode perms) {
    List<String> out = new ArrayList<>();
    if (perms != null) {
      perms
          .fields()
          .forEachRemaining(
              e -> {
                if (e.getValue().isObject()) {
                  // GitHub's grant listings group permissions by category.
                  e.getValue().fields().forEachRemaining(p -> out.add(pair(p)));
                } else {
                  out.add(pair(e));
                }
              });
    }
    return out.isEmpty() ? null : String.join(",", out);
  }

  private static String pair(Map.Entry<String, JsonNode> e) {
    return e.getKey() + "=" + e.getValue().asText();
  }

  /** {@code v} on one line, without control or format characters. */
  private static String clean(String v) {
    StringBuilder out = new StringBuilder();
    v.strip()
        .replaceAll("\\s+", " ")
        .codePoints()
        .forEach(
            c ->
                out.appendCodePoint(
                    Character.isISOControl(c) || Character.getType(c) == Character.FORMAT
                        ? '?'
                        : c));
    return out.toString();
  }

  /** The table: header and rows, each line ending in a line break. */
  static String render(List<Column> columns, Iterable<JsonNode> items) {
    List<String[]> rows = new ArrayList<>();
    rows.add(columns.stream().map(Column::header).toArray(String[]::new));
    for (JsonNode item : items) {
      String[] row = new String[columns.size()];
      for (int i = 0; i < row.length; i++) {
        String v = columns.get(i).value().apply(item);
        row[i] = v == null || v.isBlank() ? "-" : clean(v);
      }
      rows.add(row);
    }
    int[] width = new int[columns.size()];
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        width[i] = Math.max(width[i], row[i].length());
      }
    }
    StringBuilder out = new StringBuilder();
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < row.length; i++) {
        line.append(row[i]);
        if (i < row.length - 1) {
          line.append(" ".repeat(width[i] - row[i].length() + 2));
        }
      }
      out.append(line.toString().stripTrailing()).append('\n');
    }
    return out.toString();
  }
}
