package dev.impulse.store;

/**
 * The state store failed: the disk is full, the file is damaged, or it is locked by another
 * process.
 */
public final class StoreException extends RuntimeException {
  StoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
