package dev.impulse.chamber;

import dev.impulse.runtime.ContainerLog;
import dev.impulse.runtime.LogFollower;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.BooleanSupplier;

/**
 * A chamber's stdout and stderr lines from conmon's log, read as they go: memory does not grow with
 * the log. Thread-safe (it keeps no state).
 */
final class ChamberLogs {
  static final Duration FOLLOW_POLL = Duration.ofMillis(200);

  private final Timing timing;

  ChamberLogs(Timing timing) {
    this.timing = timing;
  }

  /** Passes the last {@code tail} lines of {@code log} (all when negative) to {@code sink}. */
  void copy(Path log, int tail, LogSink sink) throws IOException {
    ContainerLog.copy(log, tail, line -> sink.line(toLine(line)));
    sink.flush();
  }

  /**
   * Passes the last {@code tail} lines (all when negative), then every new line as it is written,
   * until {@code ended} says the chamber ended and the log is read to the end, or {@code sink}
   * throws (its client left).
   */
  void follow(Path log, int tail, BooleanSupplier ended, LogSink sink)
      throws IOException, InterruptedException {
    LogFollower follower = new LogFollower(log);
    ContainerLog.Sink lines = line -> sink.line(toLine(line));
    follower.start(tail, lines);
    sink.flush();
    while (true) {
      boolean over = ended.getAsBoolean();
      boolean more = follower.poll(lines);
      sink.flush();
      if (!more && over) {
        return;
      }
      if (!more) {
        timing.sleep(FOLLOW_POLL);
      }
    }
  }

  private static LogLine toLine(ContainerLog.Line line) {
    return new LogLine(line.time(), line.stream(), line.text());
  }
}
