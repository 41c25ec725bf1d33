package dev.impulse.oci.registry;

/**
 * How far a pull is, reported once before the first layer and after each layer is stored (a layer
 * the store already had counts at once). Bytes are the layers' blob bytes as the manifest states
 * them. Immutable.
 *
 * @param layersDone layers stored
 * @param layersTotal the image's layers
 * @param bytesDone the blob bytes of the layers stored
 * @param bytesTotal the blob bytes of all the image's layers
 */
public record PullProgress(int layersDone, int layersTotal, long bytesDone, long bytesTotal) {
  public PullProgress {
    if (layersDone < 0 || layersDone > layersTotal || bytesDone < 0 || bytesDone > bytesTotal) {
      throw new IllegalArgumentException(
          "progress of "
              + layersDone
              + "/"
              + layersTotal
              + " layers and "
              + bytesDone
              + "/"
              + bytesTotal
              + " bytes is impossible");
    }
  }
}
