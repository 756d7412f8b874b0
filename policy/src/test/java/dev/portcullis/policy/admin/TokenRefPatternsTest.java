package dev.portcullis.policy.admin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.portcullis.policy.audit.AuditEvent;
import dev.portcullis.policy.decision.Decision.Reason;
import dev.portcullis.policy.model.Actor;
import dev.portcullis.policy.model.GitOperation;
import dev.portcullis.policy.model.GrantStatus;
import dev.portcullis.policy.model.PolicyException;
import dev.portcullis.policy.model.RefPatterns;
import dev.portcullis.policy.store.PolicyStore;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * A fine-grained token's {@code ref_patterns} in the policy module: validated at creation, stored
 * and loaded with the token, audited, and widening them on an approved token opens a new request.
 */
class TokenRefPatternsTest extends AdminFixture {

  static NewToken fineGrainedWith(String contents, List<String> patterns) {
    return new NewToken(
        "fine_grained",
        "release",
        null,
        30,
        null,
        "acme",
        "all",
        null,
        Map.of("contents", contents),
        "releases",
        true,
        null,
        patterns);
  }

  @Test
  void patternsAreValidatedAtCreation() {
    assertFieldError(
        assertPolicyException(
            PolicyException.Kind.INVALID,
            () ->
                create("bob", fineGrainedWith("write", List.of("heads/main", "refs/heads/a..b")))),
        "ref_patterns");
    PolicyException two =
        assertPolicyException(
            PolicyException.Kind.INVALID,
            () ->
                create("bob", fineGrainedWith("write", List.of("refs/x/*/*", "refs/ok", "main"))));
    assertEquals(2, two.errors().size(), two.errors()::toString);
    List<String> many = IntStream.range(0, 33).mapToObj(i -> "refs/heads/r" + i).toList();
    assertFieldError(
        assertPolicyException(
            PolicyException.Kind.INVALID, () -> create("bob", fineGrainedWith("write", many))),
        "ref_patterns");
    assertFieldError(
        assertPolicyException(
            PolicyException.Kind.INVALID, () -> create("bob", fineGrainedWith("write", List.of()))),
        "ref_patterns");
    // Without contents: write there is no push to limit.
    assertFieldError(
        assertPolicyException(
            PolicyException.Kind.INVALID,
            () -> create("bob", fineGrainedWith("read", List.of("refs/heads/main")))),
        "ref_patterns");
    NewToken classic =
        new NewToken(
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
            null,
            List.of("refs/heads/main"));
    assertFieldError(
        assertPolicyException(PolicyException.Kind.INVALID, () -> create("bob", classic)),
        "ref_patterns");
    assertEquals(
        32,
        create("bob", fineGrainedWith("write", many.subList(0, 32)))
            .token()
            .refPatterns()
            .patterns()
            .size());
  }

  @Test
  void patternsAreStoredLoadedAndAudited() {
    List<AuditEvent> events = new ArrayList<>();
    Admin audited = newAdmin(new SecureRandom(), events::add);
    CreatedToken t =
        audited
            .tokens()
            .createToken(
                Actor.SYSTEM,
                "bob",
                fineGrainedWith("write", List.of("refs/heads/release/*", "refs/tags/v*")));
    RefPatterns expected = RefPatterns.of(List.of("refs/heads/release/*", "refs/tags/v*"));
    assertEquals(expected, t.token().refPatterns());
    assertEquals(expected, store.tokenById(t.token().id()).orElseThrow().refPatterns());
    assertTrue(
        events.get(events.size() - 1).after().contains("refs/heads/release/*, refs/tags/v*"),
        events.get(events.size() - 1)::after);
  }

  @Test
  void wideningAnApprovedTokenOpensANewRequestAndNarrowingDoesNot() {
    CreatedToken t = create("bob", fineGrainedWith("write", List.of("refs/heads/release/*")));
    long first = t.grant().id();
    assertEquals(GrantStatus.PENDING, t.grant().status());
    mgmt.reviews().reviewRequest(Actor.SYSTEM, "acme", first, true, null);
    warm(t.plaintext(), "app", GitOperation.READ);

    // Narrower: the approval stands.
    PolicyStore.StoredToken narrowed =
        mgmt.tokens()
            .updateRefPatterns(Actor.SYSTEM, t.token().id(), List.of("refs/heads/release/1"));
    assertEquals(first, narrowed.grant().id());
    assertEquals(GrantStatus.APPROVED, narrowed.grant().status());
    assertAllowed(t.plaintext(), "app", GitOperation.READ);

    // Wider: a new request, pending; the token is refused on the organization until it is approved.
    PolicyStore.StoredToken widened =
        mgmt.tokens()
            .updateRefPatterns(
                Actor.SYSTEM, t.token().id(), List.of("refs/heads/release/*", "refs/heads/main"));
    assertNotEquals(first, widened.grant().id());
    assertEquals(GrantStatus.PENDING, widened.grant().status());
    assertEquals("releases", widened.grant().reason());
    assertTrue(store.grantById(first).isEmpty());
    assertDenied(t.plaintext(), "app", GitOperation.READ, 403, Reason.GRANT_PENDING);
    assertTrue(
        mgmt
            .grants()
            .listGrants(
                Actor.SYSTEM,
                "acme",
                true,
                new GrantQuery(null, null, null, null, null, null, false, 1, 30))
            .items()
            .stream()
            .anyMatch(
                l ->
                    l.grant().id() == widened.grant().id()
                        && l.token().refPatterns().patterns().contains("refs/heads/main")));
    mgmt.reviews().reviewRequest(Actor.SYSTEM, "acme", widened.grant().id(), true, null);
    assertAllowed(t.plaintext(), "app", GitOperation.READ);

    // Dropping the patterns (any ref) widens too.
    PolicyStore.StoredToken any =
        mgmt.tokens().updateRefPatterns(Actor.SYSTEM, t.token().id(), null);
    assertNull(any.token().refPatterns());
    assertEquals(GrantStatus.PENDING, any.grant().status());
  }

  @Test
  void anUpdateAndTheRequestItOpensAreAudited() {
    List<AuditEvent> events = new ArrayList<>();
    Admin audited = newAdmin(new SecureRandom(), events::add);
    CreatedToken t = create("bob", fineGrainedWith("write", List.of("refs/heads/release/*")));
    mgmt.reviews().reviewRequest(Actor.SYSTEM, "acme", t.grant().id(), true, null);
    audited.tokens().updateRefPatterns(Actor.SYSTEM, t.token().id(), List.of("refs/heads/main"));
    AuditEvent update =
        events.stream().filter(e -> "token.update".equals(e.operation())).findFirst().orElseThrow();
    assertTrue(update.before().contains("refs/heads/release/*"), update::before);
    assertTrue(update.after().contains("refs/heads/main"), update::after);
    assertFalse(update.after().contains(t.plaintext()));
    assertTrue(events.stream().anyMatch(e -> "token_request.reopen".equals(e.operation())));
  }

  @Test
  void anOwnersTokenStaysApprovedAndOnlyContentsWriteTokensTakePatterns() {
    CreatedToken own = create("alice", fineGrainedWith("write", List.of("refs/heads/release/*")));
    assertEquals(GrantStatus.APPROVED, own.grant().status());
    PolicyStore.StoredToken widened =
        mgmt.tokens().updateRefPatterns(Actor.SYSTEM, own.token().id(), List.of("refs/*"));
    assertEquals(own.grant().id(), widened.grant().id());
    assertEquals(GrantStatus.APPROVED, widened.grant().status());
    CreatedToken reader = create("bob", fineGrainedWith("read", null));
    assertFieldError(
        assertPolicyException(
            PolicyException.Kind.INVALID,
            () ->
                mgmt.tokens()
                    .updateRefPatterns(Actor.SYSTEM, reader.token().id(), List.of("refs/x"))),
        "ref_patterns");
    assertFieldError(
        assertPolicyException(
            PolicyException.Kind.INVALID,
            () ->
                mgmt.tokens()
                    .updateRefPatterns(Actor.SYSTEM, own.token().id(), List.of("refs/heads/a b"))),
        "ref_patterns");
  }

  @Test
  void theOwnerSetsTheirOwnTokensPatternsAndNobodyElseFindsIt() {
    CreatedToken t = create("bob", fineGrainedWith("write", List.of("refs/heads/release/*")));
    mgmt.reviews().reviewRequest(Actor.SYSTEM, "acme", t.grant().id(), true, null);
    long id = t.token().id();
    for (Actor other : List.of(Actor.web(carol), Actor.web(alice))) {
      assertPolicyException(
          PolicyException.Kind.NOT_FOUND,
          () -> mgmt.tokens().updateOwnRefPatterns(other, id, List.of("refs/heads/x")));
    }
    // The console's use case: a token (even the very one) is no signed-in user.
    assertPolicyException(
        PolicyException.Kind.FORBIDDEN,
        () -> mgmt.tokens().updateOwnRefPatterns(actor(bob, t), id, List.of("refs/heads/x")));
    assertEquals(
        RefPatterns.of(List.of("refs/heads/release/*")),
        store.tokenById(id).orElseThrow().refPatterns());

    PolicyStore.StoredToken narrowed =
        mgmt.tokens().updateOwnRefPatterns(Actor.web(bob), id, List.of("refs/heads/release/1"));
    assertEquals(GrantStatus.APPROVED, narrowed.grant().status());
    PolicyStore.StoredToken widened =
        mgmt.tokens().updateOwnRefPatterns(Actor.web(bob), id, List.of("refs/heads/*"));
    assertEquals(GrantStatus.PENDING, widened.grant().status());
    assertNotEquals(t.grant().id(), widened.grant().id());
  }
}
