package dev.portcullis.gateway.tls;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves a replaced certificate without a restart. Every two seconds the certificate and key files
 * are compared with what was last seen (modification time and size); when they changed, they are
 * loaded as by {@link TlsMaterial#fromPem(Path, Path)} and swapped into the running server through
 * {@link SslContextFactory.Server#reload}. New connections get the new certificate; established
 * ones keep theirs.
 *
 * <p>A replacement that does not load (half-written, mismatched key) is refused and logged, and the
 * current certificate stays. It is not retried until the files change again, so a broken file is
 * reported once, not every two seconds.
 */
public final class TlsReloader {
  // The reload lines were always logged as the gateway's: keeping the logger name keeps the log
  // output and any log configuration that selects it unchanged. (A name, not Gateway.class: this
  // package does not depend on the gateway.)
  private static final Logger LOG = LoggerFactory.getLogger("dev.portcullis.gateway.Gateway");

  /** Seconds between two looks at the files: a replacement is served within about this long. */
  static final long CHECK_INTERVAL_SECONDS = 2;

  /**
   * The stamp while a file cannot be read, as in the middle of a replacement: nothing is loaded
   * then.
   */
  private static final String MISSING = "missing";

  private final SslContextFactory.Server ssl;
  private final Path certFile;
  private final Path keyFile;
  // Written only by the check, which runs on one scheduler thread; volatile so that
  // servedFingerprint() sees the latest from any thread.
  private volatile String stamp;
  private volatile TlsMaterial served;

  /**
   * Watches {@code certFile} and {@code keyFile}, which {@code ssl} is serving as {@code initial}.
   * Their current state is the starting point: only a later change is loaded.
   *
   * @param ssl the TLS configuration of the running connector; reloaded in place
   * @param initial the material {@code ssl} was configured with
   * @param certFile the PEM certificate file to watch (for the self-signed case, the generated one)
   * @param keyFile the PEM private key file to watch
   */
  public TlsReloader(
      SslContextFactory.Server ssl, TlsMaterial initial, Path certFile, Path keyFile) {
    this.ssl = Objects.requireNonNull(ssl, "ssl");
    this.served = Objects.requireNonNull(initial, "initial");
    this.certFile = Objects.requireNonNull(certFile, "certFile");
    this.keyFile = Objects.requireNonNull(keyFile, "keyFile");
    this.stamp = stamp(certFile, keyFile);
  }

  /**
   * Checks the files every two seconds on {@code scheduler}, until it is shut down.
   *
   * @param scheduler runs the check; a single thread is enough
   */
  public void scheduleOn(ScheduledExecutorService scheduler) {
    scheduler.scheduleWithFixedDelay(
        this::reloadIfChanged, CHECK_INTERVAL_SECONDS, CHECK_INTERVAL_SECONDS, TimeUnit.SECONDS);
  }

  /**
   * Returns the SHA-256 fingerprint of the certificate being served, in the format of {@link
   * TlsMaterial#fingerprintSha256()}.
   *
   * @return the fingerprint of the initial material, or of the last one reloaded
   */
  public String servedFingerprint() {
    return served.fingerprintSha256();
  }

  /** Reloads the certificate if its PEM files changed since the last check. */
  void reloadIfChanged() {
    String now = stamp(certFile, keyFile);
    if (now.equals(stamp) || now.equals(MISSING)) {
      return;
    }
    try {
      TlsMaterial next = TlsMaterial.fromPem(certFile, keyFile);
      ssl.reload(
          f -> {
            f.setKeyStore(next.keyStore());
            f.setKeyStorePassword(next.keyStorePassword());
            f.setKeyManagerPassword(next.keyStorePassword());
          });
      stamp = now;
      served = next;
      LOG.info(
          "reloaded the TLS certificate from {} (SHA-256 {})", certFile, next.fingerprintSha256());
    } catch (Exception e) {
      stamp = now;
      LOG.error(
          "the TLS certificate in {} could not be loaded; keeping the current one: {}",
          certFile,
          e.getMessage());
    }
  }

  /** Modification times and sizes of the PEM files, to notice a replacement. */
  private static String stamp(Path cert, Path key) {
    try {
      return Files.getLastModifiedTime(cert).toMillis()
          + ":"
          + Files.size(cert)
          + ":"
          + Files.getLastModifiedTime(key).toMillis()
          + ":"
          + Files.size(key);
    } catch (IOException e) {
      return MISSING;
    }
  }
}
