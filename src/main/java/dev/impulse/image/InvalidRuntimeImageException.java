package dev.impulse.image;

/**
 * A runtime image request (PUT /runtimes/{name}) that cannot be taken as given; the message says
 * what to change.
 */
public final class InvalidRuntimeImageException extends RuntimeException {
  public InvalidRuntimeImageException(String message) {
    super(message);
  }
}
