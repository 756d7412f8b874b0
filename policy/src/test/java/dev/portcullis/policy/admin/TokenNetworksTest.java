package dev.portcullis.policy.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.policy.audit.AuditEvent;
import dev.portcullis.policy.decision.Decision;
import dev.portcullis.policy.decision.Decision.Reason;
import dev.portcullis.policy.model.Actor;
import dev.portcullis.policy.model.GitOperation;
import dev.portcullis.policy.model.NetworkList;
import dev.portcullis.policy.model.OrgPolicy;
import dev.portcullis.policy.model.PolicyException;
import dev.portcullis.policy.token.AuthorizationHeader;
import dev.portcullis.policy.token.TokenDigest;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * Network allow lists end to end in the policy module: validated at creation, stored and loaded
 * with the token, audited, matched on the joined (warm) path of every request, and an
 * organization's settings checked at creation and again on use after they change.
 */
class TokenNetworksTest extends AdminFixture {

  static NewToken classicFrom(List<String> networks) {
    return new NewToken(
        "classic",
        "laptop",
        null,
        30,
        List.of("repo"),
        null,
        null,
        null,
        null,
        null,
        true,
        networks,
        null);
  }

  static NewToken fineGrainedFrom(List<String> networks) {
    return new NewToken(
        "fine_grained",
        "ci",
        null,
        30,
        null,
        "acme",
        "all",
        null,
        Map.of("contents", "write"),
        null,
        true,
        networks,
        null);
  }

  OrgPolicy orgPolicy(Object... kv) {
    Map<String, Object> patch = new HashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      patch.put((String) kv[i], kv[i + 1]);
    }
    return mgmt.policies().updateOrgPolicy(Actor.SYSTEM, "acme", patch);
  }

  Decision from(String plaintext, String address) {
    return service
        .decide(
            AuthorizationHeader.parse(basic(plaintext)), "acme", "app", GitOperation.READ, address)
        .decision();
  }

  static void assertRefused(Decision d, Reason reason) {
    Decision.Denied denied = assertInstanceOf(Decision.Denied.class, d);
    assertEquals(403, denied.status(), denied::toString);
    assertEquals(reason, denied.reason(), denied::toString);
  }

  @Test
  void invalidNetworksAndTooManyAreRefusedNamingTheField() {
    PolicyException bad =
        assertPolicyException(
            PolicyException.Kind.INVALID,
            () -> create("alice", classicFrom(List.of("10.0.0.0/8", "10.0.0.0/33", "nope"))));
    assertFieldError(bad, "allowed_networks");
    assertEquals(2, bad.errors().size(), bad.errors()::toString);
    List<String> many = IntStream.range(0, 33).mapToObj(i -> "10.0." + i + ".0/24").toList();
    assertFieldError(
        assertPolicyException(
            PolicyException.Kind.INVALID, () -> create("alice", fineGrainedFrom(many))),
        "allowed_networks");
    assertFalse(create("alice", classicFrom(many.subList(0, 32))).plaintext().isEmpty());
  }

  @Test
  void theListIsStoredCanonicalLoadedWithTheTokenAndAudited() {
    List<AuditEvent> events = new ArrayList<>();
    Admin audited = newAdmin(new SecureRandom(), events::add);
    CreatedToken t =
        audited
            .tokens()
            .createToken(
                Actor.SYSTEM, "alice", classicFrom(List.of("10.1.2.3/8", "2001:DB8::/32")));
    NetworkList expected = NetworkList.of(List.of("10.0.0.0/8", "2001:db8::/32"));
    assertEquals(expected, t.token().allowedNetworks());
    assertEquals(
        expected,
        store.tokenByDigest(TokenDigest.of(t.plaintext())).orElseThrow().allowedNetworks());
    AuditEvent created =
        events.stream().filter(e -> e.operation().equals("token.create")).findFirst().orElseThrow();
    assertTrue(created.after().contains("10.0.0.0/8, 2001:db8::/32"), created::after);
    assertNull(
        store
            .tokenByDigest(TokenDigest.of(create("alice", classicFrom(null)).plaintext()))
            .orElseThrow()
            .allowedNetworks());
  }

  @Test
  void everyRequestIsMatchedAgainstTheListOnTheWarmPathToo() {
    String t = create("alice", classicFrom(List.of("10.0.0.0/8", "2001:db8::/32"))).plaintext();
    for (int round = 0; round < 2; round++) { // cold, then from the joined entry
      assertTrue(from(t, "10.9.8.7").allowed());
      assertTrue(from(t, "[2001:db8::5]").allowed());
      Decision d = from(t, "203.0.113.7");
      assertRefused(d, Reason.NETWORK_NOT_ALLOWED);
      assertEquals("This token may not be used from 203.0.113.7.", ((Decision.Denied) d).message());
      Decision unknown = from(t, null);
      assertRefused(unknown, Reason.NETWORK_NOT_ALLOWED);
      assertEquals(
          "This token may not be used from an unknown address.",
          ((Decision.Denied) unknown).message());
    }
    String anywhere = create("alice", classicFrom(null)).plaintext();
    assertTrue(from(anywhere, "203.0.113.7").allowed());
  }

  @Test
  void anOrganizationRequiringAListRefusesTokensWithoutOneAtCreation() {
    orgPolicy("require_token_networks", true);
    assertFieldError(
        assertPolicyException(
            PolicyException.Kind.INVALID, () -> create("alice", fineGrainedFrom(null))),
        "allowed_networks");
    assertFalse(create("alice", fineGrainedFrom(List.of("10.0.0.0/8"))).plaintext().isEmpty());
    assertFalse(
        create("alice", classicFrom(null)).plaintext().isEmpty(), "classic tokens: not bound");
  }

  @Test
  void anOrganizationListMustHoldTheTokensListAtCreationAndOnUse() {
    OrgPolicy p = orgPolicy("token_networks", List.of("10.0.0.0/8"));
    assertEquals(NetworkList.of(List.of("10.0.0.0/8")), p.tokenNetworks());
    assertFieldError(
        assertPolicyException(
            PolicyException.Kind.INVALID,
            () -> create("alice", fineGrainedFrom(List.of("10.0.0.0/8", "192.0.2.0/24")))),
        "allowed_networks");
    String t = create("alice", fineGrainedFrom(List.of("10.1.0.0/16"))).plaintext();
    assertTrue(from(t, "10.1.2.3").allowed());
    assertTrue(from(t, "10.1.2.3").allowed());

    // Narrowed: the token's list no longer sits inside; refused on its very next request.
    orgPolicy("token_networks", List.of("10.0.0.0/16"));
    Decision d = from(t, "10.1.2.3");
    assertRefused(d, Reason.ORG_TOKEN_NETWORKS);
    assertTrue(((Decision.Denied) d).message().contains("'acme'"));
    assertRefused(
        service
            .decide(
                AuthorizationHeader.parse(basic(t)), "acme", "nope", GitOperation.READ, "10.1.2.3")
            .decision(),
        Reason.ORG_TOKEN_NETWORKS);

    orgPolicy("token_networks", null);
    assertTrue(from(t, "10.1.2.3").allowed(), "cleared: usable again");
  }

  @Test
  void theOrganizationSettingsAreValidated() {
    PolicyException e =
        assertPolicyException(
            PolicyException.Kind.INVALID,
            () ->
                orgPolicy(
                    "token_networks",
                    List.of("10.0.0.0/8", "300.0.0.0/8"),
                    "require_token_networks",
                    "yes"));
    assertFieldError(e, "token_networks");
    assertFieldError(e, "require_token_networks");
    List<String> many = IntStream.range(0, 33).mapToObj(i -> "10." + i + ".0.0/16").toList();
    assertFieldError(
        assertPolicyException(
            PolicyException.Kind.INVALID, () -> orgPolicy("token_networks", many)),
        "token_networks");
    OrgPolicy p = orgPolicy("require_token_networks", true);
    assertTrue(p.requireTokenNetworks());
    assertTrue(store.organizationById(acmeId()).orElseThrow().policy().requireTokenNetworks());
  }

  long acmeId() {
    return store.ownerByLogin("acme").orElseThrow().id();
  }
}
