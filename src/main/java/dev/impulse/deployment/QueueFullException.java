package dev.impulse.deployment;

/** A deployment's queue of waiting requests is full: the caller should retry later. */
public final class QueueFullException extends RuntimeException {
  QueueFullException(String app, int length) {
    super(
        "deployment '"
            + app
            + "' has "
            + length
            + " requests waiting already (--queue-length); retry after a second, or raise"
            + " maxChambers or concurrency");
  }
}
