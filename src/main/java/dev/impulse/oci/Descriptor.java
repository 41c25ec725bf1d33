package dev.impulse.oci;

import java.util.Map;

/**
 * An OCI content descriptor: what a manifest says of a blob (its config or a layer) and what an
 * index says of a manifest. Immutable.
 *
 * @param mediaType the blob's media type ({@link MediaTypes})
 * @param digest the blob's SHA-256
 * @param size the blob's bytes; a registry's answer longer than this is refused
 * @param annotations the descriptor's annotations (an index names a tag with {@code
 *     org.opencontainers.image.ref.name}); empty when it has none
 */
public record Descriptor(
    String mediaType, Digest digest, long size, Map<String, String> annotations) {
  public Descriptor {
    if (mediaType == null || mediaType.isBlank()) {
      throw new IllegalArgumentException("a descriptor needs a media type");
    }
    if (digest == null) {
      throw new IllegalArgumentException("a descriptor needs a digest");
    }
    if (size < 0) {
      throw new IllegalArgumentException("a descriptor's size cannot be negative: " + size);
    }
    annotations = Map.copyOf(annotations);
  }

  /** A descriptor without annotations. */
  public Descriptor(String mediaType, Digest digest, long size) {
    this(mediaType, digest, size, Map.of());
  }
}
