package dev.portcullis.gateway.cli;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Loads and initializes, on a thread of its own, the classes every client call needs once its
 * command line is parsed: the API client with Jackson's mapper and parser, and the JDK's TLS and
 * certificate classes. Parsing the command line (picocli's model, built by reflection) takes about
 * as long, so on two cores the two overlap and a call answers sooner. Nothing is connected or read
 * here, and nothing here touches {@link ApiClient} on the caller's thread: its class initialization
 * (the mapper) is part of what moves to the other thread.
 */
final class ClientPreload {
  private ClientPreload() {}

  /** Starts the preloading thread; a call that ends sooner does not wait for it. */
  static void start() {
    Thread t = new Thread(ClientPreload::load, "portcullis-cli-preload");
    t.setDaemon(true);
    t.start();
  }

  private static void load() {
    try {
      ApiClient.JSON.readTree("{\"a\":[1,\"b\",true,null]}");
      CertificateFactory.getInstance("X.509");
      KeyStore.getInstance(KeyStore.getDefaultType()).load(null, null);
      TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      SSLContext.getInstance("TLS").init(null, null, null);
      HttpsURLConnection.getDefaultHostnameVerifier();
    } catch (IOException | GeneralSecurityException e) {
      // The call itself meets the same failure where it can report it.
    }
  }
}
