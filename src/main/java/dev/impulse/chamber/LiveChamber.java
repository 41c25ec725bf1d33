package dev.impulse.chamber;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One chamber and everything impulse holds for it: its recorded state, its current run, whether it
 * holds its port, and what a tear-down could not release yet. The one owner of that state: it
 * changes only under {@link #lock}, through {@link ChamberDriver}, and is read without it through
 * volatile snapshots.
 */
final class LiveChamber {
  final String id;

  /** The name of its container, cgroup and directories ({@link Chamber#container}). */
  final String container;

  /** Serialises every change of this chamber and every step on its container. */
  final ReentrantLock lock = new ReentrantLock();

  /** Completed once the chamber is forgotten: a destroy finished. */
  final CompletableFuture<Void> forgotten = new CompletableFuture<>();

  /** Set while a sweep's task for this chamber is queued or running (one at a time). */
  final java.util.concurrent.atomic.AtomicBoolean sweeping =
      new java.util.concurrent.atomic.AtomicBoolean();

  private volatile Lifecycle.State state;
  private volatile Run run;
  private volatile boolean holdsPort;
  private volatile List<String> leftovers = List.of();

  LiveChamber(Lifecycle.State state, Run run, boolean holdsPort) {
    this.id = state.chamber().id();
    this.container = state.chamber().container();
    this.state = state;
    this.run = run;
    this.holdsPort = holdsPort;
  }

  Chamber chamber() {
    return state.chamber();
  }

  Lifecycle.State state() {
    return state;
  }

  Run run() {
    return run;
  }

  boolean holdsPort() {
    return holdsPort;
  }

  /** What tear-downs could not release yet (empty when all is released). */
  List<String> leftovers() {
    return leftovers;
  }

  // ---- changes, with the lock held ----

  void setState(Lifecycle.State next) {
    assert lock.isHeldByCurrentThread();
    state = next;
  }

  void setRun(Run next) {
    assert lock.isHeldByCurrentThread();
    run = next;
  }

  void setHoldsPort(boolean holds) {
    holdsPort = holds;
  }

  void setLeftovers(List<String> problems) {
    leftovers = List.copyOf(problems);
  }
}
