/**
 * Writing OCI images without a container engine: host directory trees become gzip-compressed tar
 * layer blobs ({@link dev.impulse.oci.build.LayerWriter}, which keeps links, hard links, modes,
 * owners and times, and is deterministic), big layers are kept for reuse under a caller's key
 * ({@link dev.impulse.oci.build.LayerCache}), an image config and manifest are made from a run
 * configuration and the layers ({@link dev.impulse.oci.build.ImageWriter}), byte for byte the same
 * for the same input, and an image is handed out as an OCI image layout, streamed as a tar or
 * written into a directory ({@link dev.impulse.oci.build.OciArchive}). Pushing an image to a
 * registry is the registry client's; baking a function into one is the bakery's.
 *
 * <p>A part of the {@code oci} package in docs/architecture.md. May use: linux.
 */
package dev.impulse.oci.build;
