package dev.impulse.image;

/**
 * A runtime pulled from a registry was named before its pull finished, or after it failed; the
 * message says which and what to do.
 */
public final class RuntimeNotReadyException extends RuntimeException {
  RuntimeNotReadyException(String message) {
    super(message);
  }
}
