package dev.portcullis.gateway.tls;

import static dev.portcullis.gateway.tls.PemFixtures.readCertificates;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link TlsMaterial#selfSigned(Path)}: the certificate {@link TlsSelfSignedGenerator} makes, the
 * files it writes, and when it reuses them instead.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TlsSelfSignedGeneratorTest {

  private static final String SERVER_AUTH_OID = "1.3.6.1.5.5.7.3.1";
  private static final int SAN_DNS = 2;
  private static final int SAN_IP = 7;

  @TempDir Path temp;

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
      assertEquals(
          Set.of("gateway.crt", "gateway.key"),
          files.map(p -> p.getFileName().toString()).collect(Collectors.toSet()));
    }
    // The written certificate is the one in memory.
    assertEquals(material.certificate(), readCertificates(crt).get(0));
  }

  @Test
  void keyFileIsOwnerReadWriteOnly() throws Exception {
    assumeTrue(
        temp.getFileSystem().supportedFileAttributeViews().contains("posix"),
        "needs a POSIX file system");

    TlsMaterial.selfSigned(temp);

    assertEquals(
        "rw-------",
        PosixFilePermissions.toString(Files.getPosixFilePermissions(temp.resolve("gateway.key"))));
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
    assertEquals(
        Set.of(
            SAN_DNS + ":localhost",
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
    assertTrue(
        notBefore.isBefore(now.minus(Duration.ofHours(23))), "backdated by a day: " + notBefore);
    assertTrue(
        notBefore.isAfter(now.minus(Duration.ofHours(25))), "backdated by a day: " + notBefore);
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
    assertNotEquals(
        first.keyStorePassword(), second.keyStorePassword(), "password is per instance");
  }

  @Test
  void missingCertificateMeansRegeneration() throws Exception {
    // As after a crash between writing the key and the certificate.
    TlsMaterial first = TlsMaterial.selfSigned(temp);
    Files.delete(temp.resolve("gateway.crt"));

    TlsMaterial second = TlsMaterial.selfSigned(temp);

    assertNotEquals(first.fingerprintSha256(), second.fingerprintSha256());
    TlsMaterial reloaded =
        TlsMaterial.fromPem(temp.resolve("gateway.crt"), temp.resolve("gateway.key"));
    assertEquals(second.fingerprintSha256(), reloaded.fingerprintSha256());
  }

  @Test
  void brokenExistingFilesAreReportedNotOverwritten() throws Exception {
    Path crt = temp.resolve("gateway.crt");
    Files.writeString(crt, "not a certificate\n");
    Files.writeString(temp.resolve("gateway.key"), "not a key\n");

    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> TlsMaterial.selfSigned(temp));

    assertTrue(e.getMessage().contains(crt.toString()), e.getMessage());
    assertEquals("not a certificate\n", Files.readString(crt));
  }
}
