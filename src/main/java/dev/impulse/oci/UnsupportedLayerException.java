package dev.impulse.oci;

/**
 * A layer is of a media type impulse cannot unpack (zstd, foreign or unknown); the message names
 * the type and what impulse takes. Not a sign of hostility: the image has to be built otherwise.
 */
public final class UnsupportedLayerException extends RuntimeException {
  UnsupportedLayerException(String message) {
    super(message);
  }
}
