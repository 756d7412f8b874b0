package dev.portcullis.policy.decision;

import static dev.portcullis.policy.model.GitOperation.READ;
import static dev.portcullis.policy.model.GitOperation.WRITE;
import static dev.portcullis.policy.testing.Fixtures.ACME;
import static dev.portcullis.policy.testing.Fixtures.ACME_APP;
import static dev.portcullis.policy.testing.Fixtures.ACME_INNER;
import static dev.portcullis.policy.testing.Fixtures.ACME_SITE;
import static dev.portcullis.policy.testing.Fixtures.GLOBEX;
import static dev.portcullis.policy.testing.Fixtures.MIA;
import static dev.portcullis.policy.testing.Fixtures.NOW;
import static dev.portcullis.policy.testing.Fixtures.OLIVIA;
import static dev.portcullis.policy.testing.Fixtures.OSCAR;
import static dev.portcullis.policy.testing.Fixtures.SAM;
import static dev.portcullis.policy.testing.Fixtures.SOL;
import static dev.portcullis.policy.testing.Fixtures.SOLO;
import static dev.portcullis.policy.testing.Fixtures.SOLO_TOOL;
import static dev.portcullis.policy.testing.Fixtures.UMA;
import static dev.portcullis.policy.testing.Fixtures.UMA_BLOG;
import static dev.portcullis.policy.testing.Fixtures.UMA_DOTS;
import static dev.portcullis.policy.testing.Fixtures.anonymous;
import static dev.portcullis.policy.testing.Fixtures.as;
import static dev.portcullis.policy.testing.Fixtures.entPolicy;
import static dev.portcullis.policy.testing.Fixtures.invalidCredential;
import static dev.portcullis.policy.testing.Fixtures.orgPolicy;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.policy.decision.Decision.Reason;
import dev.portcullis.policy.model.BasePermission;
import dev.portcullis.policy.model.EnterprisePolicy;
import dev.portcullis.policy.model.GitOperation;
import dev.portcullis.policy.model.GrantStatus;
import dev.portcullis.policy.model.NetworkList;
import dev.portcullis.policy.model.OrgPolicy;
import dev.portcullis.policy.model.Owner;
import dev.portcullis.policy.model.PermissionLevel;
import dev.portcullis.policy.model.RepoPermission;
import dev.portcullis.policy.model.Repository;
import dev.portcullis.policy.model.RepositorySelection;
import dev.portcullis.policy.model.Visibility;
import dev.portcullis.policy.testing.Fixtures.Case;
import dev.portcullis.policy.testing.Fixtures.Given;
import dev.portcullis.policy.token.TokenKind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The decision table of DESIGN.md "The access decision", rules 1–7: one named row per rule and per
 * policy combination. Every row states the operation, the expected status (200 = allowed) and
 * {@link Decision.Reason}, and the words a denial's message must contain.
 */
public class AccessEvaluatorTest {
  private static final int OK = 200;

  private static final EnterprisePolicy.Access E_OC = EnterprisePolicy.Access.ORG_CONFIGURES;
  private static final EnterprisePolicy.Access E_RESTRICTED = EnterprisePolicy.Access.RESTRICTED;
  private static final EnterprisePolicy.Access E_ALLOWED = EnterprisePolicy.Access.ALLOWED;
  private static final OrgPolicy.Access O_ALLOWED = OrgPolicy.Access.ALLOWED;
  private static final OrgPolicy.Access O_RESTRICTED = OrgPolicy.Access.RESTRICTED;

  /** Reasons whose denial is about a credential: the only ones allowed to answer 401. */
  private static final Set<Reason> CREDENTIAL_REASONS =
      EnumSet.of(
          Reason.NO_CREDENTIALS,
          Reason.INVALID_CREDENTIALS,
          Reason.TOKEN_DELETED,
          Reason.TOKEN_EXPIRED);

  // ====================================================================== the table

  @ParameterizedTest(name = "[{index}] {0}")
  @MethodSource("table")
  void decisionTable(
      String name, Given given, GitOperation op, int status, Reason reason, List<String> mentions) {
    Decision d = given.decide(op);
    assertEquals(reason, d.reason(), () -> name + ": " + d);
    if (status == OK) {
      assertInstanceOf(Decision.Allowed.class, d, name);
      assertTrue(d.allowed());
      return;
    }
    Decision.Denied denied = assertInstanceOf(Decision.Denied.class, d, name);
    assertFalse(d.allowed());
    assertEquals(status, denied.status(), () -> name + ": " + d);
    for (String m : mentions) {
      assertTrue(
          denied.message().contains(m),
          () -> name + ": message should mention '" + m + "': " + denied.message());
    }
    // Invariants of every denial.
    if (status == 401) {
      assertTrue(CREDENTIAL_REASONS.contains(reason), name + ": 401 only for credential problems");
      if (reason != Reason.NO_CREDENTIALS) {
        assertEquals(AccessEvaluator.INVALID_CREDENTIALS_MESSAGE, denied.message());
      }
    } else {
      assertFalse(CREDENTIAL_REASONS.contains(reason), name);
    }
    if (status == 404) {
      assertEquals(
          "Repository not found.", denied.message(), "a 404 never says more than GitHub's message");
    }
    if (status == 403
        && given.inputs().org() != null
        && reason != Reason.USER_SUSPENDED
        && reason != Reason.NETWORK_NOT_ALLOWED) {
      assertTrue(
          denied.message().contains("'" + ACME.login() + "'")
              || denied.message().contains(ACME.login() + "/")
              || denied.message().contains(SOLO.login()),
          () ->
              name
                  + ": a 403 on an organization's repository names the organization: "
                  + denied.message());
    }
  }

  /** The decision table: one row per rule outcome, each a name and its {@link Given} inputs. */
  public static Stream<Arguments> table() {
    List<Arguments> rows = new ArrayList<>();
    rule1Credentials(rows);
    rule1RotatedSecrets(rows);
    ruleNetworks(rows);
    rule2Visibility(rows);
    rule3PublicRead(rows);
    rule4Permission(rows);
    rule5ClassicAccessPolicy(rows);
    rule5ClassicScopes(rows);
    rule5and6Lifetime(rows);
    rule6FineGrainedAccessPolicy(rows);
    rule6Approval(rows);
    rule6ApprovalEnd(rows);
    rule6Selection(rows);
    rule6Contents(rows);
    rule7Push(rows);
    return rows.stream();
  }

  /** Row count, for the report and so that deleting rows by accident is noticed. */
  @Test
  void tableHasAllItsRows() {
    assertEquals(228, table().count());
  }

  private static void row(
      List<Arguments> rows,
      String name,
      Case c,
      GitOperation op,
      int status,
      Reason reason,
      String... mentions) {
    rows.add(Arguments.of(name, c.given(), op, status, reason, List.of(mentions)));
  }

  // ---------------------------------------------------------------- rule 1

  private static void rule1Credentials(List<Arguments> rows) {
    row(
        rows,
        "1 anonymous read of a public repo is allowed",
        anonymous().on(ACME_SITE),
        READ,
        OK,
        Reason.ANONYMOUS_PUBLIC_READ);
    row(
        rows,
        "1 anonymous read of a public user repo is allowed",
        anonymous().on(UMA_BLOG),
        READ,
        OK,
        Reason.ANONYMOUS_PUBLIC_READ);
    row(
        rows,
        "1 anonymous push to a public repo → 401",
        anonymous().on(ACME_SITE),
        WRITE,
        401,
        Reason.NO_CREDENTIALS);
    row(
        rows,
        "1 anonymous read of a private repo → 401",
        anonymous().on(ACME_APP),
        READ,
        401,
        Reason.NO_CREDENTIALS);
    row(
        rows,
        "1 anonymous read of an internal repo → 401",
        anonymous().on(ACME_INNER),
        READ,
        401,
        Reason.NO_CREDENTIALS);
    row(
        rows,
        "1 anonymous read of an unknown repo → 401",
        anonymous().unknownRepo(),
        READ,
        401,
        Reason.NO_CREDENTIALS);
    row(
        rows,
        "1 anonymous read of a public repo with anonymous read off → 401",
        anonymous().on(ACME_SITE).anonymousReadOff(),
        READ,
        401,
        Reason.NO_CREDENTIALS);
    row(
        rows,
        "1 invalid credential (empty username, malformed or unknown token) reading public → 401",
        invalidCredential().on(ACME_SITE),
        READ,
        401,
        Reason.INVALID_CREDENTIALS);
    row(
        rows,
        "1 invalid credential pushing private → 401",
        invalidCredential().on(ACME_APP),
        WRITE,
        401,
        Reason.INVALID_CREDENTIALS);
    row(
        rows,
        "1 invalid credential on an unknown repo → 401",
        invalidCredential().unknownRepo(),
        READ,
        401,
        Reason.INVALID_CREDENTIALS);
    row(
        rows,
        "1 deleted token reading public → 401",
        as(MIA).classic("repo").deleted().on(ACME_SITE),
        READ,
        401,
        Reason.TOKEN_DELETED);
    row(
        rows,
        "1 deleted fine-grained token pushing → 401",
        as(OLIVIA).fineGrained(ACME, PermissionLevel.WRITE).deleted().on(ACME_APP),
        WRITE,
        401,
        Reason.TOKEN_DELETED);
    row(
        rows,
        "1 expired token reading public → 401",
        as(MIA).classic("repo").expiresAt(NOW.minusSeconds(1)).on(ACME_SITE),
        READ,
        401,
        Reason.TOKEN_EXPIRED);
    row(
        rows,
        "1 token expiring exactly now is expired → 401",
        as(MIA).classic("repo").expiresAt(NOW).on(ACME_APP),
        READ,
        401,
        Reason.TOKEN_EXPIRED);
    row(
        rows,
        "1 expired fine-grained token → 401",
        as(MIA)
            .fineGrained(ACME, PermissionLevel.READ)
            .expiresAt(NOW.minusSeconds(60))
            .on(ACME_APP),
        READ,
        401,
        Reason.TOKEN_EXPIRED);
    row(
        rows,
        "1 token expiring in a second still works",
        as(MIA).classic("repo").expiresAt(NOW.plusSeconds(1)).on(ACME_APP),
        READ,
        OK,
        Reason.AUTHORIZED);
    row(
        rows,
        "1 suspended user reading public → 403 (a valid token: git keeps it)",
        as(MIA).classic("repo").suspended().on(ACME_SITE),
        READ,
        403,
        Reason.USER_SUSPENDED);
    row(
        rows,
        "1 suspended user reading own repo → 403 (a valid token: git keeps it)",
        as(UMA).classic("repo").suspended().on(UMA_DOTS),
        READ,
        403,
        Reason.USER_SUSPENDED);
    row(
        rows,
        "1 suspended org owner → 403 (a valid token: git keeps it)",
        as(OLIVIA).classic("repo").suspended().on(ACME_APP),
        WRITE,
        403,
        Reason.USER_SUSPENDED);
    row(
        rows,
        "1 deleted token of a suspended user → 401 (deleted checked first)",
        as(MIA).classic("repo").deleted().suspended().on(ACME_APP),
        READ,
        401,
        Reason.TOKEN_DELETED);
  }

  // ---------------------------------------------------------------- rule 1, rotated secrets

  /**
   * A secret replaced by a rotation is looked up as the token it belonged to (the store marks it
   * {@code rotated}, with the end of its overlap): it works as the token until the overlap ends or
   * the token expires, whichever is first, and everything that refuses the token refuses it.
   */
  private static void rule1RotatedSecrets(List<Arguments> rows) {
    row(
        rows,
        "1R previous secret inside its overlap reads as the token",
        as(MIA).classic("repo").rotatedUntil(NOW.plusSeconds(1)).on(ACME_APP),
        READ,
        OK,
        Reason.AUTHORIZED);
    row(
        rows,
        "1R previous secret of a fine-grained token inside its overlap pushes as the token",
        as(MIA)
            .fineGrained(ACME, PermissionLevel.WRITE)
            .base(BasePermission.WRITE)
            .rotatedUntil(NOW.plus(Duration.ofHours(1)))
            .on(ACME_APP),
        WRITE,
        OK,
        Reason.AUTHORIZED);
    row(
        rows,
        "1R previous secret when its overlap ends exactly now → 401",
        as(MIA).classic("repo").rotatedUntil(NOW).on(ACME_APP),
        READ,
        401,
        Reason.TOKEN_EXPIRED);
    row(
        rows,
        "1R previous secret after its overlap → 401, even on a public repository",
        as(MIA).classic("repo").rotatedUntil(NOW.minusSeconds(1)).on(ACME_SITE),
        READ,
        401,
        Reason.TOKEN_EXPIRED);
    row(
        rows,
        "1R previous secret after its overlap, the token itself still valid → 401",
        as(MIA)
            .classic("repo")
            .expiresAt(NOW.plus(Duration.ofDays(30)))
            .rotatedUntil(NOW.minusSeconds(1))
            .on(ACME_APP),
        READ,
        401,
        Reason.TOKEN_EXPIRED);
    row(
        rows,
        "1R overlap capped by the expiry: expired inside the overlap → 401",
        as(MIA)
            .classic("repo")
            .expiresAt(NOW.minusSeconds(1))
            .rotatedUntil(NOW.plus(Duration.ofHours(1)))
            .on(ACME_APP),
        READ,
        401,
        Reason.TOKEN_EXPIRED);
    row(
        rows,
        "1R overlap and expiry both ahead: previous secret works",
        as(MIA)
            .fineGrained(ACME, PermissionLevel.READ)
            .expiresAt(NOW.plusSeconds(1))
            .rotatedUntil(NOW.plus(Duration.ofHours(1)))
            .on(ACME_APP),
        READ,
        OK,
        Reason.AUTHORIZED);
    row(
        rows,
        "1R token deleted: previous secret inside its overlap → 401",
        as(MIA).classic("repo").deleted().rotatedUntil(NOW.plus(Duration.ofHours(1))).on(ACME_APP),
        READ,
        401,
        Reason.TOKEN_DELETED);
    row(
        rows,
        "1R owner suspended: previous secret inside its overlap → 403 (a valid token: git keeps it)",
        as(MIA)
            .classic("repo")
            .suspended()
            .rotatedUntil(NOW.plus(Duration.ofHours(1)))
            .on(ACME_APP),
        READ,
        403,
        Reason.USER_SUSPENDED);
    row(
        rows,
        "1R previous secret from outside the token's networks → 403 with the address",
        as(MIA)
            .classic("repo")
            .allowedNetworks("192.0.2.0/24")
            .from("198.51.100.7")
            .rotatedUntil(NOW.plus(Duration.ofHours(1)))
            .on(ACME_APP),
        READ,
        403,
        Reason.NETWORK_NOT_ALLOWED,
        "This token may not be used from 198.51.100.7.");
    row(
        rows,
        "1R previous secret of a fine-grained token whose approval lapsed → 403",
        as(MIA)
            .fineGrained(ACME, PermissionLevel.READ)
            .approvedUntil(NOW.minusSeconds(1))
            .rotatedUntil(NOW.plus(Duration.ofHours(1)))
            .on(ACME_APP),
        READ,
        403,
        Reason.GRANT_EXPIRED,
        "approval expired");
  }

  // ---------------------------------------------------------------- the token's networks

  /** Networks org policy: fine-grained tokens on it must carry a list inside {@code within}. */
  private static OrgPolicy networks(boolean required, String... within) {
    OrgPolicy d = OrgPolicy.DEFAULT;
    return new OrgPolicy(
        d.fineGrainedAccess(),
        d.classicAccess(),
        d.fineGrainedApproval(),
        null,
        null,
        d.pushProtection(),
        required,
        within.length == 0 ? null : NetworkList.of(List.of(within)));
  }

  private static void ruleNetworks(List<Arguments> rows) {
    row(
        rows,
        "N classic token used from inside its IPv4 list",
        as(MIA).classic("repo").allowedNetworks("192.0.2.0/24").from("192.0.2.200").on(ACME_APP),
        READ,
        OK,
        Reason.AUTHORIZED);
    row(
        rows,
        "N classic token used from outside its IPv4 list → 403 naming the address",
        as(MIA).classic("repo").allowedNetworks("10.0.0.0/8").from("203.0.113.7").on(ACME_APP),
        WRITE,
        403,
        Reason.NETWORK_NOT_ALLOWED,
        "This token may not be used from 203.0.113.7.");
    row(
        rows,
        "N outside the list on an unknown repo → 403, before rule 2 (nothing about the repo)",
        as(MIA).classic("repo").allowedNetworks("10.0.0.0/8").from("203.0.113.7").unknownRepo(),
        READ,
        403,
        Reason.NETWORK_NOT_ALLOWED,
        "203.0.113.7");
    row(
        rows,
        "N outside the list reading a public repo → 403, before rule 3",
        as(MIA).classic("repo").allowedNetworks("10.0.0.0/8").from("203.0.113.7").on(UMA_BLOG),
        READ,
        403,
        Reason.NETWORK_NOT_ALLOWED);
    row(
        rows,
        "N inside the list the other rules still apply (rule 7: no push permission)",
        as(MIA).classic("repo").allowedNetworks("10.0.0.0/8").from("10.1.2.3").on(ACME_APP),
        WRITE,
        403,
        Reason.NO_PUSH_PERMISSION);
    row(
        rows,
        "N fine-grained token used from inside its IPv6 list",
        as(OLIVIA)
            .fineGrained(ACME, PermissionLevel.WRITE)
            .allowedNetworks("2001:db8::/32")
            .from("2001:db8:7::1")
            .on(ACME_APP),
        WRITE,
        OK,
        Reason.AUTHORIZED);
    row(
        rows,
        "N fine-grained token used from outside its IPv6 list → 403 (address without brackets)",
        as(OLIVIA)
            .fineGrained(ACME, PermissionLevel.WRITE)
            .allowedNetworks("2001:db8::/32")
            .from("[2001:db9::1]")
            .on(ACME_APP),
        READ,
        403,
        Reason.NETWORK_NOT_ALLOWED,
        "used from 2001:db9::1.");
    row(
        rows,
        "N an IPv4 client is in no IPv6 block",
        as(MIA).classic("repo").allowedNetworks("::/0").from("192.0.2.1").on(ACME_APP),
        READ,
        403,
        Reason.NETWORK_NOT_ALLOWED);
    row(
        rows,
        "N 0.0.0.0/0 admits every IPv4 client",
        as(MIA).classic("repo").allowedNetworks("0.0.0.0/0").from("203.0.113.7").on(ACME_APP),
        READ,
        OK,
        Reason.AUTHORIZED);
    row(
        rows,
        "N an IPv4-mapped IPv6 client is its IPv4 address",
        as(MIA)
            .classic("repo")
            .allowedNetworks("203.0.113.0/24")
            .from("::ffff:203.0.113.7")
            .on(ACME_APP),
        READ,
        OK,
        Reason.AUTHORIZED);
    row(
        rows,
        "N a deleted token from outside its list → 401 (rule 1 first)",
        as(MIA)
            .classic("repo")
            .allowedNetworks("10.0.0.0/8")
            .from("203.0.113.7")
            .deleted()
            .on(ACME_APP),
        READ,
        401,
        Reason.TOKEN_DELETED);
    row(
        rows,
        "N a suspended user's token from outside its list → 403 suspended (rule 1 first)",
        as(MIA)
            .classic("repo")
            .allowedNetworks("10.0.0.0/8")
            .from("203.0.113.7")
            .suspended()
            .on(ACME_APP),
        READ,
        403,
        Reason.USER_SUSPENDED);
    row(
        rows,
        "N org requires a list: a fine-grained token without one → 403 naming the org",
        as(MIA).fineGrained(ACME, PermissionLevel.READ).orgPolicy(networks(true)).on(ACME_APP),
        READ,
        403,
        Reason.ORG_TOKEN_NETWORKS,
        "'acme'");
    row(
        rows,
        "N org requires a list: a fine-grained token with one, used from inside it",
        as(MIA)
            .fineGrained(ACME, PermissionLevel.READ)
            .allowedNetworks("10.0.0.0/8")
            .from("10.0.0.1")
            .orgPolicy(networks(true))
            .on(ACME_APP),
        READ,
        OK,
        Reason.AUTHORIZED);
    row(
        rows,
        "N org list 10.0.0.0/8 holds a token's 10.1.0.0/16",
        as(MIA)
            .fineGrained(ACME, PermissionLevel.READ)
            .allowedNetworks("10.1.0.0/16")
            .from("10.1.2.3")
            .orgPolicy(networks(false, "10.0.0.0/8"))
            .on(ACME_APP),
        READ,
        OK,
        Reason.AUTHORIZED);
    row(
        rows,
        "N org list narrowed to 10.0.0.0/16: a token's 10.1.0.0/16 no longer sits inside → 403",
        as(MIA)
            .fineGrained(ACME, PermissionLevel.READ)
            .allowedNetworks("10.1.0.0/16")
            .from("10.1.2.3")
            .orgPolicy(networks(false, "10.0.0.0/16"))
            .on(ACME_APP),
        READ,
        403,
        Reason.ORG_TOKEN_NETWORKS,
        "'acme'",
        "10.0.0.0/16");
    row(
        rows,
        "N an org list alone requires a list: a token usable anywhere is not inside it → 403",
        as(MIA)
            .fineGrained(ACME, PermissionLevel.READ)
            .orgPolicy(networks(false, "10.0.0.0/8"))
            .on(ACME_APP),
        READ,
        403,
        Reason.ORG_TOKEN_NETWORKS);
    row(
        rows,
        "N the org's refusal comes before rule 2: an unknown repository reveals nothing",
        as(MIA).fineGrained(ACME, PermissionLevel.READ).orgPolicy(networks(true)).unknownRepo(),
        READ,
        403,
        Reason.ORG_TOKEN_NETWORKS);
    row(
        rows,
        "N the org's network settings bind fine-grained tokens only: a classic token passes",
        as(MIA).classic("repo").orgPolicy(networks(true, "10.0.0.0/8")).on(ACME_APP),
        READ,
        OK,
        Reason.AUTHORIZED);
    row(
        rows,
        "N another org's settings do not bind a token on a user",
        as(UMA).fineGrained(UMA, PermissionLevel.READ).orgPolicy(networks(true)).on(UMA_DOTS),
        READ,
        OK,
        Reason.AUTHORIZED);
  }

  // ---------------------------------------------------------------- rule 2

  private static void rule2Visibility(List<Arguments> rows) {
    row(
        rows,
        "2 valid token, unknown repo → 404",
        as(MIA).classic("repo").unknownRepo(),
        READ,
        404,
        Reason.REPOSITORY_NOT_FOUND);
    row(
        rows,
        "2 valid token, push to unknown repo → 404",
        as(OLIVIA).classic("repo").unknownRepo(),
        WRITE,
        404,
        Reason.REPOSITORY_NOT_FOUND);
    row(
        rows,
        "2 outsider reading a private org repo → 404 (never 403)",
        as(OSCAR).classic("repo").on(ACME_APP),
        READ,
        404,
        Reason.REPOSITORY_NOT_FOUND);
    row(
        rows,
        "2 outsider pushing a private org repo → 404 (never 403)",
        as(OSCAR).classic("repo").on(ACME_APP),
        WRITE,
        404,
        Reason.REPOSITORY_NOT_FOUND);
    row(
        rows,
        "2 outsider with a fine-grained token on the org, private repo → 404",
        as(OSCAR).fineGrained(ACME, PermissionLevel.WRITE).on(ACME_APP),
        READ,
        404,
        Reason.REPOSITORY_NOT_FOUND);
    row(
        rows,
        "2 outsider with no scopes on a private repo → 404, not a scope 403",
        as(OSCAR).classic().on(ACME_APP),
        READ,
        404,
        Reason.REPOSITORY_NOT_FOUND);
    row(
        rows,
        "2 another user's private repo → 404",
        as(MIA).classic("repo").on(UMA_DOTS),
        READ,
        404,
        Reason.REPOSITORY_NOT_FOUND);
    row(
        rows,
        "2 internal repo read by a member of another org of the same enterprise → allowed",
        as(SAM).classic("repo").on(ACME_INNER),
        READ,
        OK,
        Reason.AUTHORIZED);
    row(
        rows,
        "2 internal repo read by an outsider → 404",
        as(OSCAR).classic("repo").on(ACME_INNER),
        READ,
        404,
        Reason.REPOSITORY_NOT_FOUND);
    row(
        rows,
        "2 internal repo read by a member of an org outside the enterprise → 404",
        as(SOL).classic("repo").on(ACME_INNER),
        READ,
        404,
        Reason.REPOSITORY_NOT_FOUND);
    row(
        rows,
        "2 private repo read by a member of another org of the same enterprise → 404",
        as(SAM).classic("repo").on(ACME_APP),
        READ,
        404,
        Reason.REPOSITORY_NOT_FOUND);
    row(
        rows,
        "2 private repo of an org without enterprise read by an outsider → 404",
        as(MIA).classic("repo").on(SOLO_TOOL),
        READ,
        404,
        Reason.REPOSITORY_NOT_FOUND);
  }

  // ---------------------------------------------------------------- rule 3

  private static void rule3PublicRead(List<Arguments> rows) {
    row(
        rows,
        "3 classic token without scopes reads public",
        as(OSCAR).classic().on(ACME_SITE),
        READ,
        OK,
        Reason.PUBLIC_READ);
    row(
        rows,
        "3 pending fine-grained token reads public repos",
        as(MIA).fineGrained(ACME, PermissionLevel.READ).grant(GrantStatus.PENDING).on(ACME_SITE),
        READ,
        OK,
        Reason.PUBLIC_READ);
    row(
        rows,
        "3 denied fine-grained token reads public repos",
        as(MIA).fineGrained(ACME, PermissionLevel.READ).grant(GrantStatus.DENIED).on(ACME_SITE),
        READ,
        OK,
        Reason.PUBLIC_READ);
    row(
        rows,
        "3 fine-grained token of another resource owner reads public",
        as(MIA).fineGrained(MIA, PermissionLevel.READ).on(ACME_SITE),
        READ,
        OK,
        Reason.PUBLIC_READ);
    row(
        rows,
        "3 fine-grained token without contents reads public",
        as(MIA).fineGrained(ACME, null).on(ACME_SITE),
        READ,
        OK,
        Reason.PUBLIC_READ);
    row(
        rows,
        "3 fine-grained token with selection none reads public",
        as(MIA)
            .fineGrained(ACME, PermissionLevel.READ)
            .selection(RepositorySelection.NONE)
            .on(ACME_SITE),
        READ,
        OK,
        Reason.PUBLIC_READ);
    row(
        rows,
        "3 classic token reads public although the enterprise restricts classic tokens",
        as(MIA)
            .classic("repo")
            .entPolicy(
                entPolicy(E_OC, E_RESTRICTED, EnterprisePolicy.Approval.ORG_CONFIGURES, null, null))
            .on(ACME_SITE),
        READ,
        OK,
        Reason.PUBLIC_READ);
    row(
        rows,
        "3 fine-grained token reads public although the org restricts fine-grained tokens",
        as(MIA)
            .fineGrained(ACME, PermissionLevel.READ)
            .orgPolicy(orgPolicy(O_RESTRICTED, O_ALLOWED, OrgPolicy.Approval.REQUIRED, null, null))
            .on(ACME_SITE),
        READ,
        OK,
        Reason.PUBLIC_READ);
    row(
        rows,
        "3 never-expiring token reads public despite a max lifetime",
        as(MIA)
            .classic()
            .orgPolicy(orgPolicy(O_ALLOWED, O_ALLOWED, OrgPolicy.Approval.REQUIRED, 7, 7))
            .on(ACME_SITE),
        READ,
        OK,
        Reason.PUBLIC_READ);
    row(
        rows,
        "3 outsider reads a public user repo",
        as(OSCAR).classic().on(UMA_BLOG),
        READ,
        OK,
        Reason.PUBLIC_READ);
  }

  // ---------------------------------------------------------------- rule 4 (classic 'repo' tokens,
  // so only the user's permission decides)

  private static void rule4Permission(List<Arguments> rows) {
    row(
        rows,
        "4 org owner gets admin: push with base none",
        as(OLIVIA).classic("repo").base(BasePermission.NONE).on(ACME_APP),
        WRITE,
        OK,
        Reason.AUTHORIZED);
    row(
        rows,
        "4 org owner gets admin: push to internal",
        as(OLIVIA).classic("repo").on(ACME_INNER),
        WRITE,
        OK,
        Reason.AUTHORIZED);
    row(
        rows,
        "4 user repo owner pushes own private repo",
        as(UMA).classic("repo").on(UMA_DOTS),
        WRITE,
        OK,
        Reason.AUTHORIZED);
    row(
        rows,
        "4 base none: member cannot see a private repo",
        as(MIA).classic("repo").base(BasePermission.NONE).on(ACME_APP),
        READ,
        404,
        Reason.REPOSITORY_NOT_FOUND);
    row(
        rows,
        "4 base none: member still reads an internal repo",
        as(MIA).classic("repo").base(BasePermission.NONE).on(ACME_INNER),
        READ,
        OK,
        Reason.AUTHORIZED);
    row(
        rows,
        "4 base none: member cannot push an internal repo",
        as(MIA).classic("repo").base(BasePermission.NONE).on(ACME_INNER),
        WRITE,
        403,
        Reason.NO_PUSH_PERMISSION,
        "acme/inner",
        "mia");
    row(
        rows,
        "4 base read: member reads",
        as(MIA).classic("repo").base(BasePermission.READ).on(ACME_APP),
        READ,
        OK,
        Reason.AUTHORIZED);
    row(
        rows,
        "4 base read: member cannot push",
        as(MIA).classic("repo").base(BasePermission.READ).on(ACME_APP),
        WRITE,
        403,
        Reason.NO_PUSH_PERMISSION,
        "acme/app",
        "mia");
    row(
        rows,
        "4 base write: member pushes",
        as(MIA).classic("repo").base(BasePermission.WRITE).on(ACME_APP),
        WRITE,
        OK,
        Reason.AUTHORIZED);
    row(
        rows,
        "4 base admin: member pushes",
        as(MIA).classic("repo").base(BasePermission.ADMIN).on(ACME_APP),
        WRITE,
        OK,
        Reason.AUTHORIZED);
    row(
        rows,
        "4 base write does not reach an outsider",
        as(OSCAR).classic("repo").base(BasePermission.WRITE).on(ACME_APP),
        READ,
        404,
        Reason.REPOSITORY_NOT_FOUND);
    row(
        rows,
        "4 collaborator pull reads",
        as(OSCAR).classic("repo").collaborator(RepoPermission.READ).on(ACME_APP),
        READ,
        OK,
        Reason.AUTHORIZED);
    row(
        rows,
        "4 collaborator pull cannot push",
        as(OSCAR).classic("repo").collaborator(RepoPermission.READ).on(ACME_APP),
        WRITE,
        403,
        Reason.NO_PUSH_PERMISSION,
        "acme/app",
        "oscar");
    row(
        rows,
        "4 collaborator triage cannot push",
        as(OSCAR).classic("repo").collaborator(RepoPermission.TRIAGE).on(ACME_APP),
        WRITE,
        403,
        Reason.NO_PUSH_PERMISSION,
        "acme/app",
        "oscar");
    row(
        rows,
        "4 collaborator push pushes",
        as(OSCAR).classic("repo").collaborator(RepoPermission.WRITE).on(ACME_APP),
        WRITE,
        OK,
        Reason.AUTHORIZED);
    row(
        rows,
        "4 collaborator maintain pushes",
        as(OSCAR).classic("repo").collaborator(RepoPermission.MAINTAIN).on(ACME_APP),
        WRITE,
        OK,
        Reason.AUTHORIZED);
    row(
        rows,
        "4 collaborator admin pushes",
        as(OSCAR).classic("repo").collaborator(RepoPermission.ADMIN).on(ACME_APP),
        WRITE,
        OK,
        Reason.AUTHORIZED);
    row(
        rows,
        "4 collaborator push on a user repo pushes",
        as(MIA).classic("repo").collaborator(RepoPermission.WRITE).on(UMA_DOTS),
        WRITE,
        OK,
        Reason.AUTHORIZED);
    row(
        rows,
        "4 collaborator pull on a user repo cannot push",
        as(MIA).classic("repo").collaborator(RepoPermission.READ).on(UMA_DOTS),
        WRITE,
        403,
        Reason.NO_PUSH_PERMISSION,
        "uma/dots",
        "mia");
    row(
        rows,
        "4 the highest of base read and collaborator push wins",
        as(MIA)
            .classic("repo")
            .base(BasePermission.READ)
            .collaborator(RepoPermission.WRITE)
            .on(ACME_APP),
        WRITE,
        OK,
        Reason.AUTHORIZED);
    row(
        rows,
        "4 the highest of base write and collaborator pull wins",
        as(MIA)
            .classic("repo")
            .base(BasePermission.WRITE)
            .collaborator(RepoPermission.READ)
            .on(ACME_APP),
        WRITE,
        OK,
        Reason.AUTHORIZED);
    row(
        rows,
        "4 internal read grant does not allow a push by a sibling-org member",
        as(SAM).classic("repo").on(ACME_INNER),
        WRITE,
        403,
        Reason.NO_PUSH_PERMISSION,
        "acme/inner",
        "sam");
  }

  // ---------------------------------------------------------------- rule 5: classic_access,
  // enterprise × org

  private static void rule5ClassicAccessPolicy(List<Arguments> rows) {
    for (EnterprisePolicy.Access e : EnterprisePolicy.Access.values()) {
      for (OrgPolicy.Access o : OrgPolicy.Access.values()) {
        Case c =
            as(MIA)
                .classic("repo")
                .on(ACME_APP)
                .entPolicy(entPolicy(E_OC, e, EnterprisePolicy.Approval.ORG_CONFIGURES, null, null))
                .orgPolicy(orgPolicy(O_ALLOWED, o, OrgPolicy.Approval.REQUIRED, null, null));
        String name = "5 classic_access enterprise " + e.apiName() + " × org " + o.apiName();
        boolean restricted = e == E_RESTRICTED || (e == E_OC && o == O_RESTRICTED);
        if (!restricted) {
          row(rows, name + " → allowed", c, READ, OK, Reason.AUTHORIZED);
        } else if (e == E_RESTRICTED) {
          row(
              rows,
              name + " → 403 naming the enterprise",
              c,
              READ,
              403,
              Reason.CLASSIC_RESTRICTED,
              "'" + GLOBEX + "'",
              "'acme'");
        } else {
          row(
              rows,
              name + " → 403 naming the org",
              c,
              READ,
              403,
              Reason.CLASSIC_RESTRICTED,
              "'acme' organization");
        }
      }
    }
    row(
        rows,
        "5 classic restricted by an org without enterprise → 403",
        as(SOL)
            .classic("repo")
            .orgPolicy(orgPolicy(O_ALLOWED, O_RESTRICTED, OrgPolicy.Approval.REQUIRED, null, null))
            .on(SOLO_TOOL),
        READ,
        403,
        Reason.CLASSIC_RESTRICTED,
        "'solo' organization");
    row(
        rows,
        "5 classic restricted blocks even the org owner's push",
        as(OLIVIA)
            .classic("repo")
            .orgPolicy(orgPolicy(O_ALLOWED, O_RESTRICTED, OrgPolicy.Approval.REQUIRED, null, null))
            .on(ACME_APP),
        WRITE,
        403,
        Reason.CLASSIC_RESTRICTED,
        "'acme'");
    row(
        rows,
        "5 classic restricted blocks a push to a public repo",
        as(OLIVIA)
            .classic("repo")
            .orgPolicy(orgPolicy(O_ALLOWED, O_RESTRICTED, OrgPolicy.Approval.REQUIRED, null, null))
            .on(ACME_SITE),
        WRITE,
        403,
        Reason.CLASSIC_RESTRICTED,
        "'acme'");
    row(
        rows,
        "5 classic restriction of an org does not apply to user repos",
        as(MIA)
            .classic("repo")
            .collaborator(RepoPermission.WRITE)
            .orgPolicy(orgPolicy(O_ALLOWED, O_RESTRICTED, OrgPolicy.Approval.REQUIRED, null, null))
            .on(UMA_DOTS),
        WRITE,
        OK,
        Reason.AUTHORIZED);
    row(
        rows,
        "5 restricting fine-grained tokens leaves classic tokens alone",
        as(MIA)
            .classic("repo")
            .entPolicy(
                entPolicy(E_RESTRICTED, E_OC, EnterprisePolicy.Approval.ORG_CONFIGURES, null, null))
            .on(ACME_APP),
        READ,
        OK,
        Reason.AUTHORIZED);
  }

  // ---------------------------------------------------------------- rule 5: scopes × visibility ×
  // operation

  private static void rule5ClassicScopes(List<Arguments> rows) {
    List<String[]> scopeSets =
        List.of(new String[] {"repo"}, new String[] {"public_repo"}, new String[] {});
    for (Repository r : List.of(ACME_SITE, ACME_APP, ACME_INNER)) {
      for (String[] scopes : scopeSets) {
        for (GitOperation op : GitOperation.values()) {
          String scopeName = scopes.length == 0 ? "no scope" : scopes[0];
          String name =
              "5 scope "
                  + scopeName
                  + " × "
                  + r.visibility().apiName()
                  + " × "
                  + op.name().toLowerCase();
          // A member with base write, so the user's own permission never decides.
          Case c = as(MIA).classic(scopes).base(BasePermission.WRITE).on(r);
          boolean isPublic = r.visibility() == Visibility.PUBLIC;
          boolean hasRepo = scopes.length == 1 && scopes[0].equals("repo");
          boolean hasPublicRepo = scopes.length == 1 && scopes[0].equals("public_repo");
          if (isPublic && op == READ) {
            row(rows, name + " → allowed", c, op, OK, Reason.PUBLIC_READ);
          } else if (hasRepo || (isPublic && op == WRITE && hasPublicRepo)) {
            row(rows, name + " → allowed", c, op, OK, Reason.AUTHORIZED);
          } else {
            row(
                rows,
                name + " → 403",
                c,
                op,
                403,
                Reason.MISSING_SCOPE,
                r.fullName(),
                isPublic ? "public_repo" : "'repo'");
          }
        }
      }
    }
    row(
        rows,
        "5 scope public_repo pushes a public user repo",
        as(UMA).classic("public_repo").on(UMA_BLOG),
        WRITE,
        OK,
        Reason.AUTHORIZED);
    row(
        rows,
        "5 scope public_repo cannot read own private user repo",
        as(UMA).classic("public_repo").on(UMA_DOTS),
        READ,
        403,
        Reason.MISSING_SCOPE,
        "uma/dots");
    row(
        rows,
        "5 scope workflow alone cannot push",
        as(UMA).classic("workflow").on(UMA_DOTS),
        WRITE,
        403,
        Reason.MISSING_SCOPE,
        "uma/dots");
    row(
        rows,
        "5 public_repo passes the scope check on a public repo, push permission still needed",
        as(OSCAR).classic("public_repo").on(ACME_SITE),
        WRITE,
        403,
        Reason.NO_PUSH_PERMISSION,
        "acme/site",
        "oscar");
  }

  // ---------------------------------------------------------------- rules 5 and 6: max lifetime,
  // enterprise and org, stricter wins

  private static void rule5and6Lifetime(List<Arguments> rows) {
    // (enterprise max, org max, token lifetime days or null = never, allowed?)
    Object[][] cases = {
      {null, 30, 30, true},
      {null, 30, 31, false},
      {null, 30, null, false},
      {30, null, 30, true},
      {30, null, 31, false},
      {30, null, null, false},
      {30, 90, 60, false}, // the enterprise is stricter
      {90, 30, 60, false}, // the org is stricter
      {90, 60, 60, true},
      {60, 90, 60, true},
      {null, null, null, true},
      {366, 366, 366, true},
    };
    for (TokenKind kind : TokenKind.values()) {
      for (Object[] c : cases) {
        Integer ent = (Integer) c[0];
        Integer org = (Integer) c[1];
        Integer days = (Integer) c[2];
        boolean allowed = (Boolean) c[3];
        boolean classic = kind == TokenKind.CLASSIC;
        Case k =
            classic ? as(MIA).classic("repo") : as(MIA).fineGrained(ACME, PermissionLevel.READ);
        k.on(ACME_APP)
            .entPolicy(
                entPolicy(
                    E_OC,
                    E_OC,
                    EnterprisePolicy.Approval.ORG_CONFIGURES,
                    classic ? null : ent,
                    classic ? ent : null))
            .orgPolicy(
                orgPolicy(
                    O_ALLOWED,
                    O_ALLOWED,
                    OrgPolicy.Approval.REQUIRED,
                    classic ? null : org,
                    classic ? org : null));
        if (days != null) {
          k.lifetimeDays(days);
        }
        String name =
            "5/6 "
                + kind.apiName()
                + " lifetime "
                + (days == null ? "never" : days + "d")
                + " under enterprise max "
                + ent
                + " / org max "
                + org;
        if (allowed) {
          row(rows, name + " → allowed", k, READ, OK, Reason.AUTHORIZED);
        } else {
          Integer effective = ent == null ? org : org == null ? ent : Math.min(ent, org);
          row(
              rows,
              name + " → 403",
              k,
              READ,
              403,
              classic ? Reason.CLASSIC_LIFETIME : Reason.FINE_GRAINED_LIFETIME,
              "'acme'",
              effective + " days");
        }
      }
    }
    row(
        rows,
        "5 a max lifetime of the other kind does not apply",
        as(MIA)
            .classic("repo")
            .orgPolicy(orgPolicy(O_ALLOWED, O_ALLOWED, OrgPolicy.Approval.REQUIRED, 7, null))
            .on(ACME_APP),
        READ,
        OK,
        Reason.AUTHORIZED);
    row(
        rows,
        "5 an org's max lifetime does not apply to user repos",
        as(MIA)
            .classic("repo")
            .collaborator(RepoPermission.READ)
            .orgPolicy(orgPolicy(O_ALLOWED, O_ALLOWED, OrgPolicy.Approval.REQUIRED, 7, 7))
            .on(UMA_DOTS),
        READ,
        OK,
        Reason.AUTHORIZED);
  }

  // ---------------------------------------------------------------- rule 6: fine_grained_access,
  // enterprise × org

  private static void rule6FineGrainedAccessPolicy(List<Arguments> rows) {
    for (EnterprisePolicy.Access e : EnterprisePolicy.Access.values()) {
      for (OrgPolicy.Access o : OrgPolicy.Access.values()) {
        Case c =
            as(MIA)
                .fineGrained(ACME, PermissionLevel.READ)
                .on(ACME_APP)
                .entPolicy(entPolicy(e, E_OC, EnterprisePolicy.Approval.ORG_CONFIGURES, null, null))
                .orgPolicy(orgPolicy(o, O_ALLOWED, OrgPolicy.Approval.REQUIRED, null, null));
        String name = "6 fine_grained_access enterprise " + e.apiName() + " × org " + o.apiName();
        boolean restricted = e == E_RESTRICTED || (e == E_OC && o == O_RESTRICTED);
        if (!restricted) {
          row(rows, name + " → allowed", c, READ, OK, Reason.AUTHORIZED);
        } else if (e == E_RESTRICTED) {
          row(
              rows,
              name + " → 403 naming the enterprise",
              c,
              READ,
              403,
              Reason.FINE_GRAINED_RESTRICTED,
              "'" + GLOBEX + "'",
              "'acme'");
        } else {
          row(
              rows,
              name + " → 403 naming the org",
              c,
              READ,
              403,
              Reason.FINE_GRAINED_RESTRICTED,
              "'acme' organization");
        }
      }
    }
    row(
        rows,
        "6 fine-grained restricted by an org without enterprise → 403",
        as(SOL)
            .fineGrained(SOLO, PermissionLevel.READ)
            .orgPolicy(orgPolicy(O_RESTRICTED, O_ALLOWED, OrgPolicy.Approval.REQUIRED, null, null))
            .on(SOLO_TOOL),
        READ,
        403,
        Reason.FINE_GRAINED_RESTRICTED,
        "'solo' organization");
    row(
        rows,
        "6 fine-grained restricted blocks the org owner too",
        as(OLIVIA)
            .fineGrained(ACME, PermissionLevel.WRITE)
            .orgPolicy(orgPolicy(O_RESTRICTED, O_ALLOWED, OrgPolicy.Approval.REQUIRED, null, null))
            .on(ACME_APP),
        WRITE,
        403,
        Reason.FINE_GRAINED_RESTRICTED,
        "'acme'");
    row(
        rows,
        "6 restricting classic tokens leaves fine-grained tokens alone",
        as(MIA)
            .fineGrained(ACME, PermissionLevel.READ)
            .entPolicy(
                entPolicy(E_OC, E_RESTRICTED, EnterprisePolicy.Approval.ORG_CONFIGURES, null, null))
            .on(ACME_APP),
        READ,
        OK,
        Reason.AUTHORIZED);
    row(
        rows,
        "6 outside collaborator cannot use a fine-grained token on the org",
        as(OSCAR)
            .fineGrained(ACME, PermissionLevel.WRITE)
            .collaborator(RepoPermission.WRITE)
            .on(ACME_APP),
        WRITE,
        403,
        Reason.OUTSIDE_COLLABORATOR,
        "'acme'");
    row(
        rows,
        "6 sibling-org member cannot use a fine-grained token on the org's internal repo",
        as(SAM).fineGrained(ACME, PermissionLevel.READ).on(ACME_INNER),
        READ,
        403,
        Reason.OUTSIDE_COLLABORATOR,
        "'acme'");
    row(
        rows,
        "6 fine-grained token on own user repo needs no org policy",
        as(UMA).fineGrained(UMA, PermissionLevel.WRITE).on(UMA_DOTS),
        WRITE,
        OK,
        Reason.AUTHORIZED);
  }

  // ---------------------------------------------------------------- rule 6: an approval's end

  /**
   * An approval given until an instant lapses by itself: the evaluator compares the grant's end
   * with the time it is given ({@code NOW} here; the service's injected clock).
   */
  private static void rule6ApprovalEnd(List<Arguments> rows) {
    row(
        rows,
        "6 approval with an end still ahead → allowed",
        as(MIA)
            .fineGrained(ACME, PermissionLevel.WRITE)
            .approvedUntil(NOW.plusSeconds(1))
            .base(BasePermission.WRITE)
            .on(ACME_APP),
        WRITE,
        OK,
        Reason.AUTHORIZED);
    row(
        rows,
        "6 approval that ends at this very instant → 403 approval expired",
        as(MIA).fineGrained(ACME, PermissionLevel.READ).approvedUntil(NOW).on(ACME_APP),
        READ,
        403,
        Reason.GRANT_EXPIRED,
        "approval expired",
        "'acme'");
    row(
        rows,
        "6 approval that ended → 403 approval expired on a push too",
        as(MIA)
            .fineGrained(ACME, PermissionLevel.WRITE)
            .approvedUntil(NOW.minus(Duration.ofDays(1)))
            .on(ACME_APP),
        WRITE,
        403,
        Reason.GRANT_EXPIRED,
        "approval expired");
    row(
        rows,
        "6 approval that ended → 403 even where approval is no longer required",
        as(MIA)
            .fineGrained(ACME, PermissionLevel.READ)
            .approvedUntil(NOW.minusSeconds(1))
            .orgPolicy(orgPolicy(O_ALLOWED, O_ALLOWED, OrgPolicy.Approval.NOT_REQUIRED, null, null))
            .on(ACME_APP),
        READ,
        403,
        Reason.GRANT_EXPIRED,
        "approval expired");
    row(
        rows,
        "3 approval that ended still reads a public repo",
        as(MIA)
            .fineGrained(ACME, PermissionLevel.READ)
            .approvedUntil(NOW.minusSeconds(1))
            .on(ACME_SITE),
        READ,
        OK,
        Reason.PUBLIC_READ);
    row(
        rows,
        "6 a revoked grant says revoked, whatever end its approval had",
        as(MIA)
            .fineGrained(ACME, PermissionLevel.READ)
            .grant(GrantStatus.REVOKED)
            .approvedUntil(NOW.minusSeconds(1))
            .on(ACME_APP),
        READ,
        403,
        Reason.GRANT_REVOKED,
        "revoked");
  }

  // ---------------------------------------------------------------- rule 6: approval, enterprise ×
  // org × grant state

  private static void rule6Approval(List<Arguments> rows) {
    for (EnterprisePolicy.Approval e : EnterprisePolicy.Approval.values()) {
      for (OrgPolicy.Approval o : OrgPolicy.Approval.values()) {
        for (GrantStatus g : GrantStatus.values()) {
          Case c =
              as(MIA)
                  .fineGrained(ACME, PermissionLevel.READ)
                  .grant(g)
                  .on(ACME_APP)
                  .entPolicy(entPolicy(E_OC, E_OC, e, null, null))
                  .orgPolicy(orgPolicy(O_ALLOWED, O_ALLOWED, o, null, null));
          boolean required =
              e == EnterprisePolicy.Approval.REQUIRED
                  || (e == EnterprisePolicy.Approval.ORG_CONFIGURES
                      && o == OrgPolicy.Approval.REQUIRED);
          String name =
              "6 approval enterprise "
                  + e.apiName()
                  + " × org "
                  + o.apiName()
                  + " × grant "
                  + g.apiName();
          switch (g) {
            case REVOKED ->
                row(rows, name + " → 403", c, READ, 403, Reason.GRANT_REVOKED, "'acme'", "revoked");
            case DENIED ->
                row(rows, name + " → 403", c, READ, 403, Reason.GRANT_DENIED, "'acme'", "denied");
            case PENDING -> {
              if (required) {
                row(rows, name + " → 403", c, READ, 403, Reason.GRANT_PENDING, "'acme'", "pending");
              } else {
                row(
                    rows,
                    name + " → allowed (approval not required)",
                    c,
                    READ,
                    OK,
                    Reason.AUTHORIZED);
              }
            }
            case APPROVED -> row(rows, name + " → allowed", c, READ, OK, Reason.AUTHORIZED);
          }
        }
      }
    }
    row(
        rows,
        "6 no grant row while approval is required counts as pending",
        as(MIA).fineGrained(ACME, PermissionLevel.READ).noGrant().on(ACME_APP),
        READ,
        403,
        Reason.GRANT_PENDING,
        "'acme'");
    row(
        rows,
        "6 pending token cannot push a public repo",
        as(MIA)
            .fineGrained(ACME, PermissionLevel.WRITE)
            .base(BasePermission.WRITE)
            .grant(GrantStatus.PENDING)
            .on(ACME_SITE),
        WRITE,
        403,
        Reason.GRANT_PENDING,
        "'acme'");
    row(
        rows,
        "6 pending token cannot read an internal repo",
        as(MIA).fineGrained(ACME, PermissionLevel.READ).grant(GrantStatus.PENDING).on(ACME_INNER),
        READ,
        403,
        Reason.GRANT_PENDING,
        "'acme'");
  }

  // ---------------------------------------------------------------- rule 6: selection × resource
  // owner

  private static void rule6Selection(List<Arguments> rows) {
    record Sel(String name, RepositorySelection selection, Repository[] subset, boolean selects) {}
    List<Sel> selections =
        List.of(
            new Sel("all", RepositorySelection.ALL, new Repository[0], true),
            new Sel(
                "subset containing the repo",
                RepositorySelection.SUBSET,
                new Repository[] {ACME_APP, ACME_INNER},
                true),
            new Sel(
                "subset without the repo",
                RepositorySelection.SUBSET,
                new Repository[] {ACME_INNER},
                false),
            new Sel("none", RepositorySelection.NONE, new Repository[0], false));
    for (Sel s : selections) {
      for (boolean match : new boolean[] {true, false}) {
        Owner owner = match ? ACME : MIA;
        Case c =
            as(MIA)
                .fineGrained(owner, PermissionLevel.READ)
                .selection(s.selection(), s.subset())
                .on(ACME_APP);
        String name =
            "6 selection " + s.name() + " × resource owner " + (match ? "match" : "mismatch");
        if (!match) {
          row(rows, name + " → 404", c, READ, 404, Reason.RESOURCE_OWNER_MISMATCH);
        } else if (s.selects()) {
          row(rows, name + " → allowed", c, READ, OK, Reason.AUTHORIZED);
        } else {
          row(rows, name + " → 404", c, READ, 404, Reason.NOT_IN_SELECTION);
        }
      }
    }
    row(
        rows,
        "6 selection none cannot push a public repo",
        as(MIA)
            .fineGrained(ACME, PermissionLevel.WRITE)
            .base(BasePermission.WRITE)
            .selection(RepositorySelection.NONE)
            .on(ACME_SITE),
        WRITE,
        404,
        Reason.NOT_IN_SELECTION);
    row(
        rows,
        "6 resource owner of another org → 404",
        as(MIA).fineGrained(SOLO, PermissionLevel.READ).on(ACME_APP),
        READ,
        404,
        Reason.RESOURCE_OWNER_MISMATCH);
    row(
        rows,
        "6 fine-grained on own user repo, subset containing it",
        as(UMA)
            .fineGrained(UMA, PermissionLevel.READ)
            .selection(RepositorySelection.SUBSET, UMA_DOTS)
            .on(UMA_DOTS),
        READ,
        OK,
        Reason.AUTHORIZED);
    row(
        rows,
        "6 fine-grained on own user repo, subset without it",
        as(UMA)
            .fineGrained(UMA, PermissionLevel.WRITE)
            .selection(RepositorySelection.SUBSET, UMA_BLOG)
            .on(UMA_DOTS),
        WRITE,
        404,
        Reason.NOT_IN_SELECTION);
    row(
        rows,
        "6 fine-grained on an org, pushing a user repo where the user collaborates → 404",
        as(MIA)
            .fineGrained(ACME, PermissionLevel.WRITE)
            .collaborator(RepoPermission.WRITE)
            .on(UMA_DOTS),
        WRITE,
        404,
        Reason.RESOURCE_OWNER_MISMATCH);
    row(
        rows,
        "6 fine-grained of the user, on another user's repo where it collaborates → 404",
        as(MIA)
            .fineGrained(MIA, PermissionLevel.WRITE)
            .collaborator(RepoPermission.WRITE)
            .on(UMA_DOTS),
        WRITE,
        404,
        Reason.RESOURCE_OWNER_MISMATCH);
    row(
        rows,
        "6 resource owner mismatch is checked before the org restriction",
        as(MIA)
            .fineGrained(MIA, PermissionLevel.READ)
            .orgPolicy(orgPolicy(O_RESTRICTED, O_ALLOWED, OrgPolicy.Approval.REQUIRED, null, null))
            .on(ACME_APP),
        READ,
        404,
        Reason.RESOURCE_OWNER_MISMATCH);
    row(
        rows,
        "6 selection is checked before the approval",
        as(MIA)
            .fineGrained(ACME, PermissionLevel.READ)
            .selection(RepositorySelection.SUBSET, ACME_INNER)
            .grant(GrantStatus.PENDING)
            .on(ACME_APP),
        READ,
        404,
        Reason.NOT_IN_SELECTION);
  }

  // ---------------------------------------------------------------- rule 6: contents × operation

  private static void rule6Contents(List<Arguments> rows) {
    PermissionLevel[] levels = {null, PermissionLevel.READ, PermissionLevel.WRITE};
    for (PermissionLevel contents : levels) {
      for (GitOperation op : GitOperation.values()) {
        Case c = as(MIA).fineGrained(ACME, contents).base(BasePermission.WRITE).on(ACME_APP);
        String name =
            "6 contents "
                + (contents == null ? "none" : contents.apiName())
                + " × "
                + op.name().toLowerCase();
        boolean ok = contents != null && (op == READ || contents == PermissionLevel.WRITE);
        if (ok) {
          row(rows, name + " → allowed", c, op, OK, Reason.AUTHORIZED);
        } else {
          row(
              rows,
              name + " → 403",
              c,
              op,
              403,
              Reason.MISSING_PERMISSION,
              "contents:" + (op == READ ? "read" : "write"),
              "acme/app");
        }
      }
    }
    row(
        rows,
        "6 contents checked after approval",
        as(MIA).fineGrained(ACME, null).grant(GrantStatus.PENDING).on(ACME_APP),
        READ,
        403,
        Reason.GRANT_PENDING);
  }

  // ---------------------------------------------------------------- rule 7

  private static void rule7Push(List<Arguments> rows) {
    row(
        rows,
        "7 fine-grained contents:write without push permission → 403 naming repo and user",
        as(MIA).fineGrained(ACME, PermissionLevel.WRITE).base(BasePermission.READ).on(ACME_APP),
        WRITE,
        403,
        Reason.NO_PUSH_PERMISSION,
        "Permission to acme/app.git denied to mia.");
    row(
        rows,
        "7 classic repo without push permission → 403 naming repo and user",
        as(MIA).classic("repo").on(ACME_APP),
        WRITE,
        403,
        Reason.NO_PUSH_PERMISSION,
        "Permission to acme/app.git denied to mia.");
    row(
        rows,
        "7 outsider pushing a public repo → 403 (the repo is visible)",
        as(OSCAR).classic("repo").on(ACME_SITE),
        WRITE,
        403,
        Reason.NO_PUSH_PERMISSION,
        "Permission to acme/site.git denied to oscar.");
    row(
        rows,
        "7 outsider pushing a public user repo → 403",
        as(OSCAR).classic("repo").on(UMA_BLOG),
        WRITE,
        403,
        Reason.NO_PUSH_PERMISSION,
        "Permission to uma/blog.git denied to oscar.");
    row(
        rows,
        "7 fine-grained contents:write with push permission is allowed",
        as(MIA).fineGrained(ACME, PermissionLevel.WRITE).base(BasePermission.WRITE).on(ACME_APP),
        WRITE,
        OK,
        Reason.AUTHORIZED);
    row(
        rows,
        "7 org owner's fine-grained token pushes",
        as(OLIVIA).fineGrained(ACME, PermissionLevel.WRITE).base(BasePermission.NONE).on(ACME_APP),
        WRITE,
        OK,
        Reason.AUTHORIZED);
  }

  // ====================================================================== direct tests

  @Test
  @DisplayName("401 only for credential problems: no row with a valid token answers 401")
  void validTokensAreNeverAnswered401() {
    table()
        .forEach(
            a -> {
              Given given = (Given) a.get()[1];
              GitOperation op = (GitOperation) a.get()[2];
              if (given.inputs().credential() instanceof Credential.Token t
                  && !t.token().deleted()
                  && !t.token().expired(NOW)) {
                Decision d = given.decide(op);
                if (d instanceof Decision.Denied denied) {
                  assertNotEquals(
                      401,
                      denied.status(),
                      () -> a.get()[0] + ": a valid token denied by policy must get 403/404: " + d);
                }
              }
            });
  }

  @Test
  void classicTokenRefusedByPolicyIs403Not401() {
    Decision d =
        as(MIA)
            .classic("repo")
            .entPolicy(
                entPolicy(E_OC, E_RESTRICTED, EnterprisePolicy.Approval.ORG_CONFIGURES, null, null))
            .on(ACME_APP)
            .given()
            .decide(READ);
    assertEquals(403, ((Decision.Denied) d).status());
  }

  @Test
  void fineGrainedTokenPendingIs403Not401() {
    Decision d =
        as(MIA)
            .fineGrained(ACME, PermissionLevel.WRITE)
            .grant(GrantStatus.PENDING)
            .on(ACME_APP)
            .given()
            .decide(WRITE);
    assertEquals(403, ((Decision.Denied) d).status());
    assertEquals(Reason.GRANT_PENDING, d.reason());
  }

  @Test
  void missingScopeIs403Not401() {
    Decision d = as(MIA).classic().on(ACME_APP).given().decide(READ);
    assertEquals(403, ((Decision.Denied) d).status());
    assertEquals(Reason.MISSING_SCOPE, d.reason());
  }

  @Test
  void credentialProblemsAll401WithGithubMessageAndNoSecret() {
    for (Case c :
        List.of(
            invalidCredential().on(ACME_APP),
            as(MIA).classic("repo").deleted().on(ACME_APP),
            as(MIA).classic("repo").expiresAt(NOW.minus(Duration.ofDays(1))).on(ACME_APP))) {
      Decision.Denied d = (Decision.Denied) c.given().decide(READ);
      assertEquals(401, d.status());
      assertEquals(
          "Invalid username or token. Password authentication is not supported for Git operations.",
          d.message());
    }
  }

  /**
   * A suspended user's valid token gets 403 with GitHub's message, not 401: git's credential
   * helpers erase a credential answered 401, and the user would have to enter the token again after
   * the suspension is lifted.
   */
  @Test
  void aSuspendedUsersTokenIs403SoGitKeepsIt() {
    Decision.Denied d =
        (Decision.Denied) as(MIA).classic("repo").suspended().on(ACME_APP).given().decide(READ);
    assertEquals(403, d.status());
    assertEquals(Reason.USER_SUSPENDED, d.reason());
    assertEquals("Your account is suspended.", d.message());
  }

  @Test
  void decisionIsPureSameInputsSameOutput() {
    Given g = as(MIA).fineGrained(ACME, PermissionLevel.READ).on(ACME_APP).given();
    assertEquals(g.decide(READ), g.decide(READ));
    assertEquals(g.decide(WRITE), g.decide(WRITE));
  }

  @Test
  void deniedRejectsStatusesOtherThan401_403_404() {
    assertThrows(
        IllegalArgumentException.class,
        () -> new Decision.Denied(500, Reason.REPOSITORY_NOT_FOUND, "x"));
    assertThrows(
        IllegalArgumentException.class,
        () -> new Decision.Denied(200, Reason.REPOSITORY_NOT_FOUND, "x"));
  }

  @Test
  void inputsRequireCredentialAndOrgWithPolicy() {
    assertThrows(
        IllegalArgumentException.class,
        () -> new AccessInputs(null, ACME_APP, null, null, null, null, false, null));
    assertThrows(
        IllegalArgumentException.class,
        () -> new AccessInputs(Credential.NONE, ACME_APP, ACME, null, null, null, false, null));
  }

  @Test
  void lifetimeImposedByTheEnterpriseNamesTheEnterprise() {
    for (TokenKind kind : TokenKind.values()) {
      boolean classic = kind == TokenKind.CLASSIC;
      Case c = classic ? as(MIA).classic("repo") : as(MIA).fineGrained(ACME, PermissionLevel.READ);
      c.on(ACME_APP)
          .lifetimeDays(60)
          .entPolicy(
              entPolicy(
                  E_OC,
                  E_OC,
                  EnterprisePolicy.Approval.ORG_CONFIGURES,
                  classic ? null : 30,
                  classic ? 30 : null))
          .orgPolicy(
              orgPolicy(
                  O_ALLOWED,
                  O_ALLOWED,
                  OrgPolicy.Approval.REQUIRED,
                  classic ? null : 90,
                  classic ? 90 : null));
      Decision.Denied d = (Decision.Denied) c.given().decide(READ);
      assertTrue(d.message().contains("'" + GLOBEX + "'"), kind + ": " + d.message());
    }
  }
}
