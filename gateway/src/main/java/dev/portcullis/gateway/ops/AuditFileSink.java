package dev.portcullis.gateway.ops;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.portcullis.policy.audit.AuditEvent;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.function.Consumer;

/** Appends audit events to a JSON-lines file, one object per line, flushed per batch. */
public final class AuditFileSink implements Consumer<List<AuditEvent>>, AutoCloseable {
  private final ObjectMapper json = new ObjectMapper();
  private final BufferedWriter out;

  public AuditFileSink(Path file) {
    try {
      if (file.getParent() != null) {
        Files.createDirectories(file.getParent());
      }
      this.out =
          Files.newBufferedWriter(
              file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the audit file " + file, e);
    }
  }

  @Override
  public synchronized void accept(List<AuditEvent> batch) {
    try {
      for (AuditEvent e : batch) {
        out.write(json.writeValueAsString(AuditJson.toJson(json, e)));
        out.write('\n');
      }
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the audit file", e);
    }
  }

  @Override
  public synchronized void close() {
    try {
      out.close();
    } catch (IOException e) {
      // closing at shutdown
    }
  }
}
