package dev.portcullis.policy.access;

import dev.portcullis.policy.token.TokenDigest;

/**
 * The text form of an {@link Invalidation} carried between nodes (a PostgreSQL NOTIFY payload).
 * Digests travel, never plaintexts.
 */
final class Invalidations {
  private Invalidations() {}

  static String encode(Invalidation e) {
    if (e instanceof Invalidation.TokenChanged t) {
      return "token:" + t.digest().hex() + ":" + t.tokenId();
    } else if (e instanceof Invalidation.UserChanged u) {
      return "user:" + u.userId();
    } else if (e instanceof Invalidation.OwnerCreated o) {
      return "owner:" + o.login();
    } else if (e instanceof Invalidation.OwnerDeleted d) {
      return "deleted:" + d.ownerId() + ":" + d.login();
    } else if (e instanceof Invalidation.OrganizationChanged o) {
      return "org:" + o.orgId();
    } else if (e instanceof Invalidation.EnterpriseChanged x) {
      return "enterprise:" + x.enterpriseId();
    } else if (e instanceof Invalidation.MembershipChanged m) {
      return "membership:" + m.userId();
    } else if (e instanceof Invalidation.CollaboratorChanged c) {
      return "collaborator:" + c.userId();
    } else if (e instanceof Invalidation.RepositoryChanged r) {
      return "repo:" + r.ownerId() + ":" + r.name();
    } else if (e instanceof Invalidation.GrantChanged g) {
      return "grant:" + g.tokenId();
    }
    throw new IllegalArgumentException("unknown invalidation " + e);
  }

  /** The event, or {@code null} for a payload this version does not understand. */
  static Invalidation decode(String s) {
    try {
      String[] p = s.split(":", 3);
      return switch (p[0]) {
        case "token" ->
            new Invalidation.TokenChanged(TokenDigest.fromHex(p[1]), Long.parseLong(p[2]));
        case "user" -> new Invalidation.UserChanged(Long.parseLong(p[1]));
        case "owner" -> new Invalidation.OwnerCreated(p[1]);
        case "deleted" -> new Invalidation.OwnerDeleted(Long.parseLong(p[1]), p[2]);
        case "org" -> new Invalidation.OrganizationChanged(Long.parseLong(p[1]));
        case "enterprise" -> new Invalidation.EnterpriseChanged(Long.parseLong(p[1]));
        case "membership" -> new Invalidation.MembershipChanged(Long.parseLong(p[1]));
        case "collaborator" -> new Invalidation.CollaboratorChanged(Long.parseLong(p[1]));
        case "repo" -> new Invalidation.RepositoryChanged(Long.parseLong(p[1]), p[2]);
        case "grant" -> new Invalidation.GrantChanged(Long.parseLong(p[1]));
        default -> null;
      };
    } catch (RuntimeException e) {
      return null;
    }
  }
}
