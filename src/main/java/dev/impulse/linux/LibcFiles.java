package dev.impulse.linux;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandle;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The file calls relative to a directory descriptor that {@link RootedDir} is made of, bound like
 * those of {@link Libc} (which they would push past a readable length): each captures {@code errno}
 * and throws {@link LinuxException} naming the call and its path.
 *
 * <p>{@code openat2} has no wrapper in Debian bookworm's glibc, so it goes through {@code
 * syscall(2)}; its number, 437, is the same on x86_64 and aarch64. The {@code open} flags that
 * differ between the two (O_DIRECTORY, O_NOFOLLOW) are chosen by {@code os.arch}. Thread-safe.
 */
final class LibcFiles {
  private static final boolean ARM64 = "aarch64".equals(System.getProperty("os.arch"));

  static final int O_RDONLY = 0;
  static final int O_WRONLY = 1;
  static final int O_CREAT = 0100;
  static final int O_EXCL = 0200;
  static final int O_DIRECTORY = ARM64 ? 040000 : 0200000;
  static final int O_NOFOLLOW = ARM64 ? 0100000 : 0400000;
  static final int O_CLOEXEC = 02000000;
  static final int O_PATH = 010000000;

  static final int AT_FDCWD = -100;
  static final int AT_SYMLINK_NOFOLLOW = 0x100;
  static final int AT_REMOVEDIR = 0x200;
  static final int AT_EMPTY_PATH = 0x1000;

  static final long RESOLVE_NO_XDEV = 0x01;
  static final long RESOLVE_NO_MAGICLINKS = 0x02;
  static final long RESOLVE_NO_SYMLINKS = 0x04;
  static final long RESOLVE_BENEATH = 0x08;
  static final long RESOLVE_IN_ROOT = 0x10;

  static final int ENOENT = 2;
  static final int EINTR = 4;
  static final int EAGAIN = 11;
  static final int EEXIST = 17;
  static final int EXDEV = 18;
  static final int ENOTDIR = 20;
  static final int EISDIR = 21;
  static final int EMLINK = 31;
  static final int ENAMETOOLONG = 36;
  static final int ENOSYS = 38;
  static final int ENOTEMPTY = 39;
  static final int ELOOP = 40;
  static final int ENODATA = 61;

  static final int S_IFCHR = 0020000;

  private static final long SYS_OPENAT2 = 437;
  private static final long OPEN_HOW_SIZE = 24; // struct open_how {u64 flags, mode, resolve}
  private static final long STATX_SIZE = 256;
  private static final int STATX_BASIC_STATS = 0x7ff;
  private static final long STATX_NLINK_OFFSET = 16;
  private static final long STATX_MODE_OFFSET = 28;
  private static final long STATX_SIZE_OFFSET = 40;
  private static final int PATH_MAX = 4096;

  /**
   * BENEATH and the other resolve modes give EAGAIN when a rename raced a ".." lookup; the kernel
   * asks for a retry. Bounded, so a tree renamed without pause cannot hold a thread forever.
   */
  private static final int OPENAT2_ATTEMPTS = 100;

  private static final MethodHandle SYSCALL =
      Libc.LINKER.downcallHandle(
          Libc.symbol("syscall"),
          FunctionDescriptor.of(JAVA_LONG, JAVA_LONG, JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG),
          Libc.CAPTURE_ERRNO,
          Linker.Option.firstVariadicArg(1));
  private static final MethodHandle MKDIRAT =
      Libc.bind("mkdirat", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
  private static final MethodHandle SYMLINKAT =
      Libc.bind("symlinkat", JAVA_INT, ADDRESS, JAVA_INT, ADDRESS);
  private static final MethodHandle LINKAT =
      Libc.bind("linkat", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, ADDRESS, JAVA_INT);
  private static final MethodHandle UNLINKAT =
      Libc.bind("unlinkat", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT);
  private static final MethodHandle STATX =
      Libc.bind("statx", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT, ADDRESS);
  private static final MethodHandle READLINKAT =
      Libc.bind("readlinkat", JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG);
  private static final MethodHandle GETDENTS64 =
      Libc.bind("getdents64", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG);
  private static final MethodHandle FCHMOD = Libc.bind("fchmod", JAVA_INT, JAVA_INT, JAVA_INT);
  private static final MethodHandle WRITE =
      Libc.bind("write", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG);
  private static final MethodHandle READ =
      Libc.bind("read", JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG);
  private static final MethodHandle MKNODAT =
      Libc.bind("mknodat", JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG);
  private static final MethodHandle FSETXATTR =
      Libc.bind("fsetxattr", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT);
  private static final MethodHandle FGETXATTR =
      Libc.bind("fgetxattr", JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS, JAVA_LONG);
  private static final MethodHandle UTIMENSAT =
      Libc.bind("utimensat", JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT);
  private static final MethodHandle SYNCFS = Libc.bind("syncfs", JAVA_INT, JAVA_INT);

  private LibcFiles() {}

  /** What {@code statx} says of a file: {@code st_mode} with its type bits, size, link count. */
  record Stat(int mode, long size, int links) {}

  /** Calls a handle whose first argument is the errno capture segment; -1 becomes an exception. */
  private static long call(String what, MethodHandle handle, Object... args) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment state = arena.allocate(Libc.CALL_STATE);
      Object[] full = new Object[args.length + 1];
      full[0] = state;
      System.arraycopy(args, 0, full, 1, args.length);
      long result = ((Number) handle.invokeWithArguments(full)).longValue();
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

  /** {@code openat2(dirfd, path, {flags, mode, resolve})}: returns the new descriptor. */
  static int openat2(int dirfd, String path, long flags, long mode, long resolve) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment how = arena.allocate(OPEN_HOW_SIZE, 8);
      how.set(JAVA_LONG, 0, flags);
      how.set(JAVA_LONG, 8, mode);
      how.set(JAVA_LONG, 16, resolve);
      MemorySegment name = arena.allocateFrom(path);
      for (int attempt = 1; ; attempt++) {
        try {
          return (int)
              call(
                  "openat2(" + path + ")",
                  SYSCALL,
                  SYS_OPENAT2,
                  (long) dirfd,
                  name,
                  how,
                  OPEN_HOW_SIZE);
        } catch (LinuxException e) {
          boolean retry = e.errno() == EAGAIN || e.errno() == EINTR;
          if (!retry || attempt == OPENAT2_ATTEMPTS) {
            throw e;
          }
        }
      }
    }
  }

  static void mkdirat(int dirfd, String name, int mode) {
    try (Arena arena = Arena.ofConfined()) {
      call("mkdirat(" + name + ")", MKDIRAT, dirfd, arena.allocateFrom(name), mode);
    }
  }

  static void symlinkat(String target, int dirfd, String name) {
    try (Arena arena = Arena.ofConfined()) {
      call(
          "symlinkat(" + name + " -> " + target + ")",
          SYMLINKAT,
          arena.allocateFrom(target),
          dirfd,
          arena.allocateFrom(name));
    }
  }

  /** {@code linkat} with flags 0: a final symbolic link is linked itself, never followed. */
  static void linkat(int fromDir, String fromName, int toDir, String toName) {
    try (Arena arena = Arena.ofConfined()) {
      call(
          "linkat(" + toName + " -> " + fromName + ")",
          LINKAT,
          fromDir,
          arena.allocateFrom(fromName),
          toDir,
          arena.allocateFrom(toName),
          0);
    }
  }

  static void unlinkat(int dirfd, String name, int flags) {
    try (Arena arena = Arena.ofConfined()) {
      call("unlinkat(" + name + ")", UNLINKAT, dirfd, arena.allocateFrom(name), flags);
    }
  }

  /** {@code statx}; with an empty name and {@link #AT_EMPTY_PATH}, of {@code dirfd} itself. */
  static Stat statx(int dirfd, String name, int flags) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment buffer = arena.allocate(STATX_SIZE, 8);
      call(
          "statx(" + name + ")",
          STATX,
          dirfd,
          arena.allocateFrom(name),
          flags,
          STATX_BASIC_STATS,
          buffer);
      return new Stat(
          Short.toUnsignedInt(buffer.get(JAVA_SHORT, STATX_MODE_OFFSET)),
          buffer.get(JAVA_LONG, STATX_SIZE_OFFSET),
          buffer.get(JAVA_INT, STATX_NLINK_OFFSET));
    }
  }

  static String readlinkat(int dirfd, String name) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment buffer = arena.allocate(PATH_MAX);
      long n =
          call(
              "readlinkat(" + name + ")",
              READLINKAT,
              dirfd,
              arena.allocateFrom(name),
              buffer,
              (long) PATH_MAX);
      if (n >= PATH_MAX) {
        throw new LinuxException("readlinkat(" + name + ")", ENAMETOOLONG, "target too long");
      }
      byte[] bytes = buffer.asSlice(0, n).toArray(JAVA_BYTE);
      return new String(bytes, StandardCharsets.UTF_8);
    }
  }

  /** The names in the directory open at {@code fd} (not O_PATH), without "." and "..". */
  static List<String> getdents(int fd, String what) {
    List<String> names = new ArrayList<>();
    try (Arena arena = Arena.ofConfined()) {
      long size = 32 * 1024;
      MemorySegment buffer = arena.allocate(size, 8);
      while (true) {
        long n = call("getdents64(" + what + ")", GETDENTS64, fd, buffer, size);
        if (n == 0) {
          return names;
        }
        // struct linux_dirent64 {u64 d_ino; s64 d_off; u16 d_reclen; u8 d_type; char d_name[];}
        for (long at = 0; at < n; ) {
          int length = Short.toUnsignedInt(buffer.get(JAVA_SHORT, at + 16));
          String name = buffer.getString(at + 19);
          if (!name.equals(".") && !name.equals("..")) {
            names.add(name);
          }
          at += length;
        }
      }
    }
  }

  static void fchmod(int fd, int mode, String what) {
    call("fchmod(" + what + ")", FCHMOD, fd, mode);
  }

  /** Writes all of {@code data} to {@code fd}. */
  static void write(int fd, MemorySegment data, String what) {
    long done = 0;
    while (done < data.byteSize()) {
      try {
        done += call("write(" + what + ")", WRITE, fd, data.asSlice(done), data.byteSize() - done);
      } catch (LinuxException e) {
        if (e.errno() != EINTR) {
          throw e;
        }
      }
    }
  }

  /** Reads up to {@code buffer}'s size; 0 at the end. */
  static int read(int fd, MemorySegment buffer, String what) {
    while (true) {
      try {
        return (int) call("read(" + what + ")", READ, fd, buffer, buffer.byteSize());
      } catch (LinuxException e) {
        if (e.errno() != EINTR) {
          throw e;
        }
      }
    }
  }

  /**
   * {@code mknodat(dirfd, name, mode, 0)}: device number 0:0 only, overlayfs's whiteout; impulse
   * makes no other device.
   */
  static void mknodat(int dirfd, String name, int mode) {
    try (Arena arena = Arena.ofConfined()) {
      call("mknodat(" + name + ")", MKNODAT, dirfd, arena.allocateFrom(name), mode, 0L);
    }
  }

  static void fsetxattr(int fd, String name, byte[] value, String what) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment data = arena.allocate(Math.max(value.length, 1));
      MemorySegment.copy(value, 0, data, JAVA_BYTE, 0, value.length);
      call(
          "fsetxattr(" + what + ", " + name + ")",
          FSETXATTR,
          fd,
          arena.allocateFrom(name),
          data,
          (long) value.length,
          0);
    }
  }

  /** The value of the extended attribute {@code name} (at most 64 KiB, the kernel's limit). */
  static byte[] fgetxattr(int fd, String name, String what) {
    try (Arena arena = Arena.ofConfined()) {
      long size = 64 * 1024;
      MemorySegment buffer = arena.allocate(size);
      long n =
          call(
              "fgetxattr(" + what + ", " + name + ")",
              FGETXATTR,
              fd,
              arena.allocateFrom(name),
              buffer,
              size);
      return buffer.asSlice(0, n).toArray(JAVA_BYTE);
    }
  }

  /** Sets both access and modification time of {@code name} in {@code dirfd}. */
  static void utimensat(int dirfd, String name, long seconds, long nanos, int flags) {
    try (Arena arena = Arena.ofConfined()) {
      MemorySegment times = arena.allocate(32, 8); // struct timespec[2] {s64 tv_sec, tv_nsec}
      for (long at = 0; at < 32; at += 16) {
        times.set(JAVA_LONG, at, seconds);
        times.set(JAVA_LONG, at + 8, nanos);
      }
      call("utimensat(" + name + ")", UTIMENSAT, dirfd, arena.allocateFrom(name), times, flags);
    }
  }

  /** Writes the file system holding {@code fd} to its disk. */
  static void syncfs(int fd, String what) {
    call("syncfs(" + what + ")", SYNCFS, fd);
  }

  /** Closes, ignoring failure: for descriptors that were only read or only held a path. */
  static void closeQuietly(int fd) {
    try {
      Libc.close(fd);
    } catch (LinuxException e) {
      // a descriptor nothing was written through has nothing to lose
    }
  }
}
