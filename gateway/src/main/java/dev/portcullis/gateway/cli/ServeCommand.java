package dev.portcullis.gateway.cli;

import dev.portcullis.gateway.Gateway;
import dev.portcullis.gateway.GatewayConfig;
import java.util.concurrent.Callable;
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
    } catch (IllegalArgumentException e) {
      System.err.println("gateway serve: " + e.getMessage());
      return 2;
    }
    Gateway gateway = start(config);
    serving = true;
    Runtime.getRuntime().addShutdownHook(new Thread(gateway::close, "portcullis-shutdown"));
    gateway.join();
    return 0;
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
    System.out.println("  CA certificate for git: GIT_SSL_CAINFO=" + gateway.certificateFile());
    System.out.flush();
    return gateway;
  }
}
