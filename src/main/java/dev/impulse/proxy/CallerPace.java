package dev.impulse.proxy;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.util.thread.Scheduler;

/**
 * One direction of a call's pace with its caller ({@link DataRate}), and the watchdog for a wait
 * that does not end: a wait still open when the rate would turn too slow is given up (its owner
 * says how: the body fails, the connection closes), so a caller cannot hold a chamber by sending
 * bytes that carry no content (chunk extensions, trailers) or by reading a few bytes a minute.
 * Waits are serialised by Jetty (one demand, one write at a time).
 */
final class CallerPace {
  private final DataRate rate = new DataRate();
  private final Request request;
  private final String what;

  CallerPace(Request request, String what) {
    this.request = request;
    this.what = what;
  }

  /** A wait for the caller begins; {@link Wait#end} when it ends. */
  Wait begin() {
    return new Wait(System.nanoTime());
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

  /** One wait for the caller: ended once, by the caller's bytes or by the watchdog. */
  final class Wait {
    private final long since;
    private final AtomicBoolean ended = new AtomicBoolean();
    private volatile Scheduler.Task watchdog;
    private Runnable giveUp;

    private Wait(long since) {
      this.since = since;
    }

    /**
     * The wait did not end at once: watch it, and run {@code giveUp} (on the server's pool) if it
     * is still open when the pace turns too slow. Only then, so that the common case (bytes ready,
     * room in the socket) costs no timer.
     */
    void watch(Runnable giveUp) {
      this.giveUp = giveUp;
      schedule();
    }

    private void schedule() {
      if (ended.get()) {
        return;
      }
      watchdog =
          request
              .getComponents()
              .getScheduler()
              .schedule(this::expire, rate.nanosUntilTooSlow(), TimeUnit.NANOSECONDS);
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
      DataRate probe = rate.copy();
      probe.moved(0, System.nanoTime() - since);
      if (probe.tooSlow()) {
        request.getComponents().getThreadPool().execute(giveUp);
      } else {
        schedule(); // the clock ran ahead of the rate's own arithmetic: look again later
      }
    }
  }
}
