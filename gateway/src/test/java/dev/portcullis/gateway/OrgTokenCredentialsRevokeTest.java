package dev.portcullis.gateway;

import static dev.portcullis.gateway.ApiFixtures.plaintext;
import static dev.portcullis.gateway.ApiFixtures.tokenId;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.policy.token.TokenFormat;
import dev.portcullis.policy.token.TokenKind;
import java.security.SecureRandom;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * {@code POST /credentials/revoke}: it needs no authentication, revokes real tokens for the next
 * clone and API call, and its answer reveals nothing about which credentials were real.
 */
class OrgTokenCredentialsRevokeTest extends OrgTokenApiHarness {
  @Test
  @Order(80)
  void credentialsRevokeNeedsNoAuthRevokesRealTokensAndRevealsNothing() throws Exception {
    OrgSetup o = org("leak", 1, "app");
    String dev = o.members().get(0);
    fx.approvalNotRequired(o.org());
    JsonNode leaked = fx.readAll(dev, o.org());
    JsonNode kept = fx.readAll(dev, o.org());
    assertClones(dev, plaintext(leaked), o.org(), "app");
    String fake = TokenFormat.generate(TokenKind.FINE_GRAINED, new SecureRandom());
    String fake2 = TokenFormat.generate(TokenKind.CLASSIC, new SecureRandom());

    Resp withReal =
        send(
            "POST",
            "/credentials/revoke",
            body("credentials", List.of(fake, "not-a-token", plaintext(leaked))),
            null);
    Resp onlyFake = send("POST", "/credentials/revoke", body("credentials", List.of(fake2)), null);
    Resp badAuth =
        send(
            "POST", "/credentials/revoke", body("credentials", List.of(fake)), "token pcc_garbage");
    for (Resp r : List.of(withReal, onlyFake, badAuth)) {
      assertEquals(202, r.status(), r::toString);
      assertEquals("{}", r.json().toString(), r::toString);
    }
    assertEquals(
        withReal.body(),
        onlyFake.body(),
        "the answer says nothing about which credentials were real");
    assertEquals(headerNames(withReal), headerNames(onlyFake));

    assertCloneRefused(dev, plaintext(leaked), o.org(), "app", 401, null);
    Resp api = expect(401, get(requests(o.org()), plaintext(leaked)));
    assertEquals("Bad credentials", api.json().get("message").asText());
    assertClones(dev, plaintext(kept), o.org(), "app");
    List<Long> listed = expect(200, get(grants(o.org()), o.ownerToken())).ids();
    assertFalse(
        listed.contains(tokenId(leaked)),
        "a revoked credential's grant is no longer listed: " + listed);
    assertTrue(listed.contains(tokenId(kept)));

    Resp again =
        send("POST", "/credentials/revoke", body("credentials", List.of(plaintext(leaked))), null);
    assertEquals(202, again.status(), again::toString);
    assertEquals(
        422,
        send("POST", "/credentials/revoke", body("credentials", List.of()), null).status(),
        "GitHub's schema asks for 1–1000 credentials");
  }

  private static Set<String> headerNames(Resp r) {
    Set<String> names = new TreeSet<>(r.headers().map().keySet());
    names.remove("date");
    return names;
  }
}
