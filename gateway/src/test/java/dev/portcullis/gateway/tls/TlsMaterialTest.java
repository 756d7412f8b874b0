package dev.portcullis.gateway.tls;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collection;
import java.util.Date;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

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

import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PKCS8Generator;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.openssl.jcajce.JcePEMEncryptorBuilder;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TlsMaterialTest {

  private static final int SOCKET_TIMEOUT_MS = 10_000;
  private static final String SERVER_AUTH_OID = "1.3.6.1.5.5.7.3.1";
  private static final int SAN_DNS = 2;
  private static final int SAN_IP = 7;
  private static final ASN1ObjectIdentifier SECP256R1 = new ASN1ObjectIdentifier("1.2.840.10045.3.1.7");

  @TempDir
  Path temp;

  // ---------------------------------------------------------------------------------------
  // selfSigned
  // ---------------------------------------------------------------------------------------

  @Test
  void selfSignedCreatesDirectoryAndWritesBothFiles() throws Exception {
    Path dir = temp.resolve("nested/tls");

    TlsMaterial material = TlsMaterial.selfSigned(dir);

    Path crt = dir.resolve("gateway.crt");
    Path key = dir.resolve("gateway.key");
    assertTrue(Files.isRegularFile(crt));
    assertTrue(Files.isRegularFile(key));
    assertEquals(crt.toAbsolutePath(), material.certificateFile());
    String crtText = Files.readString(crt, StandardCharsets.US_ASCII);
    String keyText = Files.readString(key, StandardCharsets.US_ASCII);
    assertTrue(crtText.startsWith("-----BEGIN CERTIFICATE-----"), crtText);
    assertTrue(keyText.startsWith("-----BEGIN PRIVATE KEY-----"), "key must be PKCS#8");
    // No temporary files are left behind.
    try (Stream<Path> files = Files.list(dir)) {
      assertEquals(Set.of("gateway.crt", "gateway.key"),
          files.map(p -> p.getFileName().toString()).collect(Collectors.toSet()));
    }
    // The written certificate is the one in memory.
    assertEquals(material.certificate(), readCertificates(crt).get(0));
  }

  @Test
  void keyFileIsOwnerReadWriteOnly() throws Exception {
    assumeTrue(temp.getFileSystem().supportedFileAttributeViews().contains("posix"), "needs a POSIX file system");

    TlsMaterial.selfSigned(temp);

    assertEquals("rw-------", PosixFilePermissions.toString(
        Files.getPosixFilePermissions(temp.resolve("gateway.key"))));
  }

  @Test
  void generatedCertificateIsALocalhostServerCertificate() throws Exception {
    X509Certificate cert = TlsMaterial.selfSigned(temp).certificate();

    assertEquals(3, cert.getVersion());
    assertEquals("CN=localhost,O=Portcullis", cert.getSubjectX500Principal().getName());
    assertEquals(cert.getSubjectX500Principal(), cert.getIssuerX500Principal());
    cert.verify(cert.getPublicKey()); // really self-signed
    assertEquals("EC", cert.getPublicKey().getAlgorithm());
    assertEquals("SHA256withECDSA", cert.getSigAlgName());
    assertTrue(cert.getSerialNumber().signum() > 0);
    assertTrue(cert.getSerialNumber().bitLength() <= 159);

    // Subject alternative names: DNS localhost, IP 127.0.0.1, IP ::1.
    Set<String> sans = new HashSet<>();
    for (List<?> san : cert.getSubjectAlternativeNames()) {
      int type = (Integer) san.get(0);
      String value = (String) san.get(1);
      if (type == SAN_IP) {
        value = InetAddress.getByName(value).getHostAddress(); // normalise IPv6 spelling
      }
      sans.add(type + ":" + value);
    }
    assertEquals(Set.of(SAN_DNS + ":localhost",
            SAN_IP + ":" + InetAddress.getByName("127.0.0.1").getHostAddress(),
            SAN_IP + ":" + InetAddress.getByName("::1").getHostAddress()),
        sans);

    assertEquals(List.of(SERVER_AUTH_OID), cert.getExtendedKeyUsage());
    assertEquals(-1, cert.getBasicConstraints(), "must not be a CA certificate");
    boolean[] keyUsage = cert.getKeyUsage();
    assertTrue(keyUsage[0], "digitalSignature");
    assertFalse(keyUsage[5], "keyCertSign");

    Instant now = Instant.now();
    Instant notBefore = cert.getNotBefore().toInstant();
    Instant notAfter = cert.getNotAfter().toInstant();
    assertTrue(notBefore.isBefore(now.minus(Duration.ofHours(23))), "backdated by a day: " + notBefore);
    assertTrue(notBefore.isAfter(now.minus(Duration.ofHours(25))), "backdated by a day: " + notBefore);
    assertTrue(notAfter.isAfter(now.plus(Duration.ofDays(824))), "825 days: " + notAfter);
    assertTrue(notAfter.isBefore(now.plus(Duration.ofDays(826))), "825 days: " + notAfter);
  }

  @Test
  void secondCallReloadsInsteadOfRegenerating() throws Exception {
    TlsMaterial first = TlsMaterial.selfSigned(temp);
    Path crt = temp.resolve("gateway.crt");
    Path key = temp.resolve("gateway.key");
    byte[] crtBytes = Files.readAllBytes(crt);
    byte[] keyBytes = Files.readAllBytes(key);
    FileTime crtModified = Files.getLastModifiedTime(crt);

    TlsMaterial second = TlsMaterial.selfSigned(temp);

    assertEquals(first.fingerprintSha256(), second.fingerprintSha256());
    assertEquals(first.certificate(), second.certificate());
    assertArrayEquals(crtBytes, Files.readAllBytes(crt));
    assertArrayEquals(keyBytes, Files.readAllBytes(key));
    assertEquals(crtModified, Files.getLastModifiedTime(crt));
    assertNotEquals(first.keyStorePassword(), second.keyStorePassword(), "password is per instance");
  }

  @Test
  void missingCertificateMeansRegeneration() throws Exception {
    // As after a crash between writing the key and the certificate.
    TlsMaterial first = TlsMaterial.selfSigned(temp);
    Files.delete(temp.resolve("gateway.crt"));

    TlsMaterial second = TlsMaterial.selfSigned(temp);

    assertNotEquals(first.fingerprintSha256(), second.fingerprintSha256());
    TlsMaterial reloaded = TlsMaterial.fromPem(temp.resolve("gateway.crt"), temp.resolve("gateway.key"));
    assertEquals(second.fingerprintSha256(), reloaded.fingerprintSha256());
  }

  @Test
  void brokenExistingFilesAreReportedNotOverwritten() throws Exception {
    Path crt = temp.resolve("gateway.crt");
    Files.writeString(crt, "not a certificate\n");
    Files.writeString(temp.resolve("gateway.key"), "not a key\n");

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TlsMaterial.selfSigned(temp));

    assertTrue(e.getMessage().contains(crt.toString()), e.getMessage());
    assertEquals("not a certificate\n", Files.readString(crt));
  }

  // ---------------------------------------------------------------------------------------
  // Accessors
  // ---------------------------------------------------------------------------------------

  @Test
  void fingerprintIsColonSeparatedUppercaseSha256() throws Exception {
    TlsMaterial material = TlsMaterial.selfSigned(temp);

    String expected = HexFormat.ofDelimiter(":").withUpperCase()
        .formatHex(MessageDigest.getInstance("SHA-256").digest(material.certificate().getEncoded()));
    assertEquals(expected, material.fingerprintSha256());
    assertTrue(material.fingerprintSha256().matches("([0-9A-F]{2}:){31}[0-9A-F]{2}"), material.fingerprintSha256());
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
  // fromPem
  // ---------------------------------------------------------------------------------------

  @Test
  void fromPemRoundTripsGeneratedMaterial() throws Exception {
    TlsMaterial generated = TlsMaterial.selfSigned(temp);

    TlsMaterial loaded = TlsMaterial.fromPem(temp.resolve("gateway.crt"), temp.resolve("gateway.key"));

    assertEquals(generated.fingerprintSha256(), loaded.fingerprintSha256());
    assertEquals(generated.certificate(), loaded.certificate());
    assertEquals(generated.certificateFile(), loaded.certificateFile());
    assertArrayEquals(
        generated.keyStore().getKey("gateway", generated.keyStorePassword().toCharArray()).getEncoded(),
        loaded.keyStore().getKey("gateway", loaded.keyStorePassword().toCharArray()).getEncoded());
  }

  @Test
  void fromPemLoadsPkcs1RsaKey() throws Exception {
    Path[] files = writeRsaPkcs1Pair(temp);
    assertTrue(Files.readString(files[1]).startsWith("-----BEGIN RSA PRIVATE KEY-----"));

    TlsMaterial material = TlsMaterial.fromPem(files[0], files[1]);

    assertEquals("RSA", material.certificate().getPublicKey().getAlgorithm());
    assertEquals("RSA", material.keyStore().getKey("gateway", material.keyStorePassword().toCharArray()).getAlgorithm());
  }

  @Test
  void fromPemLoadsSec1EcKeyWithParametersBlock() throws Exception {
    // BouncyCastle's own EC keys encode as full SEC1 (curve and public key), exactly like OpenSSL's.
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC", new BouncyCastleProvider());
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    KeyPair keys = generator.generateKeyPair();
    X509Certificate cert = certificate(keys, "CN=localhost", keys, "CN=localhost", false);
    Path crt = writePem(temp.resolve("ec.crt"), cert);
    Path key = temp.resolve("ec.key");
    // Like `openssl ecparam -genkey`: an EC PARAMETERS block, then the SEC1 key.
    writePem(key, new PemObject("EC PARAMETERS", SECP256R1.getEncoded()), keys);
    assertTrue(Files.readString(key).contains("-----BEGIN EC PRIVATE KEY-----"));

    TlsMaterial material = TlsMaterial.fromPem(crt, key);

    assertEquals(cert, material.certificate());
    assertEquals("EC", material.keyStore().getKey("gateway", material.keyStorePassword().toCharArray()).getAlgorithm());
  }

  @Test
  void fromPemLoadsSec1EcKeyWithoutEmbeddedPublicKey() throws Exception {
    KeyPair keys = ecKeyPair();
    Path crt = writePem(temp.resolve("ec.crt"), certificate(keys, "CN=localhost", keys, "CN=localhost", false));
    // RFC 5915 makes the public key inside an EC PRIVATE KEY optional.
    BigInteger d = ((java.security.interfaces.ECPrivateKey) keys.getPrivate()).getS();
    Path key = writePem(temp.resolve("ec.key"),
        new PemObject("EC PRIVATE KEY", new org.bouncycastle.asn1.sec.ECPrivateKey(256, d, SECP256R1).getEncoded()));

    TlsMaterial material = TlsMaterial.fromPem(crt, key);

    assertEquals(keys.getPublic(), material.certificate().getPublicKey());
  }

  @Test
  void sec1EcKeyWithoutCurveIsRefusedClearly() throws Exception {
    KeyPair keys = ecKeyPair();
    Path crt = writePem(temp.resolve("ec.crt"), certificate(keys, "CN=localhost", keys, "CN=localhost", false));
    // JcaPEMWriter writes a JDK (SunEC) key pair as an EC PRIVATE KEY block without the curve.
    Path key = writePem(temp.resolve("ec.key"), keys);

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TlsMaterial.fromPem(crt, key));

    assertTrue(e.getMessage().contains(key.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("curve"), e.getMessage());
  }

  @Test
  void fromPemAcceptsCombinedFileAndChain() throws Exception {
    KeyPair caKeys = ecKeyPair();
    KeyPair leafKeys = ecKeyPair();
    X509Certificate ca = certificate(caKeys, "CN=Test CA", caKeys, "CN=Test CA", true);
    X509Certificate leaf = certificate(leafKeys, "CN=localhost", caKeys, "CN=Test CA", false);
    Path combined = writePem(temp.resolve("combined.pem"), leaf, ca,
        new JcaPKCS8Generator(leafKeys.getPrivate(), null).generate());

    TlsMaterial material = TlsMaterial.fromPem(combined, combined);

    assertEquals(List.of(leaf, ca), material.certificateChain());
    assertEquals(leaf, material.certificate());
    assertEquals(2, material.keyStore().getCertificateChain("gateway").length);

    Path misordered = writePem(temp.resolve("misordered.pem"), ca, leaf);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TlsMaterial.fromPem(misordered, combined));
    assertTrue(e.getMessage().contains(misordered.toString()), e.getMessage());
  }

  @Test
  void mismatchedKeyIsRefused() throws Exception {
    TlsMaterial.selfSigned(temp.resolve("a"));
    TlsMaterial.selfSigned(temp.resolve("b"));
    Path certA = temp.resolve("a/gateway.crt");
    Path keyB = temp.resolve("b/gateway.key");

    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TlsMaterial.fromPem(certA, keyB));

    assertTrue(e.getMessage().contains(keyB.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("does not match"), e.getMessage());
    assertFalse(e.getMessage().contains(Base64.getEncoder().encodeToString(pemBody(keyB)).substring(0, 16)));

    // A key of another type altogether is refused the same way.
    Path[] rsa = writeRsaPkcs1Pair(temp.resolve("rsa"));
    IllegalArgumentException typeMismatch = assertThrows(IllegalArgumentException.class,
        () -> TlsMaterial.fromPem(certA, rsa[1]));
    assertTrue(typeMismatch.getMessage().contains("does not match"), typeMismatch.getMessage());
  }

  @Test
  void garbageFilesAreRefusedNamingTheFile() throws Exception {
    TlsMaterial.selfSigned(temp);
    Path goodCrt = temp.resolve("gateway.crt");
    Path goodKey = temp.resolve("gateway.key");
    Path binary = temp.resolve("garbage.bin");
    byte[] random = new byte[4096];
    new SecureRandom().nextBytes(random);
    Files.write(binary, random);
    Path text = Files.writeString(temp.resolve("garbage.txt"), "hello, this is not PEM\n");
    Path badBase64 = Files.writeString(temp.resolve("bad-base64.pem"),
        "-----BEGIN CERTIFICATE-----\n!!!not base64!!!\n-----END CERTIFICATE-----\n");

    for (Path garbage : List.of(binary, text, badBase64)) {
      IllegalArgumentException asCert = assertThrows(IllegalArgumentException.class,
          () -> TlsMaterial.fromPem(garbage, goodKey));
      assertTrue(asCert.getMessage().contains(garbage.toString()), asCert.getMessage());
      IllegalArgumentException asKey = assertThrows(IllegalArgumentException.class,
          () -> TlsMaterial.fromPem(goodCrt, garbage));
      assertTrue(asKey.getMessage().contains(garbage.toString()), asKey.getMessage());
    }

    // A well-formed PEM block whose content is not a key: reported without echoing the content.
    String junk = Base64.getEncoder().encodeToString(random).substring(0, 64);
    Path fakeKey = Files.writeString(temp.resolve("fake.key"),
        "-----BEGIN PRIVATE KEY-----\n" + junk + "\n-----END PRIVATE KEY-----\n");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> TlsMaterial.fromPem(goodCrt, fakeKey));
    assertTrue(e.getMessage().contains(fakeKey.toString()), e.getMessage());
    assertFalse(e.getMessage().contains(junk.substring(0, 12)), e.getMessage());
    assertEquals(null, e.getCause(), "parser exceptions of key files are not chained");
  }

  @Test
  void missingFilesAreRefusedNamingTheFile() throws Exception {
    TlsMaterial.selfSigned(temp);
    Path missing = temp.resolve("missing.pem");

    IllegalArgumentException noCert = assertThrows(IllegalArgumentException.class,
        () -> TlsMaterial.fromPem(missing, temp.resolve("gateway.key")));
    assertTrue(noCert.getMessage().contains(missing.toString()), noCert.getMessage());
    assertTrue(noCert.getMessage().contains("does not exist"), noCert.getMessage());

    IllegalArgumentException noKey = assertThrows(IllegalArgumentException.class,
        () -> TlsMaterial.fromPem(temp.resolve("gateway.crt"), missing));
    assertTrue(noKey.getMessage().contains(missing.toString()), noKey.getMessage());

    // A certificate file used as key file: valid PEM, but no key in it.
    IllegalArgumentException certAsKey = assertThrows(IllegalArgumentException.class,
        () -> TlsMaterial.fromPem(temp.resolve("gateway.crt"), temp.resolve("gateway.crt")));
    assertTrue(certAsKey.getMessage().contains("no private key"), certAsKey.getMessage());

    IllegalArgumentException keyAsCert = assertThrows(IllegalArgumentException.class,
        () -> TlsMaterial.fromPem(temp.resolve("gateway.key"), temp.resolve("gateway.key")));
    assertTrue(keyAsCert.getMessage().contains("no PEM CERTIFICATE"), keyAsCert.getMessage());
  }

  @Test
  void encryptedKeysAreRefused() throws Exception {
    BouncyCastleProvider bc = new BouncyCastleProvider(); // local instance only, never registered
    KeyPair keys = ecKeyPair();
    Path crt = writePem(temp.resolve("enc.crt"), certificate(keys, "CN=localhost", keys, "CN=localhost", false));

    Path pkcs8 = temp.resolve("pkcs8-encrypted.key");
    PemObject encrypted = new JcaPKCS8Generator(keys.getPrivate(),
        new JceOpenSSLPKCS8EncryptorBuilder(PKCS8Generator.AES_256_CBC)
            .setProvider(bc).setPassword("secret".toCharArray()).build()).generate();
    writePem(pkcs8, encrypted);
    assertTrue(Files.readString(pkcs8).contains("ENCRYPTED PRIVATE KEY"));

    Path legacy = temp.resolve("legacy-encrypted.key");
    try (JcaPEMWriter writer = new JcaPEMWriter(Files.newBufferedWriter(legacy))) {
      writer.writeObject(keys, new JcePEMEncryptorBuilder("AES-128-CBC").setProvider(bc).build("secret".toCharArray()));
    }
    assertTrue(Files.readString(legacy).contains("Proc-Type: 4,ENCRYPTED"));

    for (Path key : List.of(pkcs8, legacy)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TlsMaterial.fromPem(crt, key));
      assertTrue(e.getMessage().contains(key.toString()), e.getMessage());
      assertTrue(e.getMessage().contains("encrypted"), e.getMessage());
    }
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
    assertTrue(result.clientSession.getProtocol().startsWith("TLSv1."), result.clientSession.getProtocol());
    if (host.equals("localhost")) {
      assertEquals(List.of(new SNIHostName("localhost")), result.serverNames, "server saw the SNI name");
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

    // Trust exactly what a client given the CA file (GIT_SSL_CAINFO) would trust.
    KeyStore trusted = KeyStore.getInstance("PKCS12");
    trusted.load(null, null);
    int i = 0;
    for (X509Certificate cert : readCertificates(material.certificateFile())) {
      trusted.setCertificateEntry("ca" + i++, cert);
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trusted);
    SSLContext clientContext = SSLContext.getInstance("TLS");
    clientContext.init(null, tmf.getTrustManagers(), null);

    InetAddress loopback = InetAddress.getByName("127.0.0.1");
    ExecutorService executor = Executors.newSingleThreadExecutor();
    try (SSLServerSocket server = (SSLServerSocket) serverContext.getServerSocketFactory()
        .createServerSocket(0, 1, loopback)) {
      server.setSoTimeout(SOCKET_TIMEOUT_MS);
      Future<List<SNIServerName>> served = executor.submit(() -> {
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
        try (SSLSocket client = (SSLSocket) clientContext.getSocketFactory()
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
      assertTrue(executor.awaitTermination(SOCKET_TIMEOUT_MS, TimeUnit.MILLISECONDS), "server thread stopped");
    }
  }

  // ---------------------------------------------------------------------------------------
  // Helpers
  // ---------------------------------------------------------------------------------------

  private static KeyPair ecKeyPair() throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp256r1"));
    return generator.generateKeyPair();
  }

  /** Writes an RSA certificate (with localhost SANs) and its key as PKCS#1 ("RSA PRIVATE KEY"). */
  private static Path[] writeRsaPkcs1Pair(Path dir) throws Exception {
    Files.createDirectories(dir);
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    KeyPair keys = generator.generateKeyPair();
    X509Certificate cert = certificate(keys, "CN=localhost", keys, "CN=localhost", false);
    Path crt = writePem(dir.resolve("rsa.crt"), cert);
    Path key = writePem(dir.resolve("rsa.key"), keys); // JcaPEMWriter writes a KeyPair as PKCS#1
    return new Path[] {crt, key};
  }

  private static X509Certificate certificate(KeyPair subjectKeys, String subject, KeyPair issuerKeys, String issuer,
      boolean ca) throws Exception {
    Instant now = Instant.now();
    X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
        new X500Name(issuer), BigInteger.valueOf(now.toEpochMilli()),
        Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(1))),
        new X500Name(subject), subjectKeys.getPublic())
        .addExtension(Extension.basicConstraints, true, new BasicConstraints(ca));
    if (ca) {
      builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    } else {
      builder.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
          .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
              new GeneralName(GeneralName.dNSName, "localhost"),
              new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
          }));
    }
    String algorithm = issuerKeys.getPrivate().getAlgorithm().equals("RSA") ? "SHA256withRSA" : "SHA256withECDSA";
    return new JcaX509CertificateConverter().getCertificate(
        builder.build(new JcaContentSignerBuilder(algorithm).build(issuerKeys.getPrivate())));
  }

  private static Path writePem(Path file, Object... objects) throws IOException {
    StringWriter out = new StringWriter();
    try (JcaPEMWriter writer = new JcaPEMWriter(out)) {
      for (Object object : objects) {
        writer.writeObject(object);
      }
    }
    return Files.writeString(file, out.toString(), StandardCharsets.US_ASCII);
  }

  private static List<X509Certificate> readCertificates(Path file) throws Exception {
    try (InputStream in = Files.newInputStream(file)) {
      Collection<? extends Certificate> certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
      List<X509Certificate> result = new ArrayList<>();
      for (Certificate cert : certs) {
        result.add((X509Certificate) cert);
      }
      return result;
    }
  }

  /** The DER bytes of the single PEM block in {@code file}. */
  private static byte[] pemBody(Path file) throws IOException {
    String base64 = Files.readAllLines(file).stream()
        .filter(line -> !line.startsWith("-----"))
        .collect(Collectors.joining());
    return Base64.getDecoder().decode(base64);
  }
}
