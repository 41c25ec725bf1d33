package dev.impulse.deployment;

/** A new deployment would go beyond {@link Deployments#MAX_DEPLOYMENTS}. */
public final class DeploymentsFullException extends RuntimeException {
  DeploymentsFullException(int max) {
    super(
        "there are "
            + max
            + " deployments already, the most a daemon keeps; delete one (DELETE /deployments/APP)"
            + " first");
  }
}
