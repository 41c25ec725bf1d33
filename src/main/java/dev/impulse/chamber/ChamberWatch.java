package dev.impulse.chamber;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches running chambers and turns what it sees into lifecycle events: exits (conmon's exit
 * files), monitors that died, health probes; and keeps things tidy: tear-downs that left something
 * are retried, and beyond {@code --ended-retained} ended chambers the oldest are forgotten. Every
 * chamber's work runs on a thread of its own, so one slow or stuck chamber delays no other.
 */
final class ChamberWatch {
  private static final Logger log = LoggerFactory.getLogger(ChamberWatch.class);
  static final int PROBES_AT_ONCE = 64;

  private final ChamberRegistry registry;
  private final ChamberDriver driver;
  private final ChamberHost host;
  private final ChamberTeardown teardown;
  private final ReadinessProbe probe;
  private final Timing timing;
  private final Executor work;
  private final int endedRetained;
  private final Semaphore probes = new Semaphore(PROBES_AT_ONCE);

  ChamberWatch(
      ChamberRegistry registry,
      ChamberDriver driver,
      ChamberHost host,
      ChamberTeardown teardown,
      ReadinessProbe probe,
      Timing timing,
      Executor work,
      int endedRetained) {
    this.registry = registry;
    this.driver = driver;
    this.host = host;
    this.teardown = teardown;
    this.probe = probe;
    this.timing = timing;
    this.work = work;
    this.endedRetained = endedRetained;
  }

  /**
   * Queues a sweep's work for chamber {@code c} unless some is still queued or running: a chamber
   * whose lock is held for long (a tear-down waiting for its monitor) gets one task, not one more
   * every sweep.
   */
  private void once(LiveChamber c, Runnable task) {
    if (!c.sweeping.compareAndSet(false, true)) {
      return;
    }
    work.execute(() -> {
      try {
        task.run();
      } finally {
        c.sweeping.set(false);
      }
    });
  }

  // ---- exits ----

  /**
   * Chamber {@code id}'s container may have ended: its exit file is read under the chamber's lock,
   * so the report is always about the run that is current then.
   */
  void exited(String container) {
    registry.byContainer(container).ifPresent(this::exited);
  }

  void exited(LiveChamber c) {
    c.lock.lock();
    try {
      Run run = c.run();
      if (!run.containerCreated || run.ended.isDone() && c.chamber().exitCode().isPresent()) {
        return;
      }
      OptionalInt code = host.exitCode(c.container);
      if (code.isEmpty()) {
        return;
      }
      driver.apply(
          c,
          LifecycleEvent.Exited.withCode(
              run.number,
              code.getAsInt(),
              host.oomKilled(c.container),
              host.terminationMessage(c.container)));
    } finally {
      c.lock.unlock();
    }
  }

  /** Catches exits whose notification was missed: any run with an exit file has ended. */
  void checkExits() {
    for (LiveChamber c : registry.all()) {
      Run run = c.run();
      if (run.containerCreated
          && !(run.ended.isDone() && c.chamber().exitCode().isPresent())
          && host.exitCode(c.container).isPresent()) {
        once(c, () -> exited(c));
      }
    }
  }

  // ---- monitors ----

  /**
   * Notices runs whose conmon is gone without an exit file: nobody will record how they end, so the
   * container is killed and the chamber FAILED (its policy may restart it).
   */
  void checkMonitors() {
    for (LiveChamber c : registry.all()) {
      Run run = c.run();
      if (!run.containerCreated || run.ended.isDone()) {
        continue;
      }
      int pid = teardown.monitorPid(c);
      if (pid > 0 && !host.monitors(pid, c.container) && host.exitCode(c.container).isEmpty()) {
        once(c, () -> monitorLost(c, run, pid));
      }
    }
  }

  private void monitorLost(LiveChamber c, Run run, int pid) {
    c.lock.lock();
    try {
      if (c.run() != run || run.ended.isDone() || host.exitCode(c.container).isPresent()) {
        return; // a restart, or its exit was recorded after all
      }
      log.warn("chamber {}: conmon (pid {}) is gone without recording an exit", c.id, pid);
      if (host.oomKilled(c.container)) {
        // The kernel's OOM killer acted in the chamber's cgroup: that is how it ended. Its
        // release deletes the container by force, killing whatever is left of it.
        driver.apply(c, LifecycleEvent.Exited.withCode(run.number, 137, true, Optional.empty()));
      } else {
        driver.apply(c, new LifecycleEvent.MonitorLost(run.number));
      }
    } finally {
      c.lock.unlock();
    }
  }

  // ---- health ----

  /**
   * Probes every RUNNING chamber's {@code /healthz} once, a bounded number at a time; a chamber
   * whose last probe is still in flight is skipped, so probes of one chamber never overlap.
   */
  void probeHealth() {
    for (LiveChamber c : registry.all()) {
      Run run = c.run();
      if (c.state().status() != ChamberStatus.RUNNING || !run.probing.compareAndSet(false, true)) {
        continue;
      }
      if (!probes.tryAcquire()) {
        run.probing.set(false);
        continue;
      }
      int port = c.chamber().port();
      work.execute(() -> {
        try {
          boolean answered = probe.isReady(port);
          driver.apply(c, new LifecycleEvent.Probed(run.number, answered, timing.clock().millis()));
        } finally {
          run.probing.set(false);
          probes.release();
        }
      });
    }
  }

  // ---- tidying ----

  /** Retries the tear-downs that left something behind. */
  void retryLeftovers() {
    for (LiveChamber c : registry.all()) {
      if (!c.leftovers().isEmpty() || c.state().destroying() && !c.forgotten.isDone()) {
        once(c, () -> driver.retryLeftovers(c));
      }
    }
  }

  /**
   * Ended chambers keep their record and log until deleted, which a client may never do: beyond
   * {@code endedRetained} of them the oldest are forgotten (files, record; a DELETED event says
   * why), so records and log files stay bounded.
   */
  void forgetOldEnded() {
    List<LiveChamber> ended =
        registry.all().stream()
            .filter(c -> c.state().status().isTerminal() && !c.state().restartPending())
            .filter(c -> !c.state().destroying())
            .toList();
    int excess = ended.size() - endedRetained;
    if (excess <= 0) {
      return;
    }
    String why =
        "forgotten: more than " + endedRetained + " ended chambers are kept (--ended-retained)";
    ended.stream()
        .sorted(
            Comparator.comparingLong((LiveChamber c) -> c.chamber().createdTimeMillis())
                .thenComparing(c -> c.id))
        .limit(excess)
        .forEach(
            c -> work.execute(() -> driver.apply(c, new LifecycleEvent.DestroyRequested(why))));
  }
}
