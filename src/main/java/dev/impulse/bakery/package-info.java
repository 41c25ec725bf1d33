/**
 * The bakery: a stored function baked into an OCI image (the runtime's root file system, the
 * skyhook layer and the guest layer; the language's wrapper as entrypoint), pushed to a registry or
 * handed out as an OCI archive, so any impulse node, or any OCI engine, runs it unchanged.
 *
 * <p>May use: image, oci, linux.
 */
package dev.impulse.bakery;
