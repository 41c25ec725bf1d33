/**
 * What chambers run: the runtime catalog, baseimages built with mmdebstrap, the skyhook wrapper
 * layer, uploaded functions (with safe archive unpacking), name rules, and the overlay that stacks
 * them into a chamber's root file system.
 *
 * <p>May use: linux.
 */
package dev.impulse.image;
