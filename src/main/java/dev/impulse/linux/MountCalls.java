package dev.impulse.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;

/** The new mount API ({@code open_tree}, {@code mount_setattr}, {@code move_mount}) through FFM. */
final class MountCalls {
  private MountCalls() {}

  // The mount API has no wrappers in bookworm's glibc: called through syscall(2). Its numbers are
  // the same on every architecture (424 and up are shared).
  private static final long SYS_OPEN_TREE = 428;
  private static final long SYS_MOVE_MOUNT = 429;
  private static final long SYS_MOUNT_SETATTR = 442;
  static final int AT_FDCWD = -100;
  static final int AT_EMPTY_PATH = 0x1000;
  static final int OPEN_TREE_CLONE = 1;
  static final int MOVE_MOUNT_F_EMPTY_PATH = 4;
  static final long MOUNT_ATTR_RDONLY = 1;
  static final long MOUNT_ATTR_NOSUID = 2;
  static final long MOUNT_ATTR_NODEV = 4;
  private static final MethodHandle OPEN_TREE = bindSyscall(JAVA_INT, ADDRESS, JAVA_INT);
  private static final MethodHandle MOUNT_SETATTR =
      bindSyscall(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_LONG);
  private static final MethodHandle MOVE_MOUNT =
      bindSyscall(JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT);

  /** {@code long syscall(long number, ...)} with these arguments after the number. */
  private static MethodHandle bindSyscall(MemoryLayout... args) {
    MemoryLayout[] all = new MemoryLayout[args.length + 1];
    all[0] = JAVA_LONG;
    System.arraycopy(args, 0, all, 1, args.length);
    return Libc.LINKER.downcallHandle(
        Libc.symbol("syscall"),
        FunctionDescriptor.of(JAVA_LONG, all),
        Libc.CAPTURE_ERRNO,
        Linker.Option.firstVariadicArg(1));
  }

  /**
   * Binds {@code source} at {@code target} with {@code attributes} ({@code MOUNT_ATTR_*}) set from
   * its first moment: the bind is made detached ({@code open_tree}), changed, then attached ({@code
   * move_mount}), so every copy a shared {@code target} propagates has the attributes too.
   */
  static void bindWithAttributes(String source, String target, long attributes) {
    try (Arena arena = Arena.ofConfined()) {
      int tree =
          (int)
              callLong(
                  "open_tree(" + source + ")",
                  OPEN_TREE,
                  SYS_OPEN_TREE,
                  AT_FDCWD,
                  arena.allocateFrom(source),
                  OPEN_TREE_CLONE | Libc.O_CLOEXEC);
      try {
        // struct mount_attr { u64 attr_set, attr_clr, propagation, userns_fd; }
        MemorySegment attr = arena.allocate(32);
        attr.set(JAVA_LONG, 0, attributes);
        callLong(
            "mount_setattr(" + source + ")",
            MOUNT_SETATTR,
            SYS_MOUNT_SETATTR,
            tree,
            arena.allocateFrom(""),
            AT_EMPTY_PATH,
            attr,
            32L);
        callLong(
            "move_mount(" + source + " to " + target + ")",
            MOVE_MOUNT,
            SYS_MOVE_MOUNT,
            tree,
            arena.allocateFrom(""),
            AT_FDCWD,
            arena.allocateFrom(target),
            MOVE_MOUNT_F_EMPTY_PATH);
      } finally {
        Libc.close(tree);
      }
    }
  }

  /** Calls a syscall handle: the errno capture first, -1 on failure throws, naming it. */
  private static long callLong(String what, MethodHandle handle, Object... args) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(Libc.CALL_STATE);
      Object[] full = new Object[args.length + 1];
      full[0] = state;
      System.arraycopy(args, 0, full, 1, args.length);
      long result = (long) handle.invokeWithArguments(full);
      if (result == -1) {
        int errno = (int) Libc.ERRNO.get(state, 0L);
        throw new LinuxException(what, errno, Libc.strerror(errno));
      }
      return result;
    } catch (LinuxException e) {
      throw e;
    } catch (Throwable t) {
      throw new IllegalStateException("native call failed: " + what, t);
    }
  }
}
