package dev.impulse.oci.build;

import dev.impulse.oci.Descriptor;
import dev.impulse.oci.Digest;
import dev.impulse.oci.LayerMediaType;
import java.nio.file.Path;

/**
 * A layer blob written to a file, with what an image needs of it: the descriptor a manifest lists
 * and the diffID its config lists. The file is never changed after it is written; whoever owns it
 * ({@link LayerCache}, or the caller of {@link LayerWriter}) decides when it goes. Immutable.
 *
 * @param file the blob, a gzip-compressed tar
 * @param descriptor its media type, digest and size in bytes, as a manifest lists it
 * @param diffId the digest of the uncompressed tar, as an image config's {@code rootfs} lists it
 */
public record LayerBlob(Path file, Descriptor descriptor, Digest diffId) {
  public LayerBlob {
    if (file == null || descriptor == null || diffId == null) {
      throw new IllegalArgumentException(
          "a layer blob needs a file, a descriptor and a diffID: "
              + file
              + ", "
              + descriptor
              + ", "
              + diffId);
    }
    LayerMediaType.parse(descriptor.mediaType()); // throws naming the layer types there are
  }

  /** The blob's digest, which a registry and an OCI layout name it by. */
  public Digest digest() {
    return descriptor.digest();
  }

  /** The blob's size in bytes. */
  public long size() {
    return descriptor.size();
  }

  /** The same blob in another file: where a cache moved it. */
  LayerBlob movedTo(Path other) {
    return new LayerBlob(other, descriptor, diffId);
  }
}
