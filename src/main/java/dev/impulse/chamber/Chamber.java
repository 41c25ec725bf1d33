package dev.impulse.chamber;

import java.util.Objects;
import java.util.Optional;

/**
 * A snapshot of one chamber. Immutable; a change of state is a new snapshot.
 *
 * @param id {@code <app>-<version>-<5 lowercase letters>}
 * @param spec what it runs
 * @param port the host port its wrapper binds
 * @param createdTimeMillis when it was created (epoch milliseconds)
 * @param status where it is in its life
 * @param exitCode the exit status conmon recorded (128+N when killed by signal N), once it exited
 * @param reason why it is in its status, when there is something to say (at most 4.5 KiB, control
 *     characters escaped)
 * @param restarts how often its restart policy started it again
 * @param health what probes of a running chamber found
 * @param lastHealthyMillis when a probe last succeeded (0: never)
 * @param container the name its container, cgroup and directories go by: its id when it was
 *     cold-started, the stem cell's name when it was specialised from a pool
 * @param deployment the deployment it serves, when a deployment made it
 */
public record Chamber(
    String id,
    ChamberSpec spec,
    int port,
    long createdTimeMillis,
    ChamberStatus status,
    Optional<Integer> exitCode,
    Optional<String> reason,
    int restarts,
    Health health,
    long lastHealthyMillis,
    String container,
    Optional<String> deployment) {

  public Chamber {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(container, "container");
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(exitCode, "exitCode");
    Objects.requireNonNull(health, "health");
    Objects.requireNonNull(deployment, "deployment");
    reason = reason.map(Reasons::bound); // a function's words: bounded and escaped
  }

  /** A new chamber, STARTING, its container named by its id. */
  static Chamber starting(String id, ChamberSpec spec, int port, long createdTimeMillis) {
    return starting(id, spec, port, createdTimeMillis, id, Optional.empty());
  }

  /** A new chamber, STARTING, in container {@code container}. */
  static Chamber starting(
      String id,
      ChamberSpec spec,
      int port,
      long createdTimeMillis,
      String container,
      Optional<String> deployment) {
    return new Chamber(
        id,
        spec,
        port,
        createdTimeMillis,
        ChamberStatus.STARTING,
        Optional.empty(),
        Optional.empty(),
        0,
        Health.UNKNOWN,
        0,
        container,
        deployment);
  }

  /**
   * This chamber in {@code next} status; throws when the move is not allowed. Leaving RUNNING
   * forgets its health; a restart (back to STARTING) forgets the last exit.
   */
  Chamber moveTo(ChamberStatus next, Optional<Integer> code, Optional<String> why) {
    if (!status.canBecome(next)) {
      throw new IllegalStateException(
          "chamber " + id + " cannot go from " + status + " to " + next);
    }
    Health nextHealth = next == ChamberStatus.RUNNING ? health : Health.UNKNOWN;
    return with(next, code, why, restarts, nextHealth, lastHealthyMillis);
  }

  /** This chamber with {@code health}, last found healthy at {@code lastHealthy}. */
  Chamber withHealth(Health nextHealth, long lastHealthy) {
    return with(status, exitCode, reason, restarts, nextHealth, lastHealthy);
  }

  /** This chamber with one more restart counted. */
  Chamber restarted() {
    return with(status, exitCode, reason, restarts + 1, health, lastHealthyMillis);
  }

  /** This chamber with a new {@code reason}, same status. */
  Chamber withReason(Optional<String> why) {
    return with(status, exitCode, why, restarts, health, lastHealthyMillis);
  }

  /** This chamber with the exit code learnt late (it ended after it was marked FAILED). */
  Chamber withExitCode(int code) {
    return with(status, Optional.of(code), reason, restarts, health, lastHealthyMillis);
  }

  private Chamber with(
      ChamberStatus nextStatus,
      Optional<Integer> code,
      Optional<String> why,
      int restartCount,
      Health nextHealth,
      long lastHealthy) {
    return new Chamber(
        id,
        spec,
        port,
        createdTimeMillis,
        nextStatus,
        code,
        why,
        restartCount,
        nextHealth,
        lastHealthy,
        container,
        deployment);
  }
}
