/**
 * The daemon: its validated configuration and the one place where every part is built and wired, in
 * dependency order.
 *
 * <p>May use: every package but cli, client.
 */
package dev.impulse.daemon;
