package dev.impulse.chamber;

import java.io.IOException;

/** Takes a chamber's log lines one at a time, so no reader ever holds a whole log. */
public interface LogSink {
  /** Takes the next line. */
  void line(LogLine line) throws IOException;

  /** Called when no more lines are at hand for now (a follower waits for new ones). */
  default void flush() throws IOException {}
}
