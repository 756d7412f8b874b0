package dev.portcullis.gateway.bench;

import dev.portcullis.repos.RepositoryStorage;
import java.nio.file.Path;

/**
 * The baseline server in a JVM of its own: {@link BareGitServer} on the repositories under a root,
 * with the same JGit window cache as the gateway. Prints its port, then serves until killed.
 *
 * <p>Usage: {@code BareGitMain <root> <max-threads>}.
 */
public final class BareGitMain {
  private BareGitMain() {}

  public static void main(String[] args) throws Exception {
    if (args.length != 2) {
      System.err.println("usage: BareGitMain <repositories root> <max threads>");
      System.exit(2);
    }
    RepositoryStorage.configureJGit(256L * 1024 * 1024);
    BareGitServer server = BareGitServer.start(Path.of(args[0]), Integer.parseInt(args[1]));
    System.out.println("port " + server.port());
    System.out.flush();
    Thread.currentThread().join();
  }
}
