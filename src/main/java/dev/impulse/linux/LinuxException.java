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

  /** True when the error says the object (process, mount, file) does not exist. */
  public boolean isNotFound() {
    return errno == Libc.ENOENT || errno == Libc.ESRCH || errno == Libc.ECHILD;
  }
}
