package dev.impulse.deployment;

import java.util.ArrayDeque;
import java.util.Deque;

/**
 * The load (requests in flight plus queued) sampled over the last {@link #WINDOW_NANOS}: its mean
 * is what the autoscaler sizes a deployment for, so one short spike does not start chambers that a
 * moment later have nothing to do. Not thread-safe; its deployment's lock guards it.
 */
final class LoadWindow {
  static final long WINDOW_NANOS = 2_000_000_000L;

  /** At most this many samples: one per scaler tick over the window, and then some. */
  static final int MAX_SAMPLES = 256;

  private record Sample(long nanos, int load) {}

  private final Deque<Sample> samples = new ArrayDeque<>();
  private long sum;

  void add(long nowNanos, int load) {
    samples.addLast(new Sample(nowNanos, load));
    sum += load;
    while (!samples.isEmpty()
        && (nowNanos - samples.peekFirst().nanos() > WINDOW_NANOS
            || samples.size() > MAX_SAMPLES)) {
      sum -= samples.removeFirst().load();
    }
  }

  /** The mean load over the window (0 with no samples). */
  double mean() {
    return samples.isEmpty() ? 0 : (double) sum / samples.size();
  }
}
