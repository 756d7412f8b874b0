package dev.portcullis.policy.decision;

import static dev.portcullis.policy.testing.Fixtures.ACME;
import static dev.portcullis.policy.testing.Fixtures.ACME_APP;
import static dev.portcullis.policy.testing.Fixtures.ACME_SITE;
import static dev.portcullis.policy.testing.Fixtures.MIA;
import static dev.portcullis.policy.testing.Fixtures.OLIVIA;
import static dev.portcullis.policy.testing.Fixtures.UMA;
import static dev.portcullis.policy.testing.Fixtures.UMA_DOTS;
import static dev.portcullis.policy.testing.Fixtures.as;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.policy.model.BasePermission;
import dev.portcullis.policy.model.OrgPolicy;
import dev.portcullis.policy.model.PermissionLevel;
import dev.portcullis.policy.model.RepoPermission;
import dev.portcullis.policy.model.User;
import dev.portcullis.policy.testing.Fixtures;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Rule 8, the token's {@code ref_patterns} and push protection as derived from the access
 * decision's inputs: one row per case.
 */
class PushRulesTest {
  private static final String CI = ".github/workflows/ci.yml";
  private static final String CLASSIC_REFUSAL =
      "refusing to allow a Personal Access Token to create or update workflow"
          + " `.github/workflows/ci.yml` without `workflow` scope";
  private static final String FINE_GRAINED_REFUSAL =
      "refusing to allow a Personal Access Token to create or update workflow"
          + " `.github/workflows/ci.yml` without `workflows` permission";

  static Stream<Arguments> rule8() {
    return Stream.of(
        Arguments.of("classic repo", as(MIA).classic("repo").on(ACME_APP), CLASSIC_REFUSAL),
        Arguments.of(
            "classic repo + workflow", as(MIA).classic("repo", "workflow").on(ACME_APP), null),
        Arguments.of(
            "classic public_repo on a public repository",
            as(MIA).classic("public_repo").on(ACME_SITE),
            CLASSIC_REFUSAL),
        Arguments.of(
            "fine-grained contents:write",
            as(MIA).fineGrained(ACME, PermissionLevel.WRITE).on(ACME_APP),
            FINE_GRAINED_REFUSAL),
        Arguments.of(
            "fine-grained contents:write + workflows:write",
            as(MIA).fineGrained(ACME, PermissionLevel.WRITE).workflows().on(ACME_APP),
            null),
        Arguments.of(
            "an org owner's classic repo token (rule 8 is about the token, not the user)",
            as(OLIVIA).classic("repo").on(ACME_APP),
            CLASSIC_REFUSAL));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("rule8")
  void rule8NeedsTheWorkflowScopeOrPermission(String name, Fixtures.Case c, String refusal) {
    assertEquals(refusal, PushRules.of(c.inputs()).workflowRefusal(CI));
  }

  @Test
  void pushProtectionFollowsTheOrganizationAndIsAlwaysOnForUsers() {
    assertTrue(PushRules.of(as(MIA).classic("repo").on(ACME_APP).inputs()).pushProtection());
    OrgPolicy off =
        new OrgPolicy(
            OrgPolicy.Access.ALLOWED,
            OrgPolicy.Access.ALLOWED,
            OrgPolicy.Approval.REQUIRED,
            null,
            null,
            OrgPolicy.PushProtection.DISABLED);
    assertFalse(
        PushRules.of(as(MIA).classic("repo").on(ACME_APP).orgPolicy(off).inputs())
            .pushProtection());
    assertTrue(PushRules.of(as(UMA).classic("repo").on(UMA_DOTS).inputs()).pushProtection());
  }

  @Test
  void onlyARepositoryAdminMayBypass() {
    assertTrue(PushRules.of(as(OLIVIA).classic("repo").on(ACME_APP).inputs()).mayBypass());
    assertTrue(PushRules.of(as(UMA).classic("repo").on(UMA_DOTS).inputs()).mayBypass());
    assertFalse(
        PushRules.of(as(MIA).classic("repo").on(ACME_APP).base(BasePermission.WRITE).inputs())
            .mayBypass());
    assertFalse(
        PushRules.of(
                as(MIA).classic("repo").on(ACME_APP).collaborator(RepoPermission.MAINTAIN).inputs())
            .mayBypass());
    assertTrue(
        PushRules.of(
                as(MIA).classic("repo").on(ACME_APP).collaborator(RepoPermission.ADMIN).inputs())
            .mayBypass());
  }

  @Test
  void theyApplyOnlyToATokenPushingToARepository() {
    assertThrows(
        IllegalArgumentException.class,
        () -> PushRules.of(Fixtures.anonymous().on(ACME_APP).inputs()));
    assertThrows(
        IllegalArgumentException.class,
        () -> PushRules.of(as(MIA).classic("repo").unknownRepo().inputs()));
    assertNull(
        PushRules.of(as(MIA).classic("repo", "workflow").on(ACME_SITE).inputs())
            .workflowRefusal(CI));
    assertTrue(PushRules.of(as(MIA).classic("repo").on(ACME_SITE).inputs()).publicRepository());
  }

  @ParameterizedTest(name = "{0} {1}")
  @org.junit.jupiter.params.provider.CsvSource({
    "refs/heads/release/1, ",
    "refs/heads/release/1/hotfix, ",
    "refs/tags/v1.0, ",
    "refs/heads/main, 'refusing to allow a Personal Access Token to update refs/heads/main:"
        + " its ref_patterns allow only refs/heads/release/*, refs/tags/v*'",
    "refs/tags/x1, 'refusing to allow a Personal Access Token to update refs/tags/x1:"
        + " its ref_patterns allow only refs/heads/release/*, refs/tags/v*'"
  })
  void refPatternsRefuseEveryOtherRefNamingItAndThePatterns(String ref, String refusal) {
    PushRules rules =
        PushRules.of(
            as(MIA)
                .fineGrained(ACME, PermissionLevel.WRITE)
                .refPatterns("refs/heads/release/*", "refs/tags/v*")
                .on(ACME_APP)
                .inputs());
    assertTrue(rules.limitsRefs());
    assertEquals(refusal, rules.refRefusal(ref));
  }

  private static final String MAIN_REFUSAL =
      "refusing to allow a Personal Access Token to update refs/heads/main:"
          + " its ref_patterns allow only refs/heads/release/*";

  /** A push to acme/app by {@code user}'s token limited to release branches. */
  private static Fixtures.Case release(User user, boolean workflows) {
    Fixtures.Case c =
        as(user)
            .fineGrained(ACME, PermissionLevel.WRITE)
            .refPatterns("refs/heads/release/*")
            .on(ACME_APP);
    return workflows ? c.workflows() : c;
  }

  /**
   * The token's {@code ref_patterns} with rule 8, for a ref update that changes {@value #CI}: the
   * ref's refusal (also what refuses a deletion of the ref) and rule 8's, each {@code null} when
   * that rule allows it. Neither widens the other.
   */
  static Stream<Arguments> refPatternsAndRule8() {
    return Stream.of(
        Arguments.of(
            "a ref the patterns allow, without workflows permission: rule 8 refuses",
            release(MIA, false),
            "refs/heads/release/1",
            null,
            FINE_GRAINED_REFUSAL),
        Arguments.of(
            "a ref the patterns allow, with workflows permission: allowed",
            release(MIA, true),
            "refs/heads/release/1",
            null,
            null),
        Arguments.of(
            "a ref outside the patterns, with workflows permission: the patterns refuse",
            release(MIA, true),
            "refs/heads/main",
            MAIN_REFUSAL,
            null),
        Arguments.of(
            "a ref outside the patterns, without workflows permission: both refuse",
            release(MIA, false),
            "refs/heads/main",
            MAIN_REFUSAL,
            FINE_GRAINED_REFUSAL),
        Arguments.of(
            "an org owner's token: the patterns hold whatever the user may do",
            release(OLIVIA, true),
            "refs/heads/main",
            MAIN_REFUSAL,
            null));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refPatternsAndRule8")
  void refPatternsAndRule8EachRefuseOnTheirOwn(
      String name, Fixtures.Case c, String ref, String refRefusal, String workflowRefusal) {
    PushRules rules = PushRules.of(c.inputs());
    assertTrue(rules.limitsRefs());
    assertEquals(refRefusal, rules.refRefusal(ref), name);
    assertEquals(workflowRefusal, rules.workflowRefusal(CI), name);
  }

  @Test
  void aTokenWithoutRefPatternsUpdatesAnyRef() {
    PushRules rules =
        PushRules.of(as(MIA).fineGrained(ACME, PermissionLevel.WRITE).on(ACME_APP).inputs());
    assertFalse(rules.limitsRefs());
    assertNull(rules.refRefusal("refs/heads/main"));
    assertNull(PushRules.of(as(MIA).classic("repo").on(ACME_APP).inputs()).refRefusal("refs/x"));
  }
}
