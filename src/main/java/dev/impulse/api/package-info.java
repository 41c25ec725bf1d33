/**
 * The HTTP API (Javalin on Jetty, virtual threads): routes for chambers, functions, runtimes and
 * the bakery, request parsing, JSON views, and {@link dev.impulse.api.ProblemMapper}, the one place
 * where failures become RFC 9457 problems.
 *
 * <p>May use: bakery, chamber, deployment, http, image, network, oci (the registry's exception),
 * store (its full-disk exception and free-space check).
 */
package dev.impulse.api;
