package dev.impulse.chamber;

import dev.impulse.runtime.ContainerFiles;
import java.nio.file.Path;

/**
 * The files of one chamber, all under {@code <chambers>/<id>}: the OCI bundle and conmon's files
 * ({@link ContainerFiles}), the overlay's mount point, upper and work directories, and the small
 * tmpfs holding the termination log the wrapper writes its last words to.
 */
record ChamberPaths(Path dir) {
  static ChamberPaths of(Path chambersDir, String id) {
    return new ChamberPaths(chambersDir.resolve(id));
  }

  ContainerFiles container() {
    return new ContainerFiles(dir);
  }

  Path rootfs() {
    return dir.resolve("rootfs");
  }

  Path upper() {
    return dir.resolve("upper");
  }

  Path work() {
    return dir.resolve("work");
  }

  /**
   * A small tmpfs of the chamber's own holding its termination log: the function can write to that
   * file, so its size must be bounded by more than good manners.
   */
  Path term() {
    return dir.resolve("term");
  }

  /** What one run makes and its tear-down removes: mount points, upper and work directories. */
  java.util.List<Path> scratch() {
    return java.util.List.of(rootfs(), upper(), work(), term());
  }

  /**
   * A stem cell's guest mount point: an empty shared tmpfs its container binds at the guest
   * directory; the function is mounted on it when the cell is specialised.
   */
  Path guest() {
    return dir.resolve("guest");
  }

  /** A stem cell's control socket, the daemon's end. */
  Path control() {
    return dir.resolve("control.sock");
  }

  Path terminationLog() {
    return term().resolve("termination-log");
  }
}
