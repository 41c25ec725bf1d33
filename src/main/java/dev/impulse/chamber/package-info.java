/**
 * Chambers: the model ({@link dev.impulse.chamber.Chamber}, {@link
 * dev.impulse.chamber.ChamberStatus}), the registry of what exists, and the lifecycle that takes a
 * chamber from STARTING to its end and releases what it held. {@link
 * dev.impulse.chamber.ChamberService} is the way in.
 *
 * <p>May use: image, runtime, network, store, linux. Never api or daemon.
 */
package dev.impulse.chamber;
