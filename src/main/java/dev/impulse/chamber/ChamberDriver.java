package dev.impulse.chamber;

import dev.impulse.chamber.Lifecycle.Decision;
import dev.impulse.chamber.Lifecycle.Effect;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Applies the lifecycle: every event of every chamber goes through {@link #apply}, which, under the
 * chamber's lock, asks {@link Lifecycle#decide} what it means, records the new state (durably, with
 * its event), and carries out the decision's effects. Nothing else changes a chamber.
 */
final class ChamberDriver {
  private static final Logger log = LoggerFactory.getLogger(ChamberDriver.class);
  static final java.time.Duration RETRY = java.time.Duration.ofSeconds(1);

  private final ChamberRegistry registry;
  private final ChamberHost host;
  private final ChamberTeardown teardown;
  private final Timing timing;
  private final Executor work;
  private final Lifecycle.Rules rules;
  private final BiConsumer<LiveChamber, Run> launch;

  /**
   * @param launch starts a new run's container (on the calling thread, which is its own)
   */
  ChamberDriver(
      ChamberRegistry registry,
      ChamberHost host,
      ChamberTeardown teardown,
      Timing timing,
      Executor work,
      Lifecycle.Rules rules,
      BiConsumer<LiveChamber, Run> launch) {
    this.registry = registry;
    this.host = host;
    this.teardown = teardown;
    this.timing = timing;
    this.work = work;
    this.rules = rules;
    this.launch = launch;
  }

  /** Applies {@code event} to chamber {@code c}; returns the decision taken. */
  Decision apply(LiveChamber c, LifecycleEvent event) {
    c.lock.lock();
    try {
      if (event instanceof LifecycleEvent.RestartDue due && !c.leftovers().isEmpty()) {
        // The failed run is not fully released (its conmon may live on): a new run now could be
        // blamed for the old one's exit, or share its port with it. Try again first.
        if (!release(c, true).isEmpty()) {
          timing.schedule(RETRY, () -> apply(c, due));
          return Decision.ignore(c.state(), "the last run is not released yet");
        }
      }
      Lifecycle.State before = c.state();
      Decision decision = Lifecycle.decide(before, event, rules);
      if (decision.isIgnored()) {
        log.debug("chamber {}: {} ignored: {}", c.id, event, decision.ignored().get());
        return decision;
      }
      if (!before.chamber().equals(decision.next().chamber())) {
        registry.record(before.chamber(), decision.next().chamber(), decision.eventReason());
      }
      c.setState(decision.next());
      Chamber after = decision.next().chamber();
      if (before.status() != after.status()) {
        log.info(
            "chamber {}: {}{}",
            c.id,
            after.status(),
            decision.eventReason().map(r -> " (" + r + ")").orElse(""));
      } else if (before.chamber().health() != after.health()
          && after.health() == Health.UNHEALTHY) {
        log.warn("chamber {}: unhealthy ({})", c.id, decision.eventReason().orElse(""));
      }
      carryOut(c, decision);
      return decision;
    } finally {
      c.lock.unlock();
    }
  }

  private void carryOut(LiveChamber c, Decision decision) {
    Run run = c.run();
    for (Effect effect : decision.effects()) {
      switch (effect) {
        case KILL -> kill(c);
        case STOP -> {
          // the destroy that asked does it, outside the lock, so the run's exit can be applied
        }
        case END_RUN -> run.ended.complete(null);
        case RELEASE -> release(c, false);
        case RELEASE_KEEP_PORT -> release(c, true);
        case SCHEDULE_RESTART ->
            scheduleRestart(c, new LifecycleEvent.RestartDue(run.number), decision.restartIn());
        case LAUNCH -> {
          Run next = new Run(decision.next().run(), new StartupMarks(timing.clock()));
          c.setRun(next);
          host.forgetExit(c.container);
          work.execute(() -> launch.accept(c, next));
        }
        case FORGET -> forget(c, decision.eventReason().orElse(Lifecycle.DESTROYED));
      }
    }
  }

  /** A restart timer fires once: if recording it fails (the store), it is tried again. */
  void scheduleRestart(LiveChamber c, LifecycleEvent.RestartDue due, java.time.Duration wait) {
    timing.schedule(
        wait,
        () -> {
          try {
            apply(c, due);
          } catch (RuntimeException e) {
            log.warn("chamber {}: its restart failed ({}); trying again", c.id, e.getMessage());
            scheduleRestart(c, due, RETRY);
          }
        });
  }

  private void kill(LiveChamber c) {
    if (!c.run().containerCreated) {
      return;
    }
    try {
      host.kill(c.container, "KILL");
    } catch (RuntimeException e) {
      log.warn("chamber {}: cannot kill its container: {}", c.id, e.getMessage());
    }
  }

  /**
   * Releases chamber {@code c}'s run (and its port unless {@code keepPort}); what could not be
   * released becomes its reason and is retried. Lock held.
   */
  List<String> release(LiveChamber c, boolean keepPort) {
    List<String> problems = teardown.release(c, keepPort);
    if (!problems.isEmpty()) {
      noteQuietly(c, "tear-down incomplete (retried every second): " + String.join("; ", problems));
    }
    return problems;
  }

  private void forget(LiveChamber c, String why) {
    List<String> problems = teardown.forget(c);
    if (!problems.isEmpty()) {
      noteQuietly(c, Lifecycle.DESTROY_INCOMPLETE + String.join("; ", problems));
      return;
    }
    registry.remove(c, Optional.of(why));
    c.forgotten.complete(null);
    log.info("chamber {}: forgotten", c.id);
  }

  /**
   * {@link #note}, but a store failure is logged, not thrown: the effects that follow still run.
   */
  private void noteQuietly(LiveChamber c, String reason) {
    try {
      note(c, reason);
    } catch (RuntimeException e) {
      log.warn("chamber {}: cannot record \"{}\": {}", c.id, reason, e.getMessage());
    }
  }

  /** Records a new reason for chamber {@code c} in its status, as an event. Lock held. */
  void note(LiveChamber c, String reason) {
    Lifecycle.State state = c.state();
    Chamber noted = state.chamber().withReason(Optional.of(reason));
    registry.record(state.chamber(), noted, Optional.of(reason));
    c.setState(new Lifecycle.State(noted, state.run(), state.destroying(), state.failedProbes()));
  }

  /**
   * Tries again to release what a tear-down left: everything, and the record, of a chamber being
   * destroyed; the run's resources of any other ended one.
   */
  void retryLeftovers(LiveChamber c) {
    c.lock.lock();
    try {
      boolean unfinishedDestroy = c.state().destroying() && !c.forgotten.isDone();
      if ((c.leftovers().isEmpty() && !unfinishedDestroy) || c.state().status().isLive()) {
        return;
      }
      if (c.state().destroying()) {
        forget(c, Lifecycle.DESTROYED);
      } else if (teardown.release(c, c.state().restartPending()).isEmpty()) {
        log.info("chamber {}: what its tear-down left is released now", c.id);
      }
    } finally {
      c.lock.unlock();
    }
  }
}
