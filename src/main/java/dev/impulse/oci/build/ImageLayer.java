package dev.impulse.oci.build;

/**
 * A layer of an image to be written, with what its history entry says made it. Immutable.
 *
 * @param blob the layer's blob
 * @param createdBy what made the layer, as {@code docker history} and {@code skopeo inspect
 *     --config} show it ({@code "impulse: baseimage python3.11-cea25ad9e31e"})
 */
public record ImageLayer(LayerBlob blob, String createdBy) {
  public ImageLayer {
    if (blob == null) {
      throw new IllegalArgumentException("an image layer needs a blob");
    }
    if (createdBy == null || createdBy.isBlank()) {
      throw new IllegalArgumentException(
          "an image layer needs a description of what made it, for the image's history");
    }
  }
}
