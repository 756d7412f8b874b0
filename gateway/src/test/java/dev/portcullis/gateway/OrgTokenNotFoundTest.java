package dev.portcullis.gateway;

import static dev.portcullis.gateway.ApiFixtures.plaintext;
import static dev.portcullis.gateway.ApiFixtures.requestId;
import static dev.portcullis.gateway.ApiFixtures.tokenId;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * What is not found: unknown organizations and ids, another organization's request or token, a
 * pending request's token id as a grant, ids that are not integers, and a deleted token's request.
 */
class OrgTokenNotFoundTest extends OrgTokenApiHarness {
  @Test
  @Order(60)
  void unknownOrganizationsAndIdsAreNotFound() {
    OrgSetup o = org("nf", 1, "app");
    OrgSetup other = org("nfother", 1, "app");
    JsonNode pending = fx.readAll(o.members().get(0), o.org());
    JsonNode foreign = fx.readAll(other.members().get(0), other.org());
    String ghost = "no-such-org-" + fx.unique("x");

    expect(404, get(requests(ghost), adminToken));
    expect(
        404,
        post(
            requests(ghost), body("pat_request_ids", List.of(1), "action", "approve"), adminToken));
    expect(404, post(requests(ghost) + "/1", body("action", "approve"), adminToken));
    expect(404, get(requests(ghost) + "/1/repositories", adminToken));
    expect(404, get(grants(ghost), adminToken));
    expect(404, post(grants(ghost), body("action", "revoke", "pat_ids", List.of(1)), adminToken));
    expect(404, post(grants(ghost) + "/1", body("action", "revoke"), adminToken));
    expect(404, get(grants(ghost) + "/1/repositories", adminToken));

    long nope = 987_654_321L;
    expect(404, post(requests(o.org()) + "/" + nope, body("action", "approve"), o.ownerToken()));
    expect(404, get(requests(o.org()) + "/" + nope + "/repositories", o.ownerToken()));
    expect(
        404,
        post(
            requests(o.org()),
            body("pat_request_ids", List.of(nope), "action", "deny"),
            o.ownerToken()));
    expect(404, post(grants(o.org()) + "/" + nope, body("action", "revoke"), o.ownerToken()));
    expect(
        404,
        post(grants(o.org()), body("action", "revoke", "pat_ids", List.of(nope)), o.ownerToken()));
    expect(404, get(grants(o.org()) + "/" + nope + "/repositories", o.ownerToken()));
    // Another organization's request or token is not found here.
    expect(
        404,
        post(requests(o.org()) + "/" + requestId(foreign), body("action", "approve"), adminToken));
    expect(404, get(requests(o.org()) + "/" + requestId(foreign) + "/repositories", adminToken));
    expect(
        404,
        post(
            requests(o.org()),
            body(
                "pat_request_ids",
                List.of(requestId(pending), requestId(foreign)),
                "action",
                "approve"),
            adminToken));
    // A pending request's token id is no grant.
    expect(
        404,
        post(grants(o.org()) + "/" + tokenId(pending), body("action", "revoke"), o.ownerToken()));
    expect(404, get(grants(o.org()) + "/" + tokenId(pending) + "/repositories", o.ownerToken()));
    // Ids that are not integers.
    expect(404, post(requests(o.org()) + "/abc", body("action", "approve"), o.ownerToken()));
    expect(404, get(grants(o.org()) + "/abc/repositories", o.ownerToken()));
    assertEquals(
        List.of(requestId(pending)), expect(200, get(requests(o.org()), o.ownerToken())).ids());
  }

  /**
   * A deleted token's pending request is gone everywhere: not listed, no repositories, cannot be
   * reviewed. (A mismatch found once, now fixed.)
   */
  @Test
  @Order(91)
  void aDeletedTokensRequestIsNotFoundEverywhere() {
    OrgSetup o = org("deleted", 1, "a");
    JsonNode t = fx.readAll(o.members().get(0), o.org());
    expect(
        202, send("POST", "/credentials/revoke", body("credentials", List.of(plaintext(t))), null));
    assertEquals(List.of(), expect(200, get(requests(o.org()), o.ownerToken())).ids());
    expect(404, get(requests(o.org()) + "/" + requestId(t) + "/repositories", o.ownerToken()));
    expect(
        404,
        post(requests(o.org()) + "/" + requestId(t), body("action", "approve"), o.ownerToken()));
  }
}
