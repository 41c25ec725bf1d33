package dev.impulse.bakery;

/**
 * A bake the caller can fix: a runtime the bakery cannot bake from, or a push target that is not a
 * reference; the message says what to do.
 */
public final class BakeryException extends RuntimeException {
  BakeryException(String message) {
    super(message);
  }
}
