package dev.impulse.proxy;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * One direction of a call's pace with its caller ({@link DataRate}), and the watchdog for a wait
 * that does not end at once. A wait is given up (its owner says how: the body fails, the connection
 * closes) when, past the grace period, the pace as a whole has turned too slow, or a write has
 * itself moved less than {@link DataRate#MIN_BYTES_PER_SECOND} of its time: so a caller can hold a
 * chamber neither by sending bytes that carry no content (chunk extensions, trailers) nor by
 * reading a few bytes a minute, whatever it moved fast before. Waits are serialised by Jetty (one
 * demand, one write at a time).
 */
final class CallerPace {
  private final DataRate rate = new DataRate();
  private final Request request;
  private final String what;

  CallerPace(Request request, String what) {
    this.request = request;
    this.what = what;
  }

  /**
   * A wait for the caller begins; {@code progress} counts what it has moved so far (the
   * connection's bytes written, for an answer), or is null for a body, whose wait ends at its first
   * byte (a body's pause alone is left to the idle timeout). {@link Wait#end} when it ends.
   */
  Wait begin(LongSupplier progress) {
    return new Wait(System.nanoTime(), progress);
  }

  /** Bytes that came or went without a wait (already there, or room in the socket). */
  void moved(long bytes) {
    rate.moved(bytes, 0);
  }

  boolean tooSlow() {
    return rate.tooSlow();
  }

  SlowCallerException failure() {
    return new SlowCallerException(rate.describe(what));
  }

  /** Closes the caller's connection: the call ends, whatever it was waiting for. */
  void hangUp() {
    request.getConnectionMetaData().getConnection().getEndPoint().close(failure());
  }

  /**
   * Whether a wait still open after {@code waited} nanoseconds, having moved {@code moved} bytes,
   * is given up, after {@code soFar}: the pace as a whole turned too slow, or ({@code measured}: a
   * write, whose progress is counted while it waits) the wait alone moved under the minimum rate
   * past the grace period.
   */
  static boolean givesUp(DataRate soFar, long moved, long waited, boolean measured) {
    DataRate whole = soFar.copy();
    whole.moved(moved, waited);
    DataRate alone = new DataRate();
    alone.moved(moved, waited);
    return whole.tooSlow() || measured && alone.tooSlow();
  }

  /** One wait for the caller: ended once, by the caller or by the watchdog. */
  final class Wait {
    private final long since;
    private final LongSupplier progress;
    private final long progressAtStart;
    private final AtomicBoolean ended = new AtomicBoolean();
    private volatile Scheduler.Task watchdog;
    private Runnable giveUp;

    private Wait(long since, LongSupplier progress) {
      this.since = since;
      this.progress = progress;
      this.progressAtStart = progress == null ? 0 : progress.getAsLong();
    }

    /**
     * The wait did not end at once: watch it, and run {@code giveUp} (on the server's pool, once
     * the wait is ended for good) if it is still open when it turns too slow. Only then, so that
     * the common case (bytes ready, room in the socket) costs no timer.
     */
    void watch(Runnable giveUp) {
      this.giveUp = giveUp;
      schedule();
    }

    private void schedule() {
      if (ended.get()) {
        return; // the common case: ended before anyone watched, or already given up
      }
      long delay = Math.min(rate.nanosUntilTooSlow(), DataRate.GRACE_NANOS);
      watchdog =
          request
              .getComponents()
              .getScheduler()
              .schedule(this::expire, delay, TimeUnit.NANOSECONDS);
      if (ended.get()) {
        watchdog.cancel(); // ended while it was being set: it must not hold the call
      }
    }

    /** The wait ended with {@code bytes} moved; false when it had ended already. */
    boolean end(long bytes) {
      if (!ended.compareAndSet(false, true)) {
        return false;
      }
      Scheduler.Task task = watchdog;
      if (task != null) {
        task.cancel();
      }
      rate.moved(bytes, System.nanoTime() - since);
      return true;
    }

    private void expire() {
      if (ended.get()) {
        return;
      }
      long waited = System.nanoTime() - since;
      long moved = progress == null ? 0 : Math.max(0, progress.getAsLong() - progressAtStart);
      if (givesUp(rate, moved, waited, progress != null) && ended.compareAndSet(false, true)) {
        rate.moved(moved, waited);
        request.getComponents().getThreadPool().execute(giveUp);
      } else if (!ended.get()) {
        schedule(); // not yet: look again
      }
    }
  }
}
