package dev.portcullis.gateway.tls;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;

/**
 * The gateway's TLS identity: a private key, its certificate chain, and the PEM file that holds the
 * certificate.
 *
 * <p>Instances come from {@link #selfSigned(Path)}, which creates (once) and then reuses a
 * self-signed certificate for {@code localhost}, or from {@link #fromPem(Path, Path)}, which loads
 * an operator-supplied certificate and key. The material is handed to the HTTPS server through
 * {@link #keyStore()} / {@link #keyStorePassword()}; clients are pointed at {@link
 * #certificateFile()} as their CA file (for example {@code git -c http.sslCAInfo=…}).
 *
 * <p>BouncyCastle is used only to parse PEM and to build the certificate; all keys, certificates
 * and signatures are produced by the JDK's own providers, and BouncyCastle is never registered as a
 * global JCA provider, so the JDK's TLS stack is left untouched.
 *
 * <p>Instances are immutable and thread-safe. {@link #toString()} never reveals key material.
 */
public final class TlsMaterial {

  /** File name of the generated certificate inside the TLS directory. */
  public static final String CERTIFICATE_FILE_NAME = "gateway.crt";

  /** File name of the generated private key inside the TLS directory. */
  public static final String KEY_FILE_NAME = "gateway.key";

  /** Alias of the key entry in {@link #keyStore()}. */
  public static final String KEY_ALIAS = "gateway";

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
   * for 825 days) are generated and written: the certificate as PEM to {@code gateway.crt}, the key
   * as unencrypted PKCS#8 PEM to {@code gateway.key}, the latter readable by the owner only where
   * the file system supports POSIX permissions. Each file is written to a temporary file in the
   * same directory, flushed to disk and then renamed into place, so a crash never leaves a
   * partially written file behind.
   *
   * @param tlsDir directory that holds (or will hold) {@code gateway.crt} and {@code gateway.key}
   * @return the loaded or newly generated material
   * @throws IllegalArgumentException if existing files cannot be loaded (see {@link #fromPem(Path,
   *     Path)})
   * @throws UncheckedIOException if the directory or the files cannot be created or written
   */
  public static TlsMaterial selfSigned(Path tlsDir) {
    Objects.requireNonNull(tlsDir, "tlsDir");
    return TlsSelfSignedGenerator.loadOrGenerate(tlsDir);
  }

  /**
   * Loads a certificate chain and its private key from PEM files.
   *
   * <p>{@code certFile} must contain one or more {@code CERTIFICATE} blocks, leaf first, each
   * following certificate certifying the one before (other blocks, such as a key in a combined
   * file, are ignored). {@code keyFile} must contain exactly one unencrypted private key as PKCS#8
   * ({@code PRIVATE KEY}), PKCS#1 RSA ({@code RSA PRIVATE KEY}) or SEC1 EC ({@code EC PRIVATE
   * KEY}); certificates and {@code EC PARAMETERS} blocks in it are ignored, so a combined file may
   * be passed as both arguments. The key must belong to the first certificate.
   *
   * @param certFile PEM file with the certificate chain; also what {@link #certificateFile()}
   *     returns
   * @param keyFile PEM file with the private key
   * @return the loaded material
   * @throws IllegalArgumentException if a file is missing or unreadable, holds no usable
   *     certificate or key, holds an encrypted key, or the key does not match the certificate; the
   *     message names the file and the problem but never contains key material
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
      store.setKeyEntry(
          KEY_ALIAS,
          privateKey,
          keyStorePassword.toCharArray(),
          chain.toArray(new X509Certificate[0]));
      return store;
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot build the in-memory PKCS12 key store", e);
    }
  }

  /**
   * Returns the password of the stores built by {@link #keyStore()}. It is random per instance and
   * only protects the in-memory store; it is not a secret worth guarding beyond that.
   *
   * @return the key store and key entry password
   */
  public String keyStorePassword() {
    return keyStorePassword;
  }

  /**
   * Returns the absolute path of the PEM certificate file, suitable as a client's CA file (for
   * example {@code git -c http.sslCAInfo=…} or {@code curl --cacert}).
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
   * Returns the SHA-256 fingerprint of the DER-encoded leaf certificate, as upper-case hex bytes
   * separated by colons, the format of {@code openssl x509 -noout -fingerprint -sha256}.
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
    return "TlsMaterial[subject="
        + leaf.getSubjectX500Principal().getName()
        + ", keyAlgorithm="
        + privateKey.getAlgorithm()
        + ", notAfter="
        + leaf.getNotAfter().toInstant()
        + ", sha256="
        + fingerprintSha256
        + ", certificateFile="
        + certificateFile
        + "]";
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
