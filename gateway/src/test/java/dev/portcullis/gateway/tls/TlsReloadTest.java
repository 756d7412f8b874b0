package dev.portcullis.gateway.tls;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.portcullis.gateway.Gateway;
import dev.portcullis.gateway.GatewayConfig;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS: only 1.2 and 1.3, and a replaced certificate is served without a restart. */
class TlsReloadTest {
  @TempDir Path tmp;

  /** Accepts any server certificate and remembers it: the test inspects what is served. */
  private static final class Capture implements X509TrustManager {
    X509Certificate seen;

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType) {}

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType) {
      seen = chain[0];
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return new X509Certificate[0];
    }
  }

  private static String served(int port, String protocol) throws Exception {
    Capture capture = new Capture();
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, new TrustManager[] {capture}, null);
    try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
      s.setSoTimeout(5000);
      s.setEnabledProtocols(new String[] {protocol});
      s.startHandshake();
      byte[] der = capture.seen.getEncoded();
      return HexFormat.ofDelimiter(":")
          .withUpperCase()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(der));
    }
  }

  private static void install(TlsMaterial m, Path cert, Path key) throws IOException {
    Path tmpCert = cert.resolveSibling("cert.tmp");
    Path tmpKey = key.resolveSibling("key.tmp");
    Files.copy(m.certificateFile(), tmpCert, StandardCopyOption.REPLACE_EXISTING);
    Files.copy(
        m.certificateFile().resolveSibling(TlsMaterial.KEY_FILE_NAME),
        tmpKey,
        StandardCopyOption.REPLACE_EXISTING);
    Files.move(tmpKey, key, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    Files.move(tmpCert, cert, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  @Test
  void replacedPemFilesAreServedWithoutARestartAndBrokenOnesAreRefused() throws Exception {
    TlsMaterial first = TlsMaterial.selfSigned(tmp.resolve("first"));
    TlsMaterial second = TlsMaterial.selfSigned(tmp.resolve("second"));
    Path live = Files.createDirectories(tmp.resolve("live"));
    Path cert = live.resolve("server.crt");
    Path key = live.resolve("server.key");
    install(first, cert, key);
    GatewayConfig base = GatewayConfig.defaults(tmp.resolve("data")).withPorts(0, null);
    GatewayConfig cfg =
        new GatewayConfig(
            base.bind(),
            0,
            null,
            base.dataDir(),
            null,
            cert,
            key,
            null,
            null,
            null,
            true,
            base.caches(),
            base.lastUsedFlushInterval(),
            base.maxThreads(),
            base.limits(),
            null,
            List.of(),
            null,
            null,
            base.webConsole(),
            base.sessions(),
            base.mail(),
            base.webhooks());
    try (Gateway g = Gateway.start(cfg)) {
      int port = URI.create(g.httpsUrl()).getPort();
      assertEquals(first.fingerprintSha256(), served(port, "TLSv1.3"));
      assertEquals(first.fingerprintSha256(), served(port, "TLSv1.2"));
      assertThrows(
          SSLHandshakeException.class, () -> served(port, "TLSv1.1"), "TLS 1.1 is refused");

      install(second, cert, key);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      String now = served(port, "TLSv1.3");
      while (!now.equals(second.fingerprintSha256()) && System.nanoTime() < deadline) {
        Thread.sleep(200);
        now = served(port, "TLSv1.3");
      }
      assertEquals(
          second.fingerprintSha256(), now, "the new certificate is served without a restart");

      // A broken replacement is refused: the current certificate stays.
      Files.writeString(
          cert, "-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n");
      Thread.sleep(5_000);
      assertEquals(second.fingerprintSha256(), served(port, "TLSv1.3").toUpperCase(Locale.ROOT));
    }
  }
}
