package dev.impulse.image;

/** An uploaded function archive is corrupt, hostile or incomplete; the message says which entry. */
public final class InvalidArchiveException extends RuntimeException {
  InvalidArchiveException(String message) {
    super(message);
  }

  InvalidArchiveException(String message, Throwable cause) {
    super(message, cause);
  }
}
