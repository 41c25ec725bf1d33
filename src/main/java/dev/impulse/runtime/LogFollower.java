package dev.impulse.runtime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Follows a conmon k8s-file log as it grows: {@link #start} passes what is there (its last lines),
 * each {@link #poll} the whole lines written since, reading at most {@link #CHUNK} bytes a time.
 * conmon truncates the log when it reaches its size limit; the follower then starts again from the
 * top. Not thread-safe: one follower per reader.
 */
public final class LogFollower {
  /** The most bytes read per poll. */
  static final long CHUNK = 256 * 1024;

  private final Path file;
  private ContainerLog.LineJoiner joiner = new ContainerLog.LineJoiner();
  private long offset;

  public LogFollower(Path file) {
    this.file = file;
  }

  /** Passes the last {@code tail} lines logged so far (all when negative). */
  public void start(int tail, ContainerLog.Sink sink) throws IOException {
    long size = size();
    long skip = 0;
    if (tail >= 0) {
      long[] count = new long[1];
      ContainerLog.read(file, 0, size, new ContainerLog.LineJoiner(), l -> count[0]++, false);
      skip = Math.max(0, count[0] - tail);
    }
    long[] seen = new long[1];
    long toSkip = skip;
    offset =
        ContainerLog.read(
            file,
            0,
            size,
            joiner,
            line -> {
              if (seen[0]++ >= toSkip) {
                sink.line(line);
              }
            },
            false);
  }

  /** Passes the lines written since the last call; returns whether there were any bytes. */
  public boolean poll(ContainerLog.Sink sink) throws IOException {
    long size = size();
    if (size < offset) {
      offset = 0; // conmon truncated it
      joiner = new ContainerLog.LineJoiner();
    }
    if (size == offset) {
      return false;
    }
    long before = offset;
    long to = Math.min(size, offset + CHUNK);
    offset = ContainerLog.read(file, offset, to, joiner, sink, false);
    if (offset == before && to - before >= ContainerLog.MAX_ENTRY) {
      offset = to; // an entry longer than any conmon writes: skip it rather than stall
    }
    return offset != before;
  }

  private long size() throws IOException {
    try {
      return Files.size(file);
    } catch (NoSuchFileException e) {
      return 0;
    }
  }
}
