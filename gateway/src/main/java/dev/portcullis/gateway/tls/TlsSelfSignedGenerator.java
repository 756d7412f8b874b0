package dev.portcullis.gateway.tls;

import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Date;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.util.io.pem.PemObject;
import org.bouncycastle.util.io.pem.PemWriter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates, once, the self-signed certificate the gateway serves when no certificate is configured,
 * and reuses it afterwards; the contract is {@link TlsMaterial#selfSigned(Path)}'s.
 *
 * <p>BouncyCastle only assembles the certificate's ASN.1 and writes PEM; the key pair and the
 * signature come from the JDK's providers, and BouncyCastle is never registered as a JCA provider.
 */
final class TlsSelfSignedGenerator {
  // The line announcing a new certificate was always logged as TlsMaterial's: keeping the logger
  // name keeps the log output and any log configuration that selects it unchanged.
  private static final Logger LOG = LoggerFactory.getLogger(TlsMaterial.class);

  /**
   * Certificate lifetime: 825 days is the longest lifetime Apple platforms accept for a TLS server
   * certificate.
   */
  static final Duration VALIDITY = Duration.ofDays(825);

  /** Backdating absorbs clock skew between the gateway and its clients. */
  static final Duration BACKDATE = Duration.ofDays(1);

  private static final Set<PosixFilePermission> OWNER_READ_WRITE =
      EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

  /**
   * Serialises generation within this JVM, so two callers never interleave writes of key and
   * certificate.
   */
  private static final Object GENERATION_LOCK = new Object();

  private static final SecureRandom RANDOM = new SecureRandom();

  private TlsSelfSignedGenerator() {}

  /**
   * Loads the pair in {@code tlsDir} if both files exist, otherwise generates and writes a new one.
   *
   * @param tlsDir directory that holds (or will hold) the certificate and key files
   * @return the loaded or newly generated material
   */
  static TlsMaterial loadOrGenerate(Path tlsDir) {
    Path certFile = tlsDir.resolve(TlsMaterial.CERTIFICATE_FILE_NAME);
    Path keyFile = tlsDir.resolve(TlsMaterial.KEY_FILE_NAME);
    synchronized (GENERATION_LOCK) {
      if (Files.exists(certFile) && Files.exists(keyFile)) {
        // An existing pair is loaded as an operator's would be: a broken one is reported, not
        // replaced.
        return TlsPemReader.read(certFile, keyFile);
      }
      return generate(tlsDir, certFile, keyFile);
    }
  }

  private static TlsMaterial generate(Path tlsDir, Path certFile, Path keyFile) {
    try {
      Files.createDirectories(tlsDir);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot create TLS directory " + tlsDir + ": " + TlsPemReader.describe(e), e);
    }

    KeyPair keyPair;
    X509Certificate certificate;
    try {
      // EC P-256: small, fast, and accepted by every TLS client git or curl may be built against.
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"), RANDOM);
      keyPair = generator.generateKeyPair();
      certificate = selfSignedCertificate(keyPair, "SHA256withECDSA", KeyUsage.digitalSignature);
    } catch (GeneralSecurityException | OperatorCreationException | IOException e) {
      throw new IllegalStateException("cannot generate a self-signed TLS certificate", e);
    }

    byte[] keyDer = keyPair.getPrivate().getEncoded();
    byte[] keyPem = null;
    try {
      keyPem = pem("PRIVATE KEY", keyDer);
      byte[] certPem = pem("CERTIFICATE", certificate.getEncoded());
      // Key first: loading needs both files, so a crash between the two renames leaves the
      // certificate missing and the next start simply generates a fresh pair.
      writeAtomically(keyFile, keyPem, true);
      writeAtomically(certFile, certPem, false);
    } catch (CertificateException e) {
      throw new IllegalStateException("cannot encode the generated certificate", e);
    } finally {
      Arrays.fill(keyDer, (byte) 0);
      if (keyPem != null) {
        Arrays.fill(keyPem, (byte) 0);
      }
    }

    TlsMaterial material =
        new TlsMaterial(certFile.toAbsolutePath(), List.of(certificate), keyPair.getPrivate());
    LOG.info(
        "Generated self-signed TLS certificate {} (SHA-256 fingerprint {}), key in {}",
        material.certificateFile(),
        material.fingerprintSha256(),
        keyFile);
    return material;
  }

  private static X509Certificate selfSignedCertificate(
      KeyPair keyPair, String signatureAlgorithm, int keyUsage)
      throws GeneralSecurityException, OperatorCreationException, IOException {
    // Built most-significant RDN first (O, then CN), as DER wants; this prints as
    // "CN=localhost,O=Portcullis" in Java (RFC 2253 order) and "O = Portcullis, CN = localhost" in
    // openssl.
    X500Name name =
        new X500NameBuilder(BCStyle.INSTANCE)
            .addRDN(BCStyle.O, "Portcullis")
            .addRDN(BCStyle.CN, "localhost")
            .build();
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    Date notBefore = Date.from(now.minus(BACKDATE));
    Date notAfter = Date.from(now.plus(VALIDITY));
    // Random, positive, and at most 20 octets as RFC 5280 requires; setting the top bit keeps the
    // length fixed.
    BigInteger serial = new BigInteger(127, RANDOM).setBit(126);

    JcaX509ExtensionUtils extensionUtils = new JcaX509ExtensionUtils();
    X509v3CertificateBuilder builder =
        new JcaX509v3CertificateBuilder(
                name, serial, notBefore, notAfter, name, keyPair.getPublic())
            .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
            .addExtension(Extension.keyUsage, true, new KeyUsage(keyUsage))
            .addExtension(
                Extension.extendedKeyUsage,
                false,
                new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
            // Host name verification (Jetty's SNI check, JSSE, curl) only looks at SANs, never at
            // the CN.
            .addExtension(
                Extension.subjectAlternativeName,
                false,
                new GeneralNames(
                    new GeneralName[] {
                      new GeneralName(GeneralName.dNSName, "localhost"),
                      new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
                      new GeneralName(GeneralName.iPAddress, "::1"),
                    }))
            .addExtension(
                Extension.subjectKeyIdentifier,
                false,
                extensionUtils.createSubjectKeyIdentifier(keyPair.getPublic()))
            .addExtension(
                Extension.authorityKeyIdentifier,
                false,
                extensionUtils.createAuthorityKeyIdentifier(keyPair.getPublic()));

    // The JDK's providers sign and parse; BouncyCastle only assembles the ASN.1 structure.
    ContentSigner signer =
        new JcaContentSignerBuilder(signatureAlgorithm)
            .setSecureRandom(RANDOM)
            .build(keyPair.getPrivate());
    X509CertificateHolder holder = builder.build(signer);
    X509Certificate certificate = new JcaX509CertificateConverter().getCertificate(holder);
    certificate.verify(keyPair.getPublic());
    return certificate;
  }

  private static byte[] pem(String type, byte[] der) {
    StringWriter out = new StringWriter();
    try (PemWriter writer = new PemWriter(out)) {
      writer.writeObject(new PemObject(type, der));
    } catch (IOException e) {
      throw new UncheckedIOException(e); // cannot happen with a StringWriter
    }
    return out.toString().getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * Writes {@code content} to a fresh temporary file next to {@code target}, forces it to disk,
   * then renames it over {@code target}: readers see either the old file or the complete new one. A
   * secret file is created with mode 0600 from the start (where POSIX permissions exist), so there
   * is no moment when the key is readable by others.
   */
  private static void writeAtomically(Path target, byte[] content, boolean secret) {
    Path dir = target.toAbsolutePath().getParent();
    Path temp =
        dir.resolve(
            "."
                + target.getFileName()
                + "."
                + Long.toUnsignedString(RANDOM.nextLong(), 36)
                + ".tmp");
    boolean posix = dir.getFileSystem().supportedFileAttributeViews().contains("posix");
    Set<OpenOption> options = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    FileAttribute<?>[] attributes =
        secret && posix
            ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(OWNER_READ_WRITE)}
            : new FileAttribute<?>[0];
    try {
      try (FileChannel channel = FileChannel.open(temp, options, attributes)) {
        ByteBuffer buffer = ByteBuffer.wrap(content);
        while (buffer.hasRemaining()) {
          channel.write(buffer);
        }
        channel.force(true);
      }
      if (secret && posix) {
        // The umask can only remove bits, but be exact about what the key file allows.
        Files.setPosixFilePermissions(temp, OWNER_READ_WRITE);
      }
      try {
        Files.move(
            temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
      }
      syncDirectory(dir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write " + target + ": " + TlsPemReader.describe(e), e);
    } finally {
      try {
        Files.deleteIfExists(temp);
      } catch (IOException e) {
        LOG.warn("Cannot delete temporary file {}: {}", temp, TlsPemReader.describe(e));
      }
    }
  }

  /**
   * Makes the rename durable. Opening a directory works on Linux and macOS; elsewhere this is
   * skipped.
   */
  private static void syncDirectory(Path dir) {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException | RuntimeException e) {
      LOG.debug("Cannot sync directory {}: {}", dir, e.toString());
    }
  }
}
