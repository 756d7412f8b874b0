package dev.portcullis.gateway.ops;

import ch.qos.logback.classic.encoder.JsonEncoder;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.EncoderBase;

/**
 * The encoder of every log line: text with {@code pattern} (the default), or with {@code format}
 * {@code json} one JSON object per line (logback's own {@link JsonEncoder}), for log shippers.
 * Chosen in {@code logback.xml} from {@code --log-format} or {@code PORTCULLIS_LOG_FORMAT}.
 */
public final class LogLineEncoder extends EncoderBase<ILoggingEvent> {
  private String format = "text";
  private String pattern;
  private Encoder<ILoggingEvent> delegate;

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
        JsonEncoder json = new JsonEncoder();
        json.setContext(getContext());
        // The message as it reads ("formattedMessage"), not its template and arguments; no
        // sequence number, nanoseconds or context (constant).
        json.setWithFormattedMessage(true);
        json.setWithMessage(false);
        json.setWithArguments(false);
        json.setWithContext(false);
        json.setWithSequenceNumber(false);
        json.setWithNanoseconds(false);
        json.start();
        delegate = json;
      }
      case "text" -> {
        PatternLayoutEncoder text = new PatternLayoutEncoder();
        text.setContext(getContext());
        text.setPattern(pattern);
        text.start();
        delegate = text;
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
    return delegate.headerBytes();
  }

  @Override
  public byte[] encode(ILoggingEvent event) {
    return delegate.encode(event);
  }

  @Override
  public byte[] footerBytes() {
    return delegate.footerBytes();
  }
}
