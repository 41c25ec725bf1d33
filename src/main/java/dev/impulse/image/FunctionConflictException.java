package dev.impulse.image;

/** A function version exists with different content; versions are immutable. */
public final class FunctionConflictException extends RuntimeException {
  FunctionConflictException(FunctionRef ref) {
    super(
        "function "
            + ref
            + " exists with different content; versions are immutable: upload a new version, or"
            + " delete this one first");
  }
}
