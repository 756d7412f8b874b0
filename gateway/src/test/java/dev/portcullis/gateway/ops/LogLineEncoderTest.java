package dev.portcullis.gateway.ops;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.LoggingEvent;
import ch.qos.logback.core.CoreConstants;
import ch.qos.logback.core.pattern.DynamicConverter;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/**
 * The batching appender's {@link LogLineEncoder#encodeTo} writes exactly the bytes of {@link
 * LogLineEncoder#encode}, logback's layout, and reuses its buffers doing so.
 */
class LogLineEncoderTest {
  /** The gateway's own line ({@code logback.xml}). */
  private static final String LINE = "%isoTime %-5level [%thread] %logger{24} - %msg%n";

  private static LoggerContext context() {
    LoggerContext ctx = new LoggerContext();
    ctx.setMDCAdapter(new ch.qos.logback.classic.util.LogbackMDCAdapter());
    Map<String, Supplier<DynamicConverter>> rules = new HashMap<>();
    rules.put("isoTime", IsoTimestampConverter::new);
    ctx.putObject(CoreConstants.PATTERN_RULE_REGISTRY_FOR_SUPPLIERS, rules);
    return ctx;
  }

  private static LogLineEncoder encoder(LoggerContext ctx, String format) {
    LogLineEncoder e = new LogLineEncoder();
    e.setContext(ctx);
    e.setFormat(format);
    e.setPattern(LINE);
    e.start();
    assertTrue(e.isStarted(), format);
    return e;
  }

  private static ILoggingEvent event(LoggerContext ctx, String message, Throwable t) {
    LoggingEvent e =
        new LoggingEvent(
            LogLineEncoderTest.class.getName(),
            ctx.getLogger("portcullis.git"),
            Level.INFO,
            message,
            t,
            null);
    e.prepareForDeferredProcessing();
    return e;
  }

  @Test
  void encodeToWritesWhatEncodeEncodesInBothFormats() throws Exception {
    LoggerContext ctx = context();
    List<ILoggingEvent> events =
        List.of(
            event(ctx, "git service=git-upload-pack/info-refs repo=acme/app op=read", null),
            event(ctx, "a login with non-ASCII letters: zoë, Ærø, 東京, 🙂", null),
            event(ctx, "with a stack trace", new IllegalStateException("boom")),
            event(ctx, "", null));
    for (String format : List.of("text", "json")) {
      LogLineEncoder encoder = encoder(ctx, format);
      for (ILoggingEvent e : events) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        encoder.encodeTo(e, out);
        assertArrayEquals(encoder.encode(e), out.toByteArray(), format + ": " + e.getMessage());
      }
    }
  }

  @Test
  void aTextLineIsEncodedIntoReusedBuffers() throws Exception {
    LoggerContext ctx = context();
    LogLineEncoder encoder = encoder(ctx, "text");
    ILoggingEvent e =
        event(
            ctx,
            "git service=git-upload-pack/info-refs repo=acme/app op=read user=alice token_id=7"
                + " decision=allow reason=authorized status=200 client=127.0.0.1 bytes_in=0"
                + " bytes_out=252 duration_ms=1",
            null);
    ByteArrayOutputStream out = new ByteArrayOutputStream(64 * 1024 * 1024);
    long reused = allocatedPerLine(() -> encoder.encodeTo(e, out), out);
    long encoded = allocatedPerLine(() -> out.write(encoder.encode(e)), out);
    // logback's encode makes a builder that grows past its 256 characters, a string and a byte
    // array for each line; the reused buffers leave the time's text and little else.
    assertTrue(
        reused * 4 < encoded,
        () -> reused + " bytes allocated per line, against " + encoded + " by encode");
  }

  private interface Line {
    void write() throws Exception;
  }

  /** Bytes this thread allocates per {@code line}, over 20,000 lines after as many unmeasured. */
  private static long allocatedPerLine(Line line, ByteArrayOutputStream out) throws Exception {
    com.sun.management.ThreadMXBean threads =
        (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
    int lines = 20_000;
    for (int i = 0; i < lines; i++) {
      line.write();
    }
    out.reset();
    long before = threads.getCurrentThreadAllocatedBytes();
    for (int i = 0; i < lines; i++) {
      line.write();
    }
    long perLine = (threads.getCurrentThreadAllocatedBytes() - before) / lines;
    out.reset();
    return perLine;
  }
}
