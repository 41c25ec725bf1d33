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
 * @param reason why it is in its status, when there is something to say
 */
public record Chamber(
    String id,
    ChamberSpec spec,
    int port,
    long createdTimeMillis,
    ChamberStatus status,
    Optional<Integer> exitCode,
    Optional<String> reason) {

  public Chamber {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(spec, "spec");
    Objects.requireNonNull(status, "status");
    Objects.requireNonNull(exitCode, "exitCode");
    Objects.requireNonNull(reason, "reason");
  }

  /** A new chamber, STARTING. */
  static Chamber starting(String id, ChamberSpec spec, int port, long createdTimeMillis) {
    return new Chamber(
        id,
        spec,
        port,
        createdTimeMillis,
        ChamberStatus.STARTING,
        Optional.empty(),
        Optional.empty());
  }

  /** This chamber in {@code next} status; throws when the move is not allowed. */
  Chamber moveTo(ChamberStatus next, Optional<Integer> code, Optional<String> why) {
    if (!status.canBecome(next)) {
      throw new IllegalStateException(
          "chamber " + id + " cannot go from " + status + " to " + next);
    }
    return new Chamber(id, spec, port, createdTimeMillis, next, code, why);
  }
}
