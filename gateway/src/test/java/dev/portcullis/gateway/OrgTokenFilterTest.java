package dev.portcullis.gateway;

import static dev.portcullis.gateway.ApiFixtures.plaintext;
import static dev.portcullis.gateway.ApiFixtures.requestId;
import static dev.portcullis.gateway.ApiFixtures.tokenId;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;

/**
 * The listings' filters: owner, repository, permission and token id with their limits, and {@code
 * token_last_used_at} as real git use sets it, with {@code last_used_before} / {@code
 * last_used_after}.
 */
class OrgTokenFilterTest extends OrgTokenApiHarness {
  @Test
  @Order(20)
  void filtersRequestsAndGrantsByOwnerRepositoryPermissionAndTokenId() {
    OrgSetup o = org("filters", 3, "r1", "r2", "r3");
    List<JsonNode> tokens = catalog(o);
    // A second organization with the same catalog, all approved: its grants listing filters alike.
    OrgSetup g = org("gfilters", 3, "r1", "r2", "r3");
    List<JsonNode> granted = catalog(g);
    expect(
        202,
        post(
            requests(g.org()),
            body(
                "pat_request_ids",
                new ArrayList<>(idsOf(granted, true, 1, 2, 3, 4, 5, 6, 7)),
                "action",
                "approve"),
            g.ownerToken()));
    expect(200, get(requests(g.org()), g.ownerToken()));

    String m1 = o.members().get(0);
    String m2 = o.members().get(1);
    String m3 = o.members().get(2);
    String g1 = g.members().get(0);
    String g2 = g.members().get(1);
    String g3 = g.members().get(2);

    Map<String, int[]> cases = new LinkedHashMap<>();
    cases.put("owner={1}", new int[] {1, 2, 3});
    cases.put("owner={1},{2}", new int[] {1, 2, 3, 4, 5});
    cases.put("owner[]={1}&owner[]={2}", new int[] {1, 2, 3, 4, 5});
    cases.put("owner%5B%5D={1}&owner%5B%5D={2}", new int[] {1, 2, 3, 4, 5});
    cases.put("owner={1}&owner={2}", new int[] {1, 2, 3, 4, 5});
    cases.put("owner={1}%2C{3}", new int[] {1, 2, 3, 6, 7});
    cases.put("owner=nobody-at-all", new int[] {});
    cases.put("repository=r1", new int[] {1, 2, 5, 6, 7});
    cases.put("repository=r2", new int[] {1, 3, 5, 6, 7});
    cases.put("repository=r3", new int[] {1, 5, 7});
    cases.put("repository=no-such-repo", new int[] {});
    cases.put("permission=contents_read", new int[] {1, 2, 5});
    cases.put("permission=contents_write", new int[] {2, 5});
    cases.put("permission=issues_read", new int[] {3, 5});
    cases.put("permission=pull_requests_read", new int[] {6});
    cases.put("permission=metadata_read", new int[] {1, 2, 3, 4, 5, 6, 7});
    cases.put("permission=pull_requests_write", new int[] {});
    cases.put("owner={1}&repository=r1&permission=contents_read", new int[] {1, 2});
    cases.put("token_id=#1,#4", new int[] {1, 4});
    cases.put("token_id[]=#1&token_id[]=#4&token_id[]=#6", new int[] {1, 4, 6});
    cases.put("token_id=#2&token_id=#3", new int[] {2, 3});
    cases.put("token_id=999999999", new int[] {});
    cases.put("owner={3}&direction=asc&per_page=100&page=1&sort=created_at", new int[] {6, 7});

    for (boolean req : List.of(true, false)) {
      OrgSetup on = req ? o : g;
      List<JsonNode> ts = req ? tokens : granted;
      String[] logins = req ? new String[] {m1, m2, m3} : new String[] {g1, g2, g3};
      for (Map.Entry<String, int[]> c : cases.entrySet()) {
        String q =
            c.getKey()
                .replace("{1}", logins[0])
                .replace("{2}", logins[1])
                .replace("{3}", logins[2]);
        for (int i = 1; i <= 7; i++) {
          q = q.replace("#" + i, Long.toString(tokenId(ts.get(i - 1))));
        }
        Resp r =
            expect(200, getQuery(req ? requests(on.org()) : grants(on.org()), q, on.ownerToken()));
        assertEquals(
            idsOf(ts, req, c.getValue()),
            new TreeSet<>(r.ids()),
            (req ? "requests " : "grants ") + q + ": " + r);
      }
      String path = req ? requests(on.org()) : grants(on.org());
      // Up to 10 owners are fine, 11 are a 422 naming the parameter.
      String ten =
          IntStream.range(0, 9).mapToObj(i -> "x" + i).collect(Collectors.joining(","))
              + ","
              + logins[0];
      assertEquals(
          idsOf(ts, req, 1, 2, 3),
          new TreeSet<>(expect(200, get(path + "?owner=" + ten, on.ownerToken())).ids()));
      Resp eleven = expect(422, get(path + "?owner=" + ten + ",x10", on.ownerToken()));
      assertEquals(
          "owner", eleven.json().get("errors").get(0).get("field").asText(), eleven::toString);
      String elevenBrackets =
          IntStream.range(0, 11).mapToObj(i -> "owner[]=y" + i).collect(Collectors.joining("&"));
      expect(422, getQuery(path, elevenBrackets, on.ownerToken()));
      String elevenRepeated =
          IntStream.range(0, 11).mapToObj(i -> "owner=z" + i).collect(Collectors.joining("&"));
      expect(422, get(path + "?" + elevenRepeated, on.ownerToken()));
      // Up to 50 token ids, 51 are a 422.
      String fifty =
          LongStream.range(0, 49)
                  .mapToObj(i -> Long.toString(900_000_000L + i))
                  .collect(Collectors.joining(","))
              + ","
              + tokenId(ts.get(3));
      assertEquals(
          idsOf(ts, req, 4),
          new TreeSet<>(expect(200, get(path + "?token_id=" + fifty, on.ownerToken())).ids()));
      Resp fiftyOne = expect(422, get(path + "?token_id=" + fifty + ",1", on.ownerToken()));
      assertEquals(
          "token_id",
          fiftyOne.json().get("errors").get(0).get("field").asText(),
          fiftyOne::toString);
      expect(422, get(path + "?token_id=abc", on.ownerToken()));
      Resp badPermission = expect(422, get(path + "?permission=flying_read", on.ownerToken()));
      assertEquals(
          "permission",
          badPermission.json().get("errors").get(0).get("field").asText(),
          badPermission::toString);
      expect(422, get(path + "?permission=contents", on.ownerToken()));
    }
  }

  @Test
  @Order(30)
  void tokenLastUsedAtReflectsRealGitUseAndFiltersHonourIt() throws Exception {
    OrgSetup o = org("used", 1, "app");
    String dev = o.members().get(0);
    fx.approvalNotRequired(o.org());
    JsonNode used = fx.readAll(dev, o.org());
    JsonNode unused = fx.readAll(dev, o.org());
    assertEquals("approved", used.get("request").get("status").asText());

    Instant before = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(1);
    assertClones(dev, plaintext(used), o.org(), "app");
    Instant after = Instant.now().truncatedTo(ChronoUnit.SECONDS).plusSeconds(2);

    for (int round = 0; round < 2; round++) {
      Resp list = expect(200, get(grants(o.org()), o.ownerToken()));
      JsonNode u = list.item(tokenId(used));
      assertFalse(
          u.get("token_last_used_at").isNull(),
          "real git use shows at once (round " + round + "): " + list);
      Instant at = Instant.parse(u.get("token_last_used_at").asText());
      assertFalse(
          at.isBefore(before) || at.isAfter(after),
          () -> at + " not within " + before + " … " + after);
      assertTrue(list.item(tokenId(unused)).get("token_last_used_at").isNull(), list::toString);

      assertEquals(
          List.of(tokenId(used)),
          expect(200, get(grants(o.org()) + "?last_used_after=" + before, o.ownerToken())).ids());
      assertEquals(
          List.of(),
          expect(200, get(grants(o.org()) + "?last_used_after=" + after, o.ownerToken())).ids());
      assertEquals(
          List.of(tokenId(used)),
          expect(200, get(grants(o.org()) + "?last_used_before=" + after, o.ownerToken())).ids());
      assertEquals(
          List.of(),
          expect(200, get(grants(o.org()) + "?last_used_before=" + before, o.ownerToken())).ids(),
          "a token never used was not used before anything");
      assertEquals(
          List.of(tokenId(used)),
          expect(
                  200,
                  get(
                      grants(o.org()) + "?last_used_after=" + before + "&last_used_before=" + after,
                      o.ownerToken()))
              .ids());
      // Second round: the same after the in-memory value has been written to the store.
      gateway.flushLastUsed();
    }

    // A pending request's token can still read public repositories: its use shows in the requests
    // listing.
    OrgSetup p = org("usedp", 1);
    fx.repo(p.org(), "site", "public");
    fx.repo(p.org(), "app", "private");
    String pdev = p.members().get(0);
    JsonNode pending = fx.readAll(pdev, p.org());
    JsonNode idle = fx.readAll(pdev, p.org());
    Instant pBefore = Instant.now().truncatedTo(ChronoUnit.SECONDS).minusSeconds(1);
    // git sends credentials only when challenged, and a public repository is not challenged: send
    // the token up front, as a CI job configured with http.extraHeader does.
    String basic =
        java.util.Base64.getEncoder()
            .encodeToString((pdev + ":" + plaintext(pending)).getBytes(StandardCharsets.UTF_8));
    Path dir = Files.createTempDirectory(tmp, "clone");
    TestGit.Result pub =
        git.run(
            dir,
            "-c",
            "http.extraHeader=Authorization: Basic " + basic,
            "clone",
            "-q",
            base + "/" + p.org() + "/site.git",
            "w");
    assertTrue(pub.ok(), pub::toString);
    assertCloneRefused(pdev, plaintext(pending), p.org(), "app", 403, "pending approval");
    Resp reqs = expect(200, get(requests(p.org()), p.ownerToken()));
    assertFalse(reqs.item(requestId(pending)).get("token_last_used_at").isNull(), reqs::toString);
    assertTrue(reqs.item(requestId(idle)).get("token_last_used_at").isNull(), reqs::toString);
    assertEquals(
        List.of(requestId(pending)),
        expect(200, get(requests(p.org()) + "?last_used_after=" + pBefore, p.ownerToken())).ids());
    assertEquals(
        List.of(),
        expect(200, get(requests(p.org()) + "?last_used_before=" + pBefore, p.ownerToken())).ids());

    Resp bad = expect(422, get(grants(o.org()) + "?last_used_before=yesterday", o.ownerToken()));
    assertEquals(
        "last_used_before", bad.json().get("errors").get(0).get("field").asText(), bad::toString);
    expect(422, get(requests(o.org()) + "?last_used_after=2026-13-01T00:00:00Z", o.ownerToken()));
  }
}
