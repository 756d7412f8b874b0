package dev.portcullis.gateway.cli;

import ch.qos.logback.classic.LoggerContext;
import dev.portcullis.gateway.Gateway;
import dev.portcullis.gateway.GatewayConfig;
import dev.portcullis.gateway.StartupException;
import java.util.concurrent.Callable;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code gateway serve}: runs the gateway until interrupted. */
@Command(name = "serve", mixinStandardHelpOptions = true, description = "Run the gateway.")
final class ServeCommand implements Callable<Integer> {
  private static volatile boolean serving;

  @Mixin ServerOptions options;

  static boolean serving() {
    return serving;
  }

  @Override
  public Integer call() throws Exception {
    GatewayConfig config;
    try {
      config = options.toConfig();
      options.applyLogFormat();
    } catch (IllegalArgumentException e) {
      System.err.println("gateway serve: " + e.getMessage());
      return 2;
    }
    Gateway gateway;
    try {
      gateway = start(config);
    } catch (StartupException e) {
      System.err.println("gateway serve: " + e.getMessage());
      return 1;
    }
    serving = true;
    closeOnExit(gateway);
    gateway.join();
    return 0;
  }

  /**
   * At exit (a signal, {@code gateway stop}): closes the gateway, then stops logging, so the lines
   * it writes while stopping, and the per-request lines still buffered, are written.
   */
  static void closeOnExit(Gateway gateway) {
    Runtime.getRuntime()
        .addShutdownHook(
            new Thread(
                () -> {
                  try {
                    gateway.close();
                  } finally {
                    if (LoggerFactory.getILoggerFactory() instanceof LoggerContext logging) {
                      logging.stop();
                    }
                  }
                },
                "portcullis-shutdown"));
  }

  static Gateway start(GatewayConfig config) throws Exception {
    Gateway gateway = Gateway.start(config);
    gateway
        .bootstrapToken()
        .ifPresent(
            t -> {
              System.out.println(
                  "First start: created site administrator 'admin'. Its token (shown once, also saved to "
                      + config.dataDir().resolve(Gateway.ADMIN_TOKEN_FILE)
                      + " with mode 0600):");
              System.out.println("  " + t.plaintext());
            });
    gateway
        .bootstrapSetupUrl()
        .ifPresent(
            url -> {
              System.out.println(
                  "Its web console password is chosen at this one-time link (valid 7 days, shown once):");
              System.out.println("  " + url);
            });
    System.out.println(
        "Portcullis is serving "
            + gateway.httpsUrl()
            + (gateway.httpUrl() == null ? "" : " and " + gateway.httpUrl()));
    System.out.println(
        "  git trusts it with: git -c http.sslCAInfo=" + gateway.certificateFile() + " clone …");
    System.out.flush();
    return gateway;
  }
}
