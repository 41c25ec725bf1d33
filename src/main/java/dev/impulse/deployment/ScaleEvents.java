package dev.impulse.deployment;

import dev.impulse.store.EventRow;
import dev.impulse.store.Store;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells of each scaling action, a plan that starts or lets go of chambers, as a {@code scale} event
 * (from and to: the deployment's chambers before and after, with the decision's reason), a log line
 * and the {@link ScaleListener}. A change of the wanted number that moves no chamber is only the
 * deployment's {@code lastDecision}: light traffic would otherwise write two events per quiet spell
 * and push the chambers' history out of the retained events.
 */
final class ScaleEvents {
  private static final Logger log = LoggerFactory.getLogger(ScaleEvents.class);

  private final Store store;
  private final ScaleListener listener;
  private final Clock clock;

  ScaleEvents(Store store, ScaleListener listener, Clock clock) {
    this.store = store;
    this.listener = listener;
    this.clock = clock;
  }

  void acted(Deployment d, Plan plan) {
    if (plan.toStart() == 0 && plan.toDestroy().isEmpty()) {
      return;
    }
    DeploymentState state = d.state();
    int from = state.chambers().size() + plan.toDestroy().size();
    int to = state.chambers().size() + plan.toStart();
    String reason =
        state.lastDecision().map(DeploymentState.LastDecision::reason).orElse("")
            + (plan.toStart() > 0 ? "; starting " + plan.toStart() : "")
            + (plan.toDestroy().isEmpty() ? "" : "; letting go of " + plan.toDestroy());
    listener.scaled(d.app(), from, to);
    log.info("deployment {}: {} -> {} chambers ({})", d.app(), from, to, reason);
    try {
      store.addEvent(
          new EventRow(
              0,
              d.app(),
              "scale",
              Integer.toString(from),
              Integer.toString(to),
              clock.millis(),
              reason.length() > 1000 ? reason.substring(0, 1000) + "..." : reason));
    } catch (RuntimeException e) {
      log.warn("deployment {}: recording a scale event failed: {}", d.app(), e.toString());
    }
  }
}
