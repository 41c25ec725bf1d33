package dev.impulse.store;

/**
 * The state store failed for another reason than a full disk (that is {@link DiskFullException}):
 * the file is damaged or locked by another process, or the store is closed.
 */
public final class StoreException extends RuntimeException {
  StoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
