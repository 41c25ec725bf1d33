package dev.impulse.chamber;

/**
 * A chamber request asks for something impulse cannot give; the message names the field and bound.
 */
public final class InvalidSpecException extends RuntimeException {
  InvalidSpecException(String message) {
    super(message);
  }
}
