package dev.impulse.oci;

/**
 * A layer blob is corrupt, hostile, over a bound or not what its digest says; the message names the
 * layer and, where there is one, the entry refused. Nothing of the layer is kept.
 */
public final class InvalidLayerException extends RuntimeException {
  InvalidLayerException(String message) {
    super(message);
  }

  InvalidLayerException(String message, Throwable cause) {
    super(message, cause);
  }
}
