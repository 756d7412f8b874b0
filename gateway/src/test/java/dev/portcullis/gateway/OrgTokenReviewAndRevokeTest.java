package dev.portcullis.gateway;

import static dev.portcullis.gateway.ApiFixtures.plaintext;
import static dev.portcullis.gateway.ApiFixtures.requestId;
import static dev.portcullis.gateway.ApiFixtures.tokenId;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * Reviewing requests and revoking grants, one at a time and in bulk: each decision holds on the
 * very next {@code git clone}, and malformed bodies are refused without changing anything.
 */
class OrgTokenReviewAndRevokeTest extends OrgTokenApiHarness {
  @Test
  @Order(40)
  void reviewOneAndRevokeOneTakeEffectOnTheNextClone() throws Exception {
    OrgSetup o = org("review", 1, "app");
    String dev = o.members().get(0);
    JsonNode a = fx.readAll(dev, o.org());
    JsonNode b = fx.readAll(dev, o.org());

    assertCloneRefused(dev, plaintext(a), o.org(), "app", 403, "pending approval");
    expect(
        204,
        post(
            requests(o.org()) + "/" + requestId(a),
            body("action", "approve", "reason", "fine"),
            o.ownerToken()));
    assertClones(dev, plaintext(a), o.org(), "app");
    Resp again =
        expect(
            422,
            post(requests(o.org()) + "/" + requestId(a), body("action", "deny"), o.ownerToken()));
    assertTrue(again.body().contains("not pending"), again::toString);
    expect(404, get(requests(o.org()) + "/" + requestId(a) + "/repositories", o.ownerToken()));

    expect(
        204,
        post(
            requests(o.org()) + "/" + requestId(b),
            body("action", "deny", "reason", "too broad"),
            o.ownerToken()));
    assertCloneRefused(dev, plaintext(b), o.org(), "app", 403, "denied");
    expect(
        422,
        post(requests(o.org()) + "/" + requestId(b), body("action", "approve"), o.ownerToken()));
    assertClones(dev, plaintext(a), o.org(), "app");

    assertEquals(List.of(), expect(200, get(requests(o.org()), o.ownerToken())).ids());
    assertEquals(
        List.of(tokenId(a)),
        expect(200, get(grants(o.org()), o.ownerToken())).ids(),
        "denied requests are no grants");

    expect(204, post(grants(o.org()) + "/" + tokenId(a), body("action", "revoke"), o.ownerToken()));
    assertCloneRefused(dev, plaintext(a), o.org(), "app", 403, "revoked");
    expect(404, post(grants(o.org()) + "/" + tokenId(a), body("action", "revoke"), o.ownerToken()));
    expect(404, get(grants(o.org()) + "/" + tokenId(a) + "/repositories", o.ownerToken()));
    assertEquals(List.of(), expect(200, get(grants(o.org()), o.ownerToken())).ids());
  }

  @Test
  @Order(41)
  void bulkReviewAndBulkRevokeTakeEffectOnTheNextClone() throws Exception {
    OrgSetup o = org("bulk", 1, "app");
    String dev = o.members().get(0);
    JsonNode d = fx.readAll(dev, o.org());
    JsonNode e = fx.readAll(dev, o.org());
    JsonNode f = fx.readAll(dev, o.org());
    JsonNode g = fx.readAll(dev, o.org());

    expect(
        202,
        post(
            requests(o.org()),
            body("pat_request_ids", List.of(requestId(d), requestId(e)), "action", "approve"),
            o.ownerToken()));
    assertClones(dev, plaintext(d), o.org(), "app");
    assertClones(dev, plaintext(e), o.org(), "app");

    // All ids are checked first: one that is not pending changes nothing.
    expect(
        422,
        post(
            requests(o.org()),
            body("pat_request_ids", List.of(requestId(f), requestId(d)), "action", "deny"),
            o.ownerToken()));
    assertCloneRefused(dev, plaintext(f), o.org(), "app", 403, "pending approval");
    Resp unknown =
        expect(
            404,
            post(
                requests(o.org()),
                body("pat_request_ids", List.of(requestId(g), 987_654_321L), "action", "approve"),
                o.ownerToken()));
    assertTrue(unknown.body().contains("987654321"), unknown::toString);
    assertEquals(
        new TreeSet<>(List.of(requestId(f), requestId(g))),
        new TreeSet<>(expect(200, get(requests(o.org()), o.ownerToken())).ids()));

    expect(
        202,
        post(
            requests(o.org()),
            body("pat_request_ids", List.of(requestId(f)), "action", "deny", "reason", "no"),
            o.ownerToken()));
    assertCloneRefused(dev, plaintext(f), o.org(), "app", 403, "denied");

    expect(
        404,
        post(
            grants(o.org()),
            body("action", "revoke", "pat_ids", List.of(tokenId(d), tokenId(g))),
            o.ownerToken()));
    assertClones(dev, plaintext(d), o.org(), "app");
    expect(
        202,
        post(
            grants(o.org()),
            body("action", "revoke", "pat_ids", List.of(tokenId(d), tokenId(e))),
            o.ownerToken()));
    assertCloneRefused(dev, plaintext(d), o.org(), "app", 403, "revoked");
    assertCloneRefused(dev, plaintext(e), o.org(), "app", 403, "revoked");
    assertEquals(List.of(), expect(200, get(grants(o.org()), o.ownerToken())).ids());
    assertEquals(List.of(requestId(g)), expect(200, get(requests(o.org()), o.ownerToken())).ids());
  }

  @Test
  @Order(42)
  void reviewAndRevokeBodiesAreValidated() {
    OrgSetup o = org("bodies", 1, "app");
    String dev = o.members().get(0);
    JsonNode r1 = fx.readAll(dev, o.org());
    JsonNode r2 = fx.readAll(dev, o.org());
    String bulk = requests(o.org());
    String one = requests(o.org()) + "/" + requestId(r1);
    String long1025 = "x".repeat(1025);
    String long1024 = "y".repeat(1024);
    List<Long> ids101 = LongStream.rangeClosed(1, 101).boxed().toList();

    Map<Object, String> bulkCases = new LinkedHashMap<>();
    bulkCases.put(body("pat_request_ids", List.of(), "action", "approve"), "pat_request_ids");
    bulkCases.put(body("pat_request_ids", ids101, "action", "approve"), "pat_request_ids");
    bulkCases.put(body("pat_request_ids", List.of("1"), "action", "approve"), "pat_request_ids");
    bulkCases.put("{\"pat_request_ids\":[1.5],\"action\":\"approve\"}", "pat_request_ids");
    bulkCases.put(body("pat_request_ids", requestId(r1), "action", "approve"), "pat_request_ids");
    bulkCases.put(body("pat_request_ids", List.of(requestId(r1)), "action", "maybe"), "action");
    bulkCases.put(body("pat_request_ids", List.of(requestId(r1))), "action");
    bulkCases.put(body("pat_request_ids", List.of(requestId(r1)), "action", 1), "action");
    bulkCases.put(
        body("pat_request_ids", List.of(requestId(r1)), "action", "deny", "reason", long1025),
        "reason");
    bulkCases.put(
        body("pat_request_ids", List.of(requestId(r1)), "action", "deny", "reason", 7), "reason");
    bulkCases.put(body("action", "approve"), "pat_request_ids");
    for (Map.Entry<Object, String> c : bulkCases.entrySet()) {
      Resp r = expect(422, post(bulk, c.getKey(), o.ownerToken()));
      assertEquals(c.getValue(), r.json().get("errors").get(0).get("field").asText(), r::toString);
      assertTrue(r.json().get("errors").get(0).get("code").isTextual(), r::toString);
    }
    Map<Object, String> oneCases = new LinkedHashMap<>();
    oneCases.put(body("action", "maybe"), "action");
    oneCases.put(body(), "action");
    oneCases.put(body("action", "approve", "reason", long1025), "reason");
    oneCases.put(body("action", "approve", "pat_request_ids", List.of(1)), "pat_request_ids");
    for (Map.Entry<Object, String> c : oneCases.entrySet()) {
      Resp r = expect(422, post(one, c.getKey(), o.ownerToken()));
      assertEquals(c.getValue(), r.json().get("errors").get(0).get("field").asText(), r::toString);
    }
    assertEquals(
        new TreeSet<>(List.of(requestId(r1), requestId(r2))),
        new TreeSet<>(expect(200, get(requests(o.org()), o.ownerToken())).ids()),
        "refused reviews change nothing");

    // The limits themselves are fine: a 1024-character reason, and reason null (nullable in the
    // contract).
    expect(204, post(one, body("action", "approve", "reason", long1024), o.ownerToken()));
    Map<String, Object> nullReason =
        body("pat_request_ids", List.of(requestId(r2)), "action", "approve");
    nullReason.put("reason", null);
    expect(202, post(bulk, nullReason, o.ownerToken()));

    String revokeOne = grants(o.org()) + "/" + tokenId(r1);
    Map<Object, String> revokeCases = new LinkedHashMap<>();
    revokeCases.put(body("action", "approve"), "action");
    revokeCases.put(body(), "action");
    for (Map.Entry<Object, String> c : revokeCases.entrySet()) {
      Resp r = expect(422, post(revokeOne, c.getKey(), o.ownerToken()));
      assertEquals(c.getValue(), r.json().get("errors").get(0).get("field").asText(), r::toString);
    }
    Map<Object, String> revokeBulk = new LinkedHashMap<>();
    revokeBulk.put(body("action", "revoke"), "pat_ids");
    revokeBulk.put(body("action", "revoke", "pat_ids", List.of()), "pat_ids");
    revokeBulk.put(body("action", "revoke", "pat_ids", ids101), "pat_ids");
    revokeBulk.put(body("action", "revoke", "pat_ids", List.of("x")), "pat_ids");
    revokeBulk.put(body("action", "delete", "pat_ids", List.of(tokenId(r1))), "action");
    revokeBulk.put(body("pat_ids", List.of(tokenId(r1))), "action");
    for (Map.Entry<Object, String> c : revokeBulk.entrySet()) {
      Resp r = expect(422, post(grants(o.org()), c.getKey(), o.ownerToken()));
      assertEquals(c.getValue(), r.json().get("errors").get(0).get("field").asText(), r::toString);
    }
    // No body at all reads as {} (what Octokit's updatePatAccess({org, pat_id}) sends): 422 naming
    // the missing field.
    for (String[] c :
        new String[][] {
          {one, "action"}, {bulk, "action"}, {revokeOne, "action"}, {grants(o.org()), "action"}
        }) {
      Resp r = expect(422, post(c[0], null, o.ownerToken()));
      assertEquals(c[1], r.json().get("errors").get(0).get("field").asText(), r::toString);
      assertEquals(
          "missing_field", r.json().get("errors").get(0).get("code").asText(), r::toString);
    }
    assertEquals(
        new TreeSet<>(List.of(tokenId(r1), tokenId(r2))),
        new TreeSet<>(expect(200, get(grants(o.org()), o.ownerToken())).ids()),
        "refused revocations change nothing");
  }
}
