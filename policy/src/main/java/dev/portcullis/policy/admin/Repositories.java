package dev.portcullis.policy.admin;

import dev.portcullis.policy.access.Invalidation;
import dev.portcullis.policy.model.Actor;
import dev.portcullis.policy.model.OrgRole;
import dev.portcullis.policy.model.Organization;
import dev.portcullis.policy.model.Owner;
import dev.portcullis.policy.model.Page;
import dev.portcullis.policy.model.PermissionLevel;
import dev.portcullis.policy.model.PolicyException;
import dev.portcullis.policy.model.RepoPermission;
import dev.portcullis.policy.model.Repository;
import dev.portcullis.policy.model.User;
import dev.portcullis.policy.model.Visibility;
import dev.portcullis.policy.store.PolicyStore;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.regex.Pattern;

/** Repositories (created in the store and on disk in one transaction) and their collaborators. */
public final class Repositories extends UseCase {
  Repositories(AdminContext context) {
    super(context);
  }

  private static final Pattern REPO_NAME = Pattern.compile("[A-Za-z0-9._-]{1,100}");

  /**
   * Creates a repository; {@code onDisk} creates the bare repository inside the store's
   * transaction.
   */
  public Repository createRepository(
      Actor actor, String ownerLogin, String name, String visibility, Consumer<Repository> onDisk) {
    Owner owner = owner(ownerLogin);
    try {
      if (owner instanceof Organization o) {
        requireOrgOwner(actor, o, "organization_administration", PermissionLevel.WRITE);
      } else {
        requireSiteAdmin(actor, (User) owner);
      }
    } catch (PolicyException e) {
      // An owner the caller may not see is refused as a missing owner is, above.
      throw e.kind() == PolicyException.Kind.NOT_FOUND ? Directory.noOwner(ownerLogin) : e;
    }
    checkRepoName(name);
    Visibility v = visibility == null ? Visibility.PUBLIC : Visibility.fromApiName(visibility);
    if (v == null) {
      throw PolicyException.invalid(
          "Repository", "visibility", "invalid", "visibility must be public, private or internal");
    }
    if (v == Visibility.INTERNAL
        && !(owner instanceof Organization o2 && o2.enterpriseId() != null)) {
      throw PolicyException.invalid(
          "Repository",
          "visibility",
          "invalid",
          "internal repositories belong to organizations of an enterprise");
    }
    if (store.repository(owner.id(), name).isPresent()) {
      throw PolicyException.invalid(
          "Repository", "name", "already_exists", "name already exists on this account");
    }
    Repository r = store.createRepository(owner.id(), name, v, now(), onDisk);
    publish.accept(new Invalidation.RepositoryChanged(owner.id(), name));
    audit(
        actor,
        "repo.create",
        "repo:" + r.fullName(),
        null,
        JsonText.object(
            "id", r.id(), "full_name", r.fullName(), "visibility", r.visibility().apiName()));
    return r;
  }

  /**
   * Deletes a repository (for an organization's repository its owners, for a user's repository site
   * administrators) with its collaborators and its place in fine-grained tokens' selections; {@code
   * fromDisk} removes the bare repository once the store no longer has it. Its clones answer 404
   * from the next request on.
   */
  public void deleteRepository(
      Actor actor, String owner, String name, Consumer<Repository> fromDisk) {
    Repository r = repository(owner, name);
    requireRepoAdmin(actor, r);
    PolicyStore.Removed removed =
        store
            .deleteRepository(r.id())
            .orElseThrow(() -> Directory.noRepository(r.ownerLogin(), r.name()));
    removed(removed, null, fromDisk);
    audit(
        actor,
        "repo.delete",
        "repo:" + r.fullName(),
        JsonText.object(
            "id", r.id(), "full_name", r.fullName(), "visibility", r.visibility().apiName()),
        null);
  }

  public RepoPermission setCollaborator(
      Actor actor, String owner, String repo, String login, String permission) {
    Repository r = repository(owner, repo);
    requireRepoAdmin(actor, r);
    RepoPermission p =
        permission == null ? RepoPermission.WRITE : RepoPermission.fromCollaboratorName(permission);
    if (p == null) {
      throw PolicyException.invalid(
          "Collaborator",
          "permission",
          "invalid",
          "permission must be one of pull, triage, push, maintain, admin");
    }
    User u = user(login);
    RepoPermission before = store.collaborationsOfUser(u.id()).get(r.id());
    store.setCollaborator(r.id(), u.id(), p);
    publish.accept(new Invalidation.CollaboratorChanged(u.id()));
    audit(
        actor,
        "repo.collaborator.set",
        "repo:" + r.fullName() + "/user:" + u.login(),
        before == null ? null : JsonText.object("permission", before.apiName()),
        JsonText.object("permission", p.apiName()));
    return p;
  }

  public void removeCollaborator(Actor actor, String owner, String repo, String login) {
    Repository r = repository(owner, repo);
    requireRepoAdmin(actor, r);
    User u = user(login);
    if (!store.removeCollaborator(r.id(), u.id())) {
      throw PolicyException.notFound(
          "'" + login + "' is not a collaborator on '" + r.fullName() + "'.");
    }
    publish.accept(new Invalidation.CollaboratorChanged(u.id()));
    audit(
        actor,
        "repo.collaborator.remove",
        "repo:" + r.fullName() + "/user:" + u.login(),
        JsonText.object("collaborator", true),
        null);
  }

  // ---------------------------------------------------------------- reads

  /** A repository with its owner and the caller's permission, for whoever may see it. */
  public RepositoryView viewRepository(Actor actor, String owner, String name) {
    Repository r = repository(owner, name);
    RepoPermission p = requireVisible(actor, r);
    return new RepositoryView(r, owner(r.ownerLogin()), p);
  }

  /**
   * The repositories of an organization that the caller may see, for its members and site
   * administrators, as GitHub lists them: {@code type} all (or null), public, private (private and
   * internal), forks (none: the gateway has no forks) or sources; {@code sort} created (or null) or
   * full_name; {@code direction} asc or desc, by default asc for full_name and desc otherwise.
   */
  public Page<Repository> listRepositories(
      Actor actor,
      String orgLogin,
      String type,
      String sort,
      String direction,
      int page,
      int perPage) {
    Organization o = organization(orgLogin);
    requireMember(actor, o);
    String t = type == null ? "all" : type;
    if (!List.of("all", "public", "private", "forks", "sources").contains(t)) {
      throw PolicyException.invalid(
          "Repository",
          "type",
          "invalid",
          "type must be all, public, private, forks or sources, not '" + type + "'");
    }
    String s = sort == null ? "created" : sort;
    if (!s.equals("created") && !s.equals("full_name")) {
      throw PolicyException.invalid(
          "Repository", "sort", "invalid", "sort must be created or full_name, not '" + sort + "'");
    }
    if (direction != null && !direction.equals("asc") && !direction.equals("desc")) {
      throw PolicyException.invalid(
          "Repository",
          "direction",
          "invalid",
          "direction must be asc or desc, not '" + direction + "'");
    }
    boolean ascending = direction == null ? s.equals("full_name") : direction.equals("asc");
    Predicate<Repository> visible = visibleIn(actor, o);
    Comparator<Repository> order =
        s.equals("full_name")
            ? Comparator.comparing((Repository r) -> r.name().toLowerCase(Locale.ROOT))
            : Comparator.comparing(Repository::createdAt).thenComparing(Repository::id);
    List<Repository> repos =
        t.equals("forks")
            ? List.of()
            : store.repositoriesOfOwner(o.id()).stream()
                .filter(
                    r ->
                        switch (t) {
                          case "public" -> r.visibility() == Visibility.PUBLIC;
                          case "private" -> r.visibility() != Visibility.PUBLIC;
                          default -> true;
                        })
                .filter(visible)
                .sorted(ascending ? order : order.reversed())
                .toList();
    return Page.of(repos, page, perPage);
  }

  /**
   * Who has access to a repository, by login, with their permission on it (the highest of their
   * grants), as GitHub lists collaborators: for an organization's repository its owners, its
   * members through the base permission and the collaborators; for a user's repository the user and
   * the collaborators. {@code affiliation} is all (or null), direct (collaborators only) or outside
   * (collaborators who are not members of the owning organization); {@code permission} (pull,
   * triage, push, maintain or admin) keeps those with at least that permission. For callers with
   * push access or more, and site administrators.
   */
  public Page<PolicyStore.Collaborator> listCollaborators(
      Actor actor,
      String owner,
      String name,
      String affiliation,
      String permission,
      int page,
      int perPage) {
    Repository r = repository(owner, name);
    requirePushAccess(actor, r);
    String a = affiliation == null ? "all" : affiliation;
    if (!List.of("all", "direct", "outside").contains(a)) {
      throw PolicyException.invalid(
          "Collaborator",
          "affiliation",
          "invalid",
          "affiliation must be all, direct or outside, not '" + affiliation + "'");
    }
    RepoPermission atLeast =
        permission == null ? RepoPermission.NONE : RepoPermission.fromCollaboratorName(permission);
    if (atLeast == null) {
      throw PolicyException.invalid(
          "Collaborator",
          "permission",
          "invalid",
          "permission must be pull, triage, push, maintain or admin, not '" + permission + "'");
    }
    Optional<Organization> org = store.organizationById(r.ownerId());
    Map<Long, User> users = new HashMap<>();
    Map<Long, RepoPermission> granted = new HashMap<>();
    Set<Long> members = new HashSet<>();
    if (org.isPresent()) {
      for (PolicyStore.Member m : store.membersOfOrganization(org.get().id())) {
        members.add(m.user().id());
        RepoPermission p =
            m.role() == OrgRole.ADMIN ? RepoPermission.ADMIN : org.get().basePermission().grants();
        if (a.equals("all") && p != RepoPermission.NONE) {
          users.put(m.user().id(), m.user());
          granted.put(m.user().id(), p);
        }
      }
    } else if (a.equals("all")) {
      store
          .userById(r.ownerId())
          .ifPresent(
              u -> {
                users.put(u.id(), u);
                granted.put(u.id(), RepoPermission.ADMIN);
              });
    }
    for (PolicyStore.Collaborator c : store.collaboratorsOfRepository(r.id())) {
      long id = c.user().id();
      if (a.equals("outside") && members.contains(id)) {
        continue;
      }
      users.put(id, c.user());
      granted.merge(id, c.permission(), RepoPermission::max);
    }
    List<PolicyStore.Collaborator> all =
        users.values().stream()
            .map(u -> new PolicyStore.Collaborator(u, granted.get(u.id())))
            .filter(c -> c.permission().atLeast(atLeast))
            .sorted(Comparator.comparing(c -> c.user().login().toLowerCase(Locale.ROOT)))
            .toList();
    return Page.of(all, page, perPage);
  }

  static void checkRepoName(String name) {
    if (name == null
        || !REPO_NAME.matcher(name).matches()
        || name.equals(".")
        || name.equals("..")
        || name.toLowerCase(java.util.Locale.ROOT).endsWith(".git")) {
      throw PolicyException.invalid(
          "Repository",
          "name",
          name == null ? "missing_field" : "invalid",
          "name must be 1–100 letters, digits, '.', '-' or '_', not '.' or '..', and not end in .git");
    }
  }
}
