package dev.portcullis.repos;

import java.io.IOException;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.lib.Repository;
import org.eclipse.jgit.transport.ReceiveCommand;
import org.eclipse.jgit.transport.ReceivePack;

/**
 * JGit's receive-pack with a clearer answer for the push that loses a race: when another push (on
 * this node or another sharing the repositories) moved or is moving the branch, JGit reports only
 * "failed to lock"; git users expect to be told to fetch first.
 */
public final class GatewayReceivePack extends ReceivePack {
  public GatewayReceivePack(Repository db) {
    super(db);
    RepositoryStorage.configure(this);
  }

  @Override
  protected void executeCommands() {
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
    for (ReceiveCommand cmd : filterCommands(ReceiveCommand.Result.LOCK_FAILURE)) {
      cmd.setResult(
          ReceiveCommand.Result.REJECTED_OTHER_REASON,
          movedSince(cmd)
              ? "fetch first: another push updated it; fetch, integrate the changes and push again"
              : "the branch is locked by another update right now; push again (fetch first if it moved)");
    }
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
