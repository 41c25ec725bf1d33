package dev.impulse.runtime;

/** A created container could not be started; the message says why. */
public final class ContainerStartException extends RuntimeException {
  ContainerStartException(String id, String reason) {
    super("starting container " + id + " failed: " + reason);
  }
}
