package dev.impulse.oci.registry;

import dev.impulse.oci.Descriptor;
import dev.impulse.oci.Digest;
import dev.impulse.oci.MediaTypes;
import java.util.Arrays;
import java.util.List;

/**
 * An image manifest as a registry served it, verified: its bytes hash to {@code digest}. When the
 * reference named an index, this is the index's linux/amd64 manifest. Immutable: the bytes are
 * copied in and out.
 *
 * @param digest the SHA-256 of {@code raw}, which names the image
 * @param mediaType an OCI or Docker schema 2 image manifest type ({@link MediaTypes#isManifest})
 * @param raw the manifest's bytes, as served
 * @param config the image config's descriptor
 * @param layers the layers' descriptors, bottom first
 */
public record ImageManifest(
    Digest digest, String mediaType, byte[] raw, Descriptor config, List<Descriptor> layers) {
  public ImageManifest {
    if (digest == null || config == null || raw == null) {
      throw new IllegalArgumentException("a manifest needs its digest, bytes and config");
    }
    if (!MediaTypes.isManifest(mediaType)) {
      throw new IllegalArgumentException("'" + mediaType + "' is not an image manifest's type");
    }
    raw = raw.clone();
    layers = List.copyOf(layers);
  }

  @Override
  public byte[] raw() {
    return raw.clone();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof ImageManifest m
        && digest.equals(m.digest)
        && mediaType.equals(m.mediaType)
        && Arrays.equals(raw, m.raw)
        && config.equals(m.config)
        && layers.equals(m.layers);
  }

  @Override
  public int hashCode() {
    return digest.hashCode();
  }

  @Override
  public String toString() {
    return "ImageManifest[" + digest + ", " + mediaType + ", " + layers.size() + " layers]";
  }
}
