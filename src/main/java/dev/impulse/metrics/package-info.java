/**
 * {@code GET /metrics}: the function service's and the chambers' metrics in Prometheus' text
 * format, on Micrometer's Prometheus registry with its JVM and process binders.
 *
 * <p>May use: chamber, deployment, proxy.
 */
package dev.impulse.metrics;
