package dev.portcullis.gateway.hardening;

import static dev.portcullis.gateway.hardening.GitFixture.pkt;
import static dev.portcullis.gateway.hardening.GitFixture.utf8;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.DeflaterOutputStream;
import java.util.zip.GZIPOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Git requests no git client sends — a compressed receive-pack body, a content type with
 * parameters, commands naming invalid refs — are refused with a 4xx or inside the git protocol,
 * never a 500, each with its one log line and audit row and without a stack trace in the body or
 * the log.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class MalformedGitRequestTest {
  @TempDir static Path tmp;
  private GitFixture f;
  private String tip;

  private static final String ZERO = "0".repeat(40);

  @BeforeAll
  void start() throws Exception {
    f = new GitFixture(tmp);
    tip = f.tip("alice", "r");
  }

  @AfterAll
  void stop() {
    f.close();
  }

  private List<String> alice(String contentType, String... more) {
    List<String> h = new ArrayList<>();
    h.add("Authorization: " + Hardening.basic("alice", f.aliceToken));
    h.add("Content-Type: " + contentType);
    h.addAll(List.of(more));
    return h;
  }

  private static final String RECEIVE = "application/x-git-receive-pack-request";
  private static final String UPLOAD = "application/x-git-upload-pack-request";

  /** A push creating {@code ref} at main's commit (an empty pack: the commit is there). */
  private byte[] create(String ref, String capabilities) {
    return concat(
        utf8(pkt(ZERO + " " + tip + " " + ref + "\0" + capabilities + "\n") + "0000"),
        BadInputCorpus.pack(List.of()));
  }

  private static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.writeBytes(p);
    }
    return out.toByteArray();
  }

  static byte[] gzip(byte[] b) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (OutputStream z = new GZIPOutputStream(out)) {
      z.write(b);
    }
    return out.toByteArray();
  }

  static byte[] deflate(byte[] b) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (OutputStream z = new DeflaterOutputStream(out)) {
      z.write(b);
    }
    return out.toByteArray();
  }

  /** Sends, checks the answer is a 4xx without a trace, and its log line and audit row. */
  private RawHttp.Response refused(
      String what, String method, String target, List<String> headers, byte[] body)
      throws Exception {
    String repo = target.substring(1, target.indexOf(".git"));
    GitFixture.Mark before = f.mark(repo);
    RawHttp.Response r = f.send(method, target, headers, body);
    assertTrue(r.status() >= 400 && r.status() < 500, what + ": a 4xx, not " + r.describe());
    assertTrue(!r.text().isBlank(), what + ": the refusal says why: " + r.describe());
    GitFixture.assertNoTrace(r, what);
    f.assertRecordedOnce(before, repo, r.status(), what);
    return r;
  }

  // ------------------------------------------------------------------ compressed receive-pack

  @Test
  void garbageClaimingGzipIsA400() throws Exception {
    byte[] garbage = new byte[300];
    new java.util.Random(7).nextBytes(garbage);
    RawHttp.Response r =
        refused(
            "garbage claiming gzip",
            "POST",
            "/alice/r.git/git-receive-pack",
            alice(RECEIVE, "Content-Encoding: gzip"),
            garbage);
    assertEquals(400, r.status(), r.describe());
  }

  @Test
  void aGzippedBodyIsCheckedLikeAPlainOne() throws Exception {
    RawHttp.Response r =
        refused(
            "gzipped malformed commands",
            "POST",
            "/alice/r.git/git-receive-pack",
            alice(RECEIVE, "Content-Encoding: gzip"),
            gzip(utf8("zzzz")));
    assertEquals(400, r.status(), r.describe());
    assertTrue(r.text().contains("pkt-line"), r.describe());
    RawHttp.Response truncated =
        refused(
            "gzipped commands without a flush",
            "POST",
            "/alice/r.git/git-receive-pack",
            alice(RECEIVE, "Content-Encoding: gzip"),
            gzip(utf8(pkt(ZERO + " " + tip + " refs/heads/gz\0report-status\n"))));
    assertEquals(400, truncated.status(), truncated.describe());
    RawHttp.Response cut =
        refused(
            "gzip stream cut short",
            "POST",
            "/alice/r.git/git-receive-pack",
            alice(RECEIVE, "Content-Encoding: gzip"),
            java.util.Arrays.copyOf(gzip(create("refs/heads/gz", "report-status")), 30));
    assertEquals(400, cut.status(), cut.describe());
    assertNull(f.ref("alice", "r", "refs/heads/gz"));
  }

  @Test
  void aGzippedPushStillWorks() throws Exception {
    GitFixture.Mark before = f.mark("alice/r");
    RawHttp.Response r =
        f.send(
            "POST",
            "/alice/r.git/git-receive-pack",
            alice(RECEIVE, "Content-Encoding: gzip"),
            gzip(create("refs/heads/gzipped", "report-status")));
    assertEquals(200, r.status(), r.describe());
    assertTrue(r.text().contains("ok refs/heads/gzipped"), r.describe());
    assertEquals(tip, f.ref("alice", "r", "refs/heads/gzipped"));
    f.assertRecordedOnce(before, "alice/r", 200, "gzipped push");
  }

  @Test
  void deflateIsRefused() throws Exception {
    refused(
        "deflate",
        "POST",
        "/alice/r.git/git-receive-pack",
        alice(RECEIVE, "Content-Encoding: deflate"),
        deflate(create("refs/heads/deflated", "report-status")));
    refused(
        "deflate, garbage",
        "POST",
        "/alice/r.git/git-receive-pack",
        alice(RECEIVE, "Content-Encoding: deflate"),
        utf8("not deflated at all"));
    assertNull(f.ref("alice", "r", "refs/heads/deflated"));
  }

  @Test
  void aBodyThatCannotBeReadIsRefusedAndRecorded() throws Exception {
    GitFixture.Mark before = f.mark("alice/r");
    RawHttp.Response chunked =
        f.send(
            "POST",
            "/alice/r.git/git-receive-pack",
            alice(RECEIVE, "Transfer-Encoding: chunked"),
            utf8("zz\r\nxx\r\n0\r\n\r\n"));
    assertTrue(chunked.status() == 400, chunked.describe());
    assertTrue(!chunked.text().contains("gzip"), chunked.describe());
    GitFixture.assertNoTrace(chunked, "broken chunked encoding");
    f.assertRecordedOnce(before, "alice/r", 400, "broken chunked encoding");
    before = f.mark("alice/r");
    byte[] head =
        RawHttp.head(
            "POST",
            "/alice/r.git/git-receive-pack",
            f.port,
            alice(RECEIVE, "Content-Length: 1000"),
            null);
    RawHttp.Response cut =
        RawHttp.exchange(
            f.port,
            head,
            utf8(pkt(ZERO + " " + tip + " refs/heads/cut\0report-status\n")),
            30_000,
            true);
    assertTrue(cut.status() == 400, cut.describe());
    GitFixture.assertNoTrace(cut, "body shorter than its Content-Length");
    f.assertRecordedOnce(before, "alice/r", 400, "body shorter than its Content-Length");
  }

  // ------------------------------------------------------------------ content type parameters

  @ParameterizedTest
  @ValueSource(strings = {"; charset=x", "; charset=utf-8", ";x", "; a=b; c=d", " ;"})
  void aContentTypeWithParametersIsA4xx(String parameters) throws Exception {
    byte[] want = utf8(pkt("want " + tip + "\n") + "0000" + pkt("done\n"));
    refused(
        "upload-pack, anonymous, public repository",
        "POST",
        "/alice/pub.git/git-upload-pack",
        List.of("Content-Type: " + UPLOAD + parameters),
        want);
    refused(
        "upload-pack, anonymous, private repository",
        "POST",
        "/alice/r.git/git-upload-pack",
        List.of("Content-Type: " + UPLOAD + parameters),
        want);
    refused(
        "upload-pack, authenticated",
        "POST",
        "/alice/r.git/git-upload-pack",
        alice(UPLOAD + parameters),
        want);
    refused(
        "receive-pack, authenticated",
        "POST",
        "/alice/r.git/git-receive-pack",
        alice(RECEIVE + parameters),
        create("refs/heads/ct", "report-status"));
    assertNull(f.ref("alice", "r", "refs/heads/ct"));
  }

  // ------------------------------------------------------------------ invalid ref names

  @Test
  void aHugeInvalidRefNameIsReportedInOnePacket() throws Exception {
    // 60,000 bytes that are not UTF-8: decoded as Latin-1, each would take two bytes as UTF-8.
    byte[] name = new byte[60_000];
    java.util.Arrays.fill(name, (byte) 0xff);
    byte[] line =
        concat(utf8(ZERO + " " + tip + " refs/heads/"), name, utf8(".lock\0report-status\n"));
    byte[] body =
        concat(
            utf8(String.format("%04x", line.length + 4)),
            line,
            utf8("0000"),
            BadInputCorpus.pack(List.of()));
    RawHttp.Response r = f.send("POST", "/alice/r.git/git-receive-pack", alice(RECEIVE), body);
    assertEquals(200, r.status(), r.describe());
    String text = new String(r.body(), java.nio.charset.StandardCharsets.ISO_8859_1);
    assertTrue(text.startsWith("000eunpack ok\n"), r.describe());
    int ng = Integer.parseInt(text.substring(14, 18), 16);
    assertTrue(ng <= 0xffff && text.startsWith("ng refs/heads/", 18), r.describe());
    assertEquals("0000", text.substring(14 + ng), r.describe());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"HEAD", "refs/heads/../config", "refs/heads/a..b", "refs/heads/x.lock", "refs/x/"})
  void aCommandOnAnInvalidRefNameIsRefusedInTheProtocol(String ref) throws Exception {
    for (String capabilities : List.of("report-status", "report-status side-band-64k")) {
      String what = ref + " with " + capabilities;
      GitFixture.Mark before = f.mark("alice/r");
      RawHttp.Response r =
          f.send(
              "POST", "/alice/r.git/git-receive-pack", alice(RECEIVE), create(ref, capabilities));
      GitFixture.assertNoTrace(r, what);
      if (r.status() == 200) {
        assertTrue(r.text().contains("ng " + ref + " "), what + ": " + r.describe());
      } else {
        assertEquals(400, r.status(), what + ": " + r.describe());
        assertTrue(r.text().contains(ref), what + ": " + r.describe());
      }
      f.assertRecordedOnce(before, "alice/r", r.status(), what);
    }
  }
}
