package dev.portcullis.policy.testing;

import dev.portcullis.policy.decision.AccessEvaluator;
import dev.portcullis.policy.decision.AccessInputs;
import dev.portcullis.policy.decision.Credential;
import dev.portcullis.policy.decision.Decision;
import dev.portcullis.policy.model.AccessToken;
import dev.portcullis.policy.model.BasePermission;
import dev.portcullis.policy.model.EffectivePolicy;
import dev.portcullis.policy.model.Enterprise;
import dev.portcullis.policy.model.EnterprisePolicy;
import dev.portcullis.policy.model.GitOperation;
import dev.portcullis.policy.model.Grant;
import dev.portcullis.policy.model.GrantStatus;
import dev.portcullis.policy.model.NetworkList;
import dev.portcullis.policy.model.OrgPolicy;
import dev.portcullis.policy.model.OrgRole;
import dev.portcullis.policy.model.Organization;
import dev.portcullis.policy.model.Owner;
import dev.portcullis.policy.model.PermissionLevel;
import dev.portcullis.policy.model.RefPatterns;
import dev.portcullis.policy.model.RepoPermission;
import dev.portcullis.policy.model.Repository;
import dev.portcullis.policy.model.RepositorySelection;
import dev.portcullis.policy.model.User;
import dev.portcullis.policy.model.Visibility;
import dev.portcullis.policy.token.TokenDigest;
import dev.portcullis.policy.token.TokenKind;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The one place where the decision-table world is built: a fixed cast of users, organizations, an
 * enterprise and repositories, and {@link Case}, a builder of {@link AccessInputs} that derives
 * memberships, enterprise membership and the effective policy from that world exactly as {@link
 * AccessService#inputs} does from the caches.
 *
 * <pre>
 *   enterprise globex ── acme    (owner olivia, member mia)   repos: app (private), site (public), inner (internal)
 *                    └── widgets (member sam)
 *   (no enterprise)      solo    (member sol)                 repos: tool (private)
 *   users without orgs: oscar (outsider), uma (owns uma/dots private, uma/blog public)
 * </pre>
 */
public final class Fixtures {
  private Fixtures() {}

  /** The instant every decision in the table is made at. */
  public static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");

  /** When the table's tokens were created (one day before {@link #NOW}). */
  public static final Instant TOKEN_CREATED = NOW.minus(Duration.ofDays(1));

  public static final Instant LONG_AGO = Instant.parse("2024-01-01T00:00:00Z");

  // ---------------------------------------------------------------- the cast

  public static final User OLIVIA = user(1, "olivia");
  public static final User MIA = user(2, "mia");
  public static final User OSCAR = user(3, "oscar");
  public static final User SAM = user(4, "sam");
  public static final User UMA = user(5, "uma");
  public static final User SOL = user(6, "sol");

  public static final long GLOBEX_ID = 900;
  public static final String GLOBEX = "globex";

  public static final Organization ACME = org(100, "acme", GLOBEX_ID);
  public static final Organization WIDGETS = org(101, "widgets", GLOBEX_ID);
  public static final Organization SOLO = org(102, "solo", null);

  public static final Repository ACME_APP = repo(5001, ACME, "app", Visibility.PRIVATE);
  public static final Repository ACME_SITE = repo(5002, ACME, "site", Visibility.PUBLIC);
  public static final Repository ACME_INNER = repo(5003, ACME, "inner", Visibility.INTERNAL);
  public static final Repository UMA_DOTS = repo(5004, UMA, "dots", Visibility.PRIVATE);
  public static final Repository UMA_BLOG = repo(5005, UMA, "blog", Visibility.PUBLIC);
  public static final Repository SOLO_TOOL = repo(5006, SOLO, "tool", Visibility.PRIVATE);

  /** user id → (org id → role). */
  private static final Map<Long, Map<Long, OrgRole>> MEMBERSHIPS =
      Map.of(
          OLIVIA.id(), Map.of(ACME.id(), OrgRole.ADMIN),
          MIA.id(), Map.of(ACME.id(), OrgRole.MEMBER),
          SAM.id(), Map.of(WIDGETS.id(), OrgRole.MEMBER),
          SOL.id(), Map.of(SOLO.id(), OrgRole.MEMBER));

  private static final Map<Long, Organization> ORGS =
      Stream.of(ACME, WIDGETS, SOLO).collect(Collectors.toMap(Organization::id, o -> o));

  // ---------------------------------------------------------------- value factories

  public static User user(long id, String login) {
    return new User(id, login, false, null, LONG_AGO);
  }

  public static Organization org(long id, String login, Long enterpriseId) {
    return new Organization(
        id, login, enterpriseId, BasePermission.READ, OrgPolicy.DEFAULT, LONG_AGO);
  }

  public static Repository repo(long id, Owner owner, String name, Visibility v) {
    return new Repository(id, owner.id(), owner.login(), name, v, LONG_AGO);
  }

  public static Enterprise enterprise(EnterprisePolicy p) {
    return new Enterprise(GLOBEX_ID, GLOBEX, p, LONG_AGO);
  }

  public static OrgPolicy orgPolicy(
      OrgPolicy.Access fg,
      OrgPolicy.Access cl,
      OrgPolicy.Approval ap,
      Integer fgMax,
      Integer clMax) {
    return new OrgPolicy(fg, cl, ap, fgMax, clMax);
  }

  public static EnterprisePolicy entPolicy(
      EnterprisePolicy.Access fg,
      EnterprisePolicy.Access cl,
      EnterprisePolicy.Approval ap,
      Integer fgMax,
      Integer clMax) {
    return new EnterprisePolicy(fg, cl, ap, fgMax, clMax);
  }

  public static Grant grant(long tokenId, long orgId, GrantStatus status) {
    return new Grant(
        77,
        tokenId,
        orgId,
        status,
        null,
        TOKEN_CREATED,
        null,
        null,
        status == GrantStatus.APPROVED ? TOKEN_CREATED : null,
        null);
  }

  private static long nextTokenId = 1;

  public static AccessToken classicToken(
      User u, Instant created, Instant expires, String... scopes) {
    return new AccessToken(
        nextTokenId++,
        u.id(),
        TokenKind.CLASSIC,
        TokenDigest.of("pcc_" + u.login() + nextTokenId),
        "t",
        null,
        created,
        expires,
        null,
        null,
        Set.of(scopes),
        null,
        null,
        Set.of(),
        Map.of());
  }

  public static AccessToken fineGrainedToken(
      User u,
      Owner resourceOwner,
      RepositorySelection sel,
      Set<Long> repoIds,
      PermissionLevel contents,
      Instant created,
      Instant expires) {
    Map<String, PermissionLevel> perms = new LinkedHashMap<>();
    perms.put("metadata", PermissionLevel.READ);
    if (contents != null) {
      perms.put("contents", contents);
    }
    return new AccessToken(
        nextTokenId++,
        u.id(),
        TokenKind.FINE_GRAINED,
        TokenDigest.of("pcf_" + u.login() + nextTokenId),
        "t",
        null,
        created,
        expires,
        null,
        null,
        Set.of(),
        resourceOwner.id(),
        sel,
        repoIds,
        perms);
  }

  // ---------------------------------------------------------------- the case builder

  /** Starts a case for a request with no credentials. */
  public static Case anonymous() {
    return new Case(null);
  }

  /**
   * Starts a case for a request whose credentials are not valid (empty username, malformed or
   * unknown token).
   */
  public static Case invalidCredential() {
    Case c = new Case(null);
    c.invalid = true;
    return c;
  }

  /**
   * Starts a case for a request by {@code user} with a token to be chosen ({@link Case#classic},
   * {@link Case#fineGrained}).
   */
  public static Case as(User user) {
    return new Case(user);
  }

  /**
   * One row's inputs. Defaults: organization base permission {@code read}, organization and
   * enterprise policies at their defaults (so approval is required), a fine-grained token aimed at
   * an organization has an {@code approved} grant, tokens never expire.
   */
  public static final class Case {
    private final User user;
    private boolean invalid;
    private boolean anonymousRead = true;
    private Repository repo;
    private boolean suspended;
    private boolean deleted;
    private Instant created = TOKEN_CREATED;
    private Instant expires;
    private TokenKind kind;
    private String[] scopes = {};
    private Owner resourceOwner;
    private RepositorySelection selection;
    private List<Repository> subset = List.of();
    private PermissionLevel contents;
    private BasePermission base = BasePermission.READ;
    private OrgPolicy orgPolicy = OrgPolicy.DEFAULT;
    private EnterprisePolicy entPolicy = EnterprisePolicy.DEFAULT;
    private RepoPermission collaborator;
    private GrantStatus grant = GrantStatus.APPROVED;
    private boolean noGrant;
    private boolean workflows;
    private final Map<Long, OrgRole> roleOverrides = new HashMap<>();
    private NetworkList allowedNetworks;
    private String client = DEFAULT_CLIENT;
    private Instant approvalEnd;
    private RefPatterns refPatterns;
    private Instant rotatedUntil;

    private Case(User user) {
      this.user = user;
    }

    public Case classic(String... scopes) {
      this.kind = TokenKind.CLASSIC;
      this.scopes = scopes;
      return this;
    }

    /**
     * A fine-grained token on {@code owner} with repository selection {@code all} and {@code
     * contents}.
     */
    public Case fineGrained(Owner owner, PermissionLevel contents) {
      this.kind = TokenKind.FINE_GRAINED;
      this.resourceOwner = owner;
      this.selection = RepositorySelection.ALL;
      this.contents = contents;
      return this;
    }

    /** A fine-grained token that also has {@code workflows: write}. */
    public Case workflows() {
      this.workflows = true;
      return this;
    }

    public Case selection(RepositorySelection s, Repository... subset) {
      this.selection = s;
      this.subset = List.of(subset);
      return this;
    }

    public Case on(Repository r) {
      this.repo = r;
      return this;
    }

    /** The addressed repository does not exist. */
    public Case unknownRepo() {
      this.repo = null;
      return this;
    }

    public Case lifetimeDays(int days) {
      this.expires = created.plus(Duration.ofDays(days));
      return this;
    }

    public Case expiresAt(Instant t) {
      this.expires = t;
      return this;
    }

    public Case deleted() {
      this.deleted = true;
      return this;
    }

    public Case suspended() {
      this.suspended = true;
      return this;
    }

    public Case base(BasePermission b) {
      this.base = b;
      return this;
    }

    public Case orgPolicy(OrgPolicy p) {
      this.orgPolicy = p;
      return this;
    }

    public Case entPolicy(EnterprisePolicy p) {
      this.entPolicy = p;
      return this;
    }

    public Case collaborator(RepoPermission p) {
      this.collaborator = p;
      return this;
    }

    public Case grant(GrantStatus s) {
      this.grant = s;
      return this;
    }

    /**
     * A fine-grained token on an organization that has no grant row (the decision treats it as
     * pending).
     */
    public Case noGrant() {
      this.noGrant = true;
      return this;
    }

    public Case role(Organization o, OrgRole r) {
      roleOverrides.put(o.id(), r);
      return this;
    }

    public Case anonymousReadOff() {
      this.anonymousRead = false;
      return this;
    }

    /** The token may be used from these networks only. */
    public Case allowedNetworks(String... cidrs) {
      this.allowedNetworks = NetworkList.of(List.of(cidrs));
      return this;
    }

    /** The organization's approval (the grant) lapses at {@code end}. */
    public Case approvedUntil(Instant end) {
      this.approvalEnd = end;
      return this;
    }

    /** The token may update these refs only. */
    public Case refPatterns(String... patterns) {
      this.refPatterns = RefPatterns.of(List.of(patterns));
      return this;
    }

    /**
     * The request presents a secret the token had before a rotation, usable until {@code
     * overlapEnd} (the end of the rotation's overlap), as the store returns it.
     */
    public Case rotatedUntil(Instant overlapEnd) {
      this.rotatedUntil = overlapEnd;
      return this;
    }

    /** The request comes from {@code address} (default {@value #DEFAULT_CLIENT}). */
    public Case from(String address) {
      this.client = address;
      return this;
    }

    /** The built row input. */
    public Given given() {
      return new Given(inputs(), anonymousRead, client);
    }

    public AccessInputs inputs() {
      Credential credential;
      AccessToken token = null;
      if (invalid) {
        credential = Credential.INVALID;
      } else if (user == null) {
        credential = Credential.NONE;
      } else {
        if (kind == null) {
          throw new IllegalStateException("pick a token kind for " + user.login());
        }
        token =
            kind == TokenKind.CLASSIC
                ? classicToken(user, created, expires, scopes)
                : fineGrainedToken(
                    user,
                    resourceOwner,
                    selection,
                    subset.stream().map(Repository::id).collect(Collectors.toSet()),
                    contents,
                    created,
                    expires);
        if (allowedNetworks != null) {
          token =
              new AccessToken(
                  token.id(),
                  token.userId(),
                  token.kind(),
                  token.digest(),
                  token.name(),
                  token.description(),
                  token.createdAt(),
                  token.expiresAt(),
                  null,
                  null,
                  token.scopes(),
                  token.resourceOwnerId(),
                  token.repositorySelection(),
                  token.repositoryIds(),
                  token.permissions(),
                  allowedNetworks);
        }
        if (workflows) {
          Map<String, PermissionLevel> perms = new LinkedHashMap<>(token.permissions());
          perms.put("workflows", PermissionLevel.WRITE);
          token =
              new AccessToken(
                  token.id(),
                  token.userId(),
                  token.kind(),
                  token.digest(),
                  token.name(),
                  token.description(),
                  token.createdAt(),
                  token.expiresAt(),
                  null,
                  null,
                  token.scopes(),
                  token.resourceOwnerId(),
                  token.repositorySelection(),
                  token.repositoryIds(),
                  perms,
                  token.allowedNetworks());
        }
        if (deleted) {
          token =
              new AccessToken(
                  token.id(),
                  token.userId(),
                  token.kind(),
                  token.digest(),
                  token.name(),
                  token.description(),
                  token.createdAt(),
                  token.expiresAt(),
                  null,
                  NOW.minus(Duration.ofHours(1)),
                  token.scopes(),
                  token.resourceOwnerId(),
                  token.repositorySelection(),
                  token.repositoryIds(),
                  token.permissions(),
                  token.allowedNetworks());
        }
        if (refPatterns != null) {
          token = token.withRefPatterns(refPatterns);
        }
        if (rotatedUntil != null) {
          token =
              new AccessToken(
                  token.id(),
                  token.userId(),
                  token.kind(),
                  token.digest(),
                  token.name(),
                  token.description(),
                  token.createdAt(),
                  token.expiresAt(),
                  null,
                  token.deletedAt(),
                  token.scopes(),
                  token.resourceOwnerId(),
                  token.repositorySelection(),
                  token.repositoryIds(),
                  token.permissions(),
                  token.allowedNetworks(),
                  new AccessToken.RotatedSecret(nextTokenId++, rotatedUntil),
                  token.refPatterns());
        }
        User u =
            suspended
                ? new User(
                    user.id(),
                    user.login(),
                    false,
                    NOW.minus(Duration.ofHours(1)),
                    user.createdAt())
                : user;
        // As AccessService: a fine-grained token aimed at an organization carries that
        // organization (with this case's policy) for the network rule.
        Organization known =
            token.kind() == TokenKind.FINE_GRAINED ? ORGS.get(token.resourceOwnerId()) : null;
        Organization target =
            known == null
                ? null
                : new Organization(
                    known.id(),
                    known.login(),
                    known.enterpriseId(),
                    base,
                    orgPolicy,
                    known.createdAt());
        credential = new Credential.Token(token, u, target);
      }
      if (repo == null) {
        return AccessInputs.unknownRepository(credential);
      }
      Organization org = null;
      EffectivePolicy policy = null;
      Organization known = ORGS.get(repo.ownerId());
      if (known != null) {
        org =
            new Organization(
                known.id(),
                known.login(),
                known.enterpriseId(),
                base,
                orgPolicy,
                known.createdAt());
        policy =
            EffectivePolicy.of(org, known.enterpriseId() == null ? null : enterprise(entPolicy));
      }
      if (token == null) {
        return new AccessInputs(credential, repo, org, policy, null, null, false, null);
      }
      Map<Long, OrgRole> roles = new HashMap<>(MEMBERSHIPS.getOrDefault(user.id(), Map.of()));
      roles.putAll(roleOverrides);
      OrgRole role = org == null ? null : roles.get(org.id());
      // As AccessService: enterprise membership is looked at for internal repositories only.
      boolean enterpriseMember = false;
      if (org != null && org.enterpriseId() != null && repo.visibility() == Visibility.INTERNAL) {
        for (Long orgId : roles.keySet()) {
          if (org.enterpriseId().equals(ORGS.get(orgId).enterpriseId())) {
            enterpriseMember = true;
          }
        }
      }
      Grant g = null;
      if (org != null
          && token.kind() == TokenKind.FINE_GRAINED
          && !noGrant
          && token.resourceOwnerId() == org.id()) {
        g = Fixtures.grant(token.id(), org.id(), grant);
        if (approvalEnd != null) {
          g =
              new Grant(
                  g.id(),
                  g.tokenId(),
                  g.orgId(),
                  g.status(),
                  g.reason(),
                  g.createdAt(),
                  g.reviewedAt(),
                  g.reviewReason(),
                  g.accessGrantedAt(),
                  g.reviewedBy(),
                  approvalEnd);
        }
      }
      return new AccessInputs(
          credential, repo, org, policy, role, collaborator, enterpriseMember, g);
    }
  }

  /** The address a case's request comes from unless it says otherwise. */
  public static final String DEFAULT_CLIENT = "192.0.2.1";

  /**
   * A row's input: the access inputs, the evaluator's anonymous-read switch, the client address.
   */
  public record Given(AccessInputs inputs, boolean anonymousRead, String client) {
    public Decision decide(GitOperation op) {
      return new AccessEvaluator(anonymousRead).decide(inputs, op, NOW, client);
    }

    @Override
    public String toString() {
      return "Given["
          + inputs.credential()
          + " on "
          + (inputs.repository() == null ? "?" : inputs.repository().fullName())
          + "]";
    }
  }
}
