package dev.impulse.api;

import java.util.concurrent.Semaphore;

/**
 * Bounds the answers that last as long as their client wants (event streams, log reads and
 * follows): each holds a connection, a virtual thread and, for a log, its read and write buffers
 * (up to about 0.9 MiB) until the client has read it, so at most {@code max} run at once; one more
 * is refused with 429 at once. Thread-safe.
 */
final class StreamSlots {
  private final int max;
  private final Semaphore slots;

  StreamSlots(int max) {
    this.max = max;
    this.slots = new Semaphore(max);
  }

  /** Takes a slot, or throws {@link TooManyStreamsException}; close the slot when done. */
  AutoCloseable take() {
    if (!slots.tryAcquire()) {
      throw new TooManyStreamsException(max);
    }
    return slots::release;
  }

  /** A stream over the limit. */
  static final class TooManyStreamsException extends RuntimeException {
    TooManyStreamsException(int max) {
      super(
          "the daemon already serves "
              + max
              + " event streams and log reads (--max-streams); close one, or retry later");
    }
  }
}
