package dev.portcullis.gateway.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@link Table}: alignment, empty values, and values that would break a line or a terminal. */
class TableTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static JsonNode json(String s) throws Exception {
    return JSON.readTree(s);
  }

  private static final List<Table.Column> COLUMNS =
      List.of(
          Table.column("ID", "id"),
          Table.column("NAME", "name"),
          new Table.Column("PERMISSIONS", t -> Table.permissions(t.get("permissions"))));

  @Test
  void alignsColumnsUnderTheirHeadersWithoutTrailingBlanks() throws Exception {
    String out =
        Table.render(
            COLUMNS,
            json(
                "[{\"id\":7,\"name\":\"laptop\",\"permissions\":{\"contents\":\"write\"}},"
                    + "{\"id\":12345,\"name\":null}]"));
    assertEquals(
        "ID     NAME    PERMISSIONS\n" + "7      laptop  contents=write\n" + "12345  -       -\n",
        out);
  }

  @Test
  void grantsGroupedPermissionsAreFlattened() throws Exception {
    JsonNode grouped =
        json(
            "{\"organization\":{\"members\":\"read\"},"
                + "\"repository\":{\"contents\":\"read\",\"metadata\":\"read\"}}");
    assertEquals("members=read,contents=read,metadata=read", Table.permissions(grouped));
  }

  @Test
  void aValueStaysOnOneLineAndCannotDriveTheTerminal() throws Exception {
    String out =
        Table.render(
            COLUMNS, json("[{\"id\":1,\"name\":\" two\\nlines\\tand \\u001b[2J\\u202eevil \"}]"));
    assertEquals(
        "ID  NAME                     PERMISSIONS\n" + "1   two lines and ?[2J?evil  -\n", out);
  }

  @Test
  void anEmptyListIsItsHeader() throws Exception {
    assertEquals("ID  NAME  PERMISSIONS\n", Table.render(COLUMNS, json("[]")));
  }
}
