package dev.portcullis.gateway.bench;

import dev.portcullis.repos.RepositoryStorage;
import jakarta.servlet.http.HttpServletRequest;
import java.nio.file.Path;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.eclipse.jgit.http.server.GitServlet;
import org.eclipse.jgit.transport.ReceivePack;
import org.eclipse.jgit.transport.resolver.FileResolver;

/**
 * The baseline: Jetty 12 ee10 with JGit's {@link GitServlet} and nothing else — no authentication,
 * no access filter — serving the bare repositories under a root by path ({@link FileResolver},
 * every repository exported). Same thread pool size and HTTP settings as the gateway's connector.
 * Receive-pack is enabled for anyone with the gateway's receive settings ({@link
 * RepositoryStorage#configure(ReceivePack)}), so a push does the same JGit work on both servers;
 * upload-pack is JGit's default factory (as in the gateway, which only adds a timeout).
 */
final class BareGitServer implements AutoCloseable {
  private final Server server;
  private final ServerConnector connector;

  private BareGitServer(Server server, ServerConnector connector) {
    this.server = server;
    this.connector = connector;
  }

  static BareGitServer start(Path root, int maxThreads) throws Exception {
    QueuedThreadPool threads = new QueuedThreadPool(maxThreads, 8);
    threads.setName("bare-jgit-http");
    Server server = new Server(threads);
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    http.setSendXPoweredBy(false);
    http.setRequestHeaderSize(16 * 1024);
    ServerConnector connector = new ServerConnector(server, new HttpConnectionFactory(http));
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    connector.setIdleTimeout(60_000);
    server.addConnector(connector);

    GitServlet git = new GitServlet();
    git.setRepositoryResolver(new FileResolver<HttpServletRequest>(root.toFile(), true));
    git.setReceivePackFactory(
        (req, db) -> {
          ReceivePack rp = new ReceivePack(db);
          RepositoryStorage.configure(rp);
          return rp;
        });
    ServletContextHandler context = new ServletContextHandler(ServletContextHandler.NO_SESSIONS);
    context.setContextPath("/");
    context.addServlet(new ServletHolder("git", git), "/*");
    server.setHandler(context);
    server.setStopTimeout(5_000);
    server.start();
    return new BareGitServer(server, connector);
  }

  int port() {
    return connector.getLocalPort();
  }

  String url() {
    return "http://127.0.0.1:" + port();
  }

  @Override
  public void close() throws Exception {
    server.stop();
  }
}
