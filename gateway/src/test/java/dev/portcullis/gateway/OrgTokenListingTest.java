package dev.portcullis.gateway;

import static dev.portcullis.gateway.ApiFixtures.requestId;
import static dev.portcullis.gateway.ApiFixtures.tokenId;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * The requests and grants listings: pages with GitHub's {@code Link} header, {@code per_page}'s
 * default and clamp, order by creation time, and every contract field with the token's real values.
 */
class OrgTokenListingTest extends OrgTokenApiHarness {
  @Test
  @Order(10)
  void listsRequestsPageByPageWithGithubLinks() {
    OrgSetup o = org("pages", 3, "r1", "r2", "r3");
    List<JsonNode> tokens = catalog(o);
    Set<Long> all = idsOf(tokens, true, 1, 2, 3, 4, 5, 6, 7);

    Resp unpaged = expect(200, get(requests(o.org()), o.ownerToken()));
    assertEquals(7, unpaged.json().size(), unpaged::toString);
    assertNull(unpaged.header("Link"), "everything fits on one page: no Link header");
    assertEquals(all, new TreeSet<>(unpaged.ids()));

    String extra =
        "per_page=3&sort=created_at&direction=asc&owner=" + String.join(",", o.members());
    Resp p1 = expect(200, get(requests(o.org()) + "?" + extra, o.ownerToken()));
    assertEquals(3, p1.json().size());
    Map<String, String> l1 = p1.links();
    assertEquals(Set.of("next", "last"), l1.keySet(), p1.header("Link"));
    assertEquals(2, pageOf(l1.get("next")));
    assertEquals(3, pageOf(l1.get("last")));
    for (String url : l1.values()) {
      assertTrue(
          url.startsWith(base + "/api/v3" + requests(o.org()) + "?"),
          () -> "absolute link: " + url);
      Map<String, List<String>> q = query(url);
      assertEquals(List.of("3"), q.get("per_page"), url);
      assertEquals(List.of("created_at"), q.get("sort"), url);
      assertEquals(List.of("asc"), q.get("direction"), url);
      assertEquals(List.of(String.join(",", o.members())), q.get("owner"), url);
    }

    Resp p2 = expect(200, send("GET", l1.get("next"), null, token(o.ownerToken())));
    Map<String, String> l2 = p2.links();
    assertEquals(Set.of("prev", "first", "next", "last"), l2.keySet(), p2.header("Link"));
    assertEquals(1, pageOf(l2.get("prev")));
    assertEquals(1, pageOf(l2.get("first")));
    assertEquals(3, pageOf(l2.get("next")));
    assertEquals(3, pageOf(l2.get("last")));

    Resp p3 = expect(200, send("GET", l2.get("next"), null, token(o.ownerToken())));
    assertEquals(1, p3.json().size());
    Map<String, String> l3 = p3.links();
    assertEquals(Set.of("prev", "first"), l3.keySet(), p3.header("Link"));
    assertEquals(2, pageOf(l3.get("prev")));
    assertEquals(1, pageOf(l3.get("first")));

    Resp firstAgain = expect(200, send("GET", l3.get("first"), null, token(o.ownerToken())));
    assertEquals(p1.ids(), firstAgain.ids());
    Resp prev = expect(200, send("GET", l3.get("prev"), null, token(o.ownerToken())));
    assertEquals(p2.ids(), prev.ids());

    List<Long> walked = new ArrayList<>(p1.ids());
    walked.addAll(p2.ids());
    walked.addAll(p3.ids());
    assertEquals(7, new HashSet<>(walked).size(), "no item twice: " + walked);
    assertEquals(all, new TreeSet<>(walked));
    List<Long> asc = expect(200, get(requests(o.org()) + "?direction=asc", o.ownerToken())).ids();
    assertEquals(asc, walked, "pages follow the order asked for");

    Resp past = expect(200, get(requests(o.org()) + "?" + extra + "&page=4", o.ownerToken()));
    assertEquals("[]", past.json().toString(), "a page past the end is 200 []");
    Resp farPast = expect(200, get(requests(o.org()) + "?page=99", o.ownerToken()));
    assertEquals(0, farPast.json().size());

    // The grants listing pages the same way.
    expect(
        202,
        post(
            requests(o.org()),
            body("pat_request_ids", new ArrayList<>(all), "action", "approve"),
            o.ownerToken()));
    Resp g1 = expect(200, get(grants(o.org()) + "?per_page=2&page=2", o.ownerToken()));
    assertEquals(2, g1.json().size());
    assertEquals(Set.of("prev", "first", "next", "last"), g1.links().keySet(), g1.header("Link"));
    assertEquals(4, pageOf(g1.links().get("last")));
    Resp g4 = expect(200, send("GET", g1.links().get("last"), null, token(o.ownerToken())));
    assertEquals(1, g4.json().size());
    assertEquals(Set.of("prev", "first"), g4.links().keySet());
  }

  @Test
  @Order(11)
  void perPageDefaultsTo30AndIsClampedTo100() {
    // 105 requests from three members: a user holds at most 50 fine-grained tokens.
    OrgSetup o = org("many", 3);
    List<Long> ids = new ArrayList<>();
    for (int i = 0; i < 105; i++) {
      String dev = o.members().get(i % 3);
      ids.add(requestId(fx.fineGrained(dev, o.org(), "none", List.of(), Map.of())));
    }
    Resp dflt = expect(200, get(requests(o.org()), o.ownerToken()));
    assertEquals(30, dflt.json().size(), "per_page defaults to 30");
    assertEquals(Set.of("next", "last"), dflt.links().keySet());
    assertEquals(4, pageOf(dflt.links().get("last")));

    Resp clamped = expect(200, get(requests(o.org()) + "?per_page=1000", o.ownerToken()));
    assertEquals(100, clamped.json().size(), "per_page above 100 is clamped to 100, not refused");
    assertEquals(2, pageOf(clamped.links().get("last")));
    Resp rest = expect(200, send("GET", clamped.links().get("next"), null, token(o.ownerToken())));
    assertEquals(5, rest.json().size());
    assertEquals(
        100, expect(200, get(requests(o.org()) + "?per_page=100", o.ownerToken())).json().size());

    List<Long> desc = new ArrayList<>(clamped.ids());
    desc.addAll(rest.ids());
    List<Long> expected = new ArrayList<>(ids);
    Collections.reverse(expected);
    assertEquals(expected, desc, "default direction is desc: newest request first");

    // Bulk review takes at most 100 ids: 101 is a 422, 100 at once is fine.
    List<Long> first101 = ids.subList(0, 101);
    Resp tooMany =
        expect(
            422,
            post(
                requests(o.org()),
                body("pat_request_ids", first101, "action", "approve"),
                o.ownerToken()));
    assertEquals(
        "pat_request_ids",
        tooMany.json().get("errors").get(0).get("field").asText(),
        tooMany::toString);
    expect(
        202,
        post(
            requests(o.org()),
            body("pat_request_ids", ids.subList(0, 100), "action", "approve"),
            o.ownerToken()));
    assertEquals(5, expect(200, get(requests(o.org()), o.ownerToken())).json().size());
    Resp granted = expect(200, get(grants(o.org()) + "?per_page=101", o.ownerToken()));
    assertEquals(100, granted.json().size());
    assertNull(granted.header("Link"), "100 grants fit on one clamped page");

    // Bulk revoke likewise.
    List<Long> tokenIds = granted.ids();
    List<Long> over = new ArrayList<>(tokenIds);
    over.add(tokenIds.get(0));
    expect(422, post(grants(o.org()), body("action", "revoke", "pat_ids", over), o.ownerToken()));
    expect(
        202, post(grants(o.org()), body("action", "revoke", "pat_ids", tokenIds), o.ownerToken()));
    assertEquals(0, expect(200, get(grants(o.org()), o.ownerToken())).json().size());
  }

  @Test
  @Order(12)
  void directionOrdersByCreationTime() {
    OrgSetup o = org("order", 3, "r1", "r2");
    List<JsonNode> tokens = catalog(o);
    for (String path : List.of(requests(o.org()))) {
      Resp asc = expect(200, get(path + "?direction=asc", o.ownerToken()));
      Resp desc = expect(200, get(path + "?direction=desc", o.ownerToken()));
      Resp dflt = expect(200, get(path + "?sort=created_at", o.ownerToken()));
      List<Long> reversed = new ArrayList<>(desc.ids());
      Collections.reverse(reversed);
      assertEquals(asc.ids(), reversed);
      assertEquals(desc.ids(), dflt.ids(), "desc is the default");
      assertEquals(
          new ArrayList<>(idsOf(tokens, true, 1, 2, 3, 4, 5, 6, 7)),
          asc.ids(),
          "asc: oldest first");
      Instant prev = Instant.MIN;
      for (JsonNode n : asc.json()) {
        Instant at = Instant.parse(n.get("created_at").asText());
        assertFalse(at.isBefore(prev), asc::toString);
        prev = at;
      }
    }
    expect(422, get(requests(o.org()) + "?direction=up", o.ownerToken()));
    expect(422, get(requests(o.org()) + "?sort=updated_at", o.ownerToken()));
    expect(422, get(grants(o.org()) + "?direction=up", o.ownerToken()));
    expect(422, get(grants(o.org()) + "?sort=name", o.ownerToken()));
    expect(422, get(requests(o.org()) + "?per_page=abc", o.ownerToken()));
    expect(422, get(requests(o.org()) + "?page=0", o.ownerToken()));
  }

  @Test
  @Order(21)
  void listsShowEveryContractFieldWithTheTokensRealValues() {
    OrgSetup o = org("fields", 1, "r1", "r2");
    String dev = o.members().get(0);
    JsonNode t =
        fx.fineGrained(
            dev, o.org(), "subset", List.of("r2"), Map.of("contents", "write", "members", "read"));
    Resp list = expect(200, get(requests(o.org()), o.ownerToken()));
    JsonNode item = list.item(requestId(t));
    assertEquals("needed for subset", item.get("reason").asText());
    assertEquals(dev, item.get("owner").get("login").asText());
    assertEquals("User", item.get("owner").get("type").asText());
    assertEquals("subset", item.get("repository_selection").asText());
    assertEquals(
        base + "/api/v3" + requests(o.org()) + "/" + requestId(t) + "/repositories",
        item.get("repositories_url").asText());
    assertEquals("write", item.get("permissions").get("repository").get("contents").asText());
    assertEquals("read", item.get("permissions").get("repository").get("metadata").asText());
    assertEquals("read", item.get("permissions").get("organization").get("members").asText());
    assertEquals(tokenId(t), item.get("token_id").asLong());
    assertEquals(t.get("name").asText(), item.get("token_name").asText());
    assertFalse(item.get("token_expired").asBoolean());
    assertEquals(
        Instant.parse(t.get("expires_at").asText()),
        Instant.parse(item.get("token_expires_at").asText()));
    assertTrue(item.get("token_last_used_at").isNull());
    // The repositories_url is followable.
    Resp repos =
        expect(
            200, send("GET", item.get("repositories_url").asText(), null, token(o.ownerToken())));
    assertEquals(Set.of("r2"), repos.names());

    // The organization name is not case sensitive.
    Resp upper =
        expect(200, get(requests(o.org().toUpperCase(java.util.Locale.ROOT)), o.ownerToken()));
    assertEquals(list.ids(), upper.ids());

    expect(
        204,
        post(requests(o.org()) + "/" + requestId(t), body("action", "approve"), o.ownerToken()));
    Resp grants = expect(200, get(grants(o.org()), o.ownerToken()));
    JsonNode g = grants.item(tokenId(t));
    assertFalse(g.has("reason"), "grants have no reason");
    assertTrue(g.has("access_granted_at"));
    assertEquals(
        base + "/api/v3" + grants(o.org()) + "/" + tokenId(t) + "/repositories",
        g.get("repositories_url").asText());
    Instant granted = Instant.parse(g.get("access_granted_at").asText());
    assertTrue(Duration.between(granted, Instant.now()).abs().toMinutes() < 5, g::toString);
  }
}
