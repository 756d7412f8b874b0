package dev.portcullis.gateway.tls;

import static dev.portcullis.gateway.tls.PemFixtures.certificate;
import static dev.portcullis.gateway.tls.PemFixtures.ecKeyPair;
import static dev.portcullis.gateway.tls.PemFixtures.pemBody;
import static dev.portcullis.gateway.tls.PemFixtures.writePem;
import static dev.portcullis.gateway.tls.PemFixtures.writeRsaPkcs1Pair;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.bouncycastle.asn1.ASN1ObjectIdentifier;
import org.bouncycastle.jce.provider.BouncyCastleProvider;
import org.bouncycastle.openssl.PKCS8Generator;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.openssl.jcajce.JceOpenSSLPKCS8EncryptorBuilder;
import org.bouncycastle.openssl.jcajce.JcePEMEncryptorBuilder;
import org.bouncycastle.util.io.pem.PemObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link TlsMaterial#fromPem(Path, Path)}: the PEM formats {@link TlsPemReader} accepts, and how it
 * refuses everything else without revealing key material.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TlsPemReaderTest {

  private static final ASN1ObjectIdentifier SECP256R1 =
      new ASN1ObjectIdentifier("1.2.840.10045.3.1.7");

  @TempDir Path temp;

  @Test
  void fromPemRoundTripsGeneratedMaterial() throws Exception {
    TlsMaterial generated = TlsMaterial.selfSigned(temp);

    TlsMaterial loaded =
        TlsMaterial.fromPem(temp.resolve("gateway.crt"), temp.resolve("gateway.key"));

    assertEquals(generated.fingerprintSha256(), loaded.fingerprintSha256());
    assertEquals(generated.certificate(), loaded.certificate());
    assertEquals(generated.certificateFile(), loaded.certificateFile());
    assertArrayEquals(
        generated
            .keyStore()
            .getKey("gateway", generated.keyStorePassword().toCharArray())
            .getEncoded(),
        loaded.keyStore().getKey("gateway", loaded.keyStorePassword().toCharArray()).getEncoded());
  }

  @Test
  void fromPemLoadsPkcs1RsaKey() throws Exception {
    Path[] files = writeRsaPkcs1Pair(temp);
    assertTrue(Files.readString(files[1]).startsWith("-----BEGIN RSA PRIVATE KEY-----"));

    TlsMaterial material = TlsMaterial.fromPem(files[0], files[1]);

    assertEquals("RSA", material.certificate().getPublicKey().getAlgorithm());
    assertEquals(
        "RSA",
        material
            .keyStore()
            .getKey("gateway", material.keyStorePassword().toCharArray())
            .getAlgorithm());
  }

  @Test
  void fromPemLoadsSec1EcKeyWithParametersBlock() throws Exception {
    // BouncyCastle's own EC keys encode as full SEC1 (curve and public key), exactly like
    // OpenSSL's.
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
    assertEquals(
        "EC",
        material
            .keyStore()
            .getKey("gateway", material.keyStorePassword().toCharArray())
            .getAlgorithm());
  }

  @Test
  void fromPemLoadsSec1EcKeyWithoutEmbeddedPublicKey() throws Exception {
    KeyPair keys = ecKeyPair();
    Path crt =
        writePem(
            temp.resolve("ec.crt"), certificate(keys, "CN=localhost", keys, "CN=localhost", false));
    // RFC 5915 makes the public key inside an EC PRIVATE KEY optional.
    BigInteger d = ((java.security.interfaces.ECPrivateKey) keys.getPrivate()).getS();
    Path key =
        writePem(
            temp.resolve("ec.key"),
            new PemObject(
                "EC PRIVATE KEY",
                new org.bouncycastle.asn1.sec.ECPrivateKey(256, d, SECP256R1).getEncoded()));

    TlsMaterial material = TlsMaterial.fromPem(crt, key);

    assertEquals(keys.getPublic(), material.certificate().getPublicKey());
  }

  @Test
  void sec1EcKeyWithoutCurveIsRefusedClearly() throws Exception {
    KeyPair keys = ecKeyPair();
    Path crt =
        writePem(
            temp.resolve("ec.crt"), certificate(keys, "CN=localhost", keys, "CN=localhost", false));
    // JcaPEMWriter writes a JDK (SunEC) key pair as an EC PRIVATE KEY block without the curve.
    Path key = writePem(temp.resolve("ec.key"), keys);

    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> TlsMaterial.fromPem(crt, key));

    assertTrue(e.getMessage().contains(key.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("curve"), e.getMessage());
  }

  @Test
  void fromPemAcceptsCombinedFileAndChain() throws Exception {
    KeyPair caKeys = ecKeyPair();
    KeyPair leafKeys = ecKeyPair();
    X509Certificate ca = certificate(caKeys, "CN=Test CA", caKeys, "CN=Test CA", true);
    X509Certificate leaf = certificate(leafKeys, "CN=localhost", caKeys, "CN=Test CA", false);
    Path combined =
        writePem(
            temp.resolve("combined.pem"),
            leaf,
            ca,
            new JcaPKCS8Generator(leafKeys.getPrivate(), null).generate());

    TlsMaterial material = TlsMaterial.fromPem(combined, combined);

    assertEquals(List.of(leaf, ca), material.certificateChain());
    assertEquals(leaf, material.certificate());
    assertEquals(2, material.keyStore().getCertificateChain("gateway").length);

    Path misordered = writePem(temp.resolve("misordered.pem"), ca, leaf);
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class, () -> TlsMaterial.fromPem(misordered, combined));
    assertTrue(e.getMessage().contains(misordered.toString()), e.getMessage());
  }

  @Test
  void mismatchedKeyIsRefused() throws Exception {
    TlsMaterial.selfSigned(temp.resolve("a"));
    TlsMaterial.selfSigned(temp.resolve("b"));
    Path certA = temp.resolve("a/gateway.crt");
    Path keyB = temp.resolve("b/gateway.key");

    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> TlsMaterial.fromPem(certA, keyB));

    assertTrue(e.getMessage().contains(keyB.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("does not match"), e.getMessage());
    assertFalse(
        e.getMessage()
            .contains(Base64.getEncoder().encodeToString(pemBody(keyB)).substring(0, 16)));

    // A key of another type altogether is refused the same way.
    Path[] rsa = writeRsaPkcs1Pair(temp.resolve("rsa"));
    IllegalArgumentException typeMismatch =
        assertThrows(IllegalArgumentException.class, () -> TlsMaterial.fromPem(certA, rsa[1]));
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
    Path badBase64 =
        Files.writeString(
            temp.resolve("bad-base64.pem"),
            "-----BEGIN CERTIFICATE-----\n!!!not base64!!!\n-----END CERTIFICATE-----\n");

    for (Path garbage : List.of(binary, text, badBase64)) {
      IllegalArgumentException asCert =
          assertThrows(IllegalArgumentException.class, () -> TlsMaterial.fromPem(garbage, goodKey));
      assertTrue(asCert.getMessage().contains(garbage.toString()), asCert.getMessage());
      IllegalArgumentException asKey =
          assertThrows(IllegalArgumentException.class, () -> TlsMaterial.fromPem(goodCrt, garbage));
      assertTrue(asKey.getMessage().contains(garbage.toString()), asKey.getMessage());
    }

    // A well-formed PEM block whose content is not a key: reported without echoing the content.
    String junk = Base64.getEncoder().encodeToString(random).substring(0, 64);
    Path fakeKey =
        Files.writeString(
            temp.resolve("fake.key"),
            "-----BEGIN PRIVATE KEY-----\n" + junk + "\n-----END PRIVATE KEY-----\n");
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> TlsMaterial.fromPem(goodCrt, fakeKey));
    assertTrue(e.getMessage().contains(fakeKey.toString()), e.getMessage());
    assertFalse(e.getMessage().contains(junk.substring(0, 12)), e.getMessage());
    assertEquals(null, e.getCause(), "parser exceptions of key files are not chained");
  }

  @Test
  void missingFilesAreRefusedNamingTheFile() throws Exception {
    TlsMaterial.selfSigned(temp);
    Path missing = temp.resolve("missing.pem");

    IllegalArgumentException noCert =
        assertThrows(
            IllegalArgumentException.class,
            () -> TlsMaterial.fromPem(missing, temp.resolve("gateway.key")));
    assertTrue(noCert.getMessage().contains(missing.toString()), noCert.getMessage());
    assertTrue(noCert.getMessage().contains("does not exist"), noCert.getMessage());

    IllegalArgumentException noKey =
        assertThrows(
            IllegalArgumentException.class,
            () -> TlsMaterial.fromPem(temp.resolve("gateway.crt"), missing));
    assertTrue(noKey.getMessage().contains(missing.toString()), noKey.getMessage());

    // A certificate file used as key file: valid PEM, but no key in it.
    IllegalArgumentException certAsKey =
        assertThrows(
            IllegalArgumentException.class,
            () -> TlsMaterial.fromPem(temp.resolve("gateway.crt"), temp.resolve("gateway.crt")));
    assertTrue(certAsKey.getMessage().contains("no private key"), certAsKey.getMessage());

    IllegalArgumentException keyAsCert =
        assertThrows(
            IllegalArgumentException.class,
            () -> TlsMaterial.fromPem(temp.resolve("gateway.key"), temp.resolve("gateway.key")));
    assertTrue(keyAsCert.getMessage().contains("no PEM CERTIFICATE"), keyAsCert.getMessage());
  }

  @Test
  void encryptedKeysAreRefused() throws Exception {
    BouncyCastleProvider bc = new BouncyCastleProvider(); // local instance only, never registered
    KeyPair keys = ecKeyPair();
    Path crt =
        writePem(
            temp.resolve("enc.crt"),
            certificate(keys, "CN=localhost", keys, "CN=localhost", false));

    Path pkcs8 = temp.resolve("pkcs8-encrypted.key");
    PemObject encrypted =
        new JcaPKCS8Generator(
                keys.getPrivate(),
                new JceOpenSSLPKCS8EncryptorBuilder(PKCS8Generator.AES_256_CBC)
                    .setProvider(bc)
                    .setPassword("secret".toCharArray())
                    .build())
            .generate();
    writePem(pkcs8, encrypted);
    assertTrue(Files.readString(pkcs8).contains("ENCRYPTED PRIVATE KEY"));

    Path legacy = temp.resolve("legacy-encrypted.key");
    try (JcaPEMWriter writer = new JcaPEMWriter(Files.newBufferedWriter(legacy))) {
      writer.writeObject(
          keys,
          new JcePEMEncryptorBuilder("AES-128-CBC").setProvider(bc).build("secret".toCharArray()));
    }
    assertTrue(Files.readString(legacy).contains("Proc-Type: 4,ENCRYPTED"));

    for (Path key : List.of(pkcs8, legacy)) {
      IllegalArgumentException e =
          assertThrows(IllegalArgumentException.class, () -> TlsMaterial.fromPem(crt, key));
      assertTrue(e.getMessage().contains(key.toString()), e.getMessage());
      assertTrue(e.getMessage().contains("encrypted"), e.getMessage());
    }
  }
}
