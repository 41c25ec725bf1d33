/**
 * The container runtime: config.json from typed records, runc, conmon (create with its sync pipe,
 * k8s-file logs, exit files), and reading what they leave behind.
 *
 * <p>May use: linux.
 */
package dev.impulse.runtime;
