package dev.impulse.oci;

import java.nio.file.Path;

/**
 * A layer in the {@link LayerStore}, unpacked and verified. Immutable.
 *
 * @param digest the blob's digest, which names it
 * @param diffId the digest of its uncompressed tar, as an image config lists it
 * @param mediaType the media type it was unpacked as
 * @param size the blob's bytes
 * @param unpackedBytes the file content its unpacking wrote
 * @param root the unpacked tree, an overlayfs lower layer
 */
public record StoredLayer(
    Digest digest,
    Digest diffId,
    LayerMediaType mediaType,
    long size,
    long unpackedBytes,
    Path root) {}
