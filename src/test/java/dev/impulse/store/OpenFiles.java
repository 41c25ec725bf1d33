package dev.impulse.store;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** The files this process holds open, read from /proc/self/fd: proof that a store let go. */
final class OpenFiles {
  private OpenFiles() {}

  /** What this process has open under {@code dir}. */
  static List<Path> under(Path dir) throws IOException {
    Path real = dir.toRealPath();
    try (Stream<Path> fds = Files.list(Path.of("/proc/self/fd"))) {
      return fds.flatMap(
              fd -> {
                try {
                  return Stream.of(Files.readSymbolicLink(fd));
                } catch (IOException e) {
                  return Stream.empty(); // closed since it was listed
                }
              })
          .filter(target -> target.startsWith(real))
          .toList();
    }
  }
}
