package dev.impulse.testing;

import dev.impulse.daemon.Defaults;
import dev.impulse.linux.FileTrees;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.OptionalLong;
import java.util.function.LongPredicate;

/**
 * A runc for a daemon process ({@code --runc}) that can hold container starts: while {@link #hold}
 * is on, {@code runc start} waits before it starts anything, so a chamber's launch stops at a known
 * point, its container created and not started. A held start writes the pid of the process that
 * waits to a file named for the container; it gives up (starting nothing) when the daemon that ran
 * it is gone. Everything else goes straight to the real runc. Close it after the daemon.
 */
public final class RuncHold implements AutoCloseable {
  private final Path dir;

  private RuncHold(Path dir) {
    this.dir = dir;
  }

  /** Makes the wrapper, not holding. */
  public static RuncHold create() {
    String real = System.getenv().getOrDefault("IMPULSE_RUNC", Defaults.RUNC);
    try {
      Path dir = Files.createTempDirectory("impulse-runc-hold-");
      Files.createDirectories(dir.resolve("held"));
      Path script = dir.resolve("runc");
      Files.writeString(
          script,
          """
          #!/bin/sh
          # runc, except that while %1$s/hold exists a start waits first.
          case " $* " in
            *" start "*)
              for id; do :; done
              if [ -e %1$s/hold ]; then
                echo $$ > %1$s/held/"$id".new && mv %1$s/held/"$id".new %1$s/held/"$id"
                while [ -e %1$s/hold ]; do
                  kill -0 "$PPID" 2>/dev/null || exit 75
                  sleep 0.05
                done
              fi
              ;;
          esac
          exec %2$s "$@"
          """
              .formatted(dir, real));
      Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
      return new RuncHold(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The wrapper, for {@code --runc}. */
  public Path binary() {
    return dir.resolve("runc");
  }

  /** From now on, every start waits until {@link #release}. */
  public void hold() {
    try {
      Files.writeString(dir.resolve("hold"), "");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Lets every waiting start go on, and later ones pass at once. */
  public void release() {
    try {
      Files.deleteIfExists(dir.resolve("hold"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The pid of the last start of {@code container} that was held, if one was. */
  public OptionalLong heldStart(String container) {
    try {
      return OptionalLong.of(
          Long.parseLong(Files.readString(dir.resolve("held").resolve(container)).strip()));
    } catch (NoSuchFileException e) {
      return OptionalLong.empty();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Waits until the last held start of {@code container} has a pid that satisfies {@code wanted};
   * returns that pid.
   */
  public long awaitHeldStart(String container, LongPredicate wanted, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      OptionalLong pid = heldStart(container);
      if (pid.isPresent() && wanted.test(pid.getAsLong())) {
        return pid.getAsLong();
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(
            "no start of " + container + " was held as wanted within " + timeout + ": " + pid);
      }
      Thread.sleep(50);
    }
  }

  /** Waits until process {@code pid} is gone (reaped); fails after {@code timeout}. */
  public static void awaitGone(long pid, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("process " + pid + " still runs after " + timeout);
      }
      Thread.sleep(50);
    }
  }

  @Override
  public void close() {
    release();
    try {
      FileTrees.deleteRecursively(dir);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
