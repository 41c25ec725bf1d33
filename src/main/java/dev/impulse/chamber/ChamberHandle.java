package dev.impulse.chamber;

import java.time.InstantSource;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The live, in-memory side of one chamber: what has been set up for its current run, so tear-down
 * undoes exactly that. {@link #lock} serialises the steps that create, end or destroy its
 * container. A restart begins a new run on the same handle.
 */
final class ChamberHandle {
  final ReentrantLock lock = new ReentrantLock();

  ChamberHandle(InstantSource clock) {
    this.startup = new StartupMarks(clock);
  }

  /** Completed with the exit code when the current run's end was handled (-1: it never ran). */
  volatile CompletableFuture<Integer> ended = new CompletableFuture<>();

  /** Set when a destroy began: no launch or restart may go on. */
  volatile boolean destroyRequested;

  /** Set once conmon created the current run's container: there is something to signal. */
  volatile boolean containerCreated;

  /** conmon's pid for the current run, or 0 when unknown. */
  volatile int conmonPid;

  /** Probes in a row that got no 200 from {@code /healthz}. */
  volatile int failedProbes;

  /** When each step of the current run's start happened. */
  volatile StartupMarks startup;

  /** True while the chamber holds its port; released exactly once. */
  final AtomicBoolean holdsPort = new AtomicBoolean(true);

  /** Starts a new run (a restart): nothing is set up for it yet. Call with the lock held. */
  void beginRun() {
    startup = new StartupMarks(startup.clock());
    ended = new CompletableFuture<>();
    containerCreated = false;
    conmonPid = 0;
    failedProbes = 0;
  }
}
