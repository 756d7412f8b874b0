package dev.portcullis.gateway;

import static dev.portcullis.gateway.ApiFixtures.plaintext;
import static dev.portcullis.gateway.ApiFixtures.requestId;
import static dev.portcullis.gateway.ApiFixtures.tokenId;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import dev.portcullis.gateway.OrgTokenContract.Op;
import dev.portcullis.policy.token.TokenFormat;
import dev.portcullis.policy.token.TokenKind;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * Who may call each of the 8 operations: the site administrator, an owner's classic {@code
 * admin:org} token, and an owner's fine-grained token with the matching organization permission;
 * everyone else gets 403, and no or bad credentials get 401.
 */
class OrgTokenAuthorizationTest extends OrgTokenApiHarness {
  @Test
  @Order(70)
  void authorizationMatrix() {
    OrgSetup o = org("authz", 1, "app");
    String dev = o.members().get(0);
    List<JsonNode> pending = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      pending.add(fx.readAll(dev, o.org()));
    }
    List<JsonNode> approved = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      approved.add(fx.readAll(dev, o.org()));
    }
    expect(
        202,
        post(
            requests(o.org()),
            body(
                "pat_request_ids",
                approved.stream().map(ApiFixtures::requestId).toList(),
                "action",
                "approve"),
            adminToken));
    String org = o.org();
    long p0 = requestId(pending.get(0));
    long g0 = tokenId(approved.get(0));

    // Every operation once, with a valid body that would change state.
    Map<Op, String[]> calls = new EnumMap<>(Op.class);
    calls.put(Op.LIST_REQUESTS, new String[] {"GET", requests(org), null});
    calls.put(
        Op.REVIEW_REQUESTS,
        new String[] {
          "POST", requests(org), "{\"pat_request_ids\":[" + p0 + "],\"action\":\"approve\"}"
        });
    calls.put(
        Op.REVIEW_REQUEST,
        new String[] {"POST", requests(org) + "/" + p0, "{\"action\":\"approve\"}"});
    calls.put(
        Op.LIST_REQUEST_REPOSITORIES,
        new String[] {"GET", requests(org) + "/" + p0 + "/repositories", null});
    calls.put(Op.LIST_GRANTS, new String[] {"GET", grants(org), null});
    calls.put(
        Op.UPDATE_ACCESSES,
        new String[] {"POST", grants(org), "{\"action\":\"revoke\",\"pat_ids\":[" + g0 + "]}"});
    calls.put(
        Op.UPDATE_ACCESS, new String[] {"POST", grants(org) + "/" + g0, "{\"action\":\"revoke\"}"});
    calls.put(
        Op.LIST_GRANT_REPOSITORIES,
        new String[] {"GET", grants(org) + "/" + g0 + "/repositories", null});

    // Owner and member tokens.
    String memberAdminOrg = plaintext(fx.classic(dev, List.of("admin:org", "repo")));
    String ownerRepoOnly = plaintext(fx.classic(o.owner(), List.of("repo")));
    String reqRead =
        plaintext(
            fx.fineGrained(
                o.owner(),
                org,
                "none",
                List.of(),
                Map.of("organization_personal_access_token_requests", "read")));
    String reqWrite =
        plaintext(
            fx.fineGrained(
                o.owner(),
                org,
                "none",
                List.of(),
                Map.of("organization_personal_access_token_requests", "write")));
    String patRead =
        plaintext(
            fx.fineGrained(
                o.owner(),
                org,
                "none",
                List.of(),
                Map.of("organization_personal_access_tokens", "read")));
    String patWrite =
        plaintext(
            fx.fineGrained(
                o.owner(),
                org,
                "none",
                List.of(),
                Map.of("organization_personal_access_tokens", "write")));
    String adminOnly =
        plaintext(
            fx.fineGrained(
                o.owner(), org, "none", List.of(), Map.of("organization_administration", "write")));
    String otherOrg = fx.org("authzother", o.owner());
    String elsewhere =
        plaintext(
            fx.fineGrained(
                o.owner(),
                otherOrg,
                "none",
                List.of(),
                Map.of(
                    "organization_personal_access_token_requests",
                    "write",
                    "organization_personal_access_tokens",
                    "write")));
    // A member's fine-grained token with the right permission is still not an owner's.
    fx.approvalNotRequired(org);
    String memberFine =
        plaintext(
            fx.fineGrained(
                dev,
                org,
                "none",
                List.of(),
                Map.of(
                    "organization_personal_access_token_requests",
                    "write",
                    "organization_personal_access_tokens",
                    "write")));

    Set<Op> requestsReads = Set.of(Op.LIST_REQUESTS, Op.LIST_REQUEST_REPOSITORIES);
    Set<Op> grantsReads = Set.of(Op.LIST_GRANTS, Op.LIST_GRANT_REPOSITORIES);
    Map<String, Set<Op>> allowedReadOnly = new LinkedHashMap<>();
    allowedReadOnly.put("member, classic admin:org", Set.of());
    allowedReadOnly.put("owner, classic without admin:org", Set.of());
    allowedReadOnly.put("owner, fine-grained requests:read", requestsReads);
    allowedReadOnly.put("owner, fine-grained tokens:read", grantsReads);
    allowedReadOnly.put("owner, fine-grained administration only", Set.of());
    allowedReadOnly.put("owner, fine-grained on another organization", Set.of());
    allowedReadOnly.put("member, fine-grained requests+tokens:write", Set.of());
    Map<String, String> tokens =
        Map.of(
            "member, classic admin:org", memberAdminOrg,
            "owner, classic without admin:org", ownerRepoOnly,
            "owner, fine-grained requests:read", reqRead,
            "owner, fine-grained tokens:read", patRead,
            "owner, fine-grained administration only", adminOnly,
            "owner, fine-grained on another organization", elsewhere,
            "member, fine-grained requests+tokens:write", memberFine);
    for (Map.Entry<String, Set<Op>> who : allowedReadOnly.entrySet()) {
      for (Map.Entry<Op, String[]> c : calls.entrySet()) {
        String[] call = c.getValue();
        Resp r = send(call[0], call[1], call[2], token(tokens.get(who.getKey())));
        int want = who.getValue().contains(c.getKey()) ? 200 : 403;
        assertEquals(want, r.status(), () -> who.getKey() + ": " + r);
      }
    }
    // Nothing changed.
    assertEquals(4, expect(200, get(requests(org), adminToken)).json().size());
    assertEquals(
        3 + 6,
        expect(200, get(grants(org), adminToken)).json().size(),
        "3 grants, 5 owner tokens, 1 member token");

    // No credentials: 401 Requires authentication; a bad token: 401 Bad credentials.
    String unknown = TokenFormat.generate(TokenKind.CLASSIC, new SecureRandom());
    for (Map.Entry<Op, String[]> c : calls.entrySet()) {
      String[] call = c.getValue();
      Resp anon = send(call[0], call[1], call[2], null);
      assertEquals(401, anon.status(), anon::toString);
      assertEquals("Requires authentication", anon.json().get("message").asText(), anon::toString);
      Resp bad = send(call[0], call[1], call[2], "token " + unknown);
      assertEquals(401, bad.status(), bad::toString);
      assertEquals("Bad credentials", bad.json().get("message").asText(), bad::toString);
    }

    // Both schemes, for the site admin and an owner's classic admin:org token.
    for (String scheme : List.of("token ", "Bearer ")) {
      for (String t : List.of(adminToken, o.ownerToken())) {
        assertEquals(4, expect(200, send("GET", requests(org), null, scheme + t)).json().size());
        expect(200, send("GET", grants(org) + "/" + g0 + "/repositories", null, scheme + t));
      }
    }

    // Write permissions do the writes.
    expect(
        204,
        send("POST", requests(org) + "/" + p0, "{\"action\":\"approve\"}", "Bearer " + reqWrite));
    expect(
        202,
        send(
            "POST",
            requests(org),
            "{\"pat_request_ids\":[" + requestId(pending.get(1)) + "],\"action\":\"deny\"}",
            "token " + reqWrite));
    expect(200, send("GET", requests(org), null, "token " + reqWrite));
    expect(
        204, send("POST", grants(org) + "/" + g0, "{\"action\":\"revoke\"}", "token " + patWrite));
    expect(
        202,
        send(
            "POST",
            grants(org),
            "{\"action\":\"revoke\",\"pat_ids\":[" + tokenId(approved.get(1)) + "]}",
            "Bearer " + patWrite));
    expect(200, send("GET", grants(org), null, "token " + patWrite));
    expect(
        204,
        send(
            "POST",
            requests(org) + "/" + requestId(pending.get(2)),
            "{\"action\":\"deny\"}",
            "Bearer " + o.ownerToken()));
    expect(
        204,
        send(
            "POST",
            grants(org) + "/" + tokenId(approved.get(2)),
            "{\"action\":\"revoke\"}",
            "token " + o.ownerToken()));
    expect(
        204,
        send(
            "POST",
            requests(org) + "/" + requestId(pending.get(3)),
            "{\"action\":\"approve\"}",
            "token " + adminToken));
    assertEquals(0, expect(200, get(requests(org), adminToken)).json().size());
  }
}
