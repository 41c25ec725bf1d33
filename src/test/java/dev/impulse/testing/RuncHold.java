package dev.impulse.testing;

import dev.impulse.daemon.Defaults;
import dev.impulse.linux.FileTrees;
import dev.impulse.linux.Processes;
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
 * is on, {@code runc create} stops the container's first process (SIGSTOP) before it returns, so it
 * cannot take the daemon's start (ExecFifo) and a chamber's launch stops at a known point, its
 * container created and not started. A held start writes the pid of that process to a file named
 * for the container; {@link #release} lets every held process go on (SIGCONT). Everything else goes
 * straight to the real runc. Close it after the daemon.
 */
public final class RuncHold implements AutoCloseable {
  private static final int SIGCONT = 18;
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
          # runc, except that while %1$s/hold exists a created container's first process is
          # stopped before create returns.
          case " $* " in
            *" create "*)
              for id; do :; done
              pidfile=
              previous=
              for arg; do
                case "$arg" in --pid-file=*) pidfile="${arg#--pid-file=}" ;; esac
                [ "$previous" = "--pid-file" ] && pidfile="$arg"
                previous="$arg"
              done
              %2$s "$@" || exit $?
              if [ -e %1$s/hold ] && [ -n "$pidfile" ]; then
                pid=$(cat "$pidfile")
                if [ -n "$pid" ] && kill -STOP "$pid"; then
                  echo "$pid" > %1$s/held/"$id".new && mv %1$s/held/"$id".new %1$s/held/"$id"
                fi
              fi
              exit 0
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

  /** From now on, every container created waits, not started, until {@link #release}. */
  public void hold() {
    try {
      Files.writeString(dir.resolve("hold"), "");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Lets every held start go on, and later ones pass at once. */
  public void release() {
    try {
      Files.deleteIfExists(dir.resolve("hold"));
      try (var held = Files.list(dir.resolve("held"))) {
        for (Path file : held.filter(f -> !f.toString().endsWith(".new")).toList()) {
          int pid = Integer.parseInt(Files.readString(file).strip());
          // the held process, not one that took its pid since
          if (Processes.state(pid).filter(state -> state == 'T').isPresent()) {
            Processes.signal(pid, SIGCONT);
          }
        }
      }
    } catch (NoSuchFileException gone) {
      // closed already
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The pid of the held first process of the last start of {@code container} that was held, if one
   * was.
   */
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
