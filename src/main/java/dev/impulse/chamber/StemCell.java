package dev.impulse.chamber;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * A stem cell: a chamber's container fully started (cgroup, network, port, the wrapper running with
 * its interpreter and imports done) that holds no function yet. Used once: {@link #take} succeeds a
 * single time, and a cell never goes back to a pool.
 *
 * @param shell the cell as a chamber of its own, never listed: its name is its id and container,
 *     its spec the runtime's with the daemon's defaults; what launches and tears down chambers
 *     launches and tears down cells through it
 * @param control the daemon's end of its control path
 * @param readyLine what its wrapper said when it was ready (its start-up timings)
 * @param taken set once, by the create that takes it (or the pool that removes it)
 */
record StemCell(LiveChamber shell, CellControl control, String readyLine, AtomicBoolean taken) {
  StemCell(LiveChamber shell, CellControl control, String readyLine) {
    this(shell, control, readyLine, new AtomicBoolean());
  }

  String name() {
    return shell.id;
  }

  String runtime() {
    return shell.chamber().spec().runtime();
  }

  int port() {
    return shell.chamber().port();
  }

  /** Claims the cell; true for the one caller that gets it. */
  boolean take() {
    return taken.compareAndSet(false, true);
  }
}
