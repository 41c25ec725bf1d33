package dev.impulse.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * The few C library calls impulse needs, bound through the FFM API. Every call that can fail
 * captures {@code errno} and throws {@link LinuxException} naming the call and its argument.
 *
 * <p>Constants are those of Linux on x86_64 and aarch64 with glibc. Thread-safe: method handles are
 * immutable and each call allocates its own native memory.
 */
final class Libc {
  static final int O_RDONLY = 0;
  static final int O_WRONLY = 1;
  static final int O_CREAT = 0100;
  static final int O_APPEND = 02000;
  static final int O_CLOEXEC = 02000000;
  static final int EINTR = 4;
  static final int ECHILD = 10;
  static final int ESRCH = 3;
  static final int EINVAL = 22;
  static final int EBUSY = 16;
  static final int ENOENT = 2;
  static final int WNOHANG = 1;
  static final int POSIX_SPAWN_SETSIGDEF = 4;
  static final int POSIX_SPAWN_SETSIGMASK = 8;
  static final int PR_SET_CHILD_SUBREAPER = 36;
  static final int MNT_DETACH = 2;
  static final long MS_NOSUID = 2;
  static final long MS_NODEV = 4;
  static final long MS_NOEXEC = 8;
  static final long MS_SHARED = 1L << 20;

  /** glibc's sizes: posix_spawn_file_actions_t is 80 bytes, posix_spawnattr_t 336, sigset_t 128. */
  static final long FILE_ACTIONS_SIZE = 80;

  static final long SPAWN_ATTR_SIZE = 336;
  static final long SIGSET_SIZE = 128;

  static final Linker LINKER = Linker.nativeLinker();
  private static final SymbolLookup LIBC = LINKER.defaultLookup();
  static final StructLayout CALL_STATE = Linker.Option.captureStateLayout();
  static final VarHandle ERRNO =
      CALL_STATE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
  static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

  private static final MethodHandle PIPE2 = bind("pipe2", JAVA_INT, ADDRESS, JAVA_INT);
  private static final MethodHandle CLOSE = bind("close", JAVA_INT, JAVA_INT);
  private static final MethodHandle WAITPID =
      bind("waitpid", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
  private static final MethodHandle KILL = bind("kill", JAVA_INT, JAVA_INT, JAVA_INT);
  private static final MethodHandle POLL = bind("poll", JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT);
  private static final MethodHandle GETEUID = bindNoErrno("geteuid", JAVA_INT);
  private static final MethodHandle PRCTL =
      bind("prctl", JAVA_INT, JAVA_INT, JAVA_LONG, JAVA_LONG, JAVA_LONG, JAVA_LONG);
  private static final MethodHandle MOUNT =
      bind("mount", JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS);
  private static final MethodHandle UMOUNT2 = bind("umount2", JAVA_INT, ADDRESS, JAVA_INT);
  private static final MethodHandle STRERROR = bindNoErrno("strerror", ADDRESS, JAVA_INT);

  // posix_spawn and friends return the error number instead of setting errno.
  private static final MethodHandle POSIX_SPAWN =
      bindNoErrno("posix_spawn", JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS);
  private static final MethodHandle FA_INIT =
      bindNoErrno("posix_spawn_file_actions_init", JAVA_INT, ADDRESS);
  private static final MethodHandle FA_DESTROY =
      bindNoErrno("posix_spawn_file_actions_destroy", JAVA_INT, ADDRESS);
  private static final MethodHandle FA_ADDDUP2 =
      bindNoErrno("posix_spawn_file_actions_adddup2", JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT);
  private static final MethodHandle FA_ADDOPEN =
      bindNoErrno(
          "posix_spawn_file_actions_addopen",
          JAVA_INT,
          ADDRESS,
          JAVA_INT,
          ADDRESS,
          JAVA_INT,
          JAVA_INT);
  private static final MethodHandle FA_ADDCHDIR =
      bindNoErrno("posix_spawn_file_actions_addchdir_np", JAVA_INT, ADDRESS, ADDRESS);
  private static final MethodHandle FA_ADDCLOSEFROM =
      bindNoErrno("posix_spawn_file_actions_addclosefrom_np", JAVA_INT, ADDRESS, JAVA_INT);
  private static final MethodHandle ATTR_INIT =
      bindNoErrno("posix_spawnattr_init", JAVA_INT, ADDRESS);
  private static final MethodHandle ATTR_DESTROY =
      bindNoErrno("posix_spawnattr_destroy", JAVA_INT, ADDRESS);
  private static final MethodHandle ATTR_SETFLAGS =
      bindNoErrno("posix_spawnattr_setflags", JAVA_INT, ADDRESS, JAVA_SHORT);
  private static final MethodHandle ATTR_SETSIGMASK =
      bindNoErrno("posix_spawnattr_setsigmask", JAVA_INT, ADDRESS, ADDRESS);
  private static final MethodHandle ATTR_SETSIGDEFAULT =
      bindNoErrno("posix_spawnattr_setsigdefault", JAVA_INT, ADDRESS, ADDRESS);
  private static final MethodHandle SIGEMPTYSET = bindNoErrno("sigemptyset", JAVA_INT, ADDRESS);
  private static final MethodHandle SIGFILLSET = bindNoErrno("sigfillset", JAVA_INT, ADDRESS);

  private Libc() {}

  static MethodHandle bind(String name, MemoryLayout result, MemoryLayout... args) {
    return LINKER.downcallHandle(symbol(name), FunctionDescriptor.of(result, args), CAPTURE_ERRNO);
  }

  private static MethodHandle bindNoErrno(String name, MemoryLayout result, MemoryLayout... args) {
    return LINKER.downcallHandle(symbol(name), FunctionDescriptor.of(result, args));
  }

  static MemorySegment symbol(String name) {
    return LIBC.find(name)
        .orElseThrow(() -> new UnsatisfiedLinkError("the C library has no symbol " + name));
  }

  /** Calls a handle whose first argument is the errno capture segment. */
  private static int call(String what, MethodHandle handle, Object... args) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(CALL_STATE);
      Object[] full = new Object[args.length + 1];
      full[0] = state;
      System.arraycopy(args, 0, full, 1, args.length);
      int result = (int) handle.invokeWithArguments(full);
      if (result == -1) {
        int errno = (int) ERRNO.get(state, 0L);
        throw new LinuxException(what, errno, strerror(errno));
      }
      return result;
    } catch (LinuxException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException("native call failed: " + what, t);
    }
  }

  private static int callNoErrno(MethodHandle handle, Object... args) {
    try {
      return (int) handle.invokeWithArguments(args);
    } catch (Throwable t) {
      throw new IllegalStateException("native call failed", t);
    }
  }

  static String strerror(int errno) {
    try {
      MemorySegment message = (MemorySegment) STRERROR.invokeExact(errno);
      return message.reinterpret(256).getString(0);
    } catch (Throwable t) {
      return "errno " + errno;
    }
  }

  static int geteuid() {
    return callNoErrno(GETEUID);
  }

  /** Returns {read, write} file descriptors of a new close-on-exec pipe. */
  static int[] pipe() {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment fds = arena.allocate(JAVA_INT, 2);
      call("pipe2()", PIPE2, fds, O_CLOEXEC);
      return new int[] {fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1)};
    }
  }

  static void close(int fd) {
    call("close(" + fd + ")", CLOSE, fd);
  }

  /**
   * {@code waitpid(pid, &status, flags)}: returns the raw status, or -1 when {@code WNOHANG} was
   * given and the child has not changed state.
   */
  static int waitpid(int pid, int flags) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment status = arena.allocate(JAVA_INT);
      while (true) {
        try {
          int result = call("waitpid(" + pid + ")", WAITPID, pid, status, flags);
          return result == 0 ? -1 : status.get(JAVA_INT, 0);
        } catch (LinuxException e) {
          if (e.errno() != EINTR) {
            throw e;
          }
        }
      }
    }
  }

  static void kill(int pid, int signal) {
    call("kill(" + pid + ", " + signal + ")", KILL, pid, signal);
  }

  static final short POLLIN = 1;

  /**
   * {@code poll} of one descriptor for {@code events}, without waiting: the events that are there,
   * or 0. A wait in here would hold a virtual thread's carrier; callers sleep between looks.
   */
  static int pollNow(int fd, short events) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment pollfd = arena.allocate(8, 4); // struct pollfd {int fd; short events, revents}
      pollfd.set(JAVA_INT, 0, fd);
      pollfd.set(JAVA_SHORT, 4, events);
      try {
        int ready = call("poll(" + fd + ")", POLL, pollfd, 1L, 0);
        return ready == 0 ? 0 : pollfd.get(JAVA_SHORT, 6);
      } catch (LinuxException e) {
        if (e.errno() == EINTR) {
          return 0;
        }
        throw e;
      }
    }
  }

  static void prctl(int option, long arg) {
    call("prctl(" + option + ")", PRCTL, option, arg, 0L, 0L, 0L);
  }

  static void mount(String source, String target, String type, long flags, String data) {
    try (Arena arena = Arena.ofConfined()) {
      call(
          "mount(" + type + " on " + target + ")",
          MOUNT,
          arena.allocateFrom(source),
          arena.allocateFrom(target),
          arena.allocateFrom(type),
          flags,
          arena.allocateFrom(data));
    }
  }

  static void umount2(String target, int flags) {
    try (Arena arena = Arena.ofConfined()) {
      call("umount2(" + target + ")", UMOUNT2, arena.allocateFrom(target), flags);
    }
  }

  /**
   * Starts {@code argv[0]} (an absolute path) with the given environment in directory {@code
   * workDir}. {@code fdMap} pairs are {parentFd, childFd}; the child's stdin, stdout and stderr not
   * in the map are /dev/null, and every other descriptor is closed. Signal mask and dispositions
   * are reset so the JVM's do not leak in.
   */
  static int spawn(String[] argv, String[] env, int[][] fdMap, String stderrPath, String workDir) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment actions = arena.allocate(FILE_ACTIONS_SIZE, 16);
      MemorySegment attr = arena.allocate(SPAWN_ATTR_SIZE, 16);
      check("posix_spawn_file_actions_init", callNoErrno(FA_INIT, actions));
      check("posix_spawnattr_init", callNoErrno(ATTR_INIT, attr));
      try {
        check("addchdir_np", callNoErrno(FA_ADDCHDIR, actions, arena.allocateFrom(workDir)));
        MemorySegment devNull = arena.allocateFrom("/dev/null");
        boolean[] mapped = new boolean[3];
        for (int[] pair : fdMap) {
          check("adddup2", callNoErrno(FA_ADDDUP2, actions, pair[0], pair[1]));
          if (pair[1] < 3) {
            mapped[pair[1]] = true;
          }
        }
        if (!mapped[0]) {
          check("addopen", callNoErrno(FA_ADDOPEN, actions, 0, devNull, O_RDONLY, 0));
        }
        if (!mapped[1]) {
          check("addopen", callNoErrno(FA_ADDOPEN, actions, 1, devNull, O_WRONLY, 0));
        }
        if (!mapped[2]) {
          MemorySegment err = arena.allocateFrom(stderrPath);
          check(
              "addopen",
              callNoErrno(FA_ADDOPEN, actions, 2, err, O_WRONLY | O_CREAT | O_APPEND, 0600));
        }
        int highest = 2;
        for (int[] pair : fdMap) {
          highest = Math.max(highest, pair[1]);
        }
        check("addclosefrom_np", callNoErrno(FA_ADDCLOSEFROM, actions, highest + 1));

        MemorySegment empty = arena.allocate(SIGSET_SIZE, 8);
        MemorySegment all = arena.allocate(SIGSET_SIZE, 8);
        callNoErrno(SIGEMPTYSET, empty);
        callNoErrno(SIGFILLSET, all);
        check("setsigmask", callNoErrno(ATTR_SETSIGMASK, attr, empty));
        check("setsigdefault", callNoErrno(ATTR_SETSIGDEFAULT, attr, all));
        check(
            "setflags",
            callNoErrno(
                ATTR_SETFLAGS, attr, (short) (POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF)));

        MemorySegment pid = arena.allocate(JAVA_INT);
        int error =
            callNoErrno(
                POSIX_SPAWN,
                pid,
                arena.allocateFrom(argv[0]),
                actions,
                attr,
                stringArray(arena, argv),
                stringArray(arena, env));
        if (error != 0) {
          throw new LinuxException("posix_spawn(" + argv[0] + ")", error, strerror(error));
        }
        return pid.get(JAVA_INT, 0);
      } finally {
        callNoErrno(FA_DESTROY, actions);
        callNoErrno(ATTR_DESTROY, attr);
      }
    }
  }

  private static void check(String what, int error) {
    if (error != 0) {
      throw new LinuxException(what, error, strerror(error));
    }
  }

  private static MemorySegment stringArray(Arena arena, String[] strings) {
    MemorySegment array = arena.allocate(ADDRESS, strings.length + 1L);
    for (int i = 0; i < strings.length; i++) {
      array.setAtIndex(ADDRESS, i, arena.allocateFrom(strings[i]));
    }
    array.setAtIndex(ADDRESS, strings.length, MemorySegment.NULL);
    return array;
  }
}
