package dev.impulse.linux;

import static dev.impulse.linux.LibcFiles.AT_EMPTY_PATH;
import static dev.impulse.linux.LibcFiles.AT_FDCWD;
import static dev.impulse.linux.LibcFiles.AT_REMOVEDIR;
import static dev.impulse.linux.LibcFiles.AT_SYMLINK_NOFOLLOW;
import static dev.impulse.linux.LibcFiles.O_CLOEXEC;
import static dev.impulse.linux.LibcFiles.O_CREAT;
import static dev.impulse.linux.LibcFiles.O_DIRECTORY;
import static dev.impulse.linux.LibcFiles.O_EXCL;
import static dev.impulse.linux.LibcFiles.O_NOFOLLOW;
import static dev.impulse.linux.LibcFiles.O_PATH;
import static dev.impulse.linux.LibcFiles.O_RDONLY;
import static dev.impulse.linux.LibcFiles.O_WRONLY;
import static dev.impulse.linux.LibcFiles.RESOLVE_BENEATH;
import static dev.impulse.linux.LibcFiles.RESOLVE_NO_MAGICLINKS;
import static dev.impulse.linux.LibcFiles.RESOLVE_NO_SYMLINKS;
import static dev.impulse.linux.LibcFiles.RESOLVE_NO_XDEV;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A directory whose every path operation the kernel keeps inside it. A path checked in Java and
 * then used can be redirected in between, and {@code java.nio} follows symbolic links in every
 * component but the last: an archive that first plants {@code u -> s/..} (with {@code s -> .}) and
 * then names {@code u/etc/shadow} reaches the host. Here each path is resolved by {@code
 * openat2(2)} from the directory's descriptor with {@code RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
 * RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV}: no component may be a symbolic link, nothing may climb
 * out or cross a mount. The last component is then acted on through its parent's descriptor by a
 * call that never follows it ({@code O_NOFOLLOW}, {@code AT_SYMLINK_NOFOLLOW}, {@code O_EXCL},
 * {@code linkat} with flags 0).
 *
 * <p>Invariants: paths are relative names joined by '/', without "..", "." or empty components ("."
 * alone is the root itself); anything else is an {@link IllegalArgumentException}, because callers
 * build paths from names they have checked. Only {@link #follow} follows symbolic links, and the
 * kernel stops it at the root. Modes set here never carry set-id bits, and only a directory keeps
 * the sticky bit ({@code /tmp}). Failures are {@link LinuxException}s naming the call and the path.
 *
 * <p>Thread-safety: operations may run concurrently (each opens and closes its own descriptors);
 * {@link #close} must come after the last of them.
 */
public final class RootedDir implements AutoCloseable {
  private static final long NOTHING_FOLLOWED =
      RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
  private static final long FOLLOW_INSIDE =
      RESOLVE_BENEATH | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
  private static final long FOLLOW_AS_ROOT =
      LibcFiles.RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV;
  private static final int O_NONBLOCK = 04000; // a FIFO must not block an open for reading
  private static final int PERMISSIONS = 0777;
  private static final int DIRECTORY_PERMISSIONS = 01777; // the sticky bit: /tmp, /var/tmp

  /** The kind of a file, its symbolic link not followed. */
  public enum FileType {
    FILE,
    DIRECTORY,
    SYMLINK,
    /** a device, FIFO or socket */
    OTHER
  }

  /** What a path leads to when its symbolic links are followed, as far as the root allows. */
  public enum Resolution {
    FILE,
    DIRECTORY,
    OTHER,
    /** a link climbs above the root, is absolute, or crosses a mount */
    LEAVES_ROOT,
    /** the links loop, or chain more than the kernel's 40 */
    LOOP,
    /** a link points at nothing */
    MISSING
  }

  /**
   * @param type the kind of file
   * @param permissions its permission bits (with set-id and sticky bits, as the file has them)
   * @param size its size in bytes
   * @param links its hard link count
   */
  public record FileStat(FileType type, int permissions, long size, int links) {}

  private final int fd;
  private final Path path;
  private final AtomicBoolean closed = new AtomicBoolean();

  private RootedDir(int fd, Path path) {
    this.fd = fd;
    this.path = path;
  }

  /**
   * Opens {@code dir} as a root. The path of the root itself is impulse's and is followed as given;
   * only what lies below it is held in.
   */
  public static RootedDir open(Path dir) {
    String name = dir.toAbsolutePath().toString();
    try {
      return new RootedDir(
          LibcFiles.openat2(AT_FDCWD, name, O_PATH | O_DIRECTORY | O_CLOEXEC, 0, 0), dir);
    } catch (LinuxException e) {
      if (e.errno() == LibcFiles.ENOSYS) {
        throw new LinuxException(
            "openat2(" + name + ")",
            e.errno(),
            "this kernel has no openat2, which impulse needs to touch function files safely: run"
                + " Linux 5.6 or later, and allow openat2 in any seccomp profile impulse runs under");
      }
      throw e;
    }
  }

  /** The directory this is rooted at. */
  public Path path() {
    return path;
  }

  /** What is at {@code path}, a symbolic link not followed; empty when nothing is. */
  public Optional<FileStat> stat(String path) {
    try (Parent p = parent(path)) {
      return Optional.of(toStat(LibcFiles.statx(p.dirfd, p.name, AT_SYMLINK_NOFOLLOW)));
    } catch (LinuxException e) {
      if (e.errno() == LibcFiles.ENOENT) {
        return Optional.empty();
      }
      throw e;
    }
  }

  /**
   * Where {@code path} leads when its links are followed, the kernel refusing to leave the root.
   */
  public Resolution follow(String path) {
    return follow(path, FOLLOW_INSIDE);
  }

  /**
   * Where {@code path} leads as a process whose root this directory is would see it: absolute links
   * and {@code ..} resolve against the root, never above it (openat2's {@code RESOLVE_IN_ROOT}).
   * For a root file system, where {@code /usr/local/bin/python3 -> /usr/bin/python3.11} is how
   * images link their interpreters.
   */
  public Resolution followAsRoot(String path) {
    return follow(path, FOLLOW_AS_ROOT);
  }

  private Resolution follow(String path, long how) {
    int target;
    try {
      target = LibcFiles.openat2(fd(), check(path), O_PATH | O_CLOEXEC, 0, how);
    } catch (LinuxException e) {
      return switch (e.errno()) {
        case LibcFiles.EXDEV -> Resolution.LEAVES_ROOT;
        case LibcFiles.ELOOP -> Resolution.LOOP;
        case LibcFiles.ENOENT, LibcFiles.ENOTDIR -> Resolution.MISSING;
        default -> throw e;
      };
    }
    try {
      return switch (toStat(LibcFiles.statx(target, "", AT_EMPTY_PATH)).type()) {
        case FILE -> Resolution.FILE;
        case DIRECTORY -> Resolution.DIRECTORY;
        default -> Resolution.OTHER;
      };
    } finally {
      LibcFiles.closeQuietly(target);
    }
  }

  /**
   * Creates the directory {@code path}, or takes the one there, and gives it {@code mode} (its
   * permission and sticky bits).
   */
  public void makeDirectory(String path, int mode) {
    try (Parent p = parent(path)) {
      LibcFiles.mkdirat(p.dirfd, p.name, 0700); // opened up by the fchmod below, not by umask
    } catch (LinuxException e) {
      if (e.errno() != LibcFiles.EEXIST) {
        throw e;
      }
    }
    int dir = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
    try {
      LibcFiles.fchmod(dir, mode & DIRECTORY_PERMISSIONS, path);
    } finally {
      LibcFiles.closeQuietly(dir);
    }
  }

  /**
   * Creates the file {@code path}, which must not exist yet ({@code O_EXCL}: an existing file or
   * link there is never written through), with {@code mode}; the caller closes the stream.
   */
  public OutputStream createFile(String path, int mode) {
    int file = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    try {
      LibcFiles.fchmod(file, mode & PERMISSIONS, path);
    } catch (LinuxException e) {
      LibcFiles.closeQuietly(file);
      throw e;
    }
    return FdStreams.output(file, path);
  }

  /** Opens the regular file {@code path} for reading; the caller closes the stream. */
  public InputStream openFile(String path) {
    return FdStreams.input(open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0), path);
  }

  /** Creates the symbolic link {@code path} holding {@code target}, which is not checked here. */
  public void symlink(String path, String target) {
    try (Parent p = parent(path)) {
      LibcFiles.symlinkat(target, p.dirfd, p.name);
    }
  }

  /**
   * Creates {@code path} as a hard link to {@code source}; a link at {@code source} is not
   * followed.
   */
  public void link(String path, String source) {
    try (Parent from = parent(source);
        Parent to = parent(path)) {
      LibcFiles.linkat(from.dirfd, from.name, to.dirfd, to.name);
    }
  }

  /**
   * Makes {@code path} an overlayfs whiteout: a character device 0:0, which in a lower layer hides
   * the name in the layers under it. Needs CAP_MKNOD (root). No other device can be made here.
   */
  public void makeWhiteout(String path) {
    try (Parent p = parent(path)) {
      LibcFiles.mknodat(p.dirfd, p.name, LibcFiles.S_IFCHR);
    }
  }

  /**
   * Sets the extended attribute {@code name} (such as {@code trusted.overlay.opaque}, which needs
   * CAP_SYS_ADMIN) of the directory or regular file {@code path}.
   */
  public void setXattr(String path, String name, byte[] value) {
    int file = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0);
    try {
      LibcFiles.fsetxattr(file, name, value, path);
    } finally {
      LibcFiles.closeQuietly(file);
    }
  }

  /** The extended attribute {@code name} of the directory or regular file {@code path}, if set. */
  public Optional<byte[]> xattr(String path, String name) {
    int file = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, 0);
    try {
      return Optional.of(LibcFiles.fgetxattr(file, name, path));
    } catch (LinuxException e) {
      if (e.errno() == LibcFiles.ENODATA) {
        return Optional.empty();
      }
      throw e;
    } finally {
      LibcFiles.closeQuietly(file);
    }
  }

  /**
   * Sets the modification (and access) time of {@code path}; a symbolic link's own, never what it
   * leads to.
   */
  public void setModifiedTime(String path, Instant time) {
    try (Parent p = parent(path)) {
      LibcFiles.utimensat(
          p.dirfd, p.name, time.getEpochSecond(), time.getNano(), AT_SYMLINK_NOFOLLOW);
    }
  }

  /** Writes everything of the root's file system that is still in memory to disk (syncfs). */
  public void syncFileSystem() {
    int dir = open(".", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
    try {
      LibcFiles.syncfs(dir, path.toString());
    } finally {
      LibcFiles.closeQuietly(dir);
    }
  }

  /** Removes the file, link or empty directory {@code path}. */
  public void delete(String path) {
    try (Parent p = parent(path)) {
      try {
        LibcFiles.unlinkat(p.dirfd, p.name, 0);
      } catch (LinuxException e) {
        if (e.errno() != LibcFiles.EISDIR) {
          throw e;
        }
        LibcFiles.unlinkat(p.dirfd, p.name, AT_REMOVEDIR);
      }
    }
  }

  /** The target text of the symbolic link {@code path}. */
  public String readLink(String path) {
    try (Parent p = parent(path)) {
      return LibcFiles.readlinkat(p.dirfd, p.name);
    }
  }

  /** The names in the directory {@code path}, sorted. */
  public List<String> list(String path) {
    int dir = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0);
    try {
      return LibcFiles.getdents(dir, path).stream().sorted().toList();
    } finally {
      LibcFiles.closeQuietly(dir);
    }
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      LibcFiles.closeQuietly(fd);
    }
  }

  @Override
  public String toString() {
    return "RootedDir[" + path + "]";
  }

  private int open(String path, int flags, int mode) {
    return LibcFiles.openat2(fd(), check(path), flags, mode, NOTHING_FOLLOWED);
  }

  /** The descriptor of {@code path}'s parent, resolved without following anything, and its name. */
  private Parent parent(String path) {
    int slash = check(path).lastIndexOf('/');
    if (slash < 0) {
      return new Parent(fd(), path, false);
    }
    int dir =
        LibcFiles.openat2(
            fd(), path.substring(0, slash), O_PATH | O_DIRECTORY | O_CLOEXEC, 0, NOTHING_FOLLOWED);
    return new Parent(dir, path.substring(slash + 1), true);
  }

  private record Parent(int dirfd, String name, boolean owned) implements AutoCloseable {
    @Override
    public void close() {
      if (owned) {
        LibcFiles.closeQuietly(dirfd);
      }
    }
  }

  private int fd() {
    if (closed.get()) {
      // the number may already belong to another file: never use it again
      throw new IllegalStateException(this + " is closed");
    }
    return fd;
  }

  private static String check(String path) {
    if (path.equals(".")) {
      return path;
    }
    for (String part : path.split("/", -1)) {
      if (part.isEmpty() || part.equals(".") || part.equals("..") || part.indexOf('\0') >= 0) {
        throw new IllegalArgumentException(
            "'"
                + path
                + "' is not a plain relative path: a RootedDir takes names joined by '/', without"
                + " '..', '.', empty components or a leading '/'");
      }
    }
    return path;
  }

  private static FileStat toStat(LibcFiles.Stat stat) {
    FileType type =
        switch (stat.mode() & 0170000) {
          case 0100000 -> FileType.FILE;
          case 0040000 -> FileType.DIRECTORY;
          case 0120000 -> FileType.SYMLINK;
          default -> FileType.OTHER;
        };
    return new FileStat(type, stat.mode() & 07777, stat.size(), stat.links());
  }
}
