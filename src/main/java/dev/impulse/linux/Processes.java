package dev.impulse.linux;

import java.io.Closeable;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Process control the JDK lacks: spawning a program with an extra inherited pipe, waiting for
 * processes that are not {@link Process} objects (orphans handed to us as child subreaper), and
 * signalling by pid.
 */
public final class Processes {
  private Processes() {}

  /**
   * A process started by {@link #spawn}: its pid, the read end of the pipe it writes to ({@code
   * fromChild}) and the write end of the pipe it reads from ({@code toChild}). A stream ends when
   * every holder of the other end closed it.
   */
  public record Spawned(int pid, InputStream fromChild, OutputStream toChild) {}

  /**
   * Starts {@code argv} (argv[0] an absolute path) with exactly {@code env}. The child gets the
   * write end of a new pipe as descriptor {@code writeFd}, the read end of another as {@code
   * readFd} (unless it is negative), /dev/null as stdin and stdout, {@code stderr} (appended to) as
   * stderr, and no other descriptor of this JVM. It runs in {@code workDir}, never in this JVM's
   * working directory: what it writes to a relative path lands there.
   */
  public static Spawned spawn(
      List<String> argv,
      Map<String, String> env,
      int writeFd,
      int readFd,
      Path stderr,
      Path workDir) {
    if (writeFd < 3 || (readFd >= 0 && readFd < 3) || writeFd == readFd) {
      throw new IllegalArgumentException("pipes need two distinct descriptors above 2");
    }
    List<int[]> opened = new ArrayList<>();
    Closeable cleanup =
        () -> {
          for (int[] pipe : opened) {
            closeQuietly(pipe[0]);
            closeQuietly(pipe[1]);
          }
        };
    InputStream fromChild = null;
    OutputStream toChild = null;
    try {
      int[] up = Libc.pipe();
      opened.add(up);
      fromChild = new FileInputStream("/proc/self/fd/" + up[0]);
      List<int[]> map = new ArrayList<>();
      map.add(new int[] {up[1], writeFd});
      if (readFd >= 0) {
        int[] down = Libc.pipe();
        opened.add(down);
        toChild = new FileOutputStream("/proc/self/fd/" + down[1]);
        map.add(new int[] {down[0], readFd});
      }
      for (int[] pair : map) {
        if (pair[0] == pair[1]) {
          throw new IllegalStateException("a pipe landed on descriptor " + pair[1]);
        }
      }
      String[] environment =
          env.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toArray(String[]::new);
      int pid =
          Libc.spawn(
              argv.toArray(String[]::new),
              environment,
              map.toArray(int[][]::new),
              stderr.toString(),
              workDir.toString());
      return new Spawned(pid, fromChild, toChild);
    } catch (IOException | RuntimeException e) {
      closeQuietly(fromChild);
      closeQuietly(toChild);
      throw e instanceof RuntimeException r
          ? r
          : new UncheckedIOException("cannot open a pipe", (IOException) e);
    } finally {
      // Our copies of the child's ends, and the originals of the ends reopened through /proc.
      try {
        cleanup.close();
      } catch (IOException ignored) {
        // closeQuietly does not throw
      }
    }
  }

  /** Waits for child {@code pid} to end and returns its exit code (128+N when killed by N). */
  public static int waitFor(int pid) {
    return decode(Libc.waitpid(pid, 0));
  }

  /**
   * True while {@code pid} is a child of this process that has not ended. One that has ended is
   * reaped here. Unlike a look at /proc, this cannot be fooled by a pid reused since, and it does
   * not depend on what the child's command line shows yet.
   */
  public static boolean childRunning(int pid) {
    try {
      return Libc.waitpid(pid, Libc.WNOHANG) == -1;
    } catch (LinuxException e) {
      if (e.errno() == Libc.ECHILD) {
        return false;
      }
      throw e;
    }
  }

  /**
   * Kills child {@code pid} (SIGKILL) and waits for it. Does nothing when it is not, or no longer,
   * a child of this process (it ended and was reaped, perhaps by the reaper's sweep): a pid reused
   * since is never signalled. A child that has not been reaped keeps its pid.
   */
  public static void killChild(int pid) {
    if (!childRunning(pid)) {
      return;
    }
    signal(pid, 9);
    try {
      Libc.waitpid(pid, 0);
    } catch (LinuxException e) {
      if (e.errno() != Libc.ECHILD) {
        throw e;
      }
    }
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
    return state(pid).filter(state -> state != 'Z').isPresent();
  }

  /**
   * The state letter {@code /proc/PID/stat} gives process {@code pid} ({@code R}, {@code S}, {@code
   * T} stopped, {@code Z} a zombie, ...); empty when there is no such process.
   */
  public static Optional<Character> state(int pid) {
    if (pid <= 0) {
      return Optional.empty();
    }
    try {
      String stat = Files.readString(Path.of("/proc", Integer.toString(pid), "stat"));
      int end = stat.lastIndexOf(')'); // the command name in parentheses may hold anything
      return end > 0 && end + 2 < stat.length()
          ? Optional.of(stat.charAt(end + 2))
          : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
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

  /** Turns a wait status into an exit code the way conmon records it: code, or 128+signal. */
  static int decode(int status) {
    int signal = status & 0x7f;
    return signal == 0 ? (status >> 8) & 0xff : 128 + signal;
  }

  private static void closeQuietly(Closeable stream) {
    if (stream == null) {
      return;
    }
    try {
      stream.close();
    } catch (IOException ignored) {
      // nothing was exchanged through it; the descriptor is gone either way
    }
  }

  private static void closeQuietly(int fd) {
    try {
      Libc.close(fd);
    } catch (LinuxException ignored) {
      // already closed
    }
  }
}
