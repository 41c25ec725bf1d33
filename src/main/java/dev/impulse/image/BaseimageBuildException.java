package dev.impulse.image;

/** Building a baseimage failed; the message names the runtime and mmdebstrap's last words. */
public final class BaseimageBuildException extends RuntimeException {
  BaseimageBuildException(String message) {
    super(message);
  }

  BaseimageBuildException(String message, Throwable cause) {
    super(message, cause);
  }
}
