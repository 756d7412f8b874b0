package dev.portcullis.policy.audit;

import dev.portcullis.policy.decision.Decision;
import dev.portcullis.policy.model.AccessToken;
import dev.portcullis.policy.model.GitOperation;
import dev.portcullis.policy.model.Page;
import dev.portcullis.policy.model.PolicyException;
import dev.portcullis.policy.store.StoreUnavailableException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The audit log: {@link #record} queues an event in memory (never blocks a request); one writer
 * thread inserts them in batches into {@code audit_events} and hands each batch to the extra sinks
 * (a JSON-lines file). If the store is unreachable the batch is kept and retried; if the queue is
 * full, events are dropped and counted — the request path never waits for the audit log.
 */
public final class AuditLog implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);
  private static final int BATCH = 500;

  private final DataSource dataSource;
  private final List<Consumer<List<AuditEvent>>> sinks;
  private final BlockingQueue<AuditEvent> queue;
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong written = new AtomicLong();

  /** Events accepted into the queue. */
  private final AtomicLong accepted = new AtomicLong();

  /**
   * Events taken from the queue and then written or refused by the store for their content: what
   * {@link #flush} waits for (counted decisions the writer drains itself are in neither).
   */
  private final AtomicLong settled = new AtomicLong();

  /** Events the store refused for their content (a value it cannot hold), logged and left out. */
  private final AtomicLong rejected = new AtomicLong();

  private final Thread writer;
  private final Object flushLock = new Object();
  private volatile boolean closed;

  /**
   * Whether repeats are counted: allowed reads, and refusals of requests with no valid credential.
   */
  private final boolean countReads;

  /** Set by flush() and close(): write the counted decisions of the current minute too. */
  private volatile boolean forceReads;

  public AuditLog(DataSource dataSource, int capacity, List<Consumer<List<AuditEvent>>> sinks) {
    this(dataSource, capacity, sinks, true);
  }

  /**
   * @param countReads count allowed reads per token, repository, client and minute, and refusals of
   *     requests without a valid credential per repository, client, reason and minute (one row with
   *     a count each) instead of writing a row for each
   */
  public AuditLog(
      DataSource dataSource,
      int capacity,
      List<Consumer<List<AuditEvent>>> sinks,
      boolean countReads) {
    this.countReads = countReads;
    this.dataSource = dataSource;
    this.sinks = List.copyOf(sinks);
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.writer = new Thread(this::run, "portcullis-audit");
    writer.setDaemon(true);
    writer.start();
  }

  /**
   * What identifies a counted decision: an allowed read (per token, repository, client and minute;
   * {@code reason} null) or a refusal of a request without a valid credential (per repository,
   * operation, reason, client and minute; no actor, {@code tokenId} -1).
   */
  private record CountKey(
      long minute,
      String actor,
      long tokenId,
      String repository,
      String operation,
      boolean allowed,
      String reason,
      int status,
      String address) {}

  /**
   * A counted decision: the token, if any (for its hashed form, computed when written), and how
   * often.
   */
  /** A drained count: increments that find it start a new entry. */
  private static final long SEALED = Long.MIN_VALUE / 2;

  private static final class Count {
    final AccessToken token;

    /** Occurrences, or below zero once drained. */
    final AtomicLong n = new AtomicLong();

    Count(AccessToken token) {
      this.token = token;
    }
  }

  /**
   * Most refusal keys counted at once (per minute, as they are written every minute). Past it a
   * refusal is queued as its own row, where a full queue drops it: a flood of bad credentials from
   * many addresses cannot grow the map without bound.
   */
  private static final int MAX_REFUSAL_KEYS = 50_000;

  private final java.util.concurrent.ConcurrentHashMap<CountKey, Count> counts =
      new java.util.concurrent.ConcurrentHashMap<>();
  private final java.util.concurrent.atomic.AtomicInteger refusalKeys =
      new java.util.concurrent.atomic.AtomicInteger();
  private volatile long flushedMinute;

  /**
   * Records a git decision. Writes, and denials of a valid token, become a row each. An allowed
   * read is counted in memory and written as one row per token, repository, client and minute (with
   * the count), so a busy gateway writes rows per minute, not per clone. So is a 401 to a request
   * without a valid credential (git's first, credential-less request of every operation, a mistyped
   * or unknown token, garbage), per repository, operation, reason, client and minute: such a
   * request names no token worth a row of its own, and a flood of them costs a map update each
   * instead of filling the queue that admin changes and other decisions wait in. The request path
   * only touches a map.
   */
  public void recordDecision(
      Instant at,
      String actor,
      AccessToken token,
      String repository,
      GitOperation op,
      Decision d,
      int status,
      String clientAddress) {
    if (countReads) {
      if (d.allowed() && op == GitOperation.READ && status < 400) {
        // Keyed by token id, never by the token record (whose hash would walk its scopes and
        // permissions).
        count(
            new CountKey(
                at.getEpochSecond() / 60,
                actor,
                token == null ? -1 : token.id(),
                repository,
                "read",
                true,
                null,
                status,
                clientAddress),
            token);
        return;
      }
      if (token == null && status == 401 && !d.allowed()) {
        CountKey k = refusalKey(at, repository, op, d, clientAddress);
        if (refusalKeys.get() < MAX_REFUSAL_KEYS || counts.containsKey(k)) {
          if (count(k, null)) {
            refusalKeys.incrementAndGet();
          }
          return;
        }
      }
    }
    record(AuditEvent.decision(at, actor, token, repository, op, d, status, clientAddress));
  }

  private static CountKey refusalKey(
      Instant at, String repository, GitOperation op, Decision d, String clientAddress) {
    return new CountKey(
        at.getEpochSecond() / 60,
        null,
        -1,
        repository,
        op == GitOperation.READ ? "read" : "write",
        false,
        d.reason().label(),
        401,
        clientAddress);
  }

  /** Counts one occurrence of {@code k}; true when the key is new. */
  private boolean count(CountKey k, AccessToken token) {
    while (true) {
      Count c = counts.get(k);
      boolean created = false;
      if (c == null) {
        Count fresh = new Count(token);
        Count earlier = counts.putIfAbsent(k, fresh);
        created = earlier == null;
        c = created ? fresh : earlier;
      }
      if (c.n.getAndIncrement() >= 0) {
        return created;
      }
      // Drained (sealed) between the lookup and the increment: count it in a new entry.
      counts.remove(k, c);
    }
  }

  private void drainCounts(long beforeMinute, List<AuditEvent> batch) {
    for (var e : counts.entrySet()) {
      CountKey k = e.getKey();
      Count c = e.getValue();
      // Removed only if still this count, and sealed so that a later increment goes to a new
      // entry: a count is written once, with every increment made before it was sealed.
      if (k.minute() < beforeMinute && counts.remove(k, c)) {
        long n = c.n.getAndSet(SEALED);
        if (n <= 0) {
          // Drained already, or created and not yet counted: its increment goes to a new entry.
          continue;
        }
        if (!k.allowed()) {
          refusalKeys.decrementAndGet();
        }
        AccessToken t = c.token;
        batch.add(
            new AuditEvent(
                0,
                Instant.ofEpochSecond(k.minute() * 60),
                "decision",
                k.actor(),
                t == null ? null : t.id(),
                t == null ? null : AuditEvent.hashedToken(t.digest()),
                k.repository(),
                k.operation(),
                k.allowed() ? "allow" : "deny",
                k.reason(),
                k.status(),
                k.address(),
                null,
                null,
                null,
                (int) Math.min(Integer.MAX_VALUE, n),
                null));
      }
    }
  }

  /** Queues an event; returns false (and counts it) when the queue is full. */
  public boolean record(AuditEvent event) {
    if (queue.offer(event)) {
      accepted.incrementAndGet();
      return true;
    }
    dropped.incrementAndGet();
    return false;
  }

  public long dropped() {
    return dropped.get();
  }

  public long written() {
    return written.get();
  }

  public int pending() {
    return queue.size();
  }

  private void run() {
    List<AuditEvent> batch = new ArrayList<>(BATCH);
    // How many events at the head of the batch are counted decisions drained here, not queued.
    int drained = 0;
    while (!closed || !queue.isEmpty() || !batch.isEmpty() || !counts.isEmpty()) {
      try {
        if (batch.isEmpty()) {
          boolean force = forceReads || closed;
          long minute = force ? Long.MAX_VALUE : System.currentTimeMillis() / 60_000;
          if (force || minute > flushedMinute) {
            forceReads = false;
            drainCounts(minute, batch);
            drained = batch.size();
            if (!force) {
              flushedMinute = minute;
            }
          }
          if (batch.isEmpty()) {
            AuditEvent first = queue.poll(200, TimeUnit.MILLISECONDS);
            if (first == null) {
              continue;
            }
            batch.add(first);
          }
        }
        queue.drainTo(batch, Math.max(0, BATCH - batch.size()));
        // Written outside the lock, so a flush keeps its deadline while the store is slow.
        writeOrIsolate(batch);
        synchronized (flushLock) {
          settled.addAndGet(batch.size() - drained);
          flushLock.notifyAll();
        }
        batch.clear();
        drained = 0;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      } catch (Exception | AssertionError e) {
        // pgjdbc can even throw AssertionError on a killed connection: the writer must outlive any
        // store outage, so everything short of a VM error is retried.
        LOG.warn("could not write {} audit events (will retry): {}", batch.size(), e.toString());
        try {
          Thread.sleep(1_000);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          break;
        }
        if (closed) {
          LOG.error(
              "dropping {} audit events at shutdown: the store is unreachable",
              batch.size() + queue.size() + counts.size());
          break;
        }
      }
    }
  }

  /**
   * Writes a batch; when the store refuses it for its content (SQLState class 22 or 23: a value it
   * cannot hold), writes its events one by one and leaves out, counted and logged, those it
   * refuses, so one bad event never stops the log. Any other failure (the store unreachable) is
   * thrown, and the writer retries the whole batch.
   */
  private void writeOrIsolate(List<AuditEvent> batch) throws SQLException {
    try {
      write(batch);
    } catch (SQLException e) {
      if (!refusedForContent(e)) {
        throw e;
      }
      for (AuditEvent event : batch) {
        try {
          write(List.of(event));
        } catch (SQLException one) {
          if (!refusedForContent(one)) {
            throw one;
          }
          rejected.incrementAndGet();
          LOG.error(
              "an audit event ({} {} at {}) could not be stored and is left out: {}",
              event.kind(),
              event.operation(),
              event.at(),
              one.getMessage());
        }
      }
    }
  }

  private static boolean refusedForContent(SQLException e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof SQLException s
          && s.getSQLState() != null
          && (s.getSQLState().startsWith("22") || s.getSQLState().startsWith("23"))) {
        return true;
      }
    }
    for (SQLException n = e.getNextException(); n != null; n = n.getNextException()) {
      if (n.getSQLState() != null
          && (n.getSQLState().startsWith("22") || n.getSQLState().startsWith("23"))) {
        return true;
      }
    }
    return false;
  }

  /** Events left out because the store could not hold their content. */
  public long rejected() {
    return rejected.get();
  }

  private void write(List<AuditEvent> batch) throws SQLException {
    try (Connection c = dataSource.getConnection();
        PreparedStatement ps =
            c.prepareStatement(
                "INSERT INTO audit_events (at, kind, actor, token_id, hashed_token, repository, operation, outcome, reason, status, "
                    + "client_address, target, before_state, after_state, occurrences, via) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      for (AuditEvent e : batch) {
        ps.setObject(1, OffsetDateTime.ofInstant(e.at(), ZoneOffset.UTC));
        ps.setString(2, e.kind());
        setString(ps, 3, e.actor());
        if (e.tokenId() == null) {
          ps.setNull(4, Types.BIGINT);
        } else {
          ps.setLong(4, e.tokenId());
        }
        setString(ps, 5, e.hashedToken());
        setString(ps, 6, e.repository());
        setString(ps, 7, e.operation());
        setString(ps, 8, e.outcome());
        setString(ps, 9, e.reason());
        if (e.status() == null) {
          ps.setNull(10, Types.INTEGER);
        } else {
          ps.setInt(10, e.status());
        }
        setString(ps, 11, e.clientAddress());
        setString(ps, 12, e.target());
        setString(ps, 13, e.before());
        setString(ps, 14, e.after());
        ps.setInt(15, e.occurrences());
        setString(ps, 16, e.via());
        ps.addBatch();
      }
      // One transaction per batch: a batch is written whole or not at all (so a retry after a
      // failure never duplicates rows), and the store commits once instead of once per row.
      c.setAutoCommit(false);
      try {
        ps.executeBatch();
        c.commit();
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      } finally {
        c.setAutoCommit(true);
      }
    }
    written.addAndGet(batch.size());
    for (Consumer<List<AuditEvent>> sink : sinks) {
      try {
        sink.accept(batch);
      } catch (RuntimeException e) {
        LOG.warn("audit sink failed: {}", e.toString());
      }
    }
  }

  private static void setString(PreparedStatement ps, int i, String v) throws SQLException {
    if (v == null) {
      ps.setNull(i, Types.VARCHAR);
    } else {
      ps.setString(i, v);
    }
  }

  /** Waits (bounded) until everything queued so far is written; true if it was. */
  public boolean flush(Duration timeout) throws InterruptedException {
    long end = System.nanoTime() + timeout.toNanos();
    // Hand the counted decisions to the writer now, then wait for the queue to drain.
    List<AuditEvent> counted = new ArrayList<>();
    drainCounts(Long.MAX_VALUE, counted);
    for (AuditEvent e : counted) {
      record(e);
    }
    // Every event accepted so far is written (or refused for its content) before this returns
    // true: the writer may already hold some of them in a batch it has taken off the queue.
    long target = accepted.get();
    synchronized (flushLock) {
      while (settled.get() < target && System.nanoTime() < end) {
        flushLock.wait(50);
      }
      return settled.get() >= target;
    }
  }

  /** Reads the log, newest first. */
  public Page<AuditEvent> query(AuditQuery q) {
    StringBuilder where = new StringBuilder(" WHERE 1 = 1");
    List<Object> args = new ArrayList<>();
    if (q.kind() != null) {
      where.append(" AND kind = ?");
      args.add(q.kind());
    }
    if (q.actor() != null) {
      where.append(" AND actor = ?");
      args.add(q.actor());
    }
    if (q.tokenId() != null) {
      where.append(" AND token_id = ?");
      args.add(q.tokenId());
    }
    if (q.repository() != null) {
      where.append(" AND repository = ?");
      args.add(q.repository());
    }
    if (q.outcome() != null) {
      where.append(" AND outcome = ?");
      args.add(q.outcome());
    }
    if (q.after() != null) {
      where.append(" AND at >= ?");
      args.add(OffsetDateTime.ofInstant(q.after(), ZoneOffset.UTC));
    }
    if (q.before() != null) {
      where.append(" AND at < ?");
      args.add(OffsetDateTime.ofInstant(q.before(), ZoneOffset.UTC));
    }
    try (Connection c = dataSource.getConnection()) {
      int total;
      try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM audit_events" + where)) {
        bind(ps, args);
        try (ResultSet rs = ps.executeQuery()) {
          rs.next();
          total = (int) Math.min(Integer.MAX_VALUE, rs.getLong(1));
        }
      }
      List<AuditEvent> items = new ArrayList<>();
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT * FROM audit_events"
                  + where
                  + " ORDER BY at DESC, id DESC LIMIT ? OFFSET ?")) {
        List<Object> all = new ArrayList<>(args);
        all.add(q.perPage());
        all.add((long) (q.page() - 1) * q.perPage());
        bind(ps, all);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            long tok = rs.getLong("token_id");
            Long tokenId = rs.wasNull() ? null : tok;
            int st = rs.getInt("status");
            Integer status = rs.wasNull() ? null : st;
            items.add(
                new AuditEvent(
                    rs.getLong("id"),
                    rs.getObject("at", OffsetDateTime.class).toInstant(),
                    rs.getString("kind"),
                    rs.getString("actor"),
                    tokenId,
                    rs.getString("hashed_token"),
                    rs.getString("repository"),
                    rs.getString("operation"),
                    rs.getString("outcome"),
                    rs.getString("reason"),
                    status,
                    rs.getString("client_address"),
                    rs.getString("target"),
                    rs.getString("before_state"),
                    rs.getString("after_state"),
                    rs.getInt("occurrences"),
                    rs.getString("via")));
          }
        }
      }
      return new Page<>(items, q.page(), q.perPage(), total);
    } catch (SQLException e) {
      if (e.getSQLState() != null && e.getSQLState().startsWith("22")) {
        throw new PolicyException(
            PolicyException.Kind.INVALID,
            "Validation Failed",
            List.of(
                new PolicyException.FieldError(
                    "Query",
                    null,
                    "invalid",
                    "a filter contains characters that cannot be stored")));
      }
      throw new StoreUnavailableException("audit log unavailable: " + e.getMessage(), e);
    }
  }

  private static void bind(PreparedStatement ps, List<Object> args) throws SQLException {
    for (int i = 0; i < args.size(); i++) {
      ps.setObject(i + 1, args.get(i));
    }
  }

  @Override
  public void close() {
    forceReads = true;
    closed = true;
    // No interrupt: an interrupt inside H2's file I/O closes its channel. The loop polls every
    // 200 ms, drains what is queued and ends.
    try {
      writer.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** For messages: an instant as ISO text. */
  static String iso(Instant t) {
    return t == null ? null : t.toString();
  }
}
