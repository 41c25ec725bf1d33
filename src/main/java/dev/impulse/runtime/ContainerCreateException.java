package dev.impulse.runtime;

/** conmon could not create a container; the message carries runc's or conmon's reason. */
public final class ContainerCreateException extends RuntimeException {
  ContainerCreateException(String id, String reason) {
    super("creating container " + id + " failed: " + reason);
  }

  ContainerCreateException(String id, String reason, Throwable cause) {
    super("creating container " + id + " failed: " + reason, cause);
  }
}
