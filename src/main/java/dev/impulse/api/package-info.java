/**
 * The HTTP API (Javalin on Jetty, virtual threads): routes for chambers, functions and runtimes,
 * request parsing, JSON views, and {@link dev.impulse.api.ProblemMapper}, the one place where
 * failures become RFC 9457 problems.
 *
 * <p>May use: chamber, deployment, http, image, network, store (its full-disk exception and
 * free-space check).
 */
package dev.impulse.api;
