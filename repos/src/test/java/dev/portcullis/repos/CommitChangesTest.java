package dev.portcullis.repos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.eclipse.jgit.dircache.DirCache;
import org.eclipse.jgit.dircache.DirCacheBuilder;
import org.eclipse.jgit.dircache.DirCacheEntry;
import org.eclipse.jgit.internal.storage.dfs.DfsRepositoryDescription;
import org.eclipse.jgit.internal.storage.dfs.InMemoryRepository;
import org.eclipse.jgit.lib.CommitBuilder;
import org.eclipse.jgit.lib.Constants;
import org.eclipse.jgit.lib.FileMode;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.ObjectInserter;
import org.eclipse.jgit.lib.PersonIdent;
import org.eclipse.jgit.revwalk.RevCommit;
import org.eclipse.jgit.revwalk.RevWalk;
import org.eclipse.jgit.treewalk.TreeWalk;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What a commit changes under {@code .github/workflows/}, and which of its files are new. */
class CommitChangesTest {
  private static final String CI = ".github/workflows/ci.yml";

  private final InMemoryRepository db = new InMemoryRepository(new DfsRepositoryDescription("t"));
  private final ObjectInserter ins = db.newObjectInserter();
  private final RevWalk walk = new RevWalk(db);

  @AfterEach
  void close() {
    walk.close();
    ins.close();
    db.close();
  }

  /** A commit of {@code files} (path → content; content "+x:…" is an executable file). */
  private RevCommit commit(Map<String, String> files, RevCommit... parents) throws IOException {
    DirCache dc = DirCache.newInCore();
    DirCacheBuilder b = dc.builder();
    for (Map.Entry<String, String> f : new TreeMap<>(files).entrySet()) {
      DirCacheEntry e = new DirCacheEntry(f.getKey());
      boolean exec = f.getValue().startsWith("+x:");
      e.setFileMode(exec ? FileMode.EXECUTABLE_FILE : FileMode.REGULAR_FILE);
      String content = exec ? f.getValue().substring(3) : f.getValue();
      e.setObjectId(ins.insert(Constants.OBJ_BLOB, content.getBytes(StandardCharsets.UTF_8)));
      b.add(e);
    }
    b.finish();
    CommitBuilder c = new CommitBuilder();
    c.setTreeId(dc.writeTree(ins));
    for (RevCommit p : parents) {
      c.addParentId(p);
    }
    PersonIdent who = new PersonIdent("Test", "test@localhost");
    c.setAuthor(who);
    c.setCommitter(who);
    c.setMessage("m\n");
    ObjectId id = ins.insert(c);
    ins.flush();
    return walk.parseCommit(id);
  }

  private String workflowChange(RevCommit c) throws IOException {
    return CommitChanges.workflowChange(walk, c);
  }

  private List<String> newBlobs(RevCommit c) throws IOException {
    List<String> paths = new ArrayList<>();
    try (TreeWalk tw = CommitChanges.newBlobs(walk, c)) {
      while (tw.next()) {
        if (CommitChanges.isNewBlob(tw)) {
          paths.add(tw.getPathString());
        }
      }
    }
    return paths;
  }

  private final RevCommit base() throws IOException {
    return commit(Map.of("README.md", "hi\n", CI, "on: push\n"));
  }

  @Test
  void aFirstCommitAddsItsWorkflows() throws IOException {
    assertEquals(CI, workflowChange(base()));
    assertNull(workflowChange(commit(Map.of("README.md", "hi\n"))));
  }

  @Test
  void addingChangingDeletingRenamingOrChmoddingAWorkflowIsAChange() throws IOException {
    RevCommit base = base();
    String added = ".github/workflows/release.yml";
    assertEquals(
        added,
        workflowChange(commit(Map.of("README.md", "hi\n", CI, "on: push\n", added, "x\n"), base)));
    assertEquals(CI, workflowChange(commit(Map.of("README.md", "hi\n", CI, "on: pr\n"), base)));
    assertEquals(CI, workflowChange(commit(Map.of("README.md", "hi\n"), base)));
    String renamed = ".github/workflows/build.yml";
    String r = workflowChange(commit(Map.of("README.md", "hi\n", renamed, "on: push\n"), base));
    assertEquals(renamed, r, "the first path of the rename in tree order");
    assertEquals(
        CI, workflowChange(commit(Map.of("README.md", "hi\n", CI, "+x:on: push\n"), base)));
    assertEquals(
        CI,
        workflowChange(
            commit(Map.of("README.md", "hi\n", ".github/workflows", "not a directory\n"), base)),
        "replacing the directory with a file deletes its workflows");
  }

  @Test
  void otherPathsAreNotWorkflows() throws IOException {
    RevCommit base = base();
    assertNull(
        workflowChange(
            commit(
                Map.of(
                    "README.md",
                    "changed\n",
                    CI,
                    "on: push\n",
                    ".github/other/x.yml",
                    "x\n",
                    "docs/workflows/ci.yml",
                    "x\n",
                    ".github/workflows.yml",
                    "x\n"),
                base)));
  }

  @Test
  void aMergeChangesOnlyWhatItTakesFromNoParent() throws IOException {
    RevCommit base = base();
    String release = ".github/workflows/release.yml";
    RevCommit left = commit(Map.of("README.md", "hi\n", CI, "left\n"), base);
    RevCommit right =
        commit(Map.of("README.md", "hi\n", CI, "on: push\n", release, "right\n"), base);
    RevCommit clean =
        commit(Map.of("README.md", "hi\n", CI, "left\n", release, "right\n"), left, right);
    assertNull(workflowChange(clean), "each file is one side's version");
    assertEquals(List.of(), newBlobs(clean));
    RevCommit resolved =
        commit(Map.of("README.md", "hi\n", CI, "resolved\n", release, "right\n"), left, right);
    assertEquals(CI, workflowChange(resolved));
    assertEquals(List.of(CI), newBlobs(resolved));
    RevCommit ours = commit(Map.of("README.md", "hi\n", CI, "left\n"), left, right);
    assertNull(workflowChange(ours), "the first parent's subtree as it is");
  }

  @Test
  void newBlobsAreTheFilesACommitAddsOrChanges() throws IOException {
    RevCommit base = base();
    assertEquals(List.of(CI, "README.md").stream().sorted().toList(), newBlobs(base));
    RevCommit child =
        commit(Map.of("README.md", "changed\n", CI, "on: push\n", "config/.env", "A=1\n"), base);
    assertEquals(List.of("README.md", "config/.env"), newBlobs(child));
    assertEquals(List.of(), newBlobs(commit(Map.of("README.md", "changed\n"), child)));
  }

  @Test
  void aRefUpdateIsJudgedOnTheCommitsItHadNotBefore() throws IOException {
    RevCommit base = base();
    RevCommit main = commit(Map.of("README.md", "main\n", CI, "on: push\n"), base);
    RevCommit changesCi = commit(Map.of("README.md", "hi\n", CI, "on: pr\n"), base);
    RevCommit feature = commit(Map.of("README.md", "feature\n", CI, "on: pr\n"), changesCi);
    CommitChanges.Workflows workflows = new CommitChanges.Workflows(walk);

    assertNull(workflows.in(main, List.of(base)), "base adds ci.yml, but main had it before");
    assertEquals(
        CI,
        workflows.in(feature, List.of(main)),
        "main moved onto feature, which the repository has: feature's commits are judged");
    assertEquals(CI, workflows.in(feature, List.of(base)), "a fast-forward of main to feature");
    assertNull(
        workflows.in(feature, List.of(main, feature)),
        "a new ref at an existing commit brings nothing");
    assertNull(workflows.in(feature, List.of(changesCi)), "only the range: feature alone");
    assertNull(workflows.in(base, List.of(feature)), "a rewind brings no commit");
    assertEquals(CI, workflows.in(feature, List.of(main)), "judged again from what it knows");
  }

  @Test
  void aRewindThatDropsAWorkflowChangeIsAChange() throws IOException {
    RevCommit root = commit(Map.of("README.md", "hi\n"));
    RevCommit addsCi = commit(Map.of("README.md", "hi\n", CI, "on: push\n"), root);
    RevCommit later = commit(Map.of("README.md", "later\n", CI, "on: push\n"), addsCi);
    CommitChanges.Workflows workflows = new CommitChanges.Workflows(walk);

    assertNull(workflows.in(root, List.of(later)), "the range alone sees nothing");
    assertEquals(CI, workflows.update(later, root), "main rewound past the commit adding ci.yml");
    assertEquals(CI, CommitChanges.between(walk, later, root));

    RevCommit side = commit(Map.of("README.md", "side\n"), root);
    assertEquals(
        CI, workflows.update(later, side), "a force-push to a side branch that never had ci.yml");
    assertEquals(CI, workflows.update(side, later), "and back: later's commits bring it");

    String release = ".github/workflows/release.yml";
    RevCommit two =
        commit(Map.of("README.md", "hi\n", CI, "on: pr\n", release, "on: tag\n"), addsCi);
    assertEquals(
        CI, CommitChanges.between(walk, two, addsCi), "the first differing path in tree order");
    assertEquals(CI, workflows.update(two, addsCi));
  }

  @Test
  void aRewindThatKeepsTheWorkflowsSubtreeIsNoChange() throws IOException {
    RevCommit base = base();
    RevCommit main = commit(Map.of("README.md", "main\n", CI, "on: push\n"), base);
    RevCommit more = commit(Map.of("README.md", "more\n", CI, "on: push\n"), main);
    CommitChanges.Workflows workflows = new CommitChanges.Workflows(walk);

    assertNull(CommitChanges.between(walk, more, base));
    assertNull(workflows.update(more, base), "the same subtree id on both tips");
    RevCommit side = commit(Map.of("README.md", "side\n", CI, "on: push\n"), base);
    assertNull(workflows.update(more, side), "a side branch with the same workflows");
  }

  @Test
  void aChangeUndoneWithinTheNewCommitsStillCounts() throws IOException {
    RevCommit base = base();
    String release = ".github/workflows/release.yml";
    RevCommit adds = commit(Map.of("README.md", "hi\n", CI, "on: push\n", release, "x\n"), base);
    RevCommit removes = commit(Map.of("README.md", "hi\n", CI, "on: push\n"), adds);
    CommitChanges.Workflows workflows = new CommitChanges.Workflows(walk);

    assertNull(CommitChanges.between(walk, base, removes), "the tips' subtrees are the same");
    assertEquals(release, workflows.update(base, removes), "the range walk still sees it");
  }
}
