package dev.portcullis.gateway.notify;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.portcullis.gateway.Gateway;
import dev.portcullis.gateway.GatewayConfig;
import dev.portcullis.policy.admin.Admin;
import dev.portcullis.policy.admin.CreatedToken;
import dev.portcullis.policy.admin.NewToken;
import dev.portcullis.policy.admin.Notifications;
import dev.portcullis.policy.model.Actor;
import dev.portcullis.policy.model.Notification;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The sender's batch against a slow mail server: once half the claim's lease has passed, the rest
 * of the batch is left for a later run, which finds it claimable once the lease ends; nothing is
 * sent twice. The mailer here is a fake that moves the test's clock as a slow server would.
 */
class NotificationSenderTest {
  @TempDir Path tmp;
  private Gateway gateway;
  private volatile Instant now;
  private final Clock clock =
      new Clock() {
        @Override
        public Instant instant() {
          return now;
        }

        @Override
        public ZoneId getZone() {
          return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
          return this;
        }
      };

  @BeforeEach
  void start() throws Exception {
    gateway = Gateway.start(GatewayConfig.defaults(tmp.resolve("data")).withPorts(0, null));
  }

  @AfterEach
  void stop() {
    gateway.close();
  }

  @Test
  void aSlowServerLeavesTheRestOfTheBatchForAfterTheLease() {
    Admin admin = gateway.admin();
    admin.accounts().createUser(Actor.SYSTEM, "olive", "olive@example.test", null);
    admin.accounts().createUser(Actor.SYSTEM, "bob", "bob@example.test", null);
    admin.accounts().createOrganization(Actor.SYSTEM, "acme", "olive", null);
    admin.accounts().setMembership(Actor.SYSTEM, "acme", "bob", "member");
    List<Long> requests = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      NewToken req =
          new NewToken(
              "fine_grained",
              "t" + i,
              null,
              30,
              List.of(),
              "acme",
              "all",
              List.of(),
              Map.of("contents", "read"),
              "for CI");
      CreatedToken t = admin.tokens().createToken(Actor.SYSTEM, "bob", req);
      requests.add(t.grant().id());
    }
    admin.reviews().reviewRequests(Actor.SYSTEM, "acme", requests, true, null);
    now = Instant.now().plusSeconds(1);

    List<MailMessage> sent = new ArrayList<>();
    // Each mail takes a third of the lease: after two, half the lease has passed.
    Mailer slow =
        m -> {
          sent.add(m);
          now = now.plus(Notifications.LEASE.dividedBy(3));
        };
    NotificationSender sender =
        new NotificationSender(
            admin.notifications(), slow, clock, () -> "https://git.example.test", "node-a");
    assertEquals(2, sender.deliverDue());
    assertEquals(2, sent.size());

    NotificationSender other =
        new NotificationSender(
            admin.notifications(), slow, clock, () -> "https://git.example.test", "node-b");
    // node-a's claim on the other two still holds.
    assertEquals(0, other.deliverDue());
    now = now.plus(Notifications.LEASE);
    assertEquals(2, other.deliverDue(), "the rest, once the claim ended");
    assertEquals(4, sent.size());
    assertEquals(
        4,
        admin.notifications().list(Actor.SYSTEM, Notification.SENT, 1, 10).items().size(),
        "each sent once");
    now = now.plus(Duration.ofDays(1));
    assertEquals(0, sender.deliverDue());
    assertEquals(0, other.deliverDue());
  }
}
