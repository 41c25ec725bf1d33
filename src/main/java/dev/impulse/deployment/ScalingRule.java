package dev.impulse.deployment;

/**
 * How many chambers a deployment wants: ceil(load / concurrency) within [minChambers, maxChambers],
 * where load is the mean of in-flight plus queued requests over the {@link LoadWindow}, or the load
 * right now when requests queue (scaling up must not wait for a mean to catch up). Pure.
 */
final class ScalingRule {
  private ScalingRule() {}

  /** A decision and why. */
  record Decision(int desired, String reason) {}

  static Decision decide(Scaling scaling, double meanLoad, int inFlight, int queued) {
    int c = scaling.concurrency();
    int fromMean = (int) Math.ceil(meanLoad / c - 1e-9);
    int now = queued > 0 ? Math.ceilDiv(inFlight + queued, c) : 0;
    int wanted = Math.max(fromMean, now);
    int desired = Math.clamp(wanted, scaling.minChambers(), scaling.maxChambers());
    StringBuilder reason = new StringBuilder();
    if (queued > 0) {
      reason.append(queued).append(" queued and ").append(inFlight).append(" in flight");
    } else {
      reason.append(String.format(java.util.Locale.ROOT, "mean load %.1f", meanLoad));
    }
    reason.append(" at ").append(c).append(" per chamber");
    if (desired > wanted) {
      reason.append(", raised to minChambers ").append(scaling.minChambers());
    } else if (desired < wanted) {
      reason.append(", capped at maxChambers ").append(scaling.maxChambers());
    }
    return new Decision(desired, reason.toString());
  }
}
