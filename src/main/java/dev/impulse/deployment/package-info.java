/**
 * Deployments: a function called by name. Each deployment owns its chambers, routes requests to
 * them at most {@code concurrency} at a time, queues the rest, and scales its chambers with demand
 * (from zero, back to zero). The edge proxy ({@code dev.impulse.proxy}) asks it for a chamber per
 * request.
 *
 * <p>May use: chamber, image, store.
 */
package dev.impulse.deployment;
