package dev.impulse.store;

import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;

/**
 * The file system holding impulse's data is full (ENOSPC, SQLITE_FULL) or too full to accept more:
 * the operation changed nothing. Its message names the file system and its free space, and says
 * what to do. The API answers it with 507.
 */
public final class DiskFullException extends RuntimeException {
  private final Path path;

  /**
   * @param path a path on the full file system (the data directory, or a file in it)
   * @param what what could not be done, for the message ("storing function app 1")
   * @param cause what the file system or SQLite said
   */
  public DiskFullException(Path path, String what, Throwable cause) {
    super(describe(path, what), cause);
    this.path = path;
  }

  private DiskFullException(Path path, String message) {
    super(message);
    this.path = path;
  }

  /**
   * {@code what} was refused before it began: the file system holding {@code path} has less than
   * {@code minFreeBytes} free (or the store's reserve is in use), and {@code what} would take more.
   */
  public static DiskFullException belowMinimum(Path path, String what, long minFreeBytes) {
    long free = usableBytes(path).orElse(0L);
    return new DiskFullException(
        path,
        what
            + " was refused: the file system holding "
            + path
            + " has "
            + free / (1024 * 1024)
            + " MiB free, less than the "
            + minFreeBytes / (1024 * 1024)
            + " MiB kept free for running chambers and the state store (--min-free-disk-mb)."
            + " Free space on it (delete chambers, functions or other files), then try again");
  }

  /** A path on the full file system. */
  public Path path() {
    return path;
  }

  /**
   * Whether {@code error} (or one of its causes) says the disk is full: ENOSPC from the kernel,
   * SQLITE_FULL from SQLite, or a quota exceeded.
   */
  public static boolean isDiskFull(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof DiskFullException) {
        return true;
      }
      String message = t.getMessage();
      if (message == null) {
        continue;
      }
      String lower = message.toLowerCase(Locale.ROOT);
      if (lower.contains("no space left on device")
          || lower.contains("sqlite_full")
          || lower.contains("database or disk is full")
          || lower.contains("disk quota exceeded")) {
        return true;
      }
    }
    return false;
  }

  /**
   * Rethrows {@code error} as a {@link DiskFullException} about {@code path} when it says the disk
   * is full; otherwise returns normally, leaving the caller to handle it.
   */
  public static void rethrowIfDiskFull(Path path, String what, Throwable error) {
    if (error instanceof DiskFullException full) {
      throw full;
    }
    if (isDiskFull(error)) {
      throw new DiskFullException(path, what, error);
    }
  }

  /** Bytes an unprivileged writer can still use on the file system holding {@code path}. */
  public static Optional<Long> usableBytes(Path path) {
    // statvfs(2) of the path, not Files.getFileStore: that reads the whole mount table to name the
    // file system, and every chamber adds mounts to it (measured: 0.1 ms with 28 mounts, 2.4 ms
    // with 1,528), which each create paid for its space check.
    Path existing = existingAncestor(path);
    if (existing == null) {
      return Optional.empty();
    }
    java.io.File file = existing.toFile();
    long usable = file.getUsableSpace();
    // 0 for a full file system, but also when statvfs failed, which says nothing of its space
    return usable == 0 && file.getTotalSpace() == 0 ? Optional.empty() : Optional.of(usable);
  }

  private static Path existingAncestor(Path path) {
    Path existing = path.toAbsolutePath();
    while (existing != null && !Files.exists(existing)) {
      existing = existing.getParent();
    }
    return existing;
  }

  private static FileStore fileStore(Path path) throws IOException {
    Path existing = existingAncestor(path);
    return Files.getFileStore(existing == null ? Path.of("/") : existing);
  }

  private static String describe(Path path, String what) {
    String fs;
    try {
      FileStore store = fileStore(path);
      fs =
          "the file system holding "
              + path
              + " ("
              + store.name()
              + ", "
              + store.getUsableSpace() / (1024 * 1024)
              + " MiB free of "
              + store.getTotalSpace() / (1024 * 1024)
              + " MiB)";
    } catch (IOException e) {
      fs = "the file system holding " + path;
    }
    return what
        + " failed: "
        + fs
        + " is full; nothing was changed. Free space on it (delete chambers, functions or other"
        + " files), then try again: impulse recovers by itself";
  }
}
