package dev.portcullis.policy.bench;

import dev.portcullis.policy.access.LastUsedRecorder;
import dev.portcullis.policy.audit.AuditLog;
import dev.portcullis.policy.decision.Decision;
import dev.portcullis.policy.model.AccessToken;
import dev.portcullis.policy.model.GitOperation;
import dev.portcullis.policy.store.Database;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The store writes a busy gateway makes in the background each minute, for {@code tokens} distinct
 * tokens used in that minute, on the embedded H2 stores the gateway uses:
 *
 * <ul>
 *   <li>{@code last_used}: one minute's last-used times, noted and flushed by {@link
 *       LastUsedRecorder} (one row per token);
 *   <li>{@code audit_counted_reads}: one minute's allowed reads counted by {@link AuditLog} (one
 *       counted row per token, repository and client), drained and written by its writer.
 * </ul>
 *
 * Each operation is one minute's work; its time is what the gateway's background threads spend per
 * minute, taken from the request threads' two cores.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 5, batchSize = 1)
@Measurement(iterations = 10, batchSize = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class BackgroundWritesBenchmark {
  @Param({"2000", "10000"})
  public int tokens;

  private BenchWorld world;
  private Path auditDir;
  private Database auditDb;
  private AuditLog audit;
  private LastUsedRecorder lastUsed;
  private AccessToken[] used;
  private Instant minute;

  @Setup(Level.Trial)
  public void setUp() throws IOException {
    world = BenchWorld.shared(tokens, 1);
    List<BenchWorld.Sample> samples = world.samples();
    used = new AccessToken[samples.size()];
    for (int i = 0; i < used.length; i++) {
      used[i] = world.store().tokenByDigest(samples.get(i).digest()).orElseThrow();
    }
    lastUsed = new LastUsedRecorder(world.store(), Duration.ofMinutes(1));
    auditDir = Files.createTempDirectory("portcullis-bench-audit-");
    auditDb = Database.embeddedAudit(auditDir);
    audit = new AuditLog(auditDb.dataSource(), 100_000, List.of(), true);
    minute = Instant.now().minus(Duration.ofDays(1));
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    audit.close();
    auditDb.close();
    BenchWorld.deleteTree(auditDir);
    world.close();
  }

  /**
   * The CPU time the whole process spent in the operation (all threads, the store's own background
   * threads included), in milliseconds: what the writes take from the request threads.
   */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.EVENTS)
  public static class Cpu {
    public double cpuMillis;

    private final com.sun.management.OperatingSystemMXBean os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    long now() {
      return os.getProcessCpuTime();
    }
  }

  @Benchmark
  public int last_used(Cpu cpu) {
    long start = cpu.now();
    minute = minute.plus(Duration.ofMinutes(1));
    for (AccessToken t : used) {
      lastUsed.record(t.id(), minute);
    }
    int n = lastUsed.flush(minute);
    cpu.cpuMillis += (cpu.now() - start) / 1e6;
    return n;
  }

  @Benchmark
  public boolean audit_counted_reads(Cpu cpu) throws InterruptedException {
    long start = cpu.now();
    minute = minute.plus(Duration.ofMinutes(1));
    for (int i = 0; i < used.length; i++) {
      AccessToken t = used[i];
      audit.recordDecision(
          minute,
          world.samples().get(i).login(),
          t,
          "acme/" + world.samples().get(i).repoName(),
          GitOperation.READ,
          new Decision.Allowed(Decision.Reason.AUTHORIZED),
          200,
          "127.0.0.1");
    }
    if (!audit.flush(Duration.ofMinutes(1))) {
      throw new UncheckedIOException(new IOException("the audit log did not settle"));
    }
    cpu.cpuMillis += (cpu.now() - start) / 1e6;
    return true;
  }
}
