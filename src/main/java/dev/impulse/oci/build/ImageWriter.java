package dev.impulse.oci.build;

import dev.impulse.oci.Descriptor;
import dev.impulse.oci.Digest;
import dev.impulse.oci.MediaTypes;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * Makes an image's config and manifest from an {@link ImageSpec}: the config says how the image
 * runs, lists its layers' diffIDs (bottom first) and one history entry per layer; the manifest
 * lists the config's and the layers' descriptors. Both are byte for byte the same for the same spec
 * (and time), so one function version baked twice is one image, one digest.
 *
 * <p>Nothing is written to disk and no layer is read: the layers' blobs stay in their files until
 * {@link OciArchive} or a registry client sends them. Stateless and thread-safe.
 */
public final class ImageWriter {
  private ImageWriter() {}

  /**
   * The image of {@code spec} without a creation time: the spec's fields are optional, and an image
   * that says nothing of when it was made is the same image whenever it is made.
   */
  public static BuiltImage write(ImageSpec spec) {
    return write(spec, Optional.empty());
  }

  /**
   * The image of {@code spec} created at {@code created} (the config's and each history entry's
   * {@code created}): give a fixed time, such as the function version's, for the same digest on
   * every bake.
   */
  public static BuiltImage write(ImageSpec spec, Instant created) {
    if (created == null) {
      throw new IllegalArgumentException("the creation time cannot be null; call write(spec)");
    }
    return write(spec, Optional.of(created));
  }

  private static BuiltImage write(ImageSpec spec, Optional<Instant> created) {
    List<LayerBlob> layers = spec.layers().stream().map(ImageLayer::blob).toList();
    byte[] config = ImageJson.config(spec, created);
    Descriptor configDescriptor =
        new Descriptor(MediaTypes.OCI_CONFIG, Digest.of(config), config.length);
    byte[] manifest = ImageJson.manifest(configDescriptor, layers, spec.annotations());
    Descriptor manifestDescriptor =
        new Descriptor(MediaTypes.OCI_MANIFEST, Digest.of(manifest), manifest.length);
    return new BuiltImage(manifestDescriptor, manifest, configDescriptor, config, layers);
  }
}
