package dev.impulse.api;

/** A request the API cannot accept as sent: malformed JSON, a missing or mistyped field. */
final class InvalidRequestException extends RuntimeException {
  InvalidRequestException(String message) {
    super(message);
  }
}
