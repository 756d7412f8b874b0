package dev.portcullis.gateway.cli;

import dev.portcullis.gateway.Gateway;
import java.io.IOException;
import java.io.Reader;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Properties;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * Where the client commands find the running gateway and how they authenticate: a picocli mixin.
 * Everything defaults to what {@code gateway serve} wrote into its data directory ({@code
 * gateway.properties} and {@code admin-token}), so on the gateway's own host {@code --data} is all
 * a command needs.
 *
 * <p>The token is never printed: not in help, not in messages, not in {@link #toString()}.
 */
final class ClientOptions {
  /**
   * Environment variable holding a token. Precedence: {@code --token}, then an explicit {@code
   * --token-file}, then this variable, then {@code <data>/admin-token}.
   */
  static final String TOKEN_ENV = "PORTCULLIS_TOKEN";

  @Option(
      names = "--data",
      paramLabel = "DIR",
      defaultValue = "./data",
      description =
          "the gateway's data directory, for gateway.properties and admin-token (default ${DEFAULT-VALUE})")
  Path data;

  @Option(
      names = "--url",
      paramLabel = "URL",
      description =
          "base URL of the gateway, e.g. https://127.0.0.1:8443; the API is under <url>/api/v3 "
              + "(default: url= from <data>/gateway.properties)")
  String url;

  @Option(
      names = "--token-file",
      paramLabel = "FILE",
      description =
          "file holding the API token (default: env " + TOKEN_ENV + ", else <data>/admin-token)")
  Path tokenFile;

  @Option(
      names = "--token",
      paramLabel = "TOKEN",
      description =
          "API token; takes precedence over --token-file and env "
              + TOKEN_ENV
              + ", which takes precedence over "
              + "<data>/admin-token. Prefer the environment or a file: a command-line token lands in shell history.")
  String token;

  @Option(
      names = "--cacert",
      paramLabel = "FILE",
      description =
          "PEM file of a CA certificate to trust in addition to the JDK's (default: ca= from <data>/gateway.properties)")
  Path cacert;

  /** The command this mixin is part of, for usage errors. */
  @Spec(Spec.Target.MIXEE)
  CommandSpec mixee;

  private Properties endpoint;

  /** The contents of {@code <data>/gateway.properties}, or empty properties when there is none. */
  private Properties endpoint() {
    if (endpoint == null) {
      Properties p = new Properties();
      Path file = endpointFile();
      try (Reader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
        p.load(r);
      } catch (NoSuchFileException e) {
        // No gateway has run with this data directory: --url must say where it is.
      } catch (IOException e) {
        throw new ApiClient.Failure("cannot read " + file + ": " + e.getMessage());
      }
      endpoint = p;
    }
    return endpoint;
  }

  private Path endpointFile() {
    return data.resolve(Gateway.ENDPOINT_FILE);
  }

  /** The API root, {@code <url>/api/v3}, without a trailing slash. */
  URI apiRoot() {
    String base = url;
    if (base == null || base.isBlank()) {
      base = endpoint().getProperty("url");
      if (base == null || base.isBlank()) {
        throw new ApiClient.Failure(
            "no gateway URL: "
                + endpointFile()
                + " does not exist or names none. "
                + "Start the gateway with 'bin/gateway serve --data "
                + data
                + "', or pass --url.");
      }
    }
    base = base.strip();
    while (base.endsWith("/")) {
      base = base.substring(0, base.length() - 1);
    }
    if (!base.endsWith("/api/v3")) {
      base = base + "/api/v3";
    }
    try {
      URI u = new URI(base);
      if (u.getScheme() == null
          || u.getHost() == null
          || !(u.getScheme().equalsIgnoreCase("https") || u.getScheme().equalsIgnoreCase("http"))) {
        throw new ParameterException(
            mixee.commandLine(),
            "--url must be an http(s) URL such as https://127.0.0.1:8443, not '" + base + "'");
      }
      return u;
    } catch (URISyntaxException e) {
      throw new ParameterException(
          mixee.commandLine(), "--url is not a valid URL: " + e.getMessage());
    }
  }

  /** The extra CA certificate file to trust, or {@code null} for the JDK's trust store only. */
  Path caFile() {
    if (cacert != null) {
      return cacert;
    }
    String ca = endpoint().getProperty("ca");
    return ca == null || ca.isBlank() ? null : Path.of(ca.strip());
  }

  /**
   * The API token: {@code --token}, else an explicit {@code --token-file}, else {@code
   * PORTCULLIS_TOKEN}, else {@code <data>/admin-token}. Explicit options beat the environment, and
   * the environment beats the default file.
   */
  String token() {
    String inline = inlineToken();
    if (inline != null) {
      return inline;
    }
    Path file = tokenFile != null ? tokenFile : data.resolve(Gateway.ADMIN_TOKEN_FILE);
    try {
      String t = Files.readString(file, StandardCharsets.UTF_8).strip();
      if (t.isEmpty()) {
        throw new ApiClient.Failure("the token file " + file + " is empty");
      }
      return t;
    } catch (NoSuchFileException e) {
      throw new ApiClient.Failure(
          "no API token: "
              + file
              + " does not exist. Pass --token-file, set "
              + TOKEN_ENV
              + ", or point --data at the gateway's data directory.");
    } catch (IOException e) {
      throw new ApiClient.Failure("cannot read the token file " + file + ": " + e.getMessage());
    }
  }

  /**
   * Whether a token was given ({@code --token}, {@code --token-file} or {@code PORTCULLIS_TOKEN}),
   * rather than left to {@code <data>/admin-token}.
   */
  boolean tokenGiven() {
    return tokenFile != null || inlineToken() != null;
  }

  /**
   * {@code --token}, else (without an explicit {@code --token-file}) {@code PORTCULLIS_TOKEN},
   * stripped; {@code null} when neither is given.
   */
  private String inlineToken() {
    if (token != null && !token.isBlank()) {
      return token.strip();
    }
    if (tokenFile == null) {
      String env = System.getenv(TOKEN_ENV);
      if (env != null && !env.isBlank()) {
        return env.strip();
      }
    }
    return null;
  }

  @Override
  public String toString() {
    return "ClientOptions[data="
        + data
        + ", url="
        + url
        + ", tokenFile="
        + tokenFile
        + ", token="
        + (token == null ? "unset" : "(hidden)")
        + ", cacert="
        + cacert
        + "]";
  }
}
