package dev.impulse.chamber;

import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/** The steps of one run's start as they happen. Thread-safe. */
final class StartupMarks {
  private final List<StartupStep> steps = new CopyOnWriteArrayList<>();
  private final InstantSource clock;

  StartupMarks(InstantSource clock) {
    this.clock = clock;
  }

  void mark(String step) {
    mark(step, clock.instant());
  }

  void mark(String step, Instant at) {
    steps.add(new StartupStep(step, at.getEpochSecond() * 1_000_000 + at.getNano() / 1_000));
  }

  InstantSource clock() {
    return clock;
  }

  List<StartupStep> steps() {
    return List.copyOf(steps);
  }
}
