package dev.impulse.oci.registry;

import dev.impulse.oci.Digest;
import dev.impulse.oci.StoredLayer;
import java.util.List;

/**
 * An image pulled into a layer store: its config, and its layers unpacked and verified against both
 * the manifest's digests and the config's diffIDs. Immutable.
 *
 * @param reference the reference it was pulled by
 * @param manifestDigest the digest of the image manifest pulled (the linux/amd64 one, when the
 *     reference names an index): pulling {@code reference.withDigest(manifestDigest)} gets the same
 *     image
 * @param config the image's config
 * @param layers the stored layers, bottom first (overlayfs wants them top first)
 */
public record PulledImage(
    ImageReference reference, Digest manifestDigest, ImageConfig config, List<StoredLayer> layers) {
  public PulledImage {
    if (reference == null || manifestDigest == null || config == null) {
      throw new IllegalArgumentException("a pulled image needs its reference, digest and config");
    }
    layers = List.copyOf(layers);
  }
}
