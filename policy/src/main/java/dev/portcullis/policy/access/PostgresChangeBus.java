package dev.portcullis.policy.access;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Properties;
import javax.sql.DataSource;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Cache invalidation across nodes with PostgreSQL {@code LISTEN}/{@code NOTIFY}.
 *
 * <p>Each node keeps one dedicated connection listening on {@value #CHANNEL} and applies every
 * event to its caches. While that connection is down the node caches nothing (every decision reads
 * the store) and it flushes everything again once it listens anew, so a missed event can never
 * leave a stale entry behind.
 */
final class PostgresChangeBus implements ChangeBus {
  static final String CHANNEL = "portcullis_changes";
  private static final Logger LOG = LoggerFactory.getLogger(PostgresChangeBus.class);

  private final PolicyCache cache;
  private final DataSource pool;
  private final String url;
  private final Properties props;
  private final Thread listener;
  private volatile boolean connected;
  private volatile boolean closed;
  private volatile Connection listening;

  PostgresChangeBus(PolicyCache cache, DataSource pool, String url, String user, String password) {
    this.cache = cache;
    this.pool = pool;
    this.url = url;
    this.props = new Properties();
    if (user != null) {
      props.setProperty("user", user);
    }
    if (password != null) {
      props.setProperty("password", password);
    }
    props.setProperty("tcpKeepAlive", "true");
    props.setProperty("ApplicationName", "portcullis-listener");
    cache.bypass(true);
    this.listener = new Thread(this::listen, "portcullis-change-listener");
    listener.setDaemon(true);
    listener.start();
  }

  /** Waits (bounded) until the listener is connected; true if it is. */
  boolean awaitConnected(Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    while (!connected && System.nanoTime() < end) {
      Thread.sleep(10);
    }
    return connected;
  }

  @Override
  public void publish(Invalidation event) {
    cache.apply(event);
    String payload = Invalidations.encode(event);
    SQLException last = null;
    for (int attempt = 0; attempt < 3; attempt++) {
      try (Connection c = pool.getConnection();
          PreparedStatement ps = c.prepareStatement("SELECT pg_notify(?, ?)")) {
        ps.setString(1, CHANNEL);
        ps.setString(2, payload);
        ps.execute();
        return;
      } catch (SQLException e) {
        last = e;
      }
    }
    // The write has committed; other nodes learn of it when their listener reconnects (they
    // flush everything then) or when the entry expires.
    LOG.error(
        "could not notify other nodes of a change ({}): {}",
        payload.split(":")[0],
        last.getMessage());
  }

  @Override
  public boolean connected() {
    return connected;
  }

  private void listen() {
    long backoffMs = 100;
    while (!closed) {
      try (Connection c = DriverManager.getConnection(url, props)) {
        listening = c;
        try (Statement s = c.createStatement()) {
          s.execute("LISTEN " + CHANNEL);
        }
        // Events from now on are received: drop whatever may have been missed, then cache again.
        cache.invalidateAll();
        cache.bypass(false);
        connected = true;
        backoffMs = 100;
        LOG.info("listening for cache invalidations on {}", CHANNEL);
        PGConnection pg = c.unwrap(PGConnection.class);
        while (!closed) {
          PGNotification[] notes = pg.getNotifications(500);
          if (notes == null) {
            // getNotifications(timeout) returns without a round trip; check the connection.
            if (!c.isValid(2)) {
              throw new SQLException("listener connection is no longer valid");
            }
            continue;
          }
          for (PGNotification n : notes) {
            Invalidation e = Invalidations.decode(n.getParameter());
            if (e != null) {
              cache.apply(e);
            } else {
              LOG.warn("ignoring an unknown change event; flushing caches");
              cache.invalidateAll();
            }
          }
        }
      } catch (SQLException | RuntimeException e) {
        if (closed) {
          break;
        }
        if (connected) {
          LOG.warn(
              "lost the change listener connection ({}); serving from the store until it is back",
              e.getMessage());
        }
        connected = false;
        cache.bypass(true);
      } finally {
        listening = null;
      }
      try {
        Thread.sleep(backoffMs);
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
        break;
      }
      backoffMs = Math.min(5_000, backoffMs * 2);
    }
    connected = false;
  }

  @Override
  public void close() {
    closed = true;
    Connection c = listening;
    if (c != null) {
      try {
        c.close();
      } catch (SQLException e) {
        // closing anyway
      }
    }
    listener.interrupt();
    try {
      listener.join(2_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
