/**
 * The OCI distribution client: {@link dev.impulse.oci.registry.ImageReference references} that
 * always name their registry, {@link dev.impulse.oci.registry.RegistrySettings settings} (plain
 * HTTP only for loopback and insecure-listed registries, credentials, timeouts, bounds), the {@link
 * dev.impulse.oci.registry.RegistryClient} that pulls and pushes manifests and blobs on the JDK's
 * HTTP client (its own redirects, token and Basic authentication, everything verified against
 * digests and sizes), image configs, and the {@link dev.impulse.oci.registry.ImagePuller} that
 * pulls an image into the layer store of {@code oci}.
 *
 * <p>The JDK's client rather than a registry library: jib-core, the candidate, exposes internal
 * API, reads manifests unbounded, makes "insecure" a client-wide flag and clashes with the
 * project's dependencies. Registry failures are one exception, {@link
 * dev.impulse.oci.registry.RegistryException}, whose kind says what to do.
 *
 * <p>May use: linux, oci.
 */
package dev.impulse.oci.registry;
