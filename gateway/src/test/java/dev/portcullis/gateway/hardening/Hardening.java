package dev.portcullis.gateway.hardening;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.eclipse.jgit.lib.ObjectId;
import org.eclipse.jgit.lib.Ref;
import org.eclipse.jgit.storage.file.FileRepositoryBuilder;

/** Shared helpers of the hardening tests: a JSON API client, the git CLI, PostgreSQL, snapshots. */
final class Hardening {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String PG_SERVER = "jdbc:postgresql://127.0.0.1:5432/";

  private Hardening() {}

  // ------------------------------------------------------------------ REST API

  /** A minimal JSON client of {@code /api/v3}. */
  static final class Api {
    record Reply(int status, JsonNode json, String body, HttpResponse<String> raw) {
      @Override
      public String toString() {
        return status + " " + body;
      }
    }

    private final HttpClient http =
        HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final String base;
    private final String token;
    private final Duration timeout;

    Api(String baseUrl, String token) {
      this(baseUrl, token, Duration.ofSeconds(30));
    }

    Api(String baseUrl, String token, Duration timeout) {
      this.base = baseUrl + "/api/v3";
      this.token = token;
      this.timeout = timeout;
    }

    Reply call(String method, String path, Object body) throws IOException {
      try {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout);
        if (token != null) {
          b.header("Authorization", "token " + token);
        }
        String payload =
            body == null ? null : body instanceof String s ? s : JSON.writeValueAsString(body);
        b.method(
            method,
            payload == null
                ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(payload));
        if (payload != null) {
          b.header("Content-Type", "application/json");
        }
        HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
        JsonNode json = null;
        try {
          json = r.body().isEmpty() ? null : JSON.readTree(r.body());
        } catch (IOException e) {
          // not JSON: keep the text
        }
        return new Reply(r.statusCode(), json, r.body(), r);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException("interrupted", e);
      }
    }

    /** Calls and asserts the status. */
    JsonNode expect(int status, String method, String path, Object body) {
      Reply r;
      try {
        r = call(method, path, body);
      } catch (IOException e) {
        throw new AssertionError(method + " " + path + " failed: " + e, e);
      }
      if (r.status() != status) {
        throw new AssertionError(method + " " + path + " → expected " + status + " but got " + r);
      }
      return r.json();
    }
  }

  static String adminToken(Path data) throws IOException {
    return Files.readString(data.resolve("admin-token")).strip();
  }

  // ------------------------------------------------------------------ git CLI

  /** What a git run did. */
  record GitResult(int exit, String output) {
    boolean ok() {
      return exit == 0;
    }

    @Override
    public String toString() {
      return "exit " + exit + ":\n" + output;
    }
  }

  /**
   * Runs the real git CLI isolated from the user's configuration, never prompting, bounded in time.
   */
  static final class Git {
    private final Path home;

    Git(Path home) throws IOException {
      this.home = dev.portcullis.gateway.TestGit.isolatedHome(home, "[gc]\n\tauto = 0\n");
    }

    GitResult run(Path dir, int timeoutSeconds, String... args) {
      List<String> cmd = new ArrayList<>();
      cmd.add("git");
      cmd.addAll(List.of(args));
      ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
      Map<String, String> env = pb.environment();
      dev.portcullis.gateway.TestGit.isolate(env, home);
      try {
        Process p = pb.start();
        // Read in the background so a full pipe never blocks the bounded wait.
        java.util.concurrent.CompletableFuture<byte[]> out =
            java.util.concurrent.CompletableFuture.supplyAsync(
                () -> {
                  try {
                    return p.getInputStream().readAllBytes();
                  } catch (IOException e) {
                    return new byte[0];
                  }
                });
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
          p.descendants().forEach(ProcessHandle::destroyForcibly);
          p.destroyForcibly();
          p.waitFor(5, TimeUnit.SECONDS);
          return new GitResult(
              -1, "git " + String.join(" ", args) + " did not finish in " + timeoutSeconds + " s");
        }
        return new GitResult(
            p.exitValue(), new String(out.get(5, TimeUnit.SECONDS), StandardCharsets.UTF_8));
      } catch (IOException
          | java.util.concurrent.ExecutionException
          | java.util.concurrent.TimeoutException e) {
        throw new AssertionError(
            "the git CLI is required for these tests and could not be run: " + e, e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError("interrupted", e);
      }
    }

    GitResult run(Path dir, String... args) {
      return run(dir, 60, args);
    }
  }

  // ------------------------------------------------------------------ PostgreSQL

  static Connection pg(String db) throws SQLException {
    Properties p = new Properties();
    p.setProperty("user", "postgres");
    p.setProperty("connectTimeout", "5");
    p.setProperty("socketTimeout", "30");
    return DriverManager.getConnection(PG_SERVER + db, p);
  }

  static void pgExecute(String db, String sql) throws SQLException {
    try (Connection c = pg(db);
        Statement s = c.createStatement()) {
      s.execute(sql);
    }
  }

  /**
   * Creates a fresh database for the run, or aborts (skips) the test with a printed message when
   * PostgreSQL is unreachable, unless {@code PORTCULLIS_REQUIRE_POSTGRES=1} makes it required.
   */
  static String createPgDatabaseOrSkip(String prefix, String what) {
    String name = prefix + "_" + HexFormat.of().formatHex(java.security.SecureRandom.getSeed(5));
    try {
      pgExecute("test", "CREATE DATABASE " + name);
      return name;
    } catch (SQLException e) {
      String msg = "PostgreSQL is not reachable at 127.0.0.1:5432 (" + e.getMessage() + ")";
      if ("1".equals(System.getenv("PORTCULLIS_REQUIRE_POSTGRES"))) {
        throw new AssertionError(
            msg + " and PORTCULLIS_REQUIRE_POSTGRES=1 makes " + what + " required", e);
      }
      System.out.println("SKIPPING " + what + ": " + msg);
      System.err.println("SKIPPING " + what + ": " + msg);
      org.junit.jupiter.api.Assumptions.abort(msg);
      return null;
    }
  }

  static void dropPgDatabase(String name) {
    if (name == null) {
      return;
    }
    try {
      pgExecute("test", "ALTER DATABASE " + name + " ALLOW_CONNECTIONS true");
    } catch (SQLException e) {
      // it may already be gone
    }
    try {
      pgExecute("test", "DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    } catch (SQLException e) {
      System.err.println("could not drop the test database " + name + ": " + e.getMessage());
    }
  }

  // ------------------------------------------------------------------ snapshots

  /**
   * Every table's row count and a digest of its rows (ignoring {@code token_last_used}, which real
   * use legitimately writes); {@code audit_events} counts only admin events (decisions are logged
   * for every request, refusals included, by design).
   */
  static Map<String, String> tableSnapshot(Connection c) throws SQLException {
    List<String> tables = new ArrayList<>();
    try (ResultSet rs = c.getMetaData().getTables(null, null, "%", new String[] {"TABLE"})) {
      while (rs.next()) {
        String schema = rs.getString("TABLE_SCHEM");
        if (schema != null && (schema.equalsIgnoreCase("public"))) {
          tables.add(rs.getString("TABLE_NAME"));
        }
      }
    }
    Map<String, String> out = new TreeMap<>();
    for (String t : tables) {
      String lower = t.toLowerCase(Locale.ROOT);
      try (Statement s = c.createStatement()) {
        if (lower.equals("token_last_used")) {
          continue;
        }
        if (lower.equals("audit_events")) {
          try (ResultSet rs =
              s.executeQuery("SELECT count(*) FROM \"" + t + "\" WHERE kind = 'admin'")) {
            rs.next();
            out.put(lower + " (admin events)", "count=" + rs.getLong(1));
          }
          continue;
        }
        List<String> rows = new ArrayList<>();
        try (ResultSet rs = s.executeQuery("SELECT * FROM \"" + t + "\"")) {
          ResultSetMetaData md = rs.getMetaData();
          while (rs.next()) {
            StringBuilder row = new StringBuilder();
            for (int i = 1; i <= md.getColumnCount(); i++) {
              row.append(md.getColumnName(i).toLowerCase(Locale.ROOT))
                  .append('=')
                  .append(rs.getString(i))
                  .append('\u0001');
            }
            rows.add(row.toString());
          }
        }
        rows.sort(null);
        out.put(
            lower,
            "count=" + rows.size() + " sha256=" + sha256(String.join("\n", rows)).substring(0, 16));
      }
    }
    return out;
  }

  /**
   * Per bare repository under {@code root}: its refs (name → id), the set of objects it holds
   * (loose and packed, as a count and a digest: a repack by JGit's automatic gc changes files but
   * not this), and every other file (lock files, configuration), reflogs and gc bookkeeping aside.
   */
  static Map<String, String> repositorySnapshot(Path root) throws IOException {
    Map<String, String> out = new TreeMap<>();
    if (!Files.isDirectory(root)) {
      return out;
    }
    List<Path> repos;
    try (Stream<Path> s = Files.walk(root, 2)) {
      repos =
          s.filter(
                  p ->
                      p.getFileName().toString().endsWith(".git")
                          && Files.isDirectory(p.resolve("objects")))
              .sorted()
              .toList();
    }
    for (Path repo : repos) {
      String key = root.relativize(repo).toString();
      java.util.TreeSet<String> objects = new java.util.TreeSet<>();
      try (org.eclipse.jgit.lib.Repository r =
          new FileRepositoryBuilder().setGitDir(repo.toFile()).setMustExist(true).build()) {
        Map<String, String> refs = new TreeMap<>();
        for (Ref ref : r.getRefDatabase().getRefs()) {
          ObjectId id = ref.getObjectId();
          refs.put(
              ref.getName(),
              (ref.isSymbolic() ? "-> " + ref.getTarget().getName() + " " : "")
                  + (id == null ? "null" : id.name()));
        }
        out.put(key + " refs", refs.toString());
        if (r.getObjectDatabase()
            instanceof org.eclipse.jgit.internal.storage.file.ObjectDirectory dir) {
          for (org.eclipse.jgit.internal.storage.file.Pack pack : dir.getPacks()) {
            for (org.eclipse.jgit.internal.storage.file.PackIndex.MutableEntry e : pack) {
              objects.add(e.name());
            }
          }
        }
      }
      List<String> files = new ArrayList<>();
      try (Stream<Path> s = Files.walk(repo)) {
        for (Path p : (Iterable<Path>) s.filter(Files::isRegularFile)::iterator) {
          String rel = repo.relativize(p).toString();
          java.util.regex.Matcher loose = LOOSE.matcher(rel);
          if (loose.matches()) {
            objects.add(loose.group(1) + loose.group(2));
          } else if (!rel.startsWith("logs/")
              && !rel.startsWith("objects/pack/")
              && !rel.startsWith("gc.log")
              && !rel.equals("objects/info/packs")) {
            files.add(rel);
          }
        }
      }
      files.sort(null);
      out.put(
          key + " objects",
          "count="
              + objects.size()
              + " sha256="
              + sha256(String.join(",", objects)).substring(0, 16));
      out.put(key + " other files", files.toString());
    }
    return out;
  }

  private static final java.util.regex.Pattern LOOSE =
      java.util.regex.Pattern.compile("objects/([0-9a-f]{2})/([0-9a-f]{38})");

  /** The entries of {@code after} that differ from {@code before}, as "key: before → after". */
  static List<String> diff(Map<String, String> before, Map<String, String> after) {
    List<String> d = new ArrayList<>();
    java.util.Set<String> keys = new java.util.TreeSet<>(before.keySet());
    keys.addAll(after.keySet());
    for (String k : keys) {
      String a = before.get(k);
      String b = after.get(k);
      if (a == null ? b != null : !a.equals(b)) {
        d.add(k + ": " + a + " → " + b);
      }
    }
    return d;
  }

  static String sha256(String s) {
    try {
      return HexFormat.of()
          .formatHex(
              MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String basic(String user, String password) {
    return "Basic "
        + java.util.Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }
}
