package dev.impulse.network;

/** A part of a chamber's network could not be made or removed; the message says which and why. */
public final class NetworkException extends RuntimeException {
  public NetworkException(String message) {
    super(message);
  }

  public NetworkException(String message, Throwable cause) {
    super(message, cause);
  }
}
