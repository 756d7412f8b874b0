package dev.portcullis.policy.admin;

import dev.portcullis.policy.access.Invalidation;
import dev.portcullis.policy.model.Actor;
import dev.portcullis.policy.model.Organization;
import dev.portcullis.policy.model.Owner;
import dev.portcullis.policy.model.PermissionLevel;
import dev.portcullis.policy.model.PolicyException;
import dev.portcullis.policy.model.RepoPermission;
import dev.portcullis.policy.model.Repository;
import dev.portcullis.policy.model.User;
import dev.portcullis.policy.model.Visibility;
import java.util.function.Consumer;
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
