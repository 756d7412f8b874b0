package dev.portcullis.repos;

import java.io.IOException;
import java.util.List;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.transport.ReceiveCommand;
import org.eclipse.jgit.transport.ReceivePack;

/**
 * JGit's receive-pack with the gateway's rules on what may be pushed (branches and tags only, no
 * branch named HEAD, branches point to commits) and a clearer answer for the push that loses a
 * race: when another push (on this node or another sharing the repositories) moved or is moving the
 * branch, JGit reports only "failed to lock"; git users expect to be told to fetch first.
 */
public final class GatewayReceivePack extends ReceivePack {
  /**
   * Pauses before the retries of a ref update that failed to lock a ref nobody moved: its lock was
   * held for an instant by the packing of refs (of this node or another sharing the repositories).
   */
  private static final long[] LOCK_RETRY_PAUSE_MS = {20, 100};

  private final Runnable[] pauses;

  public GatewayReceivePack(Repository db) {
    this(db, pauses());
  }

  /** With the pauses taken before each retry of an update that failed to lock. */
  GatewayReceivePack(Repository db, Runnable... pauses) {
    super(db);
    this.pauses = pauses.clone();
    RepositoryStorage.configure(this);
  }

  private static Runnable[] pauses() {
    Runnable[] r = new Runnable[LOCK_RETRY_PAUSE_MS.length];
    for (int i = 0; i < r.length; i++) {
      long ms = LOCK_RETRY_PAUSE_MS[i];
      r[i] =
          () -> {
            try {
              Thread.sleep(ms);
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          };
    }
    return r;
  }

  @Override
  protected void executeCommands() {
    // Clients push branches and tags; every other namespace (refs/pull/, refs/meta/, …) is the
    // server's. A branch named HEAD would be advertised first and make HEAD ambiguous for every
    // clone; one made before this rule may still be deleted.
    for (ReceiveCommand cmd : filterCommands(ReceiveCommand.Result.NOT_ATTEMPTED)) {
      String reason = refusal(cmd);
      if (reason != null) {
        cmd.setResult(ReceiveCommand.Result.REJECTED_OTHER_REASON, reason);
      }
    }
    // A branch names a commit; anything else on refs/heads/ would break every clone of it.
    for (ReceiveCommand cmd : filterCommands(ReceiveCommand.Result.NOT_ATTEMPTED)) {
      if (cmd.getRefName().startsWith("refs/heads/")
          && cmd.getType() != ReceiveCommand.Type.DELETE) {
        try {
          int type = getRevWalk().getObjectReader().open(cmd.getNewId()).getType();
          if (type != org.eclipse.jgit.lib.Constants.OBJ_COMMIT) {
            cmd.setResult(
                ReceiveCommand.Result.REJECTED_OTHER_REASON, "a branch must point to a commit");
          }
        } catch (IOException e) {
          cmd.setResult(ReceiveCommand.Result.REJECTED_MISSING_OBJECT, cmd.getNewId().name());
        }
      }
    }
    if (isAtomic()
        && !filterCommands(ReceiveCommand.Result.NOT_ATTEMPTED).isEmpty()
        && getAllCommands().stream()
            .anyMatch(
                c ->
                    c.getResult() != ReceiveCommand.Result.NOT_ATTEMPTED
                        && c.getResult() != ReceiveCommand.Result.OK)) {
      for (ReceiveCommand cmd : filterCommands(ReceiveCommand.Result.NOT_ATTEMPTED)) {
        cmd.setResult(ReceiveCommand.Result.REJECTED_OTHER_REASON, "transaction aborted");
      }
    }
    // A push whose advertised old value is already stale was refused by validation ("invalid old
    // id sent"); one that lost the race while updating fails to lock. Both mean: fetch first.
    for (ReceiveCommand cmd : filterCommands(ReceiveCommand.Result.REJECTED_OTHER_REASON)) {
      if (movedSince(cmd)) {
        cmd.setResult(
            ReceiveCommand.Result.REJECTED_OTHER_REASON,
            "fetch first: another push updated it; fetch, integrate the changes and push again");
      }
    }
    super.executeCommands();
    for (int i = 0; i < pauses.length && lockedButNotMoved(); i++) {
      pauses[i].run();
      for (ReceiveCommand cmd : getAllCommands()) {
        if (cmd.getResult() != ReceiveCommand.Result.OK) {
          cmd.setResult(ReceiveCommand.Result.NOT_ATTEMPTED);
        }
      }
      super.executeCommands();
    }
    for (ReceiveCommand cmd : filterCommands(ReceiveCommand.Result.LOCK_FAILURE)) {
      cmd.setResult(
          ReceiveCommand.Result.REJECTED_OTHER_REASON,
          movedSince(cmd)
              ? "fetch first: another push updated it; fetch, integrate the changes and push again"
              : "the branch is locked by another update right now; push again (fetch first if it moved)");
    }
  }

  /** Why {@code cmd} may not be pushed, or null if it may. */
  static String refusal(ReceiveCommand cmd) {
    String name = cmd.getRefName();
    if (name.equals("refs/heads/HEAD")) {
      return cmd.getType() == ReceiveCommand.Type.DELETE
          ? null
          : "refs/heads/HEAD cannot be pushed: a branch named HEAD is ambiguous with HEAD";
    }
    if (name.startsWith("refs/heads/") || name.startsWith("refs/tags/")) {
      return null;
    }
    return name
        + " is reserved for the server: only branches (refs/heads/*) and tags (refs/tags/*) can be"
        + " pushed";
  }

  /**
   * Whether the updates failed only because a ref was locked, none of those refs moved (the
   * client's old value is still current, so nothing but the lock stood in the way), and, for an
   * atomic push, every other update was only aborted with them: then the same updates are tried
   * again.
   */
  private boolean lockedButNotMoved() {
    List<ReceiveCommand> locked = filterCommands(ReceiveCommand.Result.LOCK_FAILURE);
    if (locked.isEmpty() || locked.stream().anyMatch(this::movedSince)) {
      return false;
    }
    for (ReceiveCommand cmd : getAllCommands()) {
      ReceiveCommand.Result r = cmd.getResult();
      boolean aborted = isAtomic() && ReceiveCommand.isTransactionAborted(cmd);
      if (r != ReceiveCommand.Result.OK && r != ReceiveCommand.Result.LOCK_FAILURE && !aborted) {
        return false;
      }
    }
    return true;
  }

  private boolean movedSince(ReceiveCommand cmd) {
    try {
      Ref ref = getRepository().exactRef(cmd.getRefName());
      ObjectId current = ref == null ? ObjectId.zeroId() : ref.getObjectId();
      return !current.equals(cmd.getOldId());
    } catch (IOException e) {
      return false;
    }
  }
}
