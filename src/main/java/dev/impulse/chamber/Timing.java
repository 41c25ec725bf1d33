package dev.impulse.chamber;

import java.time.Duration;
import java.time.InstantSource;
import java.util.concurrent.CompletableFuture;

/**
 * Time as the lifecycle sees it: the wall clock for records, a monotonic clock for deadlines,
 * waiting, and the timer. {@link SystemTiming} is the real one; unit tests move time by hand.
 */
interface Timing {
  /** Wall-clock time, for records and events. */
  InstantSource clock();

  /** A monotonic clock for deadlines, in nanoseconds. */
  long nanoTime();

  /** Waits {@code pause}. */
  void sleep(Duration pause) throws InterruptedException;

  /** Waits at most {@code timeout} for {@code future}; true when it completed. */
  boolean await(CompletableFuture<?> future, Duration timeout) throws InterruptedException;

  /** Runs {@code task} once after {@code delay}, on a thread of its own. */
  void schedule(Duration delay, Runnable task);

  /**
   * Runs {@code task} every {@code period}, each time on a thread of its own; a run still going
   * when the next is due makes that one skip, so a stuck task never piles up or blocks the timer.
   */
  void every(Duration period, String name, Runnable task);
}
