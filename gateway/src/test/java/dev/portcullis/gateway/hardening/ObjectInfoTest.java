package dev.portcullis.gateway.hardening;

import static dev.portcullis.gateway.hardening.GitFixture.pkt;
import static dev.portcullis.gateway.hardening.GitFixture.utf8;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Protocol v2's {@code object-info} command answers the size of any object the repository holds, by
 * id, reachable or not: a reader could learn that an object pushed to a since-deleted branch still
 * exists, and its size. It is not served; fetches keep working over protocol v2.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ObjectInfoTest {
  @TempDir static Path tmp;
  private GitFixture f;

  /** The blob of a branch alice pushed and deleted: unreachable, but still in the repository. */
  private String blob;

  /** The README on main: reachable. */
  private String readme;

  private static final String SECRET = "the combination is 12-34-56\n";

  @BeforeAll
  void start() throws Exception {
    f = new GitFixture(tmp);
    Path dir = f.workDir("alice");
    String url = f.url("alice", f.aliceToken, "alice/r");
    assertTrue(f.git.run(dir, "clone", "-q", url, "w").ok());
    Path w = dir.resolve("w");
    Files.writeString(w.resolve("secret.txt"), SECRET);
    assertTrue(f.git.run(w, "checkout", "-q", "-b", "secret").ok());
    assertTrue(f.git.run(w, "add", "secret.txt").ok());
    assertTrue(f.git.run(w, "commit", "-qm", "oops").ok());
    Hardening.GitResult pushed = f.git.run(w, "push", "-q", "origin", "secret");
    assertTrue(pushed.ok(), pushed::toString);
    Hardening.GitResult deleted = f.git.run(w, "push", "-q", "origin", ":secret");
    assertTrue(deleted.ok(), deleted::toString);
    blob = f.git.run(w, "rev-parse", "HEAD:secret.txt").output().strip();
    readme = f.git.run(w, "rev-parse", "main:README.md").output().strip();
  }

  @AfterAll
  void stop() {
    f.close();
  }

  private List<String> v2(String login, String token) {
    return List.of(
        "Authorization: " + Hardening.basic(login, token),
        "Git-Protocol: version=2",
        "Content-Type: application/x-git-upload-pack-request",
        "Accept: application/x-git-upload-pack-result");
  }

  @Test
  void objectInfoIsRefusedForAnUnreachableBlob() throws Exception {
    byte[] body =
        utf8(
            pkt("command=object-info\n")
                + "0001"
                + pkt("size\n")
                + pkt("oid " + blob + "\n")
                + "0000");
    GitFixture.Mark before = f.mark("alice/r");
    RawHttp.Response r =
        f.send("POST", "/alice/r.git/git-upload-pack", v2("bob", f.bobToken), body);
    String text = r.text();
    assertFalse(
        text.contains(blob + " " + SECRET.length()) || text.contains(blob),
        "object-info must not confirm the object: " + r.describe());
    assertTrue(
        r.status() >= 400 && r.status() < 500 || (r.status() == 200 && text.contains("ERR ")),
        "a 4xx or an ERR packet: " + r.describe());
    assertTrue(text.contains("object-info"), "the refusal names the command: " + r.describe());
    GitFixture.assertNoTrace(r, "object-info");
    f.assertRecordedOnce(before, "alice/r", r.status(), "object-info");
  }

  @Test
  void objectInfoIsRefusedForAReachableObjectToo() throws Exception {
    byte[] body =
        utf8(
            pkt("command=object-info\n")
                + "0001"
                + pkt("size\n")
                + pkt("oid " + readme + "\n")
                + "0000");
    RawHttp.Response r =
        f.send("POST", "/alice/r.git/git-upload-pack", v2("alice", f.aliceToken), body);
    assertFalse(r.text().startsWith("0009size"), r.describe());
    assertTrue(r.text().contains("object-info"), r.describe());
  }

  @Test
  void objectInfoIsNotAdvertised() {
    RawHttp.Response r =
        f.send(
            "GET",
            "/alice/r.git/info/refs?service=git-upload-pack",
            List.of(
                "Authorization: " + Hardening.basic("bob", f.bobToken), "Git-Protocol: version=2"),
            null);
    assertTrue(r.status() == 200 && r.text().contains("version 2"), r.describe());
    assertFalse(r.text().contains("object-info"), r.describe());
  }

  @Test
  void aFetchOfTheUnreachableBlobIsRefused() {
    byte[] body =
        utf8(pkt("command=fetch\n") + "0001" + pkt("want " + blob + "\n") + pkt("done\n") + "0000");
    RawHttp.Response r =
        f.send("POST", "/alice/r.git/git-upload-pack", v2("bob", f.bobToken), body);
    String text = new String(r.body(), StandardCharsets.ISO_8859_1);
    assertFalse(text.contains("PACK"), "no pack: " + r.describe());
    assertFalse(text.contains(SECRET.strip()), r.describe());
    GitFixture.assertNoTrace(r, "fetch of an unreachable blob");
  }

  @Test
  void gitFetchesOverProtocolV2() throws Exception {
    Path dir = f.workDir("bob");
    String url = f.url("bob", f.bobToken, "alice/r");
    Hardening.GitResult clone = f.git.run(dir, "-c", "protocol.version=2", "clone", "-q", url, "w");
    assertTrue(clone.ok(), clone::toString);
    Hardening.GitResult fetch =
        f.git.run(dir.resolve("w"), "-c", "protocol.version=2", "fetch", "-q", "origin");
    assertTrue(fetch.ok(), fetch::toString);
    assertFalse(Files.exists(dir.resolve("w/secret.txt")));
  }
}
