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
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;
import java.util.EnumSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
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
 * The gateway's TLS identity: a private key, its certificate chain, and the PEM file that holds
 * the certificate.
 *
 * <p>Instances come from {@link #selfSigned(Path)}, which creates (once) and then reuses a
 * self-signed certificate for {@code localhost}, or from {@link #fromPem(Path, Path)}, which
 * loads an operator-supplied certificate and key. The material is handed to the HTTPS server
 * through {@link #keyStore()} / {@link #keyStorePassword()}; clients are pointed at
 * {@link #certificateFile()} as their CA file (for example {@code GIT_SSL_CAINFO}).
 *
 * <p>BouncyCastle is used only to parse PEM and to build the certificate; all keys, certificates
 * and signatures are produced by the JDK's own providers, and BouncyCastle is never registered as
 * a global JCA provider, so the JDK's TLS stack is left untouched.
 *
 * <p>Instances are immutable and thread-safe. {@link #toString()} never reveals key material.
 */
public final class TlsMaterial {

  private static final Logger LOG = LoggerFactory.getLogger(TlsMaterial.class);

  /** File name of the generated certificate inside the TLS directory. */
  public static final String CERTIFICATE_FILE_NAME = "gateway.crt";
  /** File name of the generated private key inside the TLS directory. */
  public static final String KEY_FILE_NAME = "gateway.key";
  /** Alias of the key entry in {@link #keyStore()}. */
  public static final String KEY_ALIAS = "gateway";

  /** Certificate lifetime: 825 days is the longest lifetime Apple platforms accept for a TLS server certificate. */
  static final Duration SELF_SIGNED_VALIDITY = Duration.ofDays(825);
  /** Backdating absorbs clock skew between the gateway and its clients. */
  static final Duration SELF_SIGNED_BACKDATE = Duration.ofDays(1);

  private static final Set<PosixFilePermission> OWNER_READ_WRITE =
      EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

  /** Serialises generation within this JVM, so two callers never interleave writes of key and certificate. */
  private static final Object GENERATION_LOCK = new Object();

  private static final SecureRandom RANDOM = new SecureRandom();

  private final Path certificateFile;
  private final List<X509Certificate> chain;
  private final PrivateKey privateKey;
  private final String keyStorePassword;
  private final String fingerprintSha256;

  TlsMaterial(Path certificateFile, List<X509Certificate> chain, PrivateKey privateKey) {
    this.certificateFile = certificateFile;
    this.chain = List.copyOf(chain);
    this.privateKey = privateKey;
    this.keyStorePassword = randomPassword();
    this.fingerprintSha256 = fingerprint(chain.get(0));
  }

  // ------------------------------------------------------------------------------------------
  // Factories
  // ------------------------------------------------------------------------------------------

  /**
   * Returns the self-signed TLS material kept in {@code tlsDir}, creating it on first use.
   *
   * <p>If both {@code tlsDir/gateway.crt} and {@code tlsDir/gateway.key} exist they are loaded
   * exactly as by {@link #fromPem(Path, Path)} (so a broken pair is reported, never silently
   * replaced). Otherwise the directory is created and a new EC P-256 key pair and a self-signed
   * certificate for {@code localhost}, {@code 127.0.0.1} and {@code ::1} (valid from one day ago
   * for 825 days) are generated and written: the certificate as PEM to {@code gateway.crt}, the
   * key as unencrypted PKCS#8 PEM to {@code gateway.key}, the latter readable by the owner only
   * where the file system supports POSIX permissions. Each file is written to a temporary file
   * in the same directory, flushed to disk and then renamed into place, so a crash never leaves
   * a partially written file behind.
   *
   * @param tlsDir directory that holds (or will hold) {@code gateway.crt} and {@code gateway.key}
   * @return the loaded or newly generated material
   * @throws IllegalArgumentException if existing files cannot be loaded (see {@link #fromPem(Path, Path)})
   * @throws UncheckedIOException if the directory or the files cannot be created or written
   */
  public static TlsMaterial selfSigned(Path tlsDir) {
    Objects.requireNonNull(tlsDir, "tlsDir");
    Path certFile = tlsDir.resolve(CERTIFICATE_FILE_NAME);
    Path keyFile = tlsDir.resolve(KEY_FILE_NAME);
    synchronized (GENERATION_LOCK) {
      if (Files.exists(certFile) && Files.exists(keyFile)) {
        return fromPem(certFile, keyFile);
      }
      return generate(tlsDir, certFile, keyFile);
    }
  }

  /**
   * Loads a certificate chain and its private key from PEM files.
   *
   * <p>{@code certFile} must contain one or more {@code CERTIFICATE} blocks, leaf first, each
   * following certificate certifying the one before (other blocks, such as a key in a combined
   * file, are ignored). {@code keyFile} must contain exactly one unencrypted private key as
   * PKCS#8 ({@code PRIVATE KEY}), PKCS#1 RSA ({@code RSA PRIVATE KEY}) or SEC1 EC
   * ({@code EC PRIVATE KEY}); certificates and {@code EC PARAMETERS} blocks in it are ignored,
   * so a combined file may be passed as both arguments. The key must belong to the first
   * certificate.
   *
   * @param certFile PEM file with the certificate chain; also what {@link #certificateFile()} returns
   * @param keyFile PEM file with the private key
   * @return the loaded material
   * @throws IllegalArgumentException if a file is missing or unreadable, holds no usable
   *     certificate or key, holds an encrypted key, or the key does not match the certificate;
   *     the message names the file and the problem but never contains key material
   */
  public static TlsMaterial fromPem(Path certFile, Path keyFile) {
    Objects.requireNonNull(certFile, "certFile");
    Objects.requireNonNull(keyFile, "keyFile");
    return TlsPemReader.read(certFile, keyFile);
  }

  // ------------------------------------------------------------------------------------------
  // Accessors
  // ------------------------------------------------------------------------------------------

  /**
   * Returns a new in-memory PKCS#12 key store holding the private key and the certificate chain
   * under the alias {@value #KEY_ALIAS}, protected by {@link #keyStorePassword()} (both as store
   * and as key password). Each call returns a fresh store, so callers may modify it freely.
   *
   * @return the key store, never persisted anywhere
   */
  public KeyStore keyStore() {
    try {
      KeyStore store = KeyStore.getInstance("PKCS12");
      store.load(null, null);
      store.setKeyEntry(KEY_ALIAS, privateKey, keyStorePassword.toCharArray(),
          chain.toArray(new X509Certificate[0]));
      return store;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot build the in-memory PKCS12 key store", e);
    }
  }

  /**
   * Returns the password of the stores built by {@link #keyStore()}. It is random per instance
   * and only protects the in-memory store; it is not a secret worth guarding beyond that.
   *
   * @return the key store and key entry password
   */
  public String keyStorePassword() {
    return keyStorePassword;
  }

  /**
   * Returns the absolute path of the PEM certificate file, suitable as a client's CA file
   * (for example {@code GIT_SSL_CAINFO} or {@code curl --cacert}).
   *
   * @return the certificate file path
   */
  public Path certificateFile() {
    return certificateFile;
  }

  /**
   * Returns the leaf (server) certificate.
   *
   * @return the first certificate of the chain
   */
  public X509Certificate certificate() {
    return chain.get(0);
  }

  /**
   * Returns the whole certificate chain, leaf first.
   *
   * @return an unmodifiable list with at least one element
   */
  public List<X509Certificate> certificateChain() {
    return chain;
  }

  /**
   * Returns the SHA-256 fingerprint of the DER-encoded leaf certificate, as upper-case hex
   * bytes separated by colons, the format of {@code openssl x509 -noout -fingerprint -sha256}.
   *
   * @return for example {@code "3F:A1:...:09"} (32 bytes)
   */
  public String fingerprintSha256() {
    return fingerprintSha256;
  }

  /** Describes the certificate only; the private key and the password are never included. */
  @Override
  public String toString() {
    X509Certificate leaf = chain.get(0);
    return "TlsMaterial[subject=" + leaf.getSubjectX500Principal().getName()
        + ", keyAlgorithm=" + privateKey.getAlgorithm()
        + ", notAfter=" + leaf.getNotAfter().toInstant()
        + ", sha256=" + fingerprintSha256
        + ", certificateFile=" + certificateFile + "]";
  }

  // ------------------------------------------------------------------------------------------
  // Generation
  // ------------------------------------------------------------------------------------------

  private static TlsMaterial generate(Path tlsDir, Path certFile, Path keyFile) {
    try {
      Files.createDirectories(tlsDir);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create TLS directory " + tlsDir + ": " + TlsPemReader.describe(e), e);
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

    TlsMaterial material = new TlsMaterial(certFile.toAbsolutePath(), List.of(certificate), keyPair.getPrivate());
    LOG.info("Generated self-signed TLS certificate {} (SHA-256 fingerprint {}), key in {}",
        material.certificateFile, material.fingerprintSha256, keyFile);
    return material;
  }

  private static X509Certificate selfSignedCertificate(KeyPair keyPair, String signatureAlgorithm, int keyUsage)
      throws GeneralSecurityException, OperatorCreationException, IOException {
    // Built most-significant RDN first (O, then CN), as DER wants; this prints as
    // "CN=localhost,O=Portcullis" in Java (RFC 2253 order) and "O = Portcullis, CN = localhost" in openssl.
    X500Name name = new X500NameBuilder(BCStyle.INSTANCE)
        .addRDN(BCStyle.O, "Portcullis")
        .addRDN(BCStyle.CN, "localhost")
        .build();
    Instant now = Instant.now().truncatedTo(ChronoUnit.SECONDS);
    Date notBefore = Date.from(now.minus(SELF_SIGNED_BACKDATE));
    Date notAfter = Date.from(now.plus(SELF_SIGNED_VALIDITY));
    // Random, positive, and at most 20 octets as RFC 5280 requires; setting the top bit keeps the length fixed.
    BigInteger serial = new BigInteger(127, RANDOM).setBit(126);

    JcaX509ExtensionUtils extensionUtils = new JcaX509ExtensionUtils();
    X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(
        name, serial, notBefore, notAfter, name, keyPair.getPublic())
        .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
        .addExtension(Extension.keyUsage, true, new KeyUsage(keyUsage))
        .addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(KeyPurposeId.id_kp_serverAuth))
        // Host name verification (Jetty's SNI check, JSSE, curl) only looks at SANs, never at the CN.
        .addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
            new GeneralName(GeneralName.dNSName, "localhost"),
            new GeneralName(GeneralName.iPAddress, "127.0.0.1"),
            new GeneralName(GeneralName.iPAddress, "::1"),
        }))
        .addExtension(Extension.subjectKeyIdentifier, false,
            extensionUtils.createSubjectKeyIdentifier(keyPair.getPublic()))
        .addExtension(Extension.authorityKeyIdentifier, false,
            extensionUtils.createAuthorityKeyIdentifier(keyPair.getPublic()));

    // The JDK's providers sign and parse; BouncyCastle only assembles the ASN.1 structure.
    ContentSigner signer = new JcaContentSignerBuilder(signatureAlgorithm)
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
   * then renames it over {@code target}: readers see either the old file or the complete new one.
   * A secret file is created with mode 0600 from the start (where POSIX permissions exist), so
   * there is no moment when the key is readable by others.
   */
  private static void writeAtomically(Path target, byte[] content, boolean secret) {
    Path dir = target.toAbsolutePath().getParent();
    Path temp = dir.resolve("." + target.getFileName() + "." + Long.toUnsignedString(RANDOM.nextLong(), 36) + ".tmp");
    boolean posix = dir.getFileSystem().supportedFileAttributeViews().contains("posix");
    Set<OpenOption> options = Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
    FileAttribute<?>[] attributes = secret && posix
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
        Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
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

  /** Makes the rename durable. Opening a directory works on Linux and macOS; elsewhere this is skipped. */
  private static void syncDirectory(Path dir) {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException | RuntimeException e) {
      LOG.debug("Cannot sync directory {}: {}", dir, e.toString());
    }
  }

  // ------------------------------------------------------------------------------------------
  // Helpers
  // ------------------------------------------------------------------------------------------

  private static String fingerprint(X509Certificate certificate) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(certificate.getEncoded());
      return HexFormat.ofDelimiter(":").withUpperCase().formatHex(digest);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot compute a SHA-256 certificate fingerprint", e);
    }
  }

  private static String randomPassword() {
    byte[] bytes = new byte[24];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
