package dev.impulse.image;

/**
 * A pulled runtime cannot take this name, or no more runtimes fit; the message says why and what to
 * do.
 */
public final class RuntimeConflictException extends RuntimeException {
  public RuntimeConflictException(String message) {
    super(message);
  }
}
