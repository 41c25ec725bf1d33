package dev.impulse.chamber;

/** Something only a running chamber has (its cgroup) was asked of one that has no container. */
public final class ChamberNotRunningException extends RuntimeException {
  ChamberNotRunningException(Chamber chamber) {
    super(
        "chamber "
            + chamber.id()
            + " is "
            + chamber.status()
            + " and has no container now; stats exist only while it runs");
  }
}
