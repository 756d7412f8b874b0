package dev.portcullis.gateway.hardening;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.portcullis.gateway.Gateway;
import dev.portcullis.gateway.GatewayConfig;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the gateway leaves on disk is its own user's alone, and its TLS offers authenticated
 * encryption only.
 */
class DataAndTlsHardeningTest {
  @TempDir Path tmp;

  private static String mode(Path p) throws Exception {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  @Test
  void theDataDirectoryAndWhatHoldsSecretsAreTheOwnersOnly() throws Exception {
    Path data = tmp.resolve("data");
    // A data directory made beforehand with the usual umask is tightened too.
    Files.createDirectories(
        data, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
    try (Gateway g = Gateway.start(GatewayConfig.defaults(data).withPorts(0, null))) {
      assertEquals("rwx------", mode(data), "the data directory");
      for (String sub : new String[] {"db", "repositories", "tls"}) {
        assertEquals("rwx------", mode(data.resolve(sub)), sub);
      }
      assertEquals("rw-------", mode(data.resolve(Gateway.ADMIN_TOKEN_FILE)), "the admin token");
    }
  }

  /** A TLS 1.2 handshake offering only {@code suite}. */
  private static void handshake(int port, String suite) throws Exception {
    SSLContext ctx = SSLContext.getInstance("TLSv1.2");
    TrustManager trustAll =
        new X509TrustManager() {
          @Override
          public void checkClientTrusted(X509Certificate[] chain, String authType) {}

          @Override
          public void checkServerTrusted(X509Certificate[] chain, String authType) {}

          @Override
          public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
          }
        };
    ctx.init(null, new TrustManager[] {trustAll}, null);
    try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket("127.0.0.1", port)) {
      s.setSoTimeout(10_000);
      s.setEnabledProtocols(new String[] {"TLSv1.2"});
      s.setEnabledCipherSuites(new String[] {suite});
      s.startHandshake();
    }
  }

  @Test
  void tls12OffersAeadSuitesOnly() throws Exception {
    try (Gateway g =
        Gateway.start(GatewayConfig.defaults(tmp.resolve("data")).withPorts(0, null))) {
      int port = URI.create(g.httpsUrl()).getPort();
      handshake(port, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
      handshake(port, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384");
      for (String cbc :
          new String[] {
            "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384"
          }) {
        assertThrows(SSLHandshakeException.class, () -> handshake(port, cbc), cbc);
      }
    }
  }
}
