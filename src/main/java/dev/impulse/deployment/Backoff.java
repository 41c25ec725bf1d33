package dev.impulse.deployment;

import java.util.concurrent.TimeUnit;

/**
 * When a deployment may start a chamber again after failures: the first replacement at once,
 * further ones after 1 s, 2 s, 4 s... up to {@link #MAX_NANOS}, until one runs. Not thread-safe;
 * its deployment's lock guards it.
 */
final class Backoff {
  static final long MAX_NANOS = TimeUnit.SECONDS.toNanos(30);

  /** A chamber up this long proves the spec starts: the back-off after failures ends. */
  static final long STABLE_NANOS = TimeUnit.SECONDS.toNanos(10);

  private int failures;
  private long nextNanos;

  Backoff(long nowNanos) {
    this.nextNanos = nowNanos;
  }

  void failed(long nowNanos) {
    failures++;
    long wait =
        failures == 1
            ? 0
            : Math.min(MAX_NANOS, TimeUnit.SECONDS.toNanos(1) << Math.min(5, failures - 2));
    nextNanos = nowNanos + wait;
  }

  /** A chamber runs: the back-off is over, and the next failure is a first one again. */
  void reset(long nowNanos) {
    failures = 0;
    nextNanos = nowNanos;
  }

  boolean allows(long nowNanos) {
    return nowNanos - nextNanos >= 0;
  }
}
