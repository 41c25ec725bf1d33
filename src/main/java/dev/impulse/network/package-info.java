/**
 * Chamber networking: the port range and its allocator, host networking, and bridge networking (a
 * namespace per chamber on the daemon's bridge, kept ready in a pool, with nftables forwarding and
 * filtering).
 *
 * <p>May use: linux.
 */
package dev.impulse.network;
