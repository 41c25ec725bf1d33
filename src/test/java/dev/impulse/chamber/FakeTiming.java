package dev.impulse.chamber;

import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Time that moves only when the lifecycle waits or the test advances it. Sleeping and waiting
 * return at once with the clock moved on; timers fire when the clock passes them. Every wait is
 * remembered, so a test can see how long the lifecycle chose to wait.
 */
final class FakeTiming implements Timing {
  private final ManualExecutor work;
  private long nanos;
  private final List<Timer> timers = new ArrayList<>();
  private final Map<String, Runnable> periodic = new LinkedHashMap<>();
  final List<Duration> awaited = new ArrayList<>();
  final List<Duration> scheduled = new ArrayList<>();

  private record Timer(long due, Runnable task) {}

  FakeTiming(ManualExecutor work) {
    this.work = work;
  }

  @Override
  public InstantSource clock() {
    return () -> Instant.ofEpochSecond(1_800_000_000L).plusNanos(nanos);
  }

  @Override
  public long nanoTime() {
    return nanos;
  }

  @Override
  public void sleep(Duration pause) {
    nanos += pause.toNanos();
  }

  /** Lets queued work run (the run's exit may be among it); then, if need be, lets time pass. */
  @Override
  public boolean await(CompletableFuture<?> future, Duration timeout) {
    awaited.add(timeout);
    work.runAll();
    if (future.isDone()) {
      return true;
    }
    advance(timeout);
    return future.isDone();
  }

  @Override
  public void schedule(Duration delay, Runnable task) {
    scheduled.add(delay);
    timers.add(new Timer(nanos + delay.toNanos(), task));
  }

  @Override
  public void every(Duration period, String name, Runnable task) {
    periodic.put(name, task);
  }

  /** Runs the periodic task {@code name} once, leaving the work it queues queued. */
  void fire(String name) {
    periodic.get(name).run();
  }

  /** Runs the periodic task {@code name} once, and the work it queues. */
  void tick(String name) {
    periodic.get(name).run();
    work.runAll();
  }

  /** Moves the clock on by {@code by}, firing the timers it passes, and runs the work queued. */
  void advance(Duration by) {
    nanos += by.toNanos();
    List<Timer> due =
        timers.stream()
            .filter(t -> t.due() <= nanos)
            .sorted(Comparator.comparingLong(Timer::due))
            .toList();
    timers.removeAll(due);
    due.forEach(t -> work.execute(t.task()));
    work.runAll();
  }
}
