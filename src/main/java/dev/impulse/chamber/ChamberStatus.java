package dev.impulse.chamber;

import java.util.EnumSet;
import java.util.Set;

/**
 * Where a chamber is in its life.
 *
 * <pre>
 * STARTING --> RUNNING --> STOPPING --> STOPPED
 *     |           |            |
 *     +-----------+------------+------> FAILED
 * </pre>
 *
 * STARTING and RUNNING may also end directly in STOPPED (exit 0). A restart (restart policy) takes
 * STOPPED or FAILED back to STARTING.
 */
public enum ChamberStatus {
  /** The container is being prepared or started; the wrapper does not accept requests yet. */
  STARTING,
  /** The wrapper answered its readiness check. */
  RUNNING,
  /** Being destroyed: SIGTERM sent, waiting out the grace period. */
  STOPPING,
  /** Exited with status 0, or destroyed. */
  STOPPED,
  /** Exited non-zero, was killed, or never became ready; {@code reason} says which. */
  FAILED;

  /** True for STOPPED and FAILED: no container runs. */
  public boolean isTerminal() {
    return this == STOPPED || this == FAILED;
  }

  /** True while a container exists or is being made: STARTING, RUNNING, STOPPING. */
  public boolean isLive() {
    return !isTerminal();
  }

  /** Whether a chamber may move from this status to {@code next}. */
  public boolean canBecome(ChamberStatus next) {
    return successors().contains(next);
  }

  private Set<ChamberStatus> successors() {
    return switch (this) {
      case STARTING -> EnumSet.of(RUNNING, STOPPING, STOPPED, FAILED);
      case RUNNING -> EnumSet.of(STOPPING, STOPPED, FAILED);
      case STOPPING -> EnumSet.of(STOPPED, FAILED);
      case STOPPED, FAILED -> EnumSet.of(STARTING);
    };
  }
}
