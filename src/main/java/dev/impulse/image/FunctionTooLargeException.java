package dev.impulse.image;

/** An uploaded archive is over the size limit. */
public final class FunctionTooLargeException extends RuntimeException {
  FunctionTooLargeException(long limit) {
    super(
        "the function archive is over the limit of "
            + limit
            + " bytes; make it smaller or raise the daemon's --max-function-bytes");
  }
}
