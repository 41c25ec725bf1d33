package dev.impulse.runtime;

import dev.impulse.linux.Fifos;
import dev.impulse.linux.Processes;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Starts a created container the way {@code runc start} does, without a second runc process. {@code
 * runc create} leaves the container's first process blocked writing one byte to {@code exec.fifo}
 * in the container's state directory; reading that byte (and the end of the FIFO, which comes when
 * the process replaces itself with the configured one) is what lets it run, and removing the FIFO
 * is how runc itself marks the container running. That is runc 1.x's {@code start}, step for step,
 * without the Go process's own start-up: the {@code started} step of a cold start went from 9.6 ms
 * to about 1 ms (BENCHMARKS.md). A runc whose state directory has no such FIFO gets {@code runc
 * start}.
 */
public final class ExecFifo {
  static final String NAME = "exec.fifo";

  /** How often the first process is looked at while it has not written. */
  static final Duration CHECK_EVERY = Duration.ofMillis(10);

  private final Runc runc;

  public ExecFifo(Runc runc) {
    this.runc = runc;
  }

  /**
   * Starts created container {@code id}, whose first process's pid conmon wrote to {@code pidFile}.
   * Once the byte is read the container runs, so the FIFO is removed even when the wait for the
   * process's exec is cut short (a stopping daemon).
   */
  public void start(String id, Path pidFile) {
    Path fifo = runc.root().resolve(id).resolve(NAME);
    if (!Files.exists(fifo, LinkOption.NOFOLLOW_LINKS)) {
      runc.start(id);
      return;
    }
    int pid =
        Conmon.readPid(pidFile)
            .orElseThrow(() -> new ContainerStartException(id, "conmon left no pid in " + pidFile));
    long deadline = System.nanoTime() + Runc.TIMEOUT.toNanos();
    byte[] written;
    try {
      written =
          Fifos.readUntilClosed(
              fifo,
              CHECK_EVERY,
              () -> Processes.isRunning(pid) && System.nanoTime() - deadline < 0);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ContainerStartException(id, "the daemon is stopping");
    }
    if (written.length == 0) {
      throw new ContainerStartException(id, notStarted(pid, deadline));
    }
    try {
      Files.deleteIfExists(fifo);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "container " + id + " started, but removing " + fifo + " failed", e);
    }
  }

  private static String notStarted(int pid, long deadline) {
    if (!Processes.isRunning(pid)) {
      return "its first process ended before it was started; the chamber's log may say why";
    }
    if (System.nanoTime() - deadline >= 0) {
      return "its first process did not take the start within " + Runc.TIMEOUT.toSeconds() + " s";
    }
    return "its first process closed " + NAME + " without writing to it";
  }
}
