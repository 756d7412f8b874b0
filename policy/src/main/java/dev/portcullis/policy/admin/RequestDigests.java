package dev.portcullis.policy.admin;

import dev.portcullis.policy.model.AccessToken;
import dev.portcullis.policy.model.Actor;
import dev.portcullis.policy.model.GrantStatus;
import dev.portcullis.policy.model.NotificationKind;
import dev.portcullis.policy.model.Organization;
import dev.portcullis.policy.model.Repository;
import dev.portcullis.policy.model.User;
import dev.portcullis.policy.store.NotificationOutbox;
import dev.portcullis.policy.store.PolicyStore;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The daily digest of an organization's pending token requests, to each of its owners who did not
 * turn it off. It is enqueued once the day's digest time (UTC) has passed, only for organizations
 * with something pending; its dedupe key (the day, the organization and the owner) makes it one
 * mail per owner and organization a day, whatever the number of nodes. The mail lists the requests
 * as they are when it goes out ({@link #pendingRequests}).
 */
public final class RequestDigests extends UseCase {
  /** When the digest goes out unless {@code --digest-time} says otherwise (UTC). */
  public static final LocalTime DEFAULT_TIME = LocalTime.of(9, 0);

  /** The most requests one digest lists (the rest are counted). */
  public static final int MAX_LISTED = 50;

  private final NotificationOutbox outbox;

  RequestDigests(AdminContext context) {
    super(context);
    this.outbox = store.notifications();
  }

  /**
   * The scheduled run: once {@code at} (UTC) has passed on {@code now}'s day, enqueues that day's
   * digests not enqueued yet; returns how many it wrote.
   */
  public int scheduled(Instant now, LocalTime at) {
    if (now.atOffset(ZoneOffset.UTC).toLocalTime().isBefore(at)) {
      return 0;
    }
    return enqueue(now);
  }

  /**
   * Enqueues today's digests now (site administrators): those already enqueued today are not sent
   * again. Returns how many it wrote.
   */
  public int sendNow(Actor actor) {
    requireSiteAdmin(actor);
    int queued = enqueue(now());
    audit(actor, "notification.digest", "notifications", null, JsonText.object("queued", queued));
    return queued;
  }

  private int enqueue(Instant now) {
    LocalDate day = LocalDate.ofInstant(now, ZoneOffset.UTC);
    int queued = 0;
    for (NotificationOutbox.DigestRecipient r : outbox.digestRecipients(now)) {
      if (r.digest()
          && outbox.enqueue(
              new NotificationOutbox.Notice(
                  NotificationKind.REQUEST_DIGEST,
                  NotificationKind.REQUEST_DIGEST.apiName()
                      + ":"
                      + day
                      + ":org:"
                      + r.orgId()
                      + ":owner:"
                      + r.ownerId(),
                  r.ownerId(),
                  r.orgId(),
                  null,
                  null,
                  null),
              now)) {
        queued++;
      }
    }
    return queued;
  }

  /**
   * The pending requests of {@code orgLogin} at {@code now}, oldest first, at most {@link
   * #MAX_LISTED}, and how many there are in all.
   */
  public Pending pendingRequests(String orgLogin, Instant now) {
    Optional<Organization> org =
        store
            .ownerByLogin(orgLogin)
            .filter(Organization.class::isInstance)
            .map(o -> (Organization) o);
    if (org.isEmpty()) {
      return new Pending(List.of(), 0);
    }
    long orgId = org.get().id();
    List<PolicyStore.GrantKey> keys =
        new ArrayList<>(store.grantKeys(orgId, GrantStatus.PENDING, PolicyStore.GrantFilter.NONE));
    keys.sort(
        Comparator.comparing(PolicyStore.GrantKey::createdAt)
            .thenComparing(PolicyStore.GrantKey::grantId));
    List<Long> ids = new ArrayList<>();
    for (PolicyStore.GrantKey k : keys) {
      ids.add(k.grantId());
    }
    List<Repository> repos = null;
    Map<Long, String> logins = new HashMap<>();
    List<PendingRequest> listed = new ArrayList<>();
    int total = 0;
    for (PolicyStore.GrantRow row : store.grantRows(ids)) {
      AccessToken t = row.token();
      if (t.expired(now)) {
        continue;
      }
      total++;
      if (listed.size() >= MAX_LISTED) {
        continue;
      }
      List<String> names;
      switch (t.repositorySelection()) {
        case ALL -> names = null;
        case NONE -> names = List.of();
        default -> {
          if (repos == null) {
            repos = store.repositoriesOfOwner(orgId);
          }
          names =
              repos.stream()
                  .filter(r -> t.repositoryIds().contains(r.id()))
                  .map(Repository::name)
                  .toList();
        }
      }
      String owner =
          logins.computeIfAbsent(
              t.userId(), id -> store.userById(id).map(User::login).orElse("(deleted user)"));
      listed.add(
          new PendingRequest(
              row.grant().id(),
              t.name(),
              owner,
              names,
              t.permissions(),
              row.grant().reason(),
              row.grant().createdAt()));
    }
    return new Pending(listed, total);
  }

  /**
   * What a digest lists.
   *
   * @param listed the first requests, oldest first
   * @param total how many are pending in all
   */
  public record Pending(List<PendingRequest> listed, int total) {}
}
