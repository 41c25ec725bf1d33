/**
 * Writing OCI images without a container engine: host directory trees become gzip-compressed tar
 * layer blobs ({@link dev.impulse.oci.build.LayerWriter}, which keeps links, hard links, modes,
 * owners and times, and is deterministic), big layers are kept for reuse under a caller's key
 * ({@link dev.impulse.oci.build.LayerCache}), and an image config and manifest are made from a run
 * configuration and the layers ({@link dev.impulse.oci.build.ImageWriter}), byte for byte the same
 * for the same input.
 *
 * <p>A part of the {@code oci} package in docs/architecture.md. May use: linux.
 */
package dev.impulse.oci.build;
