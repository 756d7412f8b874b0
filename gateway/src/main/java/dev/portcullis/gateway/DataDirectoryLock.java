package dev.portcullis.gateway;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.OptionalLong;

/**
 * One running gateway per data directory: an operating-system lock on {@code gateway.lock} held for
 * the life of the gateway, and {@code gateway.pid} naming its process (for messages and {@code
 * gateway stop}). The lock goes with the process, so a killed gateway leaves nothing to clean up.
 */
public final class DataDirectoryLock implements AutoCloseable {
  static final String LOCK_FILE = "gateway.lock";
  static final String PID_FILE = "gateway.pid";

  private final Path dir;
  private final FileChannel channel;
  private final FileLock lock;

  private DataDirectoryLock(Path dir, FileChannel channel, FileLock lock) {
    this.dir = dir;
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * Takes {@code dir} (which must exist) for this process, or refuses with the holder's pid.
   *
   * @throws StartupException when another gateway holds it
   */
  static DataDirectoryLock acquire(Path dir) throws StartupException, IOException {
    FileChannel channel =
        FileChannel.open(
            dir.resolve(LOCK_FILE), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      // Held by another gateway in this same process.
      lock = null;
    } catch (IOException | RuntimeException e) {
      channel.close();
      throw e;
    }
    if (lock == null) {
      channel.close();
      throw new StartupException(
          "the data directory "
              + dir
              + " is used by another gateway"
              + pidOf(dir).stream().mapToObj(p -> " (pid " + p + ")").findFirst().orElse(""));
    }
    Files.writeString(
        dir.resolve(PID_FILE), ProcessHandle.current().pid() + "\n", StandardCharsets.US_ASCII);
    return new DataDirectoryLock(dir, channel, lock);
  }

  /** The pid of the gateway serving {@code dir}, if one is running. */
  public static OptionalLong holder(Path dir) throws IOException {
    Path file = dir.resolve(LOCK_FILE);
    if (!Files.exists(file)) {
      return OptionalLong.empty();
    }
    try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
      FileLock probe;
      try {
        probe = channel.tryLock();
      } catch (OverlappingFileLockException e) {
        return OptionalLong.of(ProcessHandle.current().pid());
      }
      if (probe != null) {
        probe.release();
        return OptionalLong.empty();
      }
    }
    return pidOf(dir);
  }

  private static OptionalLong pidOf(Path dir) {
    try {
      return OptionalLong.of(
          Long.parseLong(
              Files.readString(dir.resolve(PID_FILE), StandardCharsets.US_ASCII).trim()));
    } catch (IOException | NumberFormatException e) {
      return OptionalLong.empty();
    }
  }

  @Override
  public void close() {
    try {
      Files.deleteIfExists(dir.resolve(PID_FILE));
      lock.release();
      channel.close();
    } catch (IOException e) {
      // The lock goes with the channel or the process anyway.
    }
  }
}
