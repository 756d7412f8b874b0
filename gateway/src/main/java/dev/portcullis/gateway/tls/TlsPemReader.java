package dev.portcullis.gateway.tls;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.X509TrustedCertificateBlock;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads TLS material from PEM files: a certificate chain, leaf first, and the unencrypted private
 * key of its first certificate, in the formats {@link TlsMaterial#fromPem(Path, Path)} documents.
 *
 * <p>Every refusal is an {@link IllegalArgumentException} that names the file and the problem and
 * never contains key material. A certificate outside (or near the end of) its validity and a key
 * file that group or others can read are loaded, with a warning.
 *
 * <p>BouncyCastle only parses PEM and ASN.1 here; keys and certificates are made by the JDK's
 * providers.
 */
final class TlsPemReader {
  // These lines are about loading TLS material, and were always logged as TlsMaterial's: keeping
  // the logger name keeps the log output and any log configuration that selects it unchanged.
  private static final Logger LOG = LoggerFactory.getLogger(TlsMaterial.class);

  /**
   * PEM inputs are small; anything bigger than this is certainly not what we were asked to read.
   */
  private static final long MAX_PEM_FILE_SIZE = 1024 * 1024;

  private static final SecureRandom RANDOM = new SecureRandom();

  private TlsPemReader() {}

  /**
   * Loads a certificate chain and its key and checks that they belong together.
   *
   * @param certFile PEM file with the certificate chain, leaf first
   * @param keyFile PEM file with the private key (may be {@code certFile} itself)
   * @return the material, whose {@link TlsMaterial#certificateFile()} is {@code certFile} made
   *     absolute
   * @throws IllegalArgumentException as described by {@link TlsMaterial#fromPem(Path, Path)}
   */
  static TlsMaterial read(Path certFile, Path keyFile) {
    List<X509Certificate> chain = readCertificates(certFile);
    PrivateKey key = readPrivateKey(keyFile);
    requireMatchingKey(chain.get(0), key, certFile, keyFile);
    warnIfNotCurrentlyValid(chain.get(0), certFile);
    warnIfKeyFileIsExposed(keyFile);
    return new TlsMaterial(certFile.toAbsolutePath(), chain, key);
  }

  private static List<X509Certificate> readCertificates(Path certFile) {
    byte[] bytes = readSmallFile(certFile, "certificate");
    List<X509Certificate> certificates = new ArrayList<>();
    JcaX509CertificateConverter converter = new JcaX509CertificateConverter();
    try (PEMParser parser = new PEMParser(asciiReader(bytes))) {
      Object object;
      while ((object = parser.readObject()) != null) {
        X509CertificateHolder holder = null;
        if (object instanceof X509CertificateHolder) {
          holder = (X509CertificateHolder) object;
        } else if (object instanceof X509TrustedCertificateBlock) {
          holder =
              ((X509TrustedCertificateBlock) object)
                  .getCertificateHolder(); // "TRUSTED CERTIFICATE"
        }
        if (holder != null) {
          certificates.add(converter.getCertificate(holder));
        }
      }
    } catch (IOException | CertificateException | RuntimeException e) {
      // BouncyCastle reports malformed base64 or ASN.1 partly through runtime exceptions.
      throw new IllegalArgumentException(
          "TLS certificate file "
              + certFile
              + " does not contain valid PEM certificates: "
              + describe(e),
          e);
    }
    if (certificates.isEmpty()) {
      throw new IllegalArgumentException(
          "TLS certificate file " + certFile + " contains no PEM CERTIFICATE block");
    }
    for (int i = 1; i < certificates.size(); i++) {
      X509Certificate child = certificates.get(i - 1);
      X509Certificate parent = certificates.get(i);
      if (!child.getIssuerX500Principal().equals(parent.getSubjectX500Principal())) {
        throw new IllegalArgumentException(
            "TLS certificate file "
                + certFile
                + ": certificate #"
                + (i + 1)
                + " ("
                + parent.getSubjectX500Principal().getName()
                + ") is not the issuer of certificate #"
                + i
                + " (issued by "
                + child.getIssuerX500Principal().getName()
                + "); the chain must be ordered leaf first");
      }
    }
    return certificates;
  }

  private static PrivateKey readPrivateKey(Path keyFile) {
    byte[] bytes = readSmallFile(keyFile, "private key");
    List<Object> objects = new ArrayList<>();
    try (PEMParser parser = new PEMParser(asciiReader(bytes))) {
      Object object;
      while ((object = parser.readObject()) != null) {
        objects.add(object);
      }
    } catch (IOException | RuntimeException e) {
      throw unreadableKey(keyFile, e);
    } finally {
      Arrays.fill(bytes, (byte) 0);
    }

    JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
    PrivateKey key = null;
    for (Object object : objects) {
      if (object instanceof PEMEncryptedKeyPair || object instanceof PKCS8EncryptedPrivateKeyInfo) {
        throw new IllegalArgumentException(
            "TLS private key file "
                + keyFile
                + " holds an encrypted private key, which is not supported;"
                + " store it unencrypted (for example: openssl pkey -in <encrypted> -out <plain>)"
                + " and protect the file with permissions 0600 instead");
      }
      PrivateKeyInfo info;
      if (object instanceof PEMKeyPair) { // "RSA PRIVATE KEY" (PKCS#1), "EC PRIVATE KEY" (SEC1)
        // Only the private half: SEC1 makes the embedded public key optional (RFC 5915), and
        // JcaPEMKeyConverter.getKeyPair fails when it is absent.
        info = ((PEMKeyPair) object).getPrivateKeyInfo();
      } else if (object instanceof PrivateKeyInfo) { // "PRIVATE KEY" (PKCS#8)
        info = (PrivateKeyInfo) object;
      } else {
        continue; // EC PARAMETERS, certificates of a combined file, public keys: not ours to judge
      }
      if (X9ObjectIdentifiers.id_ecPublicKey.equals(info.getPrivateKeyAlgorithm().getAlgorithm())
          && info.getPrivateKeyAlgorithm().getParameters() == null) {
        // Some writers omit the curve from an EC PRIVATE KEY block; the key cannot be used without
        // it.
        throw new IllegalArgumentException(
            "TLS private key file "
                + keyFile
                + " holds an EC private key without its curve parameters;"
                + " write it with the curve included (for example as PKCS#8: openssl pkcs8 -topk8 -nocrypt)");
      }
      PrivateKey found;
      try {
        found = converter.getPrivateKey(info);
      } catch (IOException | RuntimeException e) {
        throw unreadableKey(keyFile, e);
      }
      if (key != null) {
        throw new IllegalArgumentException(
            "TLS private key file " + keyFile + " contains more than one private key");
      }
      key = found;
    }
    if (key == null) {
      throw new IllegalArgumentException(
          "TLS private key file "
              + keyFile
              + " contains no private key (expected a PEM PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY block)");
    }
    return key;
  }

  private static IllegalArgumentException unreadableKey(Path keyFile, Exception e) {
    // Only the exception type is reported: parser messages are not guaranteed to be free of key
    // data.
    // The cause is not chained for the same reason.
    return new IllegalArgumentException(
        "TLS private key file "
            + keyFile
            + " does not contain a valid PEM private key ("
            + e.getClass().getSimpleName()
            + ")");
  }

  private static byte[] readSmallFile(Path file, String what) {
    try {
      if (!Files.isRegularFile(file)) {
        throw new IllegalArgumentException(
            "TLS "
                + what
                + " file "
                + file
                + (Files.exists(file) ? " is not a regular file" : " does not exist"));
      }
      if (Files.size(file) > MAX_PEM_FILE_SIZE) {
        throw new IllegalArgumentException(
            "TLS "
                + what
                + " file "
                + file
                + " is larger than "
                + MAX_PEM_FILE_SIZE
                + " bytes, which is not a plausible PEM file");
      }
      return Files.readAllBytes(file);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("TLS " + what + " file " + file + " does not exist", e);
    } catch (AccessDeniedException e) {
      throw new IllegalArgumentException(
          "TLS " + what + " file " + file + " is not readable (access denied)", e);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "TLS " + what + " file " + file + " cannot be read: " + describe(e), e);
    }
  }

  /**
   * PEM is ASCII; decoding that way (with replacement) means binary junk yields "no PEM block", not
   * a charset error.
   */
  private static Reader asciiReader(byte[] bytes) {
    return new InputStreamReader(new ByteArrayInputStream(bytes), StandardCharsets.US_ASCII);
  }

  /**
   * Proves the key belongs to the certificate by signing a random challenge and verifying it with
   * the certificate's public key; this works for every key type without type-specific math.
   */
  private static void requireMatchingKey(
      X509Certificate certificate, PrivateKey key, Path certFile, Path keyFile) {
    PublicKey publicKey = certificate.getPublicKey();
    String algorithm = signatureAlgorithmFor(key);
    if (algorithm == null) {
      throw new IllegalArgumentException(
          "TLS private key file "
              + keyFile
              + " holds a "
              + key.getAlgorithm()
              + " key, which is not supported (use an RSA, EC or EdDSA key)");
    }
    boolean matches;
    try {
      byte[] challenge = new byte[32];
      RANDOM.nextBytes(challenge);
      Signature signer = Signature.getInstance(algorithm);
      signer.initSign(key);
      signer.update(challenge);
      byte[] signature = signer.sign();
      Signature verifier = Signature.getInstance(algorithm);
      verifier.initVerify(publicKey);
      verifier.update(challenge);
      matches = verifier.verify(signature);
    } catch (GeneralSecurityException | RuntimeException e) {
      // Typically an InvalidKeyException: the certificate holds a different kind of key.
      matches = false;
    }
    if (!matches) {
      throw new IllegalArgumentException(
          "TLS private key file "
              + keyFile
              + " ("
              + key.getAlgorithm()
              + " key) does not match the public key ("
              + publicKey.getAlgorithm()
              + ") of the first certificate in "
              + certFile);
    }
  }

  private static String signatureAlgorithmFor(PrivateKey key) {
    switch (key.getAlgorithm()) {
      case "RSA":
        return "SHA256withRSA";
      case "EC":
      case "ECDSA":
        return "SHA256withECDSA";
      case "Ed25519":
      case "Ed448":
      case "EdDSA":
        return key.getAlgorithm();
      default:
        return null;
    }
  }

  private static void warnIfNotCurrentlyValid(X509Certificate certificate, Path certFile) {
    Instant now = Instant.now();
    Instant notAfter = certificate.getNotAfter().toInstant();
    Instant notBefore = certificate.getNotBefore().toInstant();
    if (now.isAfter(notAfter)) {
      LOG.warn(
          "TLS certificate in {} expired on {}; clients will refuse it"
              + " (delete it and its key to have a self-signed one regenerated)",
          certFile,
          notAfter);
    } else if (now.isBefore(notBefore)) {
      LOG.warn(
          "TLS certificate in {} is not valid before {}; check the system clock",
          certFile,
          notBefore);
    } else if (now.plus(Duration.ofDays(30)).isAfter(notAfter)) {
      LOG.warn("TLS certificate in {} expires on {}", certFile, notAfter);
    }
  }

  private static void warnIfKeyFileIsExposed(Path keyFile) {
    try {
      if (!keyFile.getFileSystem().supportedFileAttributeViews().contains("posix")) {
        return;
      }
      Set<PosixFilePermission> permissions =
          Files.getPosixFilePermissions(keyFile, LinkOption.NOFOLLOW_LINKS);
      if (permissions.stream()
          .anyMatch(p -> p.name().startsWith("GROUP_") || p.name().startsWith("OTHERS_"))) {
        LOG.warn(
            "TLS private key file {} is accessible by group or others (mode {}); use chmod 600",
            keyFile,
            PosixFilePermissions.toString(permissions));
      }
    } catch (IOException | UnsupportedOperationException e) {
      LOG.debug("Cannot check permissions of {}: {}", keyFile, e.toString());
    }
  }

  /**
   * Words an I/O failure for this package's messages. The JDK's file exceptions carry only the path
   * as their message, so for those the exception type is named as well.
   */
  static String describe(Exception e) {
    if (e instanceof FileAlreadyExistsException
        || e instanceof NoSuchFileException
        || e instanceof AccessDeniedException) {
      return e.getClass().getSimpleName() + " (" + e.getMessage() + ")";
    }
    return e.getMessage() != null ? e.getMessage() : e.getClass().getSimpleName();
  }
}
