package dev.portcullis.gateway;

import static dev.portcullis.gateway.ApiFixtures.requestId;
import static dev.portcullis.gateway.ApiFixtures.tokenId;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * The repositories of a request or a grant: they follow the token's selection, page like the
 * listings, and the two operations answer only the statuses the contract documents.
 */
class OrgTokenRepositoriesTest extends OrgTokenApiHarness {
  @Test
  @Order(50)
  void repositoriesFollowTheTokensSelection() {
    OrgSetup o = org("repos", 1, "a", "b", "c");
    String dev = o.members().get(0);
    JsonNode all = fx.fineGrained(dev, o.org(), "all", List.of(), Map.of("contents", "read"));
    JsonNode subset =
        fx.fineGrained(dev, o.org(), "subset", List.of("a", "c"), Map.of("contents", "read"));
    JsonNode none = fx.fineGrained(dev, o.org(), "none", List.of(), Map.of());

    Resp ra =
        expect(
            200, get(requests(o.org()) + "/" + requestId(all) + "/repositories", o.ownerToken()));
    assertEquals(Set.of("a", "b", "c"), ra.names());
    for (JsonNode repo : ra.json()) {
      assertEquals(o.org() + "/" + repo.get("name").asText(), repo.get("full_name").asText());
      assertEquals(o.org(), repo.get("owner").get("login").asText());
      assertEquals("Organization", repo.get("owner").get("type").asText());
      assertTrue(repo.get("private").asBoolean());
    }
    assertNull(ra.header("Link"));
    Resp paged =
        expect(
            200,
            get(
                requests(o.org()) + "/" + requestId(all) + "/repositories?per_page=2",
                o.ownerToken()));
    assertEquals(2, paged.json().size());
    assertEquals(Set.of("next", "last"), paged.links().keySet());
    Resp page2 = expect(200, send("GET", paged.links().get("next"), null, token(o.ownerToken())));
    assertEquals(1, page2.json().size());
    assertEquals(Set.of("prev", "first"), page2.links().keySet());
    assertTrue(query(paged.links().get("next")).get("per_page").contains("2"));
    expect(
        200,
        get(requests(o.org()) + "/" + requestId(all) + "/repositories?page=3", o.ownerToken()));

    assertEquals(
        Set.of("a", "c"),
        expect(
                200,
                get(requests(o.org()) + "/" + requestId(subset) + "/repositories", o.ownerToken()))
            .names());
    Resp rn =
        expect(
            200, get(requests(o.org()) + "/" + requestId(none) + "/repositories", o.ownerToken()));
    assertEquals("[]", rn.json().toString());

    expect(
        202,
        post(
            requests(o.org()),
            body(
                "pat_request_ids",
                List.of(requestId(all), requestId(subset), requestId(none)),
                "action",
                "approve"),
            o.ownerToken()));
    for (JsonNode t : List.of(all, subset, none)) {
      expect(404, get(requests(o.org()) + "/" + requestId(t) + "/repositories", o.ownerToken()));
    }
    fx.repo(o.org(), "d", "private");
    assertEquals(
        Set.of("a", "b", "c", "d"),
        expect(200, get(grants(o.org()) + "/" + tokenId(all) + "/repositories", o.ownerToken()))
            .names(),
        "selection all reaches repositories created later");
    assertEquals(
        Set.of("a", "c"),
        expect(200, get(grants(o.org()) + "/" + tokenId(subset) + "/repositories", o.ownerToken()))
            .names());
    assertEquals(
        0,
        expect(200, get(grants(o.org()) + "/" + tokenId(none) + "/repositories", o.ownerToken()))
            .json()
            .size());
    Resp gp =
        expect(
            200,
            get(
                grants(o.org()) + "/" + tokenId(all) + "/repositories?per_page=3&page=2",
                o.ownerToken()));
    assertEquals(Set.of("prev", "first"), gp.links().keySet());
  }

  /**
   * The two repositories operations document 403/404/500 only: bad paging falls back to the
   * defaults. (A mismatch with the contract found once, now fixed.)
   */
  @Test
  @Order(90)
  void repositoriesOperationsAnswerOnlyDocumentedStatuses() {
    OrgSetup o = org("repo422", 1, "a");
    JsonNode t = fx.readAll(o.members().get(0), o.org());
    for (String q : List.of("per_page=0", "page=abc", "per_page=x")) {
      Resp r = get(requests(o.org()) + "/" + requestId(t) + "/repositories?" + q, o.ownerToken());
      assertEquals(200, r.status(), r::toString);
    }
  }
}
