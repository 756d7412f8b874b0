package dev.portcullis.gateway.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.portcullis.policy.model.AccessToken;
import dev.portcullis.policy.store.PolicyStore;
import dev.portcullis.policy.token.TokenDigest;
import dev.portcullis.policy.token.TokenFormat;
import dev.portcullis.policy.token.TokenKind;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@code portcullis_secrets}: each secret's own times, no hash, and whose a late-written use is.
 */
class TokenSecretsShapeTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final SecureRandom RANDOM = new SecureRandom();
  private final ObjectMapper json = new ObjectMapper();

  private static TokenDigest digest() {
    return TokenDigest.of(TokenFormat.generate(TokenKind.CLASSIC, RANDOM));
  }

  private static AccessToken token(Instant created, Instant lastUsed) {
    return new AccessToken(
        7,
        1,
        TokenKind.CLASSIC,
        digest(),
        "deploy",
        null,
        created,
        created.plusSeconds(86_400),
        lastUsed,
        null,
        Set.of("repo"),
        null,
        null,
        Set.of(),
        Map.of());
  }

  private static PolicyStore.TokenSecret rotated(Instant rotatedAt, Instant lastUsed) {
    return new PolicyStore.TokenSecret(
        3, 7, digest(), T0, T0.plusSeconds(86_400), rotatedAt, rotatedAt.plusSeconds(60), lastUsed);
  }

  @Test
  void eachSecretShowsItsOwnTimesAndTheTokenTheLatestUse() {
    Instant rotation = T0.plusSeconds(600);
    PolicyStore.TokenSecret old = rotated(rotation, rotation.plusSeconds(30));
    ObjectNode o = json.createObjectNode();
    new GithubShapes(json).secrets(o, token(rotation, rotation.plusSeconds(10)), List.of(old));
    assertEquals(2, o.get("portcullis_secrets").size());
    ObjectNode current = (ObjectNode) o.get("portcullis_secrets").get(0);
    ObjectNode previous = (ObjectNode) o.get("portcullis_secrets").get(1);
    assertTrue(current.get("current").asBoolean());
    assertEquals(rotation.plusSeconds(10).toString(), current.get("last_used_at").asText());
    assertFalse(previous.get("current").asBoolean());
    assertEquals(rotation.toString(), previous.get("rotated_at").asText());
    assertEquals(rotation.plusSeconds(60).toString(), previous.get("valid_until").asText());
    assertEquals(rotation.plusSeconds(30).toString(), previous.get("last_used_at").asText());
    assertEquals(rotation.plusSeconds(30).toString(), o.get("last_used_at").asText());
    assertFalse(o.toString().contains(old.digest().hex()), "no hash");
    assertFalse(o.toString().contains("digest"), "no hash");
  }

  @Test
  void aUseOlderThanTheCurrentSecretWasThePreviousOnes() {
    Instant rotation = T0.plusSeconds(600);
    ObjectNode o = json.createObjectNode();
    new GithubShapes(json)
        .secrets(o, token(rotation, rotation.minusSeconds(5)), List.of(rotated(rotation, null)));
    assertTrue(o.get("portcullis_secrets").get(0).get("last_used_at").isNull());
    assertEquals(
        rotation.minusSeconds(5).toString(),
        o.get("portcullis_secrets").get(1).get("last_used_at").asText());
    assertEquals(rotation.minusSeconds(5).toString(), o.get("last_used_at").asText());
  }
}
