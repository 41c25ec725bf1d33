/**
 * OCI images: the content-addressed {@link dev.impulse.oci.LayerStore} shared by all chambers and
 * the safe unpacking of layer blobs into overlayfs lower layers (digests verified while reading,
 * whiteouts and opaque directories turned into what overlayfs reads, every path kept inside by the
 * kernel-rooted file operations of linux, set-id bits stripped, devices never made, every size
 * bounded). The registry client that pulls and pushes is {@code oci.registry}; writing images, the
 * other way, is {@code oci.build}'s. The runtimes that stack pulled layers are image's.
 *
 * <p>May use: linux.
 */
package dev.impulse.oci;
