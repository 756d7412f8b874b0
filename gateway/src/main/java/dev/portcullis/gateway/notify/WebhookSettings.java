package dev.portcullis.gateway.notify;

import java.time.Duration;

/**
 * How this node delivers organization webhooks.
 *
 * @param allowPrivate {@code --allow-private-webhooks}: URLs resolving to loopback, link-local or
 *     private addresses are allowed (for tests and closed networks; off by default)
 * @param pollInterval how often the outbox is read for due deliveries
 * @param deliver whether this node runs a sender at all (tests drive their own)
 */
public record WebhookSettings(boolean allowPrivate, Duration pollInterval, boolean deliver) {
  public static final WebhookSettings DEFAULT =
      new WebhookSettings(false, Duration.ofSeconds(1), true);

  public WebhookSettings {
    if (pollInterval == null || pollInterval.isNegative() || pollInterval.isZero()) {
      throw new IllegalArgumentException("the webhook poll interval must be positive");
    }
  }

  public WebhookSettings withAllowPrivate(boolean allow) {
    return new WebhookSettings(allow, pollInterval, deliver);
  }

  public WebhookSettings withDeliver(boolean on) {
    return new WebhookSettings(allowPrivate, pollInterval, on);
  }

  public WebhookSettings withPollInterval(Duration every) {
    return new WebhookSettings(allowPrivate, every, deliver);
  }
}
