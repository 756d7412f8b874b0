package dev.portcullis.gateway.tls;

import static dev.portcullis.gateway.tls.PemFixtures.pemBody;
import static dev.portcullis.gateway.tls.PemFixtures.readCertificates;
import static dev.portcullis.gateway.tls.PemFixtures.writeRsaPkcs1Pair;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.ExtendedSSLSession;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The TLS material value: its accessors, and a real handshake with what it hands to a server and a
 * client.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TlsMaterialTest {

  private static final int SOCKET_TIMEOUT_MS = 10_000;

  @TempDir Path temp;

  // ---------------------------------------------------------------------------------------
  // Accessors
  // ---------------------------------------------------------------------------------------

  @Test
  void fingerprintIsColonSeparatedUppercaseSha256() throws Exception {
    TlsMaterial material = TlsMaterial.selfSigned(temp);

    String expected =
        HexFormat.ofDelimiter(":")
            .withUpperCase()
            .formatHex(
                MessageDigest.getInstance("SHA-256").digest(material.certificate().getEncoded()));
    assertEquals(expected, material.fingerprintSha256());
    assertTrue(
        material.fingerprintSha256().matches("([0-9A-F]{2}:){31}[0-9A-F]{2}"),
        material.fingerprintSha256());
  }

  @Test
  void keyStoreHoldsKeyAndChainUnderGatewayAlias() throws Exception {
    TlsMaterial material = TlsMaterial.selfSigned(temp);
    char[] password = material.keyStorePassword().toCharArray();

    KeyStore store = material.keyStore();

    assertEquals("PKCS12", store.getType());
    assertEquals(List.of("gateway"), java.util.Collections.list(store.aliases()));
    assertTrue(store.isKeyEntry("gateway"));
    PrivateKey key = (PrivateKey) store.getKey("gateway", password);
    assertArrayEquals(pemBody(temp.resolve("gateway.key")), key.getEncoded());
    Certificate[] chain = store.getCertificateChain("gateway");
    assertEquals(1, chain.length);
    assertEquals(material.certificate(), chain[0]);
    assertNotSame(store, material.keyStore(), "each call builds a fresh store");
    assertTrue(material.keyStorePassword().length() >= 20);
  }

  @Test
  void toStringNeverShowsKeyMaterial() throws Exception {
    TlsMaterial material = TlsMaterial.selfSigned(temp);
    String keyBase64 = Base64.getEncoder().encodeToString(pemBody(temp.resolve("gateway.key")));

    String text = material.toString();

    assertTrue(text.contains(material.fingerprintSha256()), text);
    assertFalse(text.contains(material.keyStorePassword()), text);
    assertFalse(text.contains(keyBase64.substring(0, 16)), text);
    assertFalse(text.contains("PRIVATE"), text);
  }

  // ---------------------------------------------------------------------------------------
  // Real TLS handshakes
  // ---------------------------------------------------------------------------------------

  @ParameterizedTest
  @ValueSource(strings = {"localhost", "127.0.0.1"})
  void handshakeSucceedsWithHostnameVerification(String host) throws Exception {
    TlsMaterial material = TlsMaterial.selfSigned(temp);

    Handshake result = handshake(material, host);

    assertEquals(material.certificate(), result.clientSession.getPeerCertificates()[0]);
    assertTrue(
        result.clientSession.getProtocol().startsWith("TLSv1."),
        result.clientSession.getProtocol());
    if (host.equals("localhost")) {
      assertEquals(
          List.of(new SNIHostName("localhost")), result.serverNames, "server saw the SNI name");
    }
  }

  @Test
  void handshakeSucceedsWithRsaPkcs1Material() throws Exception {
    Path[] files = writeRsaPkcs1Pair(temp);
    TlsMaterial material = TlsMaterial.fromPem(files[0], files[1]);

    Handshake result = handshake(material, "localhost");

    assertEquals(material.certificate(), result.clientSession.getPeerCertificates()[0]);
  }

  @Test
  void handshakeFailsForAHostNameNotInTheCertificate() throws Exception {
    TlsMaterial material = TlsMaterial.selfSigned(temp);

    assertThrows(SSLHandshakeException.class, () -> handshake(material, "wrong.example"));
  }

  private static final class Handshake {
    final SSLSession clientSession;
    final List<SNIServerName> serverNames;

    Handshake(SSLSession clientSession, List<SNIServerName> serverNames) {
      this.clientSession = clientSession;
      this.serverNames = serverNames;
    }
  }

  /**
   * Runs a loopback server from {@code material.keyStore()} and connects to it with a client that
   * trusts only {@code material.certificateFile()} and verifies {@code host} the way HTTPS does.
   */
  private static Handshake handshake(TlsMaterial material, String host) throws Exception {
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(material.keyStore(), material.keyStorePassword().toCharArray());
    SSLContext serverContext = SSLContext.getInstance("TLS");
    serverContext.init(kmf.getKeyManagers(), null, null);

    // Trust exactly what a client given the CA file (http.sslCAInfo) would trust.
    KeyStore trusted = KeyStore.getInstance("PKCS12");
    trusted.load(null, null);
    int i = 0;
    for (X509Certificate cert : readCertificates(material.certificateFile())) {
      trusted.setCertificateEntry("ca" + i++, cert);
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trusted);
    SSLContext clientContext = SSLContext.getInstance("TLS");
    clientContext.init(null, tmf.getTrustManagers(), null);

    InetAddress loopback = InetAddress.getByName("127.0.0.1");
    ExecutorService executor = Executors.newSingleThreadExecutor();
    try (SSLServerSocket server =
        (SSLServerSocket)
            serverContext.getServerSocketFactory().createServerSocket(0, 1, loopback)) {
      server.setSoTimeout(SOCKET_TIMEOUT_MS);
      Future<List<SNIServerName>> served =
          executor.submit(
              () -> {
                try (SSLSocket socket = (SSLSocket) server.accept()) {
                  socket.setSoTimeout(SOCKET_TIMEOUT_MS);
                  socket.startHandshake();
                  int b = socket.getInputStream().read();
                  socket.getOutputStream().write(b + 1);
                  socket.getOutputStream().flush();
                  return ((ExtendedSSLSession) socket.getSession()).getRequestedServerNames();
                }
              });

      // Connect to 127.0.0.1 explicitly (so "localhost" resolving to ::1 cannot matter),
      // then layer TLS on top using `host` for SNI and identity checks.
      SSLSession clientSession;
      Socket plain = new Socket();
      try {
        plain.connect(new InetSocketAddress(loopback, server.getLocalPort()), SOCKET_TIMEOUT_MS);
        plain.setSoTimeout(SOCKET_TIMEOUT_MS);
        try (SSLSocket client =
            (SSLSocket)
                clientContext
                    .getSocketFactory()
                    .createSocket(plain, host, server.getLocalPort(), true)) {
          SSLParameters parameters = client.getSSLParameters();
          parameters.setEndpointIdentificationAlgorithm("HTTPS");
          if (!Character.isDigit(host.charAt(0))) {
            // JSSE leaves out SNI for dot-less names such as "localhost"; curl and git send it.
            parameters.setServerNames(List.of(new SNIHostName(host)));
          }
          client.setSSLParameters(parameters);

          client.startHandshake();
          client.getOutputStream().write(41);
          client.getOutputStream().flush();
          assertEquals(42, client.getInputStream().read());
          clientSession = client.getSession();
        }
      } finally {
        plain.close();
      }
      // Only after the client has closed: the server's close waits for the client's close_notify.
      List<SNIServerName> serverNames = served.get(SOCKET_TIMEOUT_MS, TimeUnit.MILLISECONDS);
      return new Handshake(clientSession, serverNames);
    } finally {
      executor.shutdownNow();
      assertTrue(
          executor.awaitTermination(SOCKET_TIMEOUT_MS, TimeUnit.MILLISECONDS),
          "server thread stopped");
    }
  }
}
