package dev.impulse.deployment;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A deployment as the API shows it: what it runs and its live state.
 *
 * @param app its name
 * @param spec its chambers' fields as given (version, runtime, env, limits)
 * @param scaling its scaling fields
 * @param chambers the ids of its chambers, starting or running
 * @param inFlight requests being served now
 * @param queued requests waiting for a chamber
 * @param lastDecision the autoscaler's latest decision, once it made one
 * @param createdTimeMillis when it was first deployed
 * @param updatedTimeMillis when its spec last changed
 */
public record DeploymentState(
    String app,
    Map<String, Object> spec,
    Map<String, Object> scaling,
    List<String> chambers,
    int inFlight,
    int queued,
    Optional<LastDecision> lastDecision,
    long createdTimeMillis,
    long updatedTimeMillis) {

  /**
   * A scaling decision.
   *
   * @param desired the chambers wanted
   * @param reason why
   * @param timeMillis when it was made (the last time the wanted number changed)
   */
  public record LastDecision(int desired, String reason, long timeMillis) {}
}
