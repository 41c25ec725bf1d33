/**
 * Ports: the range chambers are given and the allocator that never gives one port to two live
 * chambers.
 *
 * <p>May use: nothing of impulse.
 */
package dev.impulse.network;
