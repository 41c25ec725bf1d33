/**
 * Writing OCI images without a container engine: host directory trees become gzip-compressed tar
 * layer blobs ({@link dev.impulse.oci.build.LayerWriter}, which keeps links, hard links, modes,
 * owners and times, and is deterministic), and big layers are kept for reuse under a caller's key
 * ({@link dev.impulse.oci.build.LayerCache}).
 *
 * <p>A part of the {@code oci} package in docs/architecture.md. May use: linux.
 */
package dev.impulse.oci.build;
