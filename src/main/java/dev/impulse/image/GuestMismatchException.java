package dev.impulse.image;

/** A chamber asks for a runtime whose language the function is not written in. */
public final class GuestMismatchException extends RuntimeException {
  GuestMismatchException(String message) {
    super(message);
  }
}
