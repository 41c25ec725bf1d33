/**
 * The HTTP API (Javalin on Jetty, virtual threads): routes for chambers, functions and runtimes,
 * request parsing, JSON views, and {@link dev.impulse.api.ProblemMapper}, the one place where
 * failures become RFC 9457 problems.
 *
 * <p>May use: chamber, image (types and exceptions), network (exceptions), runtime (log lines).
 */
package dev.impulse.api;
