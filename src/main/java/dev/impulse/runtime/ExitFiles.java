package dev.impulse.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalInt;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * conmon's exit directory: when a container ends, conmon writes its exit code (decimal; 128+N for
 * signal N) to a file named by the container's id, atomically and after its output is drained.
 */
public final class ExitFiles {
  private static final Logger log = LoggerFactory.getLogger(ExitFiles.class);
  private final Path dir;

  public ExitFiles(Path dir) {
    this.dir = dir;
  }

  /** The directory conmon is told to write to. */
  public Path dir() {
    return dir;
  }

  /** The exit code conmon recorded for {@code id}, or empty when it has not exited (yet). */
  public OptionalInt exitCode(String id) {
    return read(dir.resolve(id));
  }

  /** Removes the exit file of {@code id}, once its exit has been handled for good. */
  public void forget(String id) {
    try {
      Files.deleteIfExists(dir.resolve(id));
    } catch (IOException e) {
      log.warn("chamber {}: cannot remove exit file: {}", id, e.toString());
    }
  }

  /** Reads an exit file; empty when it is missing, empty or not a number. */
  public static OptionalInt read(Path file) {
    try {
      String text = Files.readString(file).trim();
      return text.isEmpty() ? OptionalInt.empty() : OptionalInt.of(Integer.parseInt(text));
    } catch (IOException | NumberFormatException e) {
      return OptionalInt.empty();
    }
  }
}
