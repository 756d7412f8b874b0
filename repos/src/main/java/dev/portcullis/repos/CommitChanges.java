package dev.portcullis.repos;

import java.io.IOException;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectReader;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.EmptyTreeIterator;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.eclipse.jgit.treewalk.filter.TreeFilter;

/**
 * What one commit changes compared with its parents: a path is changed when its entry (id and mode)
 * differs from the entry at that path in every parent, so a merge that takes one side's version as
 * it is changes nothing there; for a commit without parents every path is new.
 */
final class CommitChanges {
  /** The directory rule 8 protects, without its final slash. */
  static final String WORKFLOWS = ".github/workflows";

  private CommitChanges() {}

  /**
   * Rule 8 over the ref updates of one push: each commit's {@link #workflowChange} is computed
   * once, however many updates bring it.
   */
  static final class Workflows {
    private final RevWalk walk;

    /** Each commit judged so far and its first changed workflow path, {@code null} for none. */
    private final Map<ObjectId, String> judged = new HashMap<>();

    Workflows(RevWalk walk) {
      this.walk = walk;
    }

    /**
     * The first path under {@code .github/workflows/} that a commit reachable from {@code tip} and
     * from none of {@code before} adds, changes or deletes, or {@code null}. Only that range is
     * walked (it is empty when {@code before} reaches {@code tip}), and it stops at the first
     * change. The walk is reset first.
     */
    String in(RevCommit tip, Collection<RevCommit> before) throws IOException {
      range(walk, tip, before);
      for (RevCommit c; (c = walk.next()) != null; ) {
        String path;
        if (judged.containsKey(c)) {
          path = judged.get(c);
        } else {
          path = workflowChange(walk, c);
          judged.put(c.copy(), path);
        }
        if (path != null) {
          return path;
        }
      }
      return null;
    }

    /**
     * The first path under {@code .github/workflows/} that moving a ref from {@code old} to {@code
     * tip} changes, or {@code null}: first a path where the two tips' workflow files differ (their
     * subtree ids compared first, so a move that keeps them costs one comparison; this catches a
     * rewind or a move to a side branch, which brings no commit that changes them), then {@link
     * #in} over the commits the ref had not before (a change undone within them still counts).
     */
    String update(RevCommit old, RevCommit tip) throws IOException {
      String path = between(walk, old, tip);
      return path != null ? path : in(tip, List.of(old));
    }
  }

  /**
   * Resets {@code walk} to the commits reachable from {@code tip} and from none of {@code before},
   * for {@code walk.next()} to list.
   */
  static void range(RevWalk walk, RevCommit tip, Collection<RevCommit> before) throws IOException {
    walk.reset();
    walk.markStart(tip);
    for (RevCommit c : before) {
      walk.markUninteresting(c);
    }
  }

  /**
   * The first path under {@code .github/workflows/}, in tree order, where {@code to}'s workflow
   * files differ from {@code from}'s (added, changed or deleted), or {@code null}. Only the two
   * subtrees are read, and only when their ids differ.
   */
  static String between(RevWalk walk, RevCommit from, RevCommit to) throws IOException {
    ObjectReader reader = walk.getObjectReader();
    ObjectId mine = subtree(reader, walk.parseCommit(to).getTree());
    ObjectId theirs = subtree(reader, walk.parseCommit(from).getTree());
    if (mine == null ? theirs == null : mine.equals(theirs)) {
      return null;
    }
    return firstNew(reader, mine, theirs);
  }

  /**
   * The first path under {@code .github/workflows/} that {@code commit} adds, changes or deletes (a
   * rename does both), or {@code null}. Only that subtree is read, and its tree ids are compared
   * first: when the commit has any parent's subtree as it is, that is the whole cost.
   */
  static String workflowChange(RevWalk walk, RevCommit commit) throws IOException {
    ObjectReader reader = walk.getObjectReader();
    ObjectId mine = subtree(reader, commit.getTree());
    int parents = commit.getParentCount();
    ObjectId[] theirs = new ObjectId[parents];
    for (int i = 0; i < parents; i++) {
      RevCommit p = walk.parseCommit(commit.getParent(i));
      theirs[i] = subtree(reader, p.getTree());
      if (mine == null ? theirs[i] == null : mine.equals(theirs[i])) {
        return null;
      }
    }
    if (mine == null && parents == 0) {
      return null;
    }
    return firstNew(reader, mine, theirs);
  }

  /**
   * The first path, prefixed with {@code .github/workflows/}, whose entry in the subtree {@code
   * mine} differs from that in every one of {@code theirs} ({@code null} for an absent subtree), or
   * {@code null}.
   */
  private static String firstNew(ObjectReader reader, ObjectId mine, ObjectId... theirs)
      throws IOException {
    try (TreeWalk tw = new TreeWalk(reader)) {
      add(tw, mine);
      for (ObjectId t : theirs) {
        add(tw, t);
      }
      tw.setRecursive(true);
      tw.setFilter(TreeFilter.ANY_DIFF);
      while (tw.next()) {
        if (newInCommit(tw)) {
          return WORKFLOWS + "/" + tw.getPathString();
        }
      }
    }
    return null;
  }

  /**
   * Walks the files of {@code commit} whose entry differs from every parent's ({@code tw} has the
   * commit's tree first, then each parent's), leaving the walk on each such blob in turn.
   */
  static TreeWalk newBlobs(RevWalk walk, RevCommit commit) throws IOException {
    TreeWalk tw = new TreeWalk(walk.getObjectReader());
    tw.addTree(commit.getTree());
    for (RevCommit p : commit.getParents()) {
      tw.addTree(walk.parseCommit(p).getTree());
    }
    tw.setRecursive(true);
    if (commit.getParentCount() > 0) {
      tw.setFilter(TreeFilter.ANY_DIFF);
    }
    return tw;
  }

  /**
   * Whether the walk's current entry, present as a blob in tree 0, differs from it in every other
   * tree (see {@link #newBlobs}).
   */
  static boolean isNewBlob(TreeWalk tw) {
    return FileMode.fromBits(tw.getRawMode(0)).getObjectType()
            == org.eclipse.jgit.lib.Constants.OBJ_BLOB
        && newInCommit(tw);
  }

  /** Whether tree 0's entry differs (id or mode) from that of every other tree of the walk. */
  private static boolean newInCommit(TreeWalk tw) {
    for (int i = 1; i < tw.getTreeCount(); i++) {
      if (tw.getRawMode(0) == tw.getRawMode(i) && tw.idEqual(0, i)) {
        return false;
      }
    }
    return true;
  }

  private static void add(TreeWalk tw, ObjectId tree) throws IOException {
    if (tree == null) {
      tw.addTree(new EmptyTreeIterator());
    } else {
      tw.addTree(tree);
    }
  }

  /** The id of the {@code .github/workflows} directory in {@code tree}, or {@code null}. */
  private static ObjectId subtree(ObjectReader reader, ObjectId tree) throws IOException {
    try (TreeWalk tw = TreeWalk.forPath(reader, WORKFLOWS, tree)) {
      return tw != null && tw.getFileMode(0) == FileMode.TREE ? tw.getObjectId(0) : null;
    }
  }
}
