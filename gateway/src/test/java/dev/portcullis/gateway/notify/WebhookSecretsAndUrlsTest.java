package dev.portcullis.gateway.notify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Sealed webhook secrets and the addresses webhooks may not reach. */
class WebhookSecretsAndUrlsTest {
  @TempDir Path dir;

  @Test
  void aSecretSealedUnderTheFileKeyOpensOnlyWithIt() throws Exception {
    WebhookSecrets secrets = new WebhookSecrets(dir, Map.of());
    String sealed = secrets.seal("hunter2");
    assertTrue(sealed.startsWith("v1:"));
    assertFalse(sealed.contains("hunter2"));
    assertNotEquals(sealed, secrets.seal("hunter2"), "a fresh nonce each time");
    assertEquals("hunter2", secrets.open(sealed));
    assertNull(secrets.seal(null));
    assertNull(secrets.open(null));
    Path key = dir.resolve(WebhookSecrets.KEY_FILE);
    assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
    // Another process on the same data directory reads the same key.
    assertEquals("hunter2", new WebhookSecrets(dir, Map.of()).open(sealed));

    String otherKey = Base64.getEncoder().encodeToString(new byte[32]);
    WebhookSecrets env = new WebhookSecrets(dir, Map.of(WebhookSecrets.ENV, otherKey));
    IllegalStateException wrong = assertThrows(IllegalStateException.class, () -> env.open(sealed));
    assertTrue(wrong.getMessage().contains(WebhookSecrets.ENV), wrong.getMessage());
    assertFalse(wrong.getMessage().contains("hunter2"));
    assertEquals("x", env.open(env.seal("x")));
    String tampered =
        sealed.substring(0, sealed.length() - 2) + (sealed.endsWith("A") ? "BB" : "AA");
    assertThrows(IllegalStateException.class, () -> secrets.open(tampered));
    assertThrows(
        IllegalStateException.class,
        () -> new WebhookSecrets(dir, Map.of(WebhookSecrets.ENV, "c2hvcnQ=")).seal("x"),
        "a key of the wrong length");
  }

  @Test
  void privateLoopbackAndLinkLocalAddressesAreRefusedUnlessAllowed() throws Exception {
    for (String a :
        List.of(
            "127.0.0.1",
            "10.0.0.1",
            "172.16.5.4",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "::1",
            "fe80::1",
            "fd12:3456::1",
            "::ffff:10.0.0.1")) {
      assertTrue(WebhookUrls.isPrivate(InetAddress.getByName(a)), a);
    }
    for (String a : List.of("192.0.2.1", "8.8.8.8", "2001:db8::1", "100.128.0.1")) {
      assertFalse(WebhookUrls.isPrivate(InetAddress.getByName(a)), a);
    }
    assertTrue(WebhookUrls.problem("http://127.0.0.1:8080/x", false).contains("private"));
    assertTrue(WebhookUrls.problem("http://[::1]/x", false).contains("private"));
    assertNull(WebhookUrls.problem("http://127.0.0.1:8080/x", true));
    assertNull(WebhookUrls.problem("https://192.0.2.1/x", false));
    assertTrue(WebhookUrls.problem("ftp://192.0.2.1/x", true).contains("http"));
    assertTrue(WebhookUrls.problem("http://u:p@192.0.2.1/x", true).contains("credentials"));
    assertTrue(WebhookUrls.problem("http:///x", true).contains("host"));
    assertTrue(WebhookUrls.problem("not a url", true) != null);
  }
}
