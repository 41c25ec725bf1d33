package dev.impulse.image;

/** A runtime's image could not be pulled; the message says what failed and what to do. */
public final class RuntimePullException extends RuntimeException {
  public RuntimePullException(String message, Throwable cause) {
    super(message, cause);
  }
}
