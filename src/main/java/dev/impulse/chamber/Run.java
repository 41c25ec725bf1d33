package dev.impulse.chamber;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One run of a chamber: one container, from its start to its end. A restart is a new run with the
 * next number; whatever reports about a run names its number, so news of an old run never touches
 * the current one.
 */
final class Run {
  final int number;

  /** When each step of this run's start happened. */
  final StartupMarks startup;

  /** Completed when this run is over (its container ended, or it never got one). */
  final CompletableFuture<Void> ended = new CompletableFuture<>();

  /** Set while a health probe of this run is in flight: probes never overlap. */
  final AtomicBoolean probing = new AtomicBoolean();

  /** Set once conmon created this run's container: there is something to signal. */
  volatile boolean containerCreated;

  /** This run's conmon, or 0 while unknown. */
  volatile int conmonPid;

  /** The stem cell this run took over, or null for a cold start. */
  volatile String cell;

  Run(int number, StartupMarks startup) {
    this.number = number;
    this.startup = startup;
  }

  /** This run is stem cell {@code taken}'s container, already created and running. */
  void takeOver(StemCell taken) {
    cell = taken.name();
    conmonPid = taken.shell().run().conmonPid;
    containerCreated = true;
    startup.mark("taken");
  }
}
