package dev.impulse.linux;

import java.io.FileInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * Process control the JDK lacks: spawning a program with an extra inherited pipe, waiting for
 * processes that are not {@link Process} objects (orphans handed to us as child subreaper), and
 * signalling by pid.
 */
public final class Processes {
  private Processes() {}

  /**
   * A process started by {@link #spawnWithPipe}: its pid and the read end of a pipe whose write end
   * it holds as a numbered descriptor. The stream ends when every holder of the write end closed
   * it.
   */
  public record Spawned(int pid, InputStream pipe) {}

  /**
   * Starts {@code argv} (argv[0] an absolute path) with exactly {@code env}. The child gets the
   * write end of a new pipe as descriptor {@code childFd}, /dev/null as stdin and stdout, {@code
   * stderr} (appended to) as stderr, and no other descriptor of this JVM.
   */
  public static Spawned spawnWithPipe(
      List<String> argv, Map<String, String> env, int childFd, Path stderr) {
    if (childFd < 3) {
      throw new IllegalArgumentException("the pipe must use a descriptor above 2, not " + childFd);
    }
    int[] pipe = Libc.pipe();
    InputStream reader;
    try {
      // Reopening through /proc gives the JDK its own descriptor, so ordinary (and, on virtual
      // threads, non-pinning) blocking reads work on it.
      reader = new FileInputStream("/proc/self/fd/" + pipe[0]);
    } catch (IOException e) {
      Libc.close(pipe[1]);
      throw new UncheckedIOException("cannot open the read end of a pipe", e);
    } finally {
      Libc.close(pipe[0]);
    }
    if (pipe[1] == childFd) {
      closeQuietly(reader);
      Libc.close(pipe[1]);
      throw new IllegalStateException("pipe write end landed on descriptor " + childFd);
    }
    try {
      String[] environment =
          env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toArray(String[]::new);
      int pid =
          Libc.spawn(
              argv.toArray(String[]::new),
              environment,
              new int[][] {{pipe[1], childFd}},
              stderr.toString());
      return new Spawned(pid, reader);
    } catch (RuntimeException e) {
      closeQuietly(reader);
      throw e;
    } finally {
      Libc.close(pipe[1]);
    }
  }

  /** Waits for child {@code pid} to end and returns its exit code (128+N when killed by N). */
  public static int waitFor(int pid) {
    return decode(Libc.waitpid(pid, 0));
  }

  /**
   * Reaps child {@code pid} if it has ended: its exit code, or empty while it runs. A pid that is
   * not (or no longer) our child also gives empty.
   */
  public static OptionalInt reapIfEnded(int pid) {
    try {
      int status = Libc.waitpid(pid, Libc.WNOHANG);
      return status == -1 ? OptionalInt.empty() : OptionalInt.of(decode(status));
    } catch (LinuxException e) {
      if (e.errno() == Libc.ECHILD) {
        return OptionalInt.empty();
      }
      throw e;
    }
  }

  /** Sends {@code signal} to {@code pid}; false when there is no such process. */
  public static boolean signal(int pid, int signal) {
    try {
      Libc.kill(pid, signal);
      return true;
    } catch (LinuxException e) {
      if (e.errno() == Libc.ESRCH) {
        return false;
      }
      throw e;
    }
  }

  /** True while {@code pid} runs: it exists and is not a zombie waiting to be reaped. */
  public static boolean isRunning(int pid) {
    if (pid <= 0) {
      return false;
    }
    try {
      String stat = Files.readString(Path.of("/proc", Integer.toString(pid), "stat"));
      int end = stat.lastIndexOf(')');
      return end > 0 && end + 2 < stat.length() && stat.charAt(end + 2) != 'Z';
    } catch (IOException e) {
      return false;
    }
  }

  /** True while a process with this pid exists (a zombie counts until it is reaped). */
  public static boolean exists(int pid) {
    return pid > 0 && signal(pid, 0);
  }

  /**
   * Makes this process the reaper of orphaned descendants (conmon detaches by forking twice), so
   * they are re-parented to it instead of to PID 1, which on some machines never reaps them.
   */
  public static void becomeChildSubreaper() {
    Libc.prctl(Libc.PR_SET_CHILD_SUBREAPER, 1);
  }

  /** True when this process runs as root (effective uid 0). */
  public static boolean isRoot() {
    return Libc.geteuid() == 0;
  }

  /** This process's pid. */
  public static int self() {
    return Libc.getpid();
  }

  /** Turns a wait status into an exit code the way conmon records it: code, or 128+signal. */
  static int decode(int status) {
    int signal = status & 0x7f;
    return signal == 0 ? (status >> 8) & 0xff : 128 + signal;
  }

  private static void closeQuietly(InputStream in) {
    try {
      in.close();
    } catch (IOException ignored) {
      // nothing was read from it; the descriptor is gone either way
    }
  }
}
