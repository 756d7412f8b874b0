package dev.portcullis.gateway.cli;

import dev.portcullis.gateway.DataDirectoryLock;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code gateway stop}: stops the gateway serving a data directory, gracefully (the signal a
 * service manager sends: in-flight requests finish, the audit log and last-used times are written).
 */
@Command(
    name = "stop",
    mixinStandardHelpOptions = true,
    description = "Stop the gateway that serves a data directory, gracefully.")
final class StopCommand implements Callable<Integer> {
  @Option(
      names = "--data",
      description = "its data directory (default ${DEFAULT-VALUE})",
      defaultValue = "./data")
  Path data;

  @Option(
      names = "--timeout",
      description = "seconds to wait for it to finish (default ${DEFAULT-VALUE})",
      defaultValue = "30")
  int timeoutSeconds;

  @Override
  public Integer call() throws Exception {
    OptionalLong pid = DataDirectoryLock.holder(data.toAbsolutePath());
    if (pid.isEmpty()) {
      System.err.println("gateway stop: no gateway is serving " + data);
      return 1;
    }
    var process = ProcessHandle.of(pid.getAsLong());
    if (process.isEmpty() || pid.getAsLong() == ProcessHandle.current().pid()) {
      System.err.println(
          "gateway stop: the gateway serving " + data + " (pid " + pid.getAsLong() + ") is gone");
      return 1;
    }
    process.get().destroy();
    try {
      process.get().onExit().get(timeoutSeconds, TimeUnit.SECONDS);
    } catch (TimeoutException e) {
      System.err.println(
          "gateway stop: pid "
              + pid.getAsLong()
              + " is still stopping after "
              + timeoutSeconds
              + " s");
      return 1;
    }
    System.out.println("Stopped the gateway serving " + data + " (pid " + pid.getAsLong() + ").");
    return 0;
  }
}
