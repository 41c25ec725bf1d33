package dev.impulse.deployment;

/** A deployment request asks for something impulse cannot give; the message says what. */
public final class InvalidDeploymentException extends RuntimeException {
  InvalidDeploymentException(String message) {
    super(message);
  }
}
