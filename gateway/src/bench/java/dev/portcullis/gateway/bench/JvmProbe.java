package dev.portcullis.gateway.bench;

import com.sun.tools.attach.VirtualMachine;
import java.io.IOException;
import java.util.Set;
import javax.management.MBeanServerConnection;
import javax.management.ObjectName;
import javax.management.remote.JMXConnector;
import javax.management.remote.JMXConnectorFactory;
import javax.management.remote.JMXServiceURL;

/**
 * What a server JVM has spent since it started, read from outside over JMX: the heap bytes its
 * threads allocated, those of ended threads included ({@code
 * com.sun.management.ThreadMXBean#getTotalThreadAllocatedBytes}), the time its JIT compilers
 * worked, and the time its collectors took. The attach API starts the server's local management
 * agent (loopback only), alike for every server; a read between two rounds costs the server nothing
 * measurable.
 */
final class JvmProbe implements AutoCloseable {
  /** Totals since the JVM started. */
  record Totals(long allocatedBytes, long compileMillis, long gcMillis) {
    Totals minus(Totals earlier) {
      return new Totals(
          allocatedBytes - earlier.allocatedBytes,
          compileMillis - earlier.compileMillis,
          gcMillis - earlier.gcMillis);
    }
  }

  private final JMXConnector connector;
  private final MBeanServerConnection server;
  private final ObjectName threading;
  private final ObjectName compilation;
  private final Set<ObjectName> collectors;

  private JvmProbe(JMXConnector connector) throws Exception {
    this.connector = connector;
    this.server = connector.getMBeanServerConnection();
    this.threading = new ObjectName("java.lang:type=Threading");
    this.compilation = new ObjectName("java.lang:type=Compilation");
    this.collectors = server.queryNames(new ObjectName("java.lang:type=GarbageCollector,*"), null);
  }

  /** Attaches to the JVM of process {@code pid} (of this user) and connects to its agent. */
  static JvmProbe attach(long pid) throws Exception {
    VirtualMachine vm = VirtualMachine.attach(Long.toString(pid));
    String address;
    try {
      address = vm.startLocalManagementAgent();
    } finally {
      vm.detach();
    }
    JMXConnector c = JMXConnectorFactory.connect(new JMXServiceURL(address));
    try {
      return new JvmProbe(c);
    } catch (Exception e) {
      c.close();
      throw e;
    }
  }

  /** The totals now; fails where the JVM does not count allocated bytes. */
  Totals read() throws Exception {
    long bytes = (Long) server.getAttribute(threading, "TotalThreadAllocatedBytes");
    if (bytes < 0) {
      throw new IllegalStateException("the server's JVM does not count allocated bytes");
    }
    long compile = (Long) server.getAttribute(compilation, "TotalCompilationTime");
    long gc = 0;
    for (ObjectName collector : collectors) {
      gc += (Long) server.getAttribute(collector, "CollectionTime");
    }
    return new Totals(bytes, compile, gc);
  }

  @Override
  public void close() {
    try {
      connector.close();
    } catch (IOException e) {
      // the server has ended
    }
  }
}
