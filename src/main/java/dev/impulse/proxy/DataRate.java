package dev.impulse.proxy;

/**
 * One direction of one call's transfer with its caller: the bytes moved against the time spent
 * waiting for the caller (its body to arrive, or its reads to make room for the answer). Time the
 * function or the proxy took is not counted, so only a slow caller can be too slow. Confined to the
 * call's own events, which Jetty serialises.
 */
final class DataRate {
  /** The slowest a caller may send or read, on average, once {@link #GRACE_NANOS} were waited. */
  static final long MIN_BYTES_PER_SECOND = 1024;

  /** Waiting this long for a caller is never too slow by itself: small bodies, slow starts. */
  static final long GRACE_NANOS = 5_000_000_000L;

  /** Past this much waiting, bytes and waiting are both halved: the recent pace weighs most. */
  static final long WINDOW_NANOS = 10_000_000_000L;

  private long bytes;
  private long waitedNanos;

  DataRate copy() {
    DataRate copy = new DataRate();
    copy.bytes = bytes;
    copy.waitedNanos = waitedNanos;
    return copy;
  }

  /** {@code count} bytes moved after waiting {@code nanos} for the caller. */
  void moved(long count, long nanos) {
    bytes += Math.max(0, count);
    waitedNanos += Math.max(0, nanos);
    while (waitedNanos > WINDOW_NANOS) {
      bytes /= 2;
      waitedNanos /= 2;
    }
  }

  /**
   * How much longer the proxy may wait for the caller, with nothing more coming, before {@link
   * #tooSlow} holds: the moment a watchdog checks a wait that has not ended.
   */
  long nanosUntilTooSlow() {
    long paceBound = (long) Math.min(Long.MAX_VALUE / 2, bytes * 1e9 / MIN_BYTES_PER_SECOND);
    return Math.max(0, Math.max(GRACE_NANOS, paceBound) - waitedNanos) + 1_000_000;
  }

  /** Waited for more than the grace period, at under {@link #MIN_BYTES_PER_SECOND} on average. */
  boolean tooSlow() {
    return waitedNanos > GRACE_NANOS && bytes * 1e9 < MIN_BYTES_PER_SECOND * (double) waitedNanos;
  }

  /** What was too slow, and how slow, for the caller's problem. */
  String describe(String what) {
    return what
        + " came at "
        + Math.round(bytes * 1e9 / Math.max(1, waitedNanos))
        + " bytes/s while the edge proxy waited for the caller, under the "
        + MIN_BYTES_PER_SECOND
        + " bytes/s it needs";
  }
}
