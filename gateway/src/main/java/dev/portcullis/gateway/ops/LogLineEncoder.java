package dev.portcullis.gateway.ops;

import ch.qos.logback.classic.PatternLayout;
import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.pattern.EnsureExceptionHandling;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.EncoderBase;
import ch.qos.logback.core.pattern.Converter;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The encoder of every log line: text with {@code pattern} (the default), or with {@code format}
 * {@code json} one JSON object per line (logback's own {@link JsonEncoder}), for log shippers.
 * Chosen in {@code logback.xml} from {@code --log-format} or {@code PORTCULLIS_LOG_FORMAT}.
 *
 * <p>Text lines are laid out by logback's {@link PatternLayout} with its converters, so the pattern
 * means what it means in logback. {@link #encode} is logback's: a new string and byte array per
 * line, safe from any thread. {@link #encodeTo}, for the one writer thread of {@link
 * BatchingStderrAppender}, runs the same converters into a builder and a byte buffer it reuses: the
 * per-request git line then costs no copies beyond the event itself.
 */
public final class LogLineEncoder extends EncoderBase<ILoggingEvent> {
  private String format = "text";
  private String pattern;
  private Encoder<ILoggingEvent> json;
  private PatternLayout text;

  /** The text layout's converters, as logback compiled them (with its exception handling). */
  private Converter<ILoggingEvent> head;

  private final StringBuilder line = new StringBuilder(512);
  private byte[] bytes = new byte[512];

  public void setFormat(String format) {
    this.format = format;
  }

  public void setPattern(String pattern) {
    this.pattern = pattern;
  }

  @Override
  public void start() {
    switch (format) {
      case "json" -> {
        JsonEncoder j = new JsonEncoder();
        j.setContext(getContext());
        // The message as it reads ("formattedMessage"), not its template and arguments; no
        // sequence number, nanoseconds or context (constant).
        j.setWithFormattedMessage(true);
        j.setWithMessage(false);
        j.setWithArguments(false);
        j.setWithContext(false);
        j.setWithSequenceNumber(false);
        j.setWithNanoseconds(false);
        j.start();
        json = j;
      }
      case "text" -> {
        PatternLayout layout = new PatternLayout();
        layout.setContext(getContext());
        layout.setPattern(pattern);
        EnsureExceptionHandling exceptions = new EnsureExceptionHandling();
        layout.setPostCompileProcessor(
            (context, compiled) -> {
              exceptions.process(context, compiled);
              head = compiled;
            });
        layout.start();
        if (!layout.isStarted() || head == null) {
          addError("log pattern '" + pattern + "' did not compile");
          return;
        }
        text = layout;
      }
      default -> {
        addError("log format '" + format + "' is neither text nor json");
        return;
      }
    }
    super.start();
  }

  @Override
  public byte[] headerBytes() {
    return json != null ? json.headerBytes() : null;
  }

  @Override
  public byte[] encode(ILoggingEvent event) {
    return json != null
        ? json.encode(event)
        : text.doLayout(event).getBytes(StandardCharsets.UTF_8);
  }

  /**
   * Writes {@code event}'s line to {@code out}, as {@link #encode} would encode it. Not
   * thread-safe: one caller at a time (the batching appender's writer, under its lock).
   */
  void encodeTo(ILoggingEvent event, OutputStream out) throws IOException {
    if (json != null) {
      out.write(json.encode(event));
      return;
    }
    StringBuilder sb = line;
    sb.setLength(0);
    for (Converter<ILoggingEvent> c = head; c != null; c = c.getNext()) {
      c.write(sb, event);
    }
    int n = sb.length();
    if (bytes.length < n) {
      bytes = new byte[Math.max(n, 2 * bytes.length)];
    }
    for (int i = 0; i < n; i++) {
      char ch = sb.charAt(i);
      if (ch >= 0x80) {
        // Not ASCII: the JDK's encoder for the whole line.
        out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
        return;
      }
      bytes[i] = (byte) ch;
    }
    out.write(bytes, 0, n);
  }

  @Override
  public byte[] footerBytes() {
    return json != null ? json.footerBytes() : null;
  }
}
