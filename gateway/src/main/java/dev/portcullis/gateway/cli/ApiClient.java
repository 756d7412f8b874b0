package dev.portcullis.gateway.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintWriter;
import java.net.ConnectException;
import java.net.HttpURLConnection;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * A thin client of the gateway's REST API for the command line: one request per command, JSON in
 * and out, GitHub's error shape turned into {@code error: <status> <message>} on stderr.
 *
 * <p>TLS trusts the JDK's trust store plus the gateway's own CA certificate ({@code --cacert}, by
 * default {@code ca=} from {@code gateway.properties}), so a self-signed gateway works without
 * touching the JDK. Output goes through picocli's {@code getOut()}/{@code getErr()} writers, which
 * tests replace. The token is sent in the {@code Authorization} header and written nowhere else.
 */
final class ApiClient {
  static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);
  static final String ACCEPT = "application/vnd.github+json";
  static final ObjectMapper JSON = new ObjectMapper();

  static {
    // The JDK's HTTP/1.1 client sends a POST again when reading its answer fails; a command's POST
    // creates or changes something, so it is sent once and a failure is reported instead.
    System.setProperty("sun.net.http.retryPost", "false");
  }

  /** Exit codes: success, API or connection error, usage error. */
  static final int OK = 0;

  static final int FAILED = 1;
  static final int USAGE = 2;

  private final URI root;
  private final String token;

  /** The TLS trust of an {@code https} gateway with its own CA, or null for the JDK's. */
  private final SSLContext tls;

  /**
   * {@link #tls}'s socket factory, made once: {@link HttpURLConnection} reuses a kept-alive
   * connection only for the same factory instance, and each call of {@code getSocketFactory} makes
   * a new one.
   */
  private final SSLSocketFactory sockets;

  private final PrintWriter out;
  private final PrintWriter err;
  private final Path dataDir;

  /** The command's option for a JSON field of the request body, or null. */
  private final Function<String, String> flagOf;

  private ApiClient(
      URI root,
      String token,
      SSLContext tls,
      PrintWriter out,
      PrintWriter err,
      Path dataDir,
      Function<String, String> flagOf) {
    this.root = root;
    this.token = token;
    this.tls = tls;
    this.sockets = tls == null ? null : tls.getSocketFactory();
    this.out = out;
    this.err = err;
    this.dataDir = dataDir;
    this.flagOf = flagOf;
  }

  /**
   * A client for the gateway {@code options} point at; {@code authenticate} false sends no token
   * (and needs none); {@code flagOf} names the command's option for a JSON field an API error names
   * (null when none), so that errors speak of the command line's options.
   */
  static ApiClient open(
      ClientOptions options,
      PrintWriter out,
      PrintWriter err,
      boolean authenticate,
      Function<String, String> flagOf) {
    URI root = options.apiRoot();
    String token = authenticate ? options.token() : null;
    Path ca = options.caFile();
    SSLContext tls =
        ca != null && "https".equalsIgnoreCase(root.getScheme()) ? sslContext(ca) : null;
    return new ApiClient(root, token, tls, out, err, options.data, flagOf);
  }

  // ------------------------------------------------------------------ TLS

  /** An SSL context trusting {@code caFile}'s certificates and everything the JDK trusts. */
  static SSLContext sslContext(Path caFile) {
    Collection<? extends Certificate> certs;
    try (InputStream in = Files.newInputStream(caFile)) {
      certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
    } catch (IOException e) {
      throw new Failure("cannot read the CA certificate " + caFile + " (--cacert): " + e);
    } catch (CertificateException e) {
      throw new Failure(
          "the CA file "
              + caFile
              + " (--cacert) holds no readable PEM certificate: "
              + e.getMessage());
    }
    if (certs.isEmpty()) {
      throw new Failure("the CA file " + caFile + " (--cacert) holds no certificate");
    }
    try {
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      int i = 0;
      for (Certificate c : certs) {
        store.setCertificateEntry("portcullis-ca-" + i++, c);
      }
      TrustManagerFactory own =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      own.init(store);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(
          null,
          new TrustManager[] {new EitherTrustManager(extended(own), ApiClient::jdkTrust)},
          null);
      return ctx;
    } catch (GeneralSecurityException | IOException e) {
      throw new Failure("cannot set up TLS trust with " + caFile + ": " + e);
    }
  }

  /** The JDK's own trust store (its {@code cacerts}, a hundred-odd certificates to parse). */
  private static X509ExtendedTrustManager jdkTrust() {
    try {
      TrustManagerFactory jdk =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      jdk.init((KeyStore) null);
      return extended(jdk);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot load the JDK's trust store: " + e, e);
    }
  }

  private static X509ExtendedTrustManager extended(TrustManagerFactory f) {
    for (TrustManager tm : f.getTrustManagers()) {
      if (tm instanceof X509ExtendedTrustManager x) {
        return x;
      }
    }
    throw new IllegalStateException("no X509ExtendedTrustManager from " + f.getAlgorithm());
  }

  /**
   * Trusts a server chain when the gateway's CA or the JDK's trust store does. Both delegates are
   * extended trust managers, so host name verification stays theirs. The JDK's store is loaded only
   * when the gateway's CA does not vouch for the server: parsing it was a tenth of a client call's
   * start-up, and the gateway's own CA is what a client call usually meets.
   */
  private static final class EitherTrustManager extends X509ExtendedTrustManager {
    private final X509ExtendedTrustManager first;
    private final java.util.function.Supplier<X509ExtendedTrustManager> secondSource;
    private X509ExtendedTrustManager second;

    EitherTrustManager(
        X509ExtendedTrustManager first,
        java.util.function.Supplier<X509ExtendedTrustManager> secondSource) {
      this.first = first;
      this.secondSource = secondSource;
    }

    private synchronized X509ExtendedTrustManager second() {
      if (second == null) {
        second = secondSource.get();
      }
      return second;
    }

    @FunctionalInterface
    private interface Check {
      void check(X509ExtendedTrustManager tm) throws CertificateException;
    }

    private void either(Check c) throws CertificateException {
      try {
        c.check(first);
      } catch (CertificateException e) {
        try {
          c.check(second());
        } catch (CertificateException e2) {
          e2.addSuppressed(e);
          throw e2;
        }
      }
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      either(tm -> tm.checkServerTrusted(chain, authType));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      either(tm -> tm.checkServerTrusted(chain, authType, socket));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      either(tm -> tm.checkServerTrusted(chain, authType, engine));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      either(tm -> tm.checkClientTrusted(chain, authType));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      either(tm -> tm.checkClientTrusted(chain, authType, socket));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      either(tm -> tm.checkClientTrusted(chain, authType, engine));
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      List<X509Certificate> all = new ArrayList<>(List.of(first.getAcceptedIssuers()));
      all.addAll(List.of(second().getAcceptedIssuers()));
      return all.toArray(new X509Certificate[0]);
    }
  }

  // ------------------------------------------------------------------ requests

  /**
   * An answer: status, body (JSON when it parsed as JSON, else {@code null} with the text kept),
   * and the {@code Link} header (null when none), which paged listings follow.
   */
  record Response(int status, JsonNode json, String text, String link) {
    boolean ok() {
      return status >= 200 && status < 300;
    }
  }

  /** A URL path segment, percent-encoded (spaces as {@code %20}, never {@code +}). */
  static String seg(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
  }

  static ObjectNode object() {
    return JSON.createObjectNode();
  }

  static ArrayNode array() {
    return JSON.createArrayNode();
  }

  /**
   * Sends one request. {@code path} is relative to {@code /api/v3} and already encoded (see {@link
   * #seg}); {@code body} may be {@code null}.
   *
   * <p>A command makes one or a few calls and exits, so this is the JDK's blocking {@link
   * HttpURLConnection}, whose classes start in a third of the time of {@code java.net.http}'s
   * asynchronous client and which needs no selector thread. Its keep-alive cache carries the pages
   * of a listing over one connection and one TLS handshake. The body is buffered, not streamed, so
   * that a 401 answer to a {@code POST} can still be read. Redirects are not followed: the token
   * goes only to the configured gateway.
   *
   * @throws Failure when the gateway cannot be reached or does not answer
   */
  Response send(String method, String path, JsonNode body) {
    URI uri = URI.create(root + path);
    byte[] bytes = null;
    if (body != null) {
      try {
        bytes = JSON.writeValueAsBytes(body);
      } catch (JsonProcessingException e) {
        throw new IllegalStateException("cannot serialize a request body", e);
      }
    }
    if (method.equals("PATCH")) {
      return Patch.send(this, uri, bytes);
    }
    HttpURLConnection c;
    try {
      c = (HttpURLConnection) uri.toURL().openConnection();
    } catch (IOException | IllegalArgumentException e) {
      throw new Failure("cannot use the gateway URL " + base() + ": " + e.getMessage());
    }
    if (sockets != null && c instanceof HttpsURLConnection https) {
      https.setSSLSocketFactory(sockets);
    }
    c.setConnectTimeout((int) CONNECT_TIMEOUT.toMillis());
    c.setReadTimeout((int) REQUEST_TIMEOUT.toMillis());
    c.setInstanceFollowRedirects(false);
    c.setUseCaches(false);
    headers(bytes != null).forEach(c::setRequestProperty);
    try {
      c.setRequestMethod(method);
    } catch (java.net.ProtocolException e) {
      throw new IllegalArgumentException("no such HTTP method: " + method, e);
    }
    c.setDoOutput(bytes != null);
    try {
      c.connect();
    } catch (SocketTimeoutException e) {
      throw connectTimedOut();
    } catch (IOException e) {
      throw new Failure(describe(e));
    }
    int status;
    String text;
    try {
      if (bytes != null) {
        try (OutputStream o = c.getOutputStream()) {
          o.write(bytes);
        }
      }
      status = c.getResponseCode();
      InputStream in = status >= 400 ? c.getErrorStream() : c.getInputStream();
      text = in == null ? "" : new String(readAll(in), StandardCharsets.UTF_8);
    } catch (SocketTimeoutException e) {
      throw noAnswer();
    } catch (IOException e) {
      throw new Failure(describe(e));
    }
    return response(status, text, c.getHeaderField("Link"));
  }

  private Failure connectTimedOut() {
    return new Failure(
        "timed out after "
            + CONNECT_TIMEOUT.toSeconds()
            + " s connecting to the gateway at "
            + base()
            + ". Is the URL right, and is the gateway running?");
  }

  private Failure noAnswer() {
    return new Failure(
        "the gateway at "
            + base()
            + " did not answer within "
            + REQUEST_TIMEOUT.toSeconds()
            + " s");
  }

  private static Response response(int status, String text, String link) {
    JsonNode json = null;
    if (!text.isBlank()) {
      try {
        json = JSON.readTree(text);
      } catch (JsonProcessingException e) {
        json = null;
      }
    }
    return new Response(status, json, text, link);
  }

  /** The headers of every request: a body is JSON. */
  private Map<String, String> headers(boolean withBody) {
    Map<String, String> h = new LinkedHashMap<>();
    h.put("Accept", ACCEPT);
    h.put("User-Agent", "portcullis-cli");
    if (token != null) {
      h.put("Authorization", "token " + token);
    }
    if (withBody) {
      h.put("Content-Type", "application/json; charset=utf-8");
    }
    return h;
  }

  /**
   * A {@code PATCH}, which {@link HttpURLConnection} refuses to send, goes through {@code
   * java.net.http} instead. In a class of its own: verifying a method that names that module's
   * exceptions loads its classes, which only the commands that patch need.
   */
  private static final class Patch {
    private Patch() {}

    static Response send(ApiClient api, URI uri, byte[] bytes) {
      java.net.http.HttpClient.Builder client =
          java.net.http.HttpClient.newBuilder()
              .version(java.net.http.HttpClient.Version.HTTP_1_1)
              .connectTimeout(CONNECT_TIMEOUT)
              .followRedirects(java.net.http.HttpClient.Redirect.NEVER);
      if (api.tls != null) {
        client.sslContext(api.tls);
      }
      java.net.http.HttpRequest.Builder request =
          java.net.http.HttpRequest.newBuilder(uri)
              .timeout(REQUEST_TIMEOUT)
              .method(
                  "PATCH",
                  bytes == null
                      ? java.net.http.HttpRequest.BodyPublishers.noBody()
                      : java.net.http.HttpRequest.BodyPublishers.ofByteArray(bytes));
      api.headers(bytes != null).forEach(request::header);
      java.net.http.HttpResponse<String> r;
      try {
        r =
            client
                .build()
                .send(
                    request.build(),
                    java.net.http.HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      } catch (java.net.http.HttpConnectTimeoutException e) {
        throw api.connectTimedOut();
      } catch (java.net.http.HttpTimeoutException e) {
        throw api.noAnswer();
      } catch (IOException e) {
        throw new Failure(api.describe(e));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new Failure("interrupted while waiting for the gateway at " + api.base());
      }
      return response(r.statusCode(), r.body(), r.headers().firstValue("Link").orElse(null));
    }
  }

  private static byte[] readAll(InputStream in) throws IOException {
    try (in) {
      return in.readAllBytes();
    }
  }

  /** The API's root URL ({@code …/api/v3}). */
  URI root() {
    return root;
  }

  /** The gateway's base URL (without {@code /api/v3}), for messages. */
  private String base() {
    String s = root.toString();
    return s.endsWith("/api/v3") ? s.substring(0, s.length() - "/api/v3".length()) : s;
  }

  private String describe(IOException e) {
    String url = base();
    if (causedBy(e, ConnectException.class)) {
      return "cannot connect to the gateway at "
          + url
          + " (connection refused). Is it running? Start it with "
          + "'bin/gateway serve --data "
          + dataDir
          + "', or pass --url with the right address.";
    }
    if (causedBy(e, SSLHandshakeException.class) || causedBy(e, SSLException.class)) {
      return "TLS with "
          + url
          + " failed: "
          + rootMessage(e)
          + ". If the gateway uses its own certificate, pass "
          + "--cacert with its CA file (by default ca= from "
          + dataDir.resolve("gateway.properties")
          + ").";
    }
    return "cannot talk to the gateway at " + url + ": " + rootMessage(e);
  }

  private static boolean causedBy(Throwable t, Class<? extends Throwable> type) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (type.isInstance(c)) {
        return true;
      }
    }
    return false;
  }

  private static String rootMessage(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c.getCause() != c) {
      c = c.getCause();
    }
    return c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
  }

  // ------------------------------------------------------------------ output

  /**
   * Reports an answer: a JSON body pretty-printed on stdout, {@code confirmation} (if any) on
   * stdout for a 2xx without a body, {@code error: …} on stderr for anything else.
   *
   * @return the exit code
   */
  int report(Response r, String confirmation) {
    if (!r.ok()) {
      printError(r);
      return FAILED;
    }
    if (r.json() != null && !isEmptyObject(r.json())) {
      printJson(r.json());
    } else if (r.json() == null && !r.text().isBlank()) {
      out.println(r.text().strip());
      out.flush();
    }
    if (confirmation != null && (r.json() == null || isEmptyObject(r.json()))) {
      out.println(confirmation);
      out.flush();
    }
    return OK;
  }

  /** Sends a request and reports its answer; returns the exit code. */
  int call(String method, String path, JsonNode body, String confirmation) {
    return report(send(method, path, body), confirmation);
  }

  private static boolean isEmptyObject(JsonNode n) {
    return n.isObject() && n.isEmpty();
  }

  void printJson(JsonNode n) {
    try {
      out.println(JSON.writerWithDefaultPrettyPrinter().writeValueAsString(n));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot print JSON", e);
    }
    out.flush();
  }

  /** Prints {@code error: <status> <message>} and each of GitHub's {@code errors[].message}. */
  void printError(Response r) {
    String message = null;
    if (r.json() != null && r.json().hasNonNull("message")) {
      message = r.json().get("message").asText();
    }
    if (message == null) {
      String t = r.text().strip();
      message = t.isEmpty() || t.startsWith("<") ? reason(r.status()) : firstLine(t);
    }
    err.println("error: " + r.status() + " " + message);
    if (r.json() != null && r.json().path("errors").isArray()) {
      for (JsonNode e : r.json().get("errors")) {
        String m =
            e.hasNonNull("message")
                ? e.get("message").asText()
                : (e.path("field").asText("") + " " + e.path("code").asText("")).strip();
        if (e.isTextual()) {
          m = e.asText();
        }
        m = withFlags(m, e.path("field").asText(""));
        if (!m.isEmpty()) {
          err.println("  - " + m);
        }
      }
    }
    if (r.status() == 401) {
      err.println(
          "  (check the API token: --token, env "
              + ClientOptions.TOKEN_ENV
              + ", or --token-file, by default "
              + dataDir.resolve("admin-token")
              + ")");
    }
    err.flush();
  }

  /**
   * An API error's message as the command line would say it: {@code field} (the JSON field the
   * error is about) and every other {@code snake_case} field name in it that is one of the
   * command's options are named as options ({@code --repository-selection}); a message that does
   * not name {@code field} is prefixed with its option.
   */
  private String withFlags(String message, String field) {
    if (message.isEmpty()) {
      return message;
    }
    String flag = field.isEmpty() ? null : flagOf.apply(field);
    boolean named =
        flag != null
            && Pattern.compile("\\b" + Pattern.quote(field) + "\\b").matcher(message).find();
    StringBuilder sb = new StringBuilder();
    Matcher words = FIELD_NAME.matcher(message);
    while (words.find()) {
      String w = words.group();
      String f = w.equals(field) || w.contains("_") ? flagOf.apply(w) : null;
      words.appendReplacement(sb, Matcher.quoteReplacement(f == null ? w : f));
    }
    words.appendTail(sb);
    return flag != null && !named ? flag + ": " + sb : sb.toString();
  }

  private static final Pattern FIELD_NAME = Pattern.compile("\\b[a-z][a-z0-9]*(?:_[a-z0-9]+)*\\b");

  private static String firstLine(String s) {
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl).strip();
  }

  private static String reason(int status) {
    return switch (status) {
      case 400 -> "Bad Request";
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 409 -> "Conflict";
      case 413 -> "Payload Too Large";
      case 422 -> "Unprocessable Entity";
      case 500 -> "Internal Server Error";
      case 502 -> "Bad Gateway";
      case 503 -> "Service Unavailable";
      default -> "HTTP error";
    };
  }

  PrintWriter out() {
    return out;
  }

  PrintWriter err() {
    return err;
  }

  // ------------------------------------------------------------------ failures and the command
  // base

  /**
   * The gateway could not be reached, or the client is not configured: a message for stderr, exit
   * 1.
   */
  static final class Failure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Failure(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * The base of every client subcommand: the shared options, a client built from them, and the
   * mapping of failures to exit codes (usage errors are picocli's {@link ParameterException}, exit
   * 2).
   */
  abstract static class Subcommand implements Callable<Integer> {
    private static final Pattern PERMISSION =
        Pattern.compile("([a-z][a-z_]*?)[=:_](read|write|admin)", Pattern.CASE_INSENSITIVE);

    @Spec CommandSpec spec;

    @Mixin ClientOptions client;

    /** Whether the call needs the API token (every call but {@code credentials revoke}). */
    boolean authenticated() {
      return true;
    }

    /** Checks the arguments before anything is read or sent; throws {@link ParameterException}. */
    void validate() {}

    /** Runs the command; returns the exit code. */
    abstract int run(ApiClient api);

    @Override
    public final Integer call() {
      PrintWriter err = spec.commandLine().getErr();
      try {
        validate();
        ApiClient api =
            open(client, spec.commandLine().getOut(), err, authenticated(), this::flagOf);
        return run(api);
      } catch (Failure f) {
        err.println("error: " + f.getMessage());
        err.flush();
        return FAILED;
      }
    }

    /**
     * This command's option for a JSON field of its request: {@code repository_selection} is {@code
     * --repository-selection}, {@code repositories} {@code --repository}, {@code scopes} {@code
     * --scope}, {@code classic_max_lifetime_days} {@code --classic-max-lifetime}; null when the
     * command has none.
     */
    String flagOf(String field) {
      String flag = "--" + field.replace('_', '-');
      for (String name :
          List.of(
              flag,
              flag.endsWith("ies") ? flag.substring(0, flag.length() - 3) + "y" : flag,
              flag.endsWith("s") ? flag.substring(0, flag.length() - 1) : flag,
              flag.endsWith("-days") ? flag.substring(0, flag.length() - 5) : flag)) {
        if (spec.optionsMap().containsKey(name)) {
          return name;
        }
      }
      return null;
    }

    /** A usage error naming the bad value: picocli prints it with the usage and exits 2. */
    ParameterException usage(String message) {
      return new ParameterException(spec.commandLine(), message);
    }

    /**
     * {@code value} when it is one of {@code allowed}, else a usage error naming {@code option}.
     */
    String oneOf(String option, String value, Set<String> allowed) {
      if (value != null && !allowed.contains(value)) {
        throw usage(
            "Invalid value for option '"
                + option
                + "': '"
                + value
                + "' (expected one of "
                + String.join(", ", allowed.stream().sorted().toList())
                + ")");
      }
      return value;
    }

    /**
     * Puts a max lifetime into a policy patch: nothing when {@code value} is {@code null}, JSON
     * {@code null} for {@code none}, else the number of days.
     */
    void putLifetime(ObjectNode patch, String field, String option, String value) {
      if (value == null) {
        return;
      }
      if (value.equalsIgnoreCase("none")) {
        patch.putNull(field);
        return;
      }
      try {
        patch.put(field, Integer.parseInt(value.strip()));
      } catch (NumberFormatException e) {
        throw usage(
            "Invalid value for option '"
                + option
                + "': '"
                + value
                + "' (expected a number of days or 'none')");
      }
    }

    /**
     * An ISO 8601 date-time option, checked before anything is sent; a date alone means its first
     * instant in UTC ({@code 2026-01-01} is {@code 2026-01-01T00:00:00Z}).
     */
    String dateTime(String option, String value) {
      if (value == null) {
        return null;
      }
      String v = value.strip();
      try {
        OffsetDateTime.parse(v);
        return v;
      } catch (DateTimeParseException notATime) {
        try {
          return LocalDate.parse(v) + "T00:00:00Z";
        } catch (DateTimeParseException notADate) {
          throw usage(
              "Invalid value for option '"
                  + option
                  + "': '"
                  + value
                  + "' (expected an ISO 8601 date or date-time such as 2026-01-31 or 2026-01-31T12:00:00Z)");
        }
      }
    }

    /**
     * A fine-grained permission and its level, {@code [name, level]}: written {@code NAME=LEVEL}
     * ({@code contents=read}), which is what help and the README show, or as the API's filters
     * spell it ({@code contents_read}) or {@code contents:read}; a usage error naming {@code
     * option} otherwise.
     */
    String[] permission(String option, String value) {
      Matcher m = PERMISSION.matcher(value.strip());
      if (!m.matches()) {
        throw usage(
            "Invalid value for option '"
                + option
                + "': '"
                + value
                + "' (expected NAME=LEVEL with LEVEL read, write or admin, e.g. contents=read)");
      }
      return new String[] {m.group(1), m.group(2)};
    }

    /**
     * A deletion goes ahead only with {@code --yes}: without it, a usage error saying what would
     * go.
     */
    void requireYes(boolean yes, String whatGoes) {
      if (!yes) {
        throw usage(whatGoes + "; add --yes to delete");
      }
    }

    /** Puts {@code value} unless it is {@code null}. */
    static void putIf(ObjectNode o, String field, String value) {
      if (value != null) {
        o.put(field, value);
      }
    }

    /** Splits {@code OWNER/NAME}. */
    String[] ownerAndName(String param, String value) {
      int slash = value.indexOf('/');
      if (slash <= 0 || slash == value.length() - 1 || value.indexOf('/', slash + 1) >= 0) {
        throw usage("Invalid value for " + param + ": '" + value + "' (expected OWNER/NAME)");
      }
      return new String[] {value.substring(0, slash), value.substring(slash + 1)};
    }
  }
}
