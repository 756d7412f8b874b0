package dev.portcullis.policy.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.policy.audit.AuditEvent;
import dev.portcullis.policy.decision.Decision.Reason;
import dev.portcullis.policy.model.AccessToken;
import dev.portcullis.policy.model.Actor;
import dev.portcullis.policy.model.GitOperation;
import dev.portcullis.policy.model.GrantStatus;
import dev.portcullis.policy.model.PermissionLevel;
import dev.portcullis.policy.model.PolicyException;
import dev.portcullis.policy.model.Repository;
import dev.portcullis.policy.model.RepositorySelection;
import dev.portcullis.policy.token.TokenDigest;
import dev.portcullis.policy.token.TokenFormat;
import dev.portcullis.policy.token.TokenKind;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link TokenIssuance}: validation of a token request, what is stored, the grant a fine-grained
 * token aimed at an organization starts with, deletion and revocation by plaintext; and that a
 * deletion holds on the very next check.
 */
class TokenIssuanceTest extends AdminFixture {
  // ---------------------------------------------------------------- validation

  static Stream<Arguments> invalidRequests() {
    String n41 = "n".repeat(41);
    String d1025 = "d".repeat(1025);
    return Stream.of(
        Arguments.of(
            "empty name",
            "bob",
            new NewToken("classic", "", null, 30, List.of(), null, null, null, null, null),
            "name"),
        Arguments.of(
            "name of 41 characters",
            "bob",
            new NewToken("classic", n41, null, 30, List.of(), null, null, null, null, null),
            "name"),
        Arguments.of(
            "missing name",
            "bob",
            new NewToken("classic", null, null, 30, List.of(), null, null, null, null, null),
            "name"),
        Arguments.of(
            "description of 1025 characters",
            "bob",
            new NewToken("classic", "x", d1025, 30, List.of(), null, null, null, null, null),
            "description"),
        Arguments.of("expires_in 0", "bob", classic(0), "expires_in"),
        Arguments.of("expires_in 367", "bob", classic(367), "expires_in"),
        Arguments.of("expires_in negative", "bob", classic(-1), "expires_in"),
        Arguments.of(
            "unknown type",
            "bob",
            new NewToken("oauth", "x", null, 30, List.of(), null, null, null, null, null),
            "type"),
        Arguments.of(
            "missing type",
            "bob",
            new NewToken(null, "x", null, 30, List.of(), null, null, null, null, null),
            "type"),
        Arguments.of(
            "reason of 1025 characters",
            "bob",
            new NewToken("fine_grained", "x", null, 30, null, "acme", "all", null, Map.of(), d1025),
            "reason"),
        Arguments.of("unknown scope", "bob", classic(30, "repo", "repo:everything"), "scopes"),
        Arguments.of(
            "site_admin scope for a non-admin", "bob", classic(30, "site_admin"), "scopes"),
        Arguments.of(
            "classic with permissions",
            "bob",
            new NewToken(
                "classic",
                "x",
                null,
                30,
                List.of("repo"),
                null,
                null,
                null,
                Map.of("contents", "read"),
                null),
            "type"),
        Arguments.of(
            "classic with a resource owner",
            "bob",
            new NewToken("classic", "x", null, 30, List.of("repo"), "acme", null, null, null, null),
            "type"),
        Arguments.of(
            "fine-grained with scopes",
            "bob",
            new NewToken(
                "fine_grained",
                "x",
                null,
                30,
                List.of("repo"),
                "acme",
                "all",
                null,
                Map.of(),
                null),
            "scopes"),
        Arguments.of(
            "unknown fine-grained permission",
            "bob",
            fineGrained("acme", "all", null, Map.of("teleport", "read")),
            "permissions"),
        Arguments.of(
            "metadata: write (read only)",
            "bob",
            fineGrained("acme", "all", null, Map.of("metadata", "write")),
            "permissions"),
        Arguments.of(
            "workflows: read (write only)",
            "bob",
            fineGrained("acme", "all", null, Map.of("workflows", "read")),
            "permissions"),
        Arguments.of(
            "contents: admin",
            "bob",
            fineGrained("acme", "all", null, Map.of("contents", "admin")),
            "permissions"),
        Arguments.of(
            "unknown level",
            "bob",
            fineGrained("acme", "all", null, Map.of("contents", "full")),
            "permissions"),
        Arguments.of(
            "organization permission with a user resource owner",
            "bob",
            fineGrained("bob", "all", null, Map.of("members", "read")),
            "permissions"),
        Arguments.of(
            "account permission with an organization resource owner",
            "bob",
            fineGrained("acme", "all", null, Map.of("emails", "read")),
            "permissions"),
        Arguments.of(
            "subset without repositories",
            "bob",
            fineGrained("acme", "subset", List.of(), Map.of("contents", "read")),
            "repositories"),
        Arguments.of(
            "subset with repositories missing",
            "bob",
            fineGrained("acme", "subset", null, Map.of("contents", "read")),
            "repositories"),
        Arguments.of(
            "subset with an unknown repository",
            "bob",
            fineGrained("acme", "subset", List.of("app", "nope"), Map.of("contents", "read")),
            "repositories"),
        Arguments.of(
            "subset naming another owner's repository",
            "bob",
            fineGrained("bob", "subset", List.of("app"), Map.of("contents", "read")),
            "repositories"),
        Arguments.of(
            "repositories with selection all",
            "bob",
            fineGrained("acme", "all", List.of("app"), Map.of("contents", "read")),
            "repositories"),
        Arguments.of(
            "unknown repository selection",
            "bob",
            fineGrained("acme", "some", null, Map.of("contents", "read")),
            "repository_selection"),
        Arguments.of(
            "missing repository selection",
            "bob",
            fineGrained("acme", null, null, Map.of("contents", "read")),
            "repository_selection"),
        Arguments.of(
            "resource owner: an org the user is not a member of",
            "carol",
            fineGrainedOn("acme", "read"),
            "resource_owner"),
        Arguments.of(
            "resource owner: another user",
            "bob",
            fineGrainedOn("alice", "read"),
            "resource_owner"),
        Arguments.of(
            "resource owner: nobody", "bob", fineGrainedOn("ghost", "read"), "resource_owner"),
        Arguments.of(
            "resource owner missing",
            "bob",
            fineGrained(null, "all", null, Map.of("contents", "read")),
            "resource_owner"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidRequests")
  void invalidTokenRequestsAreRefusedWithFieldErrors(
      String name, String login, NewToken req, String field) {
    PolicyException e =
        assertPolicyException(PolicyException.Kind.INVALID, () -> create(login, req));
    assertFieldError(e, field);
    assertEquals("Validation Failed", e.getMessage());
    assertEquals(List.of(), mgmt.tokens().tokensOf(Actor.SYSTEM, login), "nothing was stored");
  }

  @Test
  void aTokenWhoseLookupKeyIsTakenIsIssuedAgainWithAnotherPlaintext() throws Exception {
    // Two issuers whose generators are seeded alike: the second's first token is the first's, so
    // its
    // lookup key (and digest) is taken, and it issues its next plaintext instead.
    Admin first = newAdmin(seeded());
    Admin second = newAdmin(seeded());
    for (NewToken req : List.of(classic(30, "repo"), fineGrainedOn("acme", "read"))) {
      CreatedToken a = first.tokens().createToken(Actor.SYSTEM, "bob", req);
      CreatedToken b = second.tokens().createToken(Actor.SYSTEM, "bob", req);
      assertNotEquals(a.plaintext(), b.plaintext(), "another plaintext was issued");
      assertEquals(
          b.token().digest(),
          TokenDigest.of(b.plaintext()),
          "the stored digest is the issued plaintext's");
      assertEquals(
          a.token().id(), store.tokenByDigest(TokenDigest.of(a.plaintext())).orElseThrow().id());
      assertEquals(
          b.token().id(), store.tokenByDigest(TokenDigest.of(b.plaintext())).orElseThrow().id());
      assertEquals(
          req.permissions() == null ? null : GrantStatus.PENDING,
          b.grant() == null ? null : b.grant().status(),
          "the second token has its own grant");
    }
    assertEquals(4, mgmt.tokens().tokensOf(Actor.SYSTEM, "bob").size());
  }

  private static SecureRandom seeded() throws Exception {
    SecureRandom r = SecureRandom.getInstance("SHA1PRNG");
    r.setSeed(42);
    return r;
  }

  @Test
  void boundaryValuesAreAccepted() {
    create(
        "bob",
        new NewToken(
            "classic",
            "n".repeat(40),
            "d".repeat(1024),
            1,
            List.of("repo", "workflow"),
            null,
            null,
            null,
            null,
            null));
    create("bob", classic(366));
    create("bob", classic(null));
    create("bob", new NewToken("classic", "x", null, null, null, null, null, null, null, null));
    create(
        "bob",
        fineGrained(
            "acme",
            "subset",
            List.of("APP", "inner"),
            Map.of(
                "contents",
                "write",
                "workflows",
                "write",
                "organization_personal_access_token_requests",
                "read")));
    create("bob", fineGrained("bob", "none", null, Map.of("emails", "read")));
    create("bob", fineGrained("acme", "all", null, null));
    assertEquals(7, mgmt.tokens().tokensOf(Actor.SYSTEM, "bob").size());
  }

  @Test
  void createdTokensAreStoredByDigestWithMetadataRead() {
    CreatedToken c =
        create("bob", fineGrained("acme", "subset", List.of("app"), Map.of("contents", "write")));
    assertEquals(TokenKind.FINE_GRAINED, TokenFormat.kindOf(c.plaintext()));
    assertEquals(TokenDigest.of(c.plaintext()), c.token().digest());
    AccessToken stored = store.tokenByDigest(TokenDigest.of(c.plaintext())).orElseThrow();
    assertEquals(c.token(), stored);
    assertEquals(
        PermissionLevel.READ, stored.permission("metadata"), "metadata: read is always implied");
    assertEquals(PermissionLevel.WRITE, stored.permission("contents"));
    assertEquals(RepositorySelection.SUBSET, stored.repositorySelection());
    assertEquals(1, stored.repositoryIds().size());
    assertEquals(START.plus(Duration.ofDays(30)), stored.expiresAt());
    assertFalse(c.toString().contains(c.plaintext()));

    CreatedToken k = create("bob", classic(7, "repo"));
    assertEquals(TokenKind.CLASSIC, TokenFormat.kindOf(k.plaintext()));
    assertNull(k.grant());
    assertEquals(START.plus(Duration.ofDays(7)), k.token().expiresAt());
    assertNull(create("bob", classic(null)).token().expiresAt());
  }

  @Test
  void fineGrainedRefusedWhereTheOrgRestrictsThemOrAskedToLiveTooLong() {
    mgmt.policies()
        .updateOrgPolicy(Actor.SYSTEM, "acme", Map.of("fine_grained_max_lifetime_days", 10));
    assertFieldError(
        assertThrows(PolicyException.class, () -> create("bob", fineGrainedOn("acme", "read"))),
        "expires_in");
    assertFieldError(
        assertThrows(
            PolicyException.class,
            () ->
                create(
                    "bob",
                    new NewToken(
                        "fine_grained",
                        "x",
                        null,
                        null,
                        null,
                        "acme",
                        "all",
                        null,
                        Map.of(),
                        null))),
        "expires_in");
    create(
        "bob",
        new NewToken("fine_grained", "x", null, 10, null, "acme", "all", null, Map.of(), null));

    mgmt.policies()
        .updateEnterprisePolicy(
            Actor.SYSTEM, "globex", Map.of("fine_grained_access", "restricted"));
    assertFieldError(
        assertThrows(PolicyException.class, () -> create("bob", fineGrainedOn("acme", "read"))),
        "resource_owner");
  }

  @Test
  void aTokenWhoseCreatorChoseNoExpiryExpiresIn30DaysOrAtTheOrganizationsMaximum() {
    NewToken unchosen =
        new NewToken(
            "classic", "x", null, null, List.of("repo"), null, null, null, null, null, false);
    AccessToken classic = create("bob", unchosen).token();
    assertEquals(Duration.ofDays(30), Duration.between(classic.createdAt(), classic.expiresAt()));
    AccessToken never = create("bob", classic(null, "repo")).token();
    assertNull(never.expiresAt(), "null chosen: never expires");

    NewToken fineUnchosen =
        new NewToken(
            "fine_grained", "y", null, null, null, "acme", "all", null, Map.of(), null, false);
    AccessToken fine = create("bob", fineUnchosen).token();
    assertEquals(Duration.ofDays(30), Duration.between(fine.createdAt(), fine.expiresAt()));
    mgmt.policies()
        .updateOrgPolicy(Actor.SYSTEM, "acme", Map.of("fine_grained_max_lifetime_days", 7));
    AccessToken capped = create("bob", fineUnchosen).token();
    assertEquals(
        Duration.ofDays(7),
        Duration.between(capped.createdAt(), capped.expiresAt()),
        "the organization's maximum is shorter than the default");
  }

  // ---------------------------------------------------------------- approval at creation

  @Test
  void ownersTokenIsApprovedAtOnce() {
    CreatedToken t = create("alice", fineGrainedOn("acme", "write"));
    assertEquals(GrantStatus.APPROVED, t.grant().status());
    assertNotNull(t.grant().accessGrantedAt());
    assertEquals(Optional.of(t.grant()), mgmt.directory().grantOfToken(t.token().id()));
  }

  @Test
  void membersTokenIsPendingWhileApprovalIsRequired() {
    CreatedToken t = create("bob", fineGrainedOn("acme", "read"));
    assertEquals(GrantStatus.PENDING, t.grant().status());
    assertEquals("for CI", t.grant().reason());
    assertEquals(t.token().id(), t.grant().tokenId());
  }

  @Test
  void membersTokenIsApprovedWhenTheOrgSaysNotRequired() {
    mgmt.policies()
        .updateOrgPolicy(Actor.SYSTEM, "acme", Map.of("fine_grained_approval", "not_required"));
    assertEquals(
        GrantStatus.APPROVED, create("bob", fineGrainedOn("acme", "read")).grant().status());
  }

  @Test
  void membersTokenIsApprovedWhenTheEnterpriseDisablesApproval() {
    mgmt.policies()
        .updateEnterprisePolicy(
            Actor.SYSTEM, "globex", Map.of("fine_grained_approval", "disabled"));
    assertEquals(
        GrantStatus.APPROVED,
        create("bob", fineGrainedOn("acme", "read")).grant().status(),
        "org says required, enterprise wins");
  }

  @Test
  void membersTokenIsPendingWhenTheEnterpriseRequiresApprovalOverTheOrg() {
    mgmt.policies()
        .updateOrgPolicy(Actor.SYSTEM, "acme", Map.of("fine_grained_approval", "not_required"));
    mgmt.policies()
        .updateEnterprisePolicy(
            Actor.SYSTEM, "globex", Map.of("fine_grained_approval", "required"));
    assertEquals(
        GrantStatus.PENDING, create("bob", fineGrainedOn("acme", "read")).grant().status());
  }

  @Test
  void tokensNotAimedAtAnOrgHaveNoGrant() {
    assertNull(create("bob", fineGrainedOn("bob", "read")).grant());
    assertNull(create("bob", classic(30, "repo")).grant());
  }

  // ---------------------------------------------------------------- deletion and revocation

  @Test
  void revokeCredentialsDeletesRealTokensAndIgnoresGarbage() {
    CreatedToken real = create("bob", classic(30, "repo"));
    CreatedToken alreadyDeleted = create("bob", classic(30, "repo"));
    CreatedToken untouched = create("bob", classic(30, "repo"));
    mgmt.tokens().deleteToken(Actor.SYSTEM, alreadyDeleted.token().id());
    String wellFormedUnknown = TokenFormat.generate(TokenKind.FINE_GRAINED, new SecureRandom());
    String badChecksum =
        real.plaintext().substring(0, 41) + (real.plaintext().charAt(41) == 'a' ? 'b' : 'a');
    mgmt.tokens()
        .revokeCredentials(
            Arrays.asList(
                "garbage",
                null,
                "",
                wellFormedUnknown,
                badChecksum,
                alreadyDeleted.plaintext(),
                " " + untouched.plaintext(),
                real.plaintext()));
    assertTrue(store.tokenById(real.token().id()).orElseThrow().deleted());
    assertFalse(store.tokenById(untouched.token().id()).orElseThrow().deleted());
    assertEquals(List.of(untouched.token()), mgmt.tokens().tokensOf(Actor.SYSTEM, "bob"));
    mgmt.tokens().revokeCredentials(List.of());
  }

  @Test
  void aUserDeletesTheirOwnTokenAndNoOneElses() {
    CreatedToken bobs = create("bob", fineGrainedOn("acme", "read"));
    CreatedToken alices = create("alice", classic(30, "repo"));
    assertAllowed(bobs.plaintext(), "site", GitOperation.READ);
    Actor bob = Actor.web(this.bob);
    assertPolicyException(
        PolicyException.Kind.NOT_FOUND,
        () -> mgmt.tokens().deleteOwnToken(bob, alices.token().id()));
    assertEquals(1, mgmt.tokens().ownTokens(Actor.web(alice)).size(), "alice's token stays");
    mgmt.tokens().deleteOwnToken(bob, bobs.token().id());
    assertDenied(bobs.plaintext(), "site", GitOperation.READ, 401, Reason.TOKEN_DELETED);
    assertEquals(List.of(), mgmt.tokens().ownTokens(bob));
    assertPolicyException(
        PolicyException.Kind.NOT_FOUND, () -> mgmt.tokens().deleteOwnToken(bob, bobs.token().id()));
  }

  @Test
  void pushedTokensAuditsLiveOnesAndRevokesOnlyWhatABypassPutInAPublicRepository() {
    List<AuditEvent> events = new java.util.ArrayList<>();
    Admin audited = newAdmin(new SecureRandom(), events::add);
    CreatedToken live = create("bob", classic(30, "repo"));
    CreatedToken deleted = create("bob", classic(30, "repo"));
    CreatedToken expiring = create("bob", classic(1, "repo"));
    mgmt.tokens().deleteToken(Actor.SYSTEM, deleted.token().id());
    TokenDigest unknown =
        TokenDigest.of(TokenFormat.generate(TokenKind.CLASSIC, new SecureRandom()));
    Actor pusher = Actor.of(alice, create("alice", classic(30, "repo")).token());
    Repository app = mgmt.directory().repository("acme", "app");
    Repository site = mgmt.directory().repository("acme", "site");
    clock.advance(Duration.ofDays(2));
    List<TokenDigest> found =
        List.of(
            live.token().digest(),
            deleted.token().digest(),
            expiring.token().digest(),
            unknown,
            live.token().digest());

    assertEquals(
        1, audited.tokens().pushedTokens(pusher, site, found, null), "refused: not revoked");
    assertEquals(1, audited.tokens().pushedTokens(pusher, app, found, "fixture"), "private");
    assertFalse(store.tokenById(live.token().id()).orElseThrow().deleted());
    assertEquals(1, audited.tokens().pushedTokens(pusher, site, found, "fixture"));
    assertTrue(store.tokenById(live.token().id()).orElseThrow().deleted(), "revoked");
    assertEquals(0, audited.tokens().pushedTokens(pusher, site, found, "again"));

    assertEquals(
        List.of(
            "token.leak_pushed",
            "token.leak_pushed",
            "repo.push_protection_bypass",
            "token.leak_pushed",
            "token.revoke_leaked",
            "repo.push_protection_bypass",
            "repo.push_protection_bypass"),
        events.stream().map(AuditEvent::operation).toList());
    assertTrue(events.get(2).after().contains("\"reason\":\"fixture\""), events.get(2)::after);
    assertEquals("alice", events.get(2).actor());
    assertTrue(
        events.stream().noneMatch(e -> String.valueOf(e.after()).contains(live.plaintext())));
  }

  @Test
  void aSignedInUserCreatesTheirOwnTokensButATokenCannotMakeAnother() {
    Actor web = Actor.web(bob);
    CreatedToken t = mgmt.tokens().createOwnToken(web, fineGrainedOn("acme", "read"));
    assertEquals(bob.id(), t.token().userId());
    assertEquals(GrantStatus.PENDING, t.grant().status());
    assertAllowed(t.plaintext(), "site", GitOperation.READ);
    assertPolicyException(
        PolicyException.Kind.FORBIDDEN,
        () -> mgmt.tokens().createOwnToken(actor(bob, t), classic(30, "repo")));
    assertPolicyException(
        PolicyException.Kind.FORBIDDEN,
        () -> mgmt.tokens().createOwnToken(Actor.SYSTEM, classic(30, "repo")));
  }

  @Test
  void fiftyFineGrainedTokensPerUserThroughTheConsoleAndTheApiAlike() {
    Actor web = Actor.web(bob);
    List<CreatedToken> made = new java.util.ArrayList<>();
    for (int i = 0; i < TokenIssuance.MAX_FINE_GRAINED_PER_USER; i++) {
      made.add(mgmt.tokens().createOwnToken(web, fineGrainedOn("bob", "read")));
    }
    for (Executable call :
        List.<Executable>of(
            () -> mgmt.tokens().createOwnToken(web, fineGrainedOn("bob", "read")),
            () -> create("bob", fineGrainedOn("acme", "read")))) {
      PolicyException e = assertPolicyException(PolicyException.Kind.INVALID, call);
      assertEquals(
          "You have reached the limit of 50 fine-grained personal access tokens. Delete one you"
              + " no longer need to create another.",
          e.errors().get(0).message());
    }
    create("bob", classic(30, "repo"));
    mgmt.tokens().deleteOwnToken(web, made.get(0).token().id());
    mgmt.tokens().createOwnToken(web, fineGrainedOn("bob", "read"));
  }

  @Test
  void tokenTargetsAreTheUserAndTheirOrganizationsThatAllowFineGrainedTokens() {
    mgmt.policies()
        .updateOrgPolicy(Actor.SYSTEM, "acme", Map.of("fine_grained_max_lifetime_days", 45));
    mgmt.accounts().createOrganization(Actor.SYSTEM, "initech", "alice", null);
    mgmt.accounts().setMembership(Actor.SYSTEM, "initech", "bob", "member");
    mgmt.policies()
        .updateOrgPolicy(Actor.SYSTEM, "initech", Map.of("fine_grained_access", "restricted"));
    List<TokenTarget> bobs = mgmt.tokens().tokenTargets(Actor.web(bob));
    assertEquals(
        List.of(
            new TokenTarget("bob", false, false, null, null, List.of()),
            new TokenTarget(
                "acme",
                true,
                true,
                45,
                "The 'acme' organization",
                List.of("app", "inner", "site"))),
        bobs);
    TokenTarget forOwner = mgmt.tokens().tokenTargets(Actor.web(alice)).get(1);
    assertFalse(forOwner.approvalRequired(), "an owner's own token needs no approval");
    assertEquals(
        List.of("carol"),
        mgmt.tokens().tokenTargets(Actor.web(carol)).stream().map(TokenTarget::login).toList(),
        "carol belongs to no organization");
  }

  @Test
  void deleteTokenTwiceIsNotFound() {
    CreatedToken t = create("bob", classic(30, "repo"));
    mgmt.tokens().deleteToken(Actor.SYSTEM, t.token().id());
    assertPolicyException(
        PolicyException.Kind.NOT_FOUND,
        () -> mgmt.tokens().deleteToken(Actor.SYSTEM, t.token().id()));
    assertPolicyException(
        PolicyException.Kind.NOT_FOUND, () -> mgmt.tokens().deleteToken(Actor.SYSTEM, 987_654));
  }

  @Nested
  @DisplayName("a narrowing change holds on the very next check")
  class Narrowing {
    @Test
    void deleteToken() {
      CreatedToken t = create("bob", classic(30, "repo"));
      warm(t.plaintext(), "app", GitOperation.READ);
      mgmt.tokens().deleteToken(Actor.SYSTEM, t.token().id());
      assertDenied(t.plaintext(), "app", GitOperation.READ, 401, Reason.TOKEN_DELETED);
      assertDenied(t.plaintext(), "site", GitOperation.READ, 401, Reason.TOKEN_DELETED);
    }

    @Test
    void revokeCredentials() {
      CreatedToken t = create("bob", classic(30, "repo"));
      warm(t.plaintext(), "app", GitOperation.READ);
      mgmt.tokens().revokeCredentials(List.of(t.plaintext()));
      assertDenied(t.plaintext(), "app", GitOperation.READ, 401, Reason.TOKEN_DELETED);
    }

    @Test
    void regenerateRefusesTheOldSecretAndKeepsTheSettingsAndTheGrant() {
      Actor web = Actor.web(bob);
      CreatedToken t = mgmt.tokens().createOwnToken(web, fineGrainedOn("acme", "read"));
      mgmt.reviews().reviewRequest(Actor.SYSTEM, "acme", t.grant().id(), true, null);
      warm(t.plaintext(), "app", GitOperation.READ);
      clock.advance(Duration.ofDays(1));
      CreatedToken next = mgmt.tokens().regenerateOwnToken(web, t.token().id(), 7, true, 0);
      assertNotEquals(t.plaintext(), next.plaintext());
      assertDenied(t.plaintext(), "app", GitOperation.READ, 401, Reason.TOKEN_EXPIRED);
      assertAllowed(next.plaintext(), "app", GitOperation.READ);
      assertEquals(t.token().id(), next.token().id());
      assertEquals(t.token().permissions(), next.token().permissions());
      assertEquals(GrantStatus.APPROVED, next.grant().status());
      assertEquals(clock.instant().plus(Duration.ofDays(7)), next.token().expiresAt());
      assertFalse(next.toString().contains(next.plaintext()));

      mgmt.policies()
          .updateOrgPolicy(Actor.SYSTEM, "acme", Map.of("fine_grained_max_lifetime_days", 10));
      assertFieldError(
          assertThrows(
              PolicyException.class,
              () -> mgmt.tokens().regenerateOwnToken(web, t.token().id(), null, true, 0)),
          "expires_in");
      CreatedToken capped = mgmt.tokens().regenerateOwnToken(web, t.token().id(), null, false, 0);
      assertEquals(clock.instant().plus(Duration.ofDays(10)), capped.token().expiresAt());
      assertAllowed(capped.plaintext(), "app", GitOperation.READ);
      assertDenied(next.plaintext(), "app", GitOperation.READ, 401, Reason.TOKEN_EXPIRED);
      assertPolicyException(
          PolicyException.Kind.NOT_FOUND,
          () -> mgmt.tokens().regenerateOwnToken(Actor.web(alice), t.token().id(), 7, true, 0));
    }

    @Test
    void expiryNeedsNoEvent() {
      CreatedToken t = create("bob", classic(1, "repo"));
      warm(t.plaintext(), "app", GitOperation.READ);
      clock.advance(Duration.ofDays(1));
      assertDenied(t.plaintext(), "app", GitOperation.READ, 401, Reason.TOKEN_EXPIRED);
    }
  }
}
