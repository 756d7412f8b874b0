package dev.portcullis.policy.access;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.portcullis.policy.token.TokenDigest;
import dev.portcullis.policy.token.TokenFormat;
import dev.portcullis.policy.token.TokenKind;
import java.security.SecureRandom;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The text form of invalidation events between nodes: a lossless round trip, digests only. */
class InvalidationsTest {
  @Test
  void everyEventRoundTrips() {
    String plaintext = TokenFormat.generate(TokenKind.CLASSIC, new SecureRandom());
    List<Invalidation> events =
        List.of(
            new Invalidation.TokenChanged(TokenDigest.of(plaintext), 42),
            new Invalidation.UserChanged(7),
            new Invalidation.OwnerCreated("Some-Login"),
            new Invalidation.OwnerDeleted(11, "Gone-Login"),
            new Invalidation.OrganizationChanged(100),
            new Invalidation.EnterpriseChanged(900),
            new Invalidation.MembershipChanged(8),
            new Invalidation.CollaboratorChanged(9),
            new Invalidation.RepositoryChanged(100, "my.repo_name-1"),
            new Invalidation.GrantChanged(43));
    for (Invalidation e : events) {
      String text = Invalidations.encode(e);
      assertEquals(e, Invalidations.decode(text), text);
      assertFalse(text.contains(plaintext), "never the plaintext");
    }
  }

  @Test
  void unknownOrBrokenPayloadsDecodeToNull() {
    for (String s :
        new String[] {
          "", "x", "user", "user:abc", "token:zz:1", "token:" + "a".repeat(64), "future:1", "repo:1"
        }) {
      assertNull(Invalidations.decode(s), s);
    }
  }
}
