package dev.portcullis.gateway;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import java.io.IOException;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * The one gateway the org token contract classes share, with what they use alongside it: the site
 * administrator's token, the API fixtures, an isolated git, an HTTP client and the contract's
 * validator. Starting a gateway is the expensive part of these tests, and every test makes its own
 * organizations with unique names, so one gateway serves them all.
 *
 * <p>The first class that asks for it (through {@link Extension}) starts it; it lives in JUnit's
 * root store, which closes it, and deletes its directory, when the test run ends.
 */
final class OrgTokenGateway implements AutoCloseable {
  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(OrgTokenGateway.class);

  /** The gateway's data, git's home and the clones. */
  final Path tmp;

  final Gateway gateway;
  final String base;
  final String adminToken;
  final ApiFixtures fx;
  final TestGit git;
  final HttpClient http;
  final OpenApiInteractionValidator validator;

  private OrgTokenGateway(Path tmp, Gateway gateway) throws IOException {
    this.tmp = tmp;
    this.gateway = gateway;
    this.base = gateway.httpUrl();
    this.adminToken =
        Files.readString(tmp.resolve("data").resolve(Gateway.ADMIN_TOKEN_FILE)).strip();
    this.fx = new ApiFixtures(gateway, new TestApi(base, adminToken));
    this.git = new TestGit(tmp.resolve("home"), Map.of());
    this.http =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(10))
            .build();
    this.validator = OrgTokenContract.validator();
  }

  private static OrgTokenGateway start() {
    Path tmp = null;
    Gateway gateway = null;
    try {
      tmp = Files.createTempDirectory("portcullis-org-token-api");
      gateway = Gateway.start(GatewayConfig.defaults(tmp.resolve("data")).withPorts(0, 0));
      return new OrgTokenGateway(tmp, gateway);
    } catch (Exception e) {
      if (gateway != null) {
        gateway.close();
      }
      if (tmp != null) {
        try {
          delete(tmp);
        } catch (IOException suppressed) {
          e.addSuppressed(suppressed);
        }
      }
      throw new IllegalStateException("cannot start the gateway for the org token tests", e);
    }
  }

  @Override
  public void close() throws IOException {
    try {
      gateway.close();
    } finally {
      delete(tmp);
    }
  }

  private static void delete(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    List<Path> paths;
    try (Stream<Path> walk = Files.walk(dir)) {
      paths = walk.sorted(Comparator.reverseOrder()).toList();
    }
    for (Path p : paths) {
      Files.deleteIfExists(p);
    }
  }

  /** Resolves an {@link OrgTokenGateway} parameter to the shared one, starting it if need be. */
  static final class Extension implements ParameterResolver {
    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
      return parameter.getParameter().getType() == OrgTokenGateway.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
      return context
          .getRoot()
          .getStore(NAMESPACE)
          .getOrComputeIfAbsent(OrgTokenGateway.class, k -> start(), OrgTokenGateway.class);
    }
  }
}
