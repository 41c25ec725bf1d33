package dev.impulse.chamber;

import dev.impulse.runtime.ContainerFiles;
import java.nio.file.Path;

/**
 * The files of one chamber, all under {@code <chambers>/<id>}: the OCI bundle and conmon's files
 * ({@link ContainerFiles}), the overlay's mount point, upper and work directories, and the
 * termination log the wrapper writes its last words to.
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

  Path terminationLog() {
    return dir.resolve("termination-log");
  }
}
