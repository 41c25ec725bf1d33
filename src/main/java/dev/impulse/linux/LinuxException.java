package dev.impulse.linux;

/** A system call failed; the message names the call, its argument and the kernel's reason. */
public final class LinuxException extends RuntimeException {
  private final int errno;

  LinuxException(String call, int errno, String reason) {
    super(call + " failed: " + reason + " (errno " + errno + ")");
    this.errno = errno;
  }

  /** The C library's error number. */
  public int errno() {
    return errno;
  }

  /**
   * True when a symbolic link stood where none may be followed ({@link RootedDir}), or links
   * looped: ELOOP.
   */
  public boolean isLoop() {
    return errno == LibcFiles.ELOOP;
  }

  /**
   * True when the kernel refused the path itself rather than failed: a component missing or not a
   * directory, a symbolic link where none may be followed, a way out of the root, a name too long,
   * a name already taken, a directory where a file was meant, too many hard links. A path made from
   * untrusted names (an archive's) fails this way; a full disk or an I/O error does not.
   */
  public boolean isPathRefused() {
    return switch (errno) {
      case LibcFiles.ENOENT,
          LibcFiles.ENOTDIR,
          LibcFiles.ELOOP,
          LibcFiles.EXDEV,
          LibcFiles.ENAMETOOLONG,
          LibcFiles.EEXIST,
          LibcFiles.EISDIR,
          LibcFiles.ENOTEMPTY,
          LibcFiles.EMLINK ->
          true;
      default -> false;
    };
  }
}
