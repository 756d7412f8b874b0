package dev.portcullis.gateway.loadtest;

import dev.portcullis.gateway.Gateway;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.Properties;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;

/**
 * The gateway under test: its base URL, the TLS trust to reach it, and the admin token. Resolved as
 * the other client commands resolve them: explicit options first, then what {@code gateway serve}
 * wrote into its data directory ({@code gateway.properties}, {@code admin-token}).
 *
 * @param base base URL without a trailing slash, e.g. {@code https://127.0.0.1:8443}
 * @param ssl trust for HTTPS ({@code null}: the JDK's default)
 * @param adminToken a token allowed to call the admin API; never printed
 */
record Target(URI base, SSLContext ssl, String adminToken) {
  /** Environment variable holding the admin token, as for the other client commands. */
  static final String TOKEN_ENV = "PORTCULLIS_TOKEN";

  /** A failure to resolve the target, with a message for the operator. */
  static final class Unresolved extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Unresolved(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * Resolves the target.
   *
   * @param data the gateway's data directory
   * @param url {@code --url}, or {@code null} for {@code url=} ({@code http_url=} with {@code
   *     http})
   * @param http prefer the plain-HTTP listener named in {@code gateway.properties}
   * @param cacert {@code --cacert}, or {@code null} for {@code ca=}
   * @param token {@code --token}, or {@code null}
   * @param tokenFile {@code --token-file}, or {@code null} for env {@value #TOKEN_ENV}, then {@code
   *     <data>/admin-token}
   */
  static Target resolve(
      Path data, String url, boolean http, Path cacert, String token, Path tokenFile) {
    Properties endpoint = endpoint(data);
    String base = url;
    if (base == null || base.isBlank()) {
      base = endpoint.getProperty(http ? "http_url" : "url");
      if (base == null || base.isBlank()) {
        throw new Unresolved(
            "no gateway URL: "
                + data.resolve(Gateway.ENDPOINT_FILE)
                + " names no "
                + (http ? "http_url (start the gateway with --http-port, or drop --http)" : "url")
                + "; pass --url");
      }
    }
    base = base.strip();
    while (base.endsWith("/")) {
      base = base.substring(0, base.length() - 1);
    }
    if (base.endsWith("/api/v3")) {
      base = base.substring(0, base.length() - "/api/v3".length());
    }
    URI uri;
    try {
      uri = new URI(base);
    } catch (URISyntaxException e) {
      throw new Unresolved("--url is not a valid URL: " + e.getMessage());
    }
    if (uri.getHost() == null
        || !("http".equalsIgnoreCase(uri.getScheme())
            || "https".equalsIgnoreCase(uri.getScheme()))) {
      throw new Unresolved(
          "--url must be an http(s) URL such as https://127.0.0.1:8443, not '" + base + "'");
    }
    Path ca = cacert;
    if (ca == null && endpoint.getProperty("ca") != null && !endpoint.getProperty("ca").isBlank()) {
      ca = Path.of(endpoint.getProperty("ca").strip());
    }
    SSLContext ssl = "https".equalsIgnoreCase(uri.getScheme()) && ca != null ? trusting(ca) : null;
    return new Target(uri, ssl, token(data, token, tokenFile));
  }

  private static Properties endpoint(Path data) {
    Properties p = new Properties();
    Path file = data.resolve(Gateway.ENDPOINT_FILE);
    try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      p.load(r);
    } catch (NoSuchFileException e) {
      // No gateway ran with this data directory: --url must say where it is.
    } catch (IOException e) {
      throw new Unresolved("cannot read " + file + ": " + e.getMessage());
    }
    return p;
  }

  private static String token(Path data, String token, Path tokenFile) {
    if (token != null && !token.isBlank()) {
      return token.strip();
    }
    if (tokenFile == null) {
      String env = System.getenv(TOKEN_ENV);
      if (env != null && !env.isBlank()) {
        return env.strip();
      }
    }
    Path file = tokenFile != null ? tokenFile : data.resolve(Gateway.ADMIN_TOKEN_FILE);
    try {
      String t = Files.readString(file, StandardCharsets.UTF_8).strip();
      if (t.isEmpty()) {
        throw new Unresolved("the token file " + file + " is empty");
      }
      return t;
    } catch (NoSuchFileException e) {
      throw new Unresolved(
          "no admin token: "
              + file
              + " does not exist. Pass --token-file, set "
              + TOKEN_ENV
              + ", or point --data at the gateway's data directory.");
    } catch (IOException e) {
      throw new Unresolved("cannot read the token file " + file + ": " + e.getMessage());
    }
  }

  /** Trust for the certificates in {@code caFile} and everything the JDK trusts. */
  static SSLContext trusting(Path caFile) {
    try (InputStream in = Files.newInputStream(caFile)) {
      Collection<? extends Certificate> certs =
          CertificateFactory.getInstance("X.509").generateCertificates(in);
      if (certs.isEmpty()) {
        throw new Unresolved("the CA file " + caFile + " holds no certificate");
      }
      KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
      store.load(null, null);
      int i = 0;
      for (Certificate c : certs) {
        store.setCertificateEntry("gateway-" + i++, c);
      }
      TrustManagerFactory jdk =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      jdk.init((KeyStore) null);
      for (TrustManager tm : jdk.getTrustManagers()) {
        if (tm instanceof X509TrustManager x) {
          for (X509Certificate c : x.getAcceptedIssuers()) {
            store.setCertificateEntry("jdk-" + i++, c);
          }
        }
      }
      TrustManagerFactory all =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      all.init(store);
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(null, all.getTrustManagers(), null);
      return ctx;
    } catch (IOException | GeneralSecurityException e) {
      throw new Unresolved(
          "cannot use the CA certificate " + caFile + " (--cacert): " + e.getMessage());
    }
  }

  /** The API root, {@code <base>/api/v3}. */
  URI apiRoot() {
    return URI.create(base + "/api/v3");
  }

  @Override
  public String toString() {
    return "Target[" + base + ", token=(hidden)]";
  }
}
