package dev.impulse.deployment;

/** No deployment serves this app (never deployed, or deleted). */
public final class UnknownDeploymentException extends RuntimeException {
  UnknownDeploymentException(String app) {
    super(
        "no deployment named '"
            + app
            + "'; deploy it with PUT /deployments/"
            + app
            + " or list them with GET /deployments");
  }
}
