package dev.impulse.oci.build;

import dev.impulse.oci.Descriptor;
import dev.impulse.oci.Digest;
import dev.impulse.oci.MediaTypes;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;

/**
 * An image ready to push or to hand out: its manifest and config as the exact bytes their digests
 * are of, and its layer blobs (bottom first) in their files. Valid by construction: each JSON's
 * digest and size are those its descriptor names. Immutable (the byte arrays are copied in and
 * out).
 *
 * @param manifest the manifest's descriptor, what a registry's tag or an index points at
 * @param manifestJson the manifest
 * @param config the config's descriptor
 * @param configJson the config
 * @param layers the layers, bottom first, as the manifest lists them
 */
public record BuiltImage(
    Descriptor manifest,
    byte[] manifestJson,
    Descriptor config,
    byte[] configJson,
    List<LayerBlob> layers) {
  public BuiltImage {
    check(manifest, manifestJson, MediaTypes.OCI_MANIFEST, "manifest");
    check(config, configJson, MediaTypes.OCI_CONFIG, "config");
    manifestJson = manifestJson.clone();
    configJson = configJson.clone();
    layers = List.copyOf(layers);
  }

  @Override
  public byte[] manifestJson() {
    return manifestJson.clone();
  }

  @Override
  public byte[] configJson() {
    return configJson.clone();
  }

  /** The manifest's digest, which names the image. */
  public Digest digest() {
    return manifest.digest();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof BuiltImage image
        && manifest.equals(image.manifest)
        && Arrays.equals(manifestJson, image.manifestJson)
        && config.equals(image.config)
        && Arrays.equals(configJson, image.configJson)
        && layers.equals(image.layers);
  }

  @Override
  public int hashCode() {
    return Objects.hash(manifest, config, layers);
  }

  @Override
  public String toString() {
    return "BuiltImage[" + manifest.digest() + ", " + layers.size() + " layers]";
  }

  private static void check(Descriptor descriptor, byte[] json, String mediaType, String what) {
    if (descriptor == null || json == null) {
      throw new IllegalArgumentException("an image needs its " + what + " and its descriptor");
    }
    if (!descriptor.mediaType().equals(mediaType)) {
      throw new IllegalArgumentException(
          "the " + what + "'s media type is " + descriptor.mediaType() + ", not " + mediaType);
    }
    Digest digest = Digest.of(json);
    if (!digest.equals(descriptor.digest()) || json.length != descriptor.size()) {
      throw new IllegalArgumentException(
          "the "
              + what
              + " is "
              + json.length
              + " bytes of digest "
              + digest
              + ", not what its descriptor says: "
              + descriptor);
    }
  }
}
