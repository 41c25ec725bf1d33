package dev.impulse.oci;

/**
 * What unpacking a layer found.
 *
 * @param digest the blob's SHA-256, which equals the one its manifest names
 * @param diffId the uncompressed tar's SHA-256, which an image config lists in {@code rootfs}
 * @param size the blob's bytes
 * @param unpackedBytes the file content written
 * @param entries the tar's entries
 * @param skipped the device and FIFO entries skipped
 */
record UnpackedLayer(
    Digest digest, Digest diffId, long size, long unpackedBytes, int entries, int skipped) {}
