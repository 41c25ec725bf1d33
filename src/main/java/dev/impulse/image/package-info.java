/**
 * What chambers run: the runtime catalog, baseimages built with mmdebstrap, the skyhook wrapper
 * layer, uploaded functions (with safe archive unpacking through the kernel-rooted file operations
 * of linux, and recovery of versions the state store lost), name rules, and the overlay that stacks
 * them into a chamber's root file system.
 *
 * <p>May use: store, oci, linux.
 */
package dev.impulse.image;
