package dev.portcullis.repos;

import dev.portcullis.policy.decision.PushRules;
import dev.portcullis.policy.token.TokenDigest;
import dev.portcullis.policy.token.TokenScanner;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevObject;
import org.eclipse.jgit.revwalk.RevTree;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.transport.PostReceiveHook;
import org.eclipse.jgit.transport.PreReceiveHook;
import org.eclipse.jgit.transport.ReceiveCommand;
import org.eclipse.jgit.transport.ReceivePack;
import org.eclipse.jgit.treewalk.TreeWalk;

/**
 * The rules on pushed content (DESIGN.md, "Push rules"), run by receive-pack after the pack is in
 * and before any ref moves. Each ref update is judged on a range of commits, never on the whole
 * history:
 *
 * <ul>
 *   <li>the token's {@code ref_patterns}: an update of a ref none of them matches is refused,
 *       deletions included ({@link PushRules#refRefusal});
 *   <li>rule 8, on the commits the ref had not before (reachable from the new id and not from the
 *       old one; for a new ref, from none of the existing refs), whether the push brought them or
 *       the repository had them on another ref, and for an update of an existing ref on its old and
 *       new tips too (a rewind brings no commit but may drop a workflow change): a change to a file
 *       under {@code .github/workflows/} needs the token's workflow permission ({@link
 *       PushRules#workflowRefusal}). A deletion of a ref is no workflow change;
 *   <li>push protection, on the commits new to the repository (reachable from no existing ref): a
 *       file a commit adds or changes (a blob differing from every parent's at its path) that is
 *       new to the repository and holds a checksum-valid token of this gateway refuses the update,
 *       unless a repository admin gives {@code -o secret-scanning.bypass=<reason>}. The blobs were
 *       scanned while the pack was parsed ({@link ReceivedTokens}); when none holds a token, no
 *       tree is walked for it.
 * </ul>
 *
 * A refused update is reported {@code ng} with a message git prints; receive-pack then applies
 * git's rules to the others (all refused when the push is atomic). The tokens found are handed to
 * {@link Leaks}: at once for a refused push, and after the refs moved for a bypassed one.
 */
public final class PushRulesHook implements PreReceiveHook, PostReceiveHook {
  /** The push option that bypasses push protection, followed by the reason. */
  public static final String BYPASS_OPTION = "secret-scanning.bypass=";

  /** At most this many token locations are listed to the client. */
  private static final int LISTED = 20;

  /** What becomes of the tokens found in a push. */
  public interface Leaks {
    /**
     * @param digests the tokens found (checksum-valid; whether they are live is for the store)
     * @param bypassReason the reason of a bypass that let them in, or {@code null} when the push
     *     was refused
     */
    void found(Collection<TokenDigest> digests, String bypassReason);
  }

  /**
   * One token in a pushed file.
   *
   * @param where the commit that brings the file ({@code commit 1a2b3c4d5e}), or the tagged tree or
   *     blob
   */
  record Leak(String where, String path, TokenScanner.Finding finding) {
    static String commit(ObjectId id) {
      return "commit " + id.abbreviate(10).name();
    }

    String describe() {
      return where
          + " "
          + path
          + ":"
          + finding.line()
          + " holds a personal access token "
          + finding.masked();
    }
  }

  private final PushRules rules;
  private final Leaks leaks;

  /** The tokens in the received blobs, or {@code null} when push protection is off. */
  private final ReceivedTokens received;

  /** The bypassed updates and the digests of the tokens they carry, until the refs have moved. */
  private final Map<ReceiveCommand, Set<TokenDigest>> bypassed = new IdentityHashMap<>();

  private String bypassReason;

  private PushRulesHook(PushRules rules, Leaks leaks) {
    this.rules = rules;
    this.leaks = leaks;
    this.received = rules.pushProtection() ? new ReceivedTokens() : null;
  }

  /**
   * Makes {@code rp} apply {@code rules}: its object checker scans the received blobs, and the
   * returned hook is its pre-receive hook. The caller's post-receive hook must call the returned
   * hook's {@link #onPostReceive}, which hands over the tokens of a bypassed push once its refs
   * moved.
   */
  public static PushRulesHook attach(ReceivePack rp, PushRules rules, Leaks leaks) {
    PushRulesHook hook = new PushRulesHook(rules, leaks);
    if (hook.received != null) {
      rp.setObjectChecker(hook.received);
    }
    rp.setPreReceiveHook(hook);
    return hook;
  }

  @Override
  public void onPreReceive(ReceivePack rp, Collection<ReceiveCommand> commands) {
    if (rules.limitsRefs()) {
      // The token's ref_patterns first: a ref it may not update is refused without a look at what
      // the update brings.
      for (ReceiveCommand cmd : commands) {
        String refusal =
            cmd.getResult() == ReceiveCommand.Result.NOT_ATTEMPTED
                ? rules.refRefusal(cmd.getRefName())
                : null;
        if (refusal != null) {
          cmd.setResult(ReceiveCommand.Result.REJECTED_OTHER_REASON, refusal);
        }
      }
    }
    if (rules.workflows() && (received == null || !received.any())) {
      // Nothing to look for: no commit is walked.
      return;
    }
    bypassReason = bypassReason(rp);
    Set<TokenDigest> refused = new LinkedHashSet<>();
    try (RevWalk walk = new RevWalk(rp.getRepository())) {
      Judge judge = new Judge(walk, existingTips(rp, walk));
      for (ReceiveCommand cmd : commands) {
        if (cmd.getResult() != ReceiveCommand.Result.NOT_ATTEMPTED
            || cmd.getType() == ReceiveCommand.Type.DELETE) {
          continue;
        }
        judge(rp, judge, cmd, refused);
      }
    } catch (IOException e) {
      for (ReceiveCommand cmd : commands) {
        if (cmd.getResult() == ReceiveCommand.Result.NOT_ATTEMPTED) {
          cmd.setResult(
              ReceiveCommand.Result.REJECTED_OTHER_REASON,
              "the pushed content could not be checked: " + e.getMessage());
        }
      }
    }
    if (!refused.isEmpty()) {
      leaks.found(refused, null);
    }
  }

  @Override
  public void onPostReceive(ReceivePack rp, Collection<ReceiveCommand> commands) {
    Set<TokenDigest> in = new LinkedHashSet<>();
    for (ReceiveCommand cmd : commands) {
      Set<TokenDigest> d = bypassed.get(cmd);
      if (d != null && cmd.getResult() == ReceiveCommand.Result.OK) {
        in.addAll(d);
      }
    }
    if (!in.isEmpty()) {
      leaks.found(in, bypassReason);
    }
  }

  private void judge(ReceivePack rp, Judge judge, ReceiveCommand cmd, Set<TokenDigest> refused)
      throws IOException {
    if (!rules.workflows()) {
      String workflow = judge.workflowChange(cmd);
      if (workflow != null) {
        cmd.setResult(ReceiveCommand.Result.REJECTED_OTHER_REASON, rules.workflowRefusal(workflow));
        return;
      }
    }
    if (received == null || !received.any()) {
      return;
    }
    List<Leak> found = judge.leaks(cmd.getNewId());
    if (found.isEmpty()) {
      return;
    }
    Set<TokenDigest> digests = new LinkedHashSet<>();
    for (Leak l : found) {
      digests.add(l.finding().digest());
    }
    if (bypassReason != null && !bypassReason.isEmpty() && rules.mayBypass()) {
      bypassed.put(cmd, digests);
      rp.sendMessage(
          "push protection bypassed for "
              + cmd.getRefName()
              + " ("
              + found.size()
              + " token(s)); the bypass is audited"
              + (rules.publicRepository() ? " and live tokens are revoked" : ""));
      return;
    }
    refused.addAll(digests);
    for (int i = 0; i < found.size() && i < LISTED; i++) {
      rp.sendMessage("push protection: " + found.get(i).describe());
    }
    if (found.size() > LISTED) {
      rp.sendMessage("push protection: and " + (found.size() - LISTED) + " more");
    }
    String first =
        "push protection: "
            + found.get(0).describe()
            + (found.size() > 1 ? " (and " + (found.size() - 1) + " more)" : "");
    String why;
    if (bypassReason == null) {
      why =
          "; remove it from the commits, or a repository admin may push with -o "
              + BYPASS_OPTION
              + "<reason>";
    } else if (bypassReason.isEmpty()) {
      why = "; a bypass needs a reason: -o " + BYPASS_OPTION + "<reason>";
    } else {
      why = "; only a repository admin may bypass push protection";
    }
    cmd.setResult(ReceiveCommand.Result.REJECTED_OTHER_REASON, first + why);
  }

  /** The reason of the bypass option (possibly empty), or {@code null} when none was given. */
  private static String bypassReason(ReceivePack rp) {
    List<String> options = rp.getPushOptions();
    if (options == null) {
      return null;
    }
    for (String o : options) {
      if (o.startsWith(BYPASS_OPTION)) {
        return o.substring(BYPASS_OPTION.length()).strip();
      }
    }
    return null;
  }

  /** The commits every existing ref names: what a pushed commit is new against. */
  private static List<RevCommit> existingTips(ReceivePack rp, RevWalk walk) throws IOException {
    List<RevCommit> tips = new ArrayList<>();
    for (Ref ref : rp.getRepository().getRefDatabase().getRefs()) {
      if (ref.getObjectId() == null) {
        continue;
      }
      RevObject o = walk.peel(walk.parseAny(ref.getObjectId()));
      if (o instanceof RevCommit c) {
        tips.add(c);
      }
    }
    return tips;
  }

  /** Judges the commits of a push, each once however many updates bring it. */
  private final class Judge {
    private final RevWalk walk;
    private final List<RevCommit> existing;
    private final CommitChanges.Workflows workflows;
    private final Map<ObjectId, List<Leak>> judged = new HashMap<>();

    Judge(RevWalk walk, List<RevCommit> existing) {
      this.walk = walk;
      this.existing = existing;
      this.workflows = new CommitChanges.Workflows(walk);
    }

    /**
     * Rule 8: the first workflow path the update changes, or {@code null}. An update of an existing
     * ref is compared with the commit it named (a tag peeled): the two tips' workflow files, then
     * the commits the ref had not before, so a rewind that drops a workflow change counts too. A
     * new ref, or one whose old value names no commit, is judged on the commits no existing ref
     * has. A tag of a tree or a blob brings no commit.
     */
    String workflowChange(ReceiveCommand cmd) throws IOException {
      RevObject target = walk.peel(walk.parseAny(cmd.getNewId()));
      if (!(target instanceof RevCommit tip)) {
        return null;
      }
      if (cmd.getType() != ReceiveCommand.Type.CREATE) {
        RevObject old = walk.peel(walk.parseAny(cmd.getOldId()));
        if (old instanceof RevCommit c) {
          return workflows.update(c, tip);
        }
      }
      return workflows.in(tip, existing);
    }

    /**
     * Push protection: the tokens in what {@code newId} brings that no existing ref has: its new
     * commits, or, for a tag of a tree or a blob, that content itself.
     */
    List<Leak> leaks(ObjectId newId) throws IOException {
      RevObject target = walk.peel(walk.parseAny(newId));
      if (!(target instanceof RevCommit tip)) {
        return content(target);
      }
      CommitChanges.range(walk, tip, existing);
      List<Leak> out = new ArrayList<>();
      for (RevCommit c; (c = walk.next()) != null; ) {
        List<Leak> l = judged.get(c);
        if (l == null) {
          l = leaks(c);
          judged.put(c.copy(), l);
        }
        out.addAll(l);
      }
      return out;
    }

    private List<Leak> leaks(RevCommit c) throws IOException {
      List<Leak> found = new ArrayList<>(0);
      try (TreeWalk tw = CommitChanges.newBlobs(walk, c)) {
        while (tw.next()) {
          if (CommitChanges.isNewBlob(tw)) {
            for (TokenScanner.Finding f : received.in(tw.getObjectId(0))) {
              found.add(new Leak(Leak.commit(c), tw.getPathString(), f));
            }
          }
        }
      }
      return found;
    }

    /** A tag of a tree or a blob: the files in it that this push brought. */
    private List<Leak> content(RevObject target) throws IOException {
      List<Leak> found = new ArrayList<>(0);
      if (target instanceof RevTree tree) {
        try (TreeWalk tw = new TreeWalk(walk.getObjectReader())) {
          tw.addTree(tree);
          tw.setRecursive(true);
          while (tw.next()) {
            if (CommitChanges.isNewBlob(tw)) {
              for (TokenScanner.Finding f : received.in(tw.getObjectId(0))) {
                found.add(
                    new Leak("tagged tree " + tree.abbreviate(10).name(), tw.getPathString(), f));
              }
            }
          }
        }
      } else if (target.getType() == Constants.OBJ_BLOB) {
        for (TokenScanner.Finding f : received.in(target)) {
          found.add(new Leak("tagged blob", target.abbreviate(10).name(), f));
        }
      }
      return found;
    }
  }
}
