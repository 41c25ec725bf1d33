package dev.impulse.chamber;

import dev.impulse.chamber.LifecycleEvent.DestroyRequested;
import dev.impulse.chamber.LifecycleEvent.Exited;
import dev.impulse.chamber.LifecycleEvent.MonitorLost;
import dev.impulse.chamber.LifecycleEvent.Probed;
import dev.impulse.chamber.LifecycleEvent.Ready;
import dev.impulse.chamber.LifecycleEvent.RestartDue;
import dev.impulse.chamber.LifecycleEvent.StartFailed;
import dev.impulse.chamber.LifecycleEvent.Stopped;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Optional;
import java.util.Set;

/**
 * A chamber's life as one pure function: {@link #decide} takes where a chamber is ({@link State})
 * and what happened ({@link LifecycleEvent}) and says where it goes and what must be done ({@link
 * Decision}). Nothing here touches a container, the store or a clock; {@link LiveChamber} applies
 * decisions. The table (docs/architecture.md has it too):
 *
 * <pre>
 * state \ event  Ready     StartFailed  Exited        MonitorLost  Probed   Destroy    Stopped  RestartDue
 * STARTING       RUNNING   FAILED(1)    outcome(2)    FAILED(1)    -        STOPPING   -        -
 * RUNNING        -         -            outcome(2)    FAILED(1)    health   STOPPING   -        -
 * STOPPING       -         -            STOPPED       STOPPED      -        -          STOPPED  -
 *                                                                                     +forget
 * STOPPED/FAILED -         -            late code(3)  -            -        forget     forget   STARTING(4)
 * </pre>
 *
 * (1) the container is killed and the run released; with {@code on-failure} and restarts left, the
 * port is kept and a restart scheduled after the back-off. (2) STOPPED for exit 0, FAILED otherwise
 * (OOM, signal, code, the wrapper's termination message), released as in (1). (3) an exit code
 * learnt after the chamber was marked FAILED is recorded and the run released again. (4) only when
 * a restart is pending and the event is about the run that failed: a new run begins. "-" is
 * ignored, and so is every event about a run that is over: a probe, exit or timer of an earlier run
 * never touches the current one.
 */
final class Lifecycle {
  private Lifecycle() {}

  /**
   * What {@link #decide} knows of a chamber.
   *
   * @param chamber its snapshot (status, reason, restarts, health)
   * @param run its current run, counted from 1; a restart begins the next
   * @param destroying a destroy was asked for: nothing may start it again
   * @param failedProbes health probes in a row without an answer, this run
   */
  record State(Chamber chamber, int run, boolean destroying, int failedProbes) {
    static State first(Chamber chamber) {
      return new State(chamber, 1, false, 0);
    }

    ChamberStatus status() {
      return chamber.status();
    }

    /** FAILED with {@code on-failure} and restarts left: its port is kept for the restart. */
    boolean restartPending() {
      return !destroying && willRestart(chamber);
    }
  }

  /** True when a FAILED chamber will be started again by its policy. */
  static boolean willRestart(Chamber chamber) {
    return chamber.status() == ChamberStatus.FAILED
        && chamber.spec().restartPolicy() == RestartPolicy.ON_FAILURE
        && chamber.restarts() < chamber.spec().restartLimit();
  }

  /** What applying a decision must do, besides recording the new state. */
  enum Effect {
    /** SIGKILL the container: it may live on although the run is over. */
    KILL,
    /** SIGTERM, the grace period, SIGKILL: done by the destroy that asked. */
    STOP,
    /** The run is over: its end is signalled to whoever waits for it. */
    END_RUN,
    /** Release what the run held: container, cgroup, mounts, scratch files; the port too. */
    RELEASE,
    /** Release what the run held but keep the port: a restart is pending. */
    RELEASE_KEEP_PORT,
    /** Schedule {@link RestartDue} after {@link Decision#restartIn}. */
    SCHEDULE_RESTART,
    /** Start the new run. */
    LAUNCH,
    /** Release everything, delete its files and forget the chamber. */
    FORGET
  }

  /**
   * Where the chamber goes and what must be done.
   *
   * @param next the state after the event (the same one when ignored)
   * @param effects what to do, in this order
   * @param restartIn the back-off, with {@link Effect#SCHEDULE_RESTART}
   * @param eventReason the reason the recorded event carries
   * @param ignored why the event changes nothing, or empty
   */
  record Decision(
      State next,
      Set<Effect> effects,
      Duration restartIn,
      Optional<String> eventReason,
      Optional<String> ignored) {
    static Decision ignore(State state, String why) {
      return new Decision(
          state, EnumSet.noneOf(Effect.class), Duration.ZERO, Optional.empty(), Optional.of(why));
    }

    boolean isIgnored() {
      return ignored.isPresent();
    }

    boolean has(Effect effect) {
      return effects.contains(effect);
    }
  }

  /** The rules a decision depends on beyond the chamber itself. */
  record Rules(int unhealthyAfter, BackOff backoff) {}

  /** The wait before restart number {@code n} (1 for the first). */
  @FunctionalInterface
  interface BackOff {
    Duration before(int restart);
  }

  static final String DESTROYED = "destroyed";

  /** How a destroy that could not release everything begins its reason (recovery reads it). */
  static final String DESTROY_INCOMPLETE = "destroy incomplete: ";

  static final String MONITOR_LOST =
      "its monitor (conmon) ended unexpectedly; the exit code is unknown";

  /** The whole lifecycle: where {@code state} goes on {@code event}. */
  static Decision decide(State state, LifecycleEvent event, Rules rules) {
    Optional<Integer> eventRun = runOf(event);
    if (eventRun.isPresent() && eventRun.get() != state.run()) {
      return Decision.ignore(
          state, "about run " + eventRun.get() + ", but run " + state.run() + " is current");
    }
    return switch (state.status()) {
      case STARTING, RUNNING -> live(state, event, rules);
      case STOPPING -> stopping(state, event);
      case STOPPED, FAILED -> ended(state, event, rules);
    };
  }

  private static Optional<Integer> runOf(LifecycleEvent event) {
    return switch (event) {
      case Ready e -> Optional.of(e.run());
      case StartFailed e -> Optional.of(e.run());
      case Exited e -> Optional.of(e.run());
      case MonitorLost e -> Optional.of(e.run());
      case Probed e -> Optional.of(e.run());
      case Stopped e -> Optional.of(e.run());
      case RestartDue e -> Optional.of(e.run());
      case DestroyRequested e -> Optional.empty();
    };
  }

  private static Decision live(State state, LifecycleEvent event, Rules rules) {
    boolean starting = state.status() == ChamberStatus.STARTING;
    return switch (event) {
      case Ready e when starting -> {
        Chamber running =
            state
                .chamber()
                .moveTo(ChamberStatus.RUNNING, Optional.empty(), Optional.empty())
                .withHealth(Health.HEALTHY, e.atMillis());
        yield change(new State(running, state.run(), false, 0), Optional.empty());
      }
      case StartFailed e when starting ->
          fail(state, Optional.empty(), e.reason(), rules, EnumSet.of(Effect.KILL));
      case Exited e -> exited(state, e, rules);
      case MonitorLost e ->
          fail(state, Optional.empty(), MONITOR_LOST, rules, EnumSet.of(Effect.KILL));
      case Probed e when !starting -> probed(state, e, rules);
      case DestroyRequested e -> {
        Chamber stopping =
            state
                .chamber()
                .moveTo(ChamberStatus.STOPPING, Optional.empty(), Optional.of("destroy requested"));
        yield change(
            new State(stopping, state.run(), true, state.failedProbes()),
            Optional.of("destroy requested"),
            Effect.STOP);
      }
      default ->
          Decision.ignore(state, describe(event) + " does not apply while " + state.status());
    };
  }

  private static Decision stopping(State state, LifecycleEvent event) {
    return switch (event) {
      case Exited e -> {
        Chamber stopped =
            state.chamber().moveTo(ChamberStatus.STOPPED, e.code(), Optional.of(DESTROYED));
        yield change(
            new State(stopped, state.run(), true, 0), Optional.of(DESTROYED), Effect.END_RUN);
      }
      case MonitorLost e -> {
        Chamber stopped =
            state.chamber().moveTo(ChamberStatus.STOPPED, Optional.empty(), Optional.of(DESTROYED));
        yield change(
            new State(stopped, state.run(), true, 0),
            Optional.of(DESTROYED),
            Effect.KILL,
            Effect.END_RUN);
      }
      case Stopped e -> {
        Chamber stopped =
            state
                .chamber()
                .moveTo(ChamberStatus.STOPPED, state.chamber().exitCode(), Optional.of(DESTROYED));
        yield change(
            new State(stopped, state.run(), true, 0),
            Optional.of(e.why()),
            Effect.END_RUN,
            Effect.FORGET);
      }
      default -> Decision.ignore(state, describe(event) + " does not apply while STOPPING");
    };
  }

  private static Decision ended(State state, LifecycleEvent event, Rules rules) {
    return switch (event) {
      case Exited e when e.code().isPresent() && state.chamber().exitCode().isEmpty() -> {
        Chamber known = state.chamber().withExitCode(e.code().get());
        Effect release =
            state.destroying()
                ? Effect.FORGET // a destroy that could not finish goes on
                : state.restartPending() ? Effect.RELEASE_KEEP_PORT : Effect.RELEASE;
        yield change(
            new State(known, state.run(), state.destroying(), 0),
            state.destroying() ? Optional.of(DESTROYED) : Optional.empty(),
            Effect.END_RUN,
            release);
      }
      case DestroyRequested e ->
          change(
              new State(state.chamber(), state.run(), true, 0),
              Optional.of(e.why()),
              Effect.END_RUN,
              Effect.FORGET);
      case Stopped e when state.destroying() ->
          change(state, Optional.of(e.why()), Effect.END_RUN, Effect.FORGET);
      case RestartDue e when state.restartPending() -> {
        Chamber failed = state.chamber();
        Chamber counted = failed.restarted();
        String why =
            "restart "
                + counted.restarts()
                + " of "
                + counted.spec().restartLimit()
                + " after: "
                + failed.reason().orElse("failure");
        Chamber starting =
            counted.moveTo(ChamberStatus.STARTING, Optional.empty(), Optional.of(why));
        yield change(
            new State(starting, state.run() + 1, false, 0), Optional.of(why), Effect.LAUNCH);
      }
      default ->
          Decision.ignore(state, describe(event) + " does not apply while " + state.status());
    };
  }

  private static Decision exited(State state, Exited e, Rules rules) {
    if (e.code().isEmpty()) {
      return fail(state, Optional.empty(), e.lostReason(), rules, EnumSet.noneOf(Effect.class));
    }
    ExitOutcome outcome = ExitOutcome.of(e.code().get(), e.oomKilled(), e.message(), false);
    if (outcome.status() == ChamberStatus.STOPPED) {
      Chamber stopped =
          state.chamber().moveTo(ChamberStatus.STOPPED, e.code(), Optional.of(outcome.reason()));
      return change(
          new State(stopped, state.run(), false, 0),
          Optional.of(outcome.reason()),
          Effect.END_RUN,
          Effect.RELEASE);
    }
    return fail(state, e.code(), outcome.reason(), rules, EnumSet.noneOf(Effect.class));
  }

  /** The one place a live run fails: FAILED with a reason, released, restarted if it may be. */
  private static Decision fail(
      State state, Optional<Integer> code, String reason, Rules rules, Set<Effect> first) {
    Chamber chamber = state.chamber();
    Chamber failed = chamber.moveTo(ChamberStatus.FAILED, code, Optional.of(reason));
    boolean restart = willRestart(failed);
    Duration wait = rules.backoff().before(chamber.restarts() + 1);
    String shown = reason;
    if (restart) {
      shown =
          reason
              + "; restart "
              + (chamber.restarts() + 1)
              + " of "
              + chamber.spec().restartLimit()
              + " in "
              + wait.toMillis()
              + " ms";
    } else if (chamber.spec().restartLimit() > 0
        && chamber.spec().restartPolicy() == RestartPolicy.ON_FAILURE) {
      shown = reason + "; gave up after " + chamber.restarts() + " restart(s)";
    }
    failed = chamber.moveTo(ChamberStatus.FAILED, code, Optional.of(shown));
    EnumSet<Effect> effects = EnumSet.noneOf(Effect.class);
    effects.addAll(first);
    effects.add(Effect.END_RUN);
    if (restart) {
      effects.add(Effect.RELEASE_KEEP_PORT);
      effects.add(Effect.SCHEDULE_RESTART);
    } else {
      effects.add(Effect.RELEASE);
    }
    return new Decision(
        new State(failed, state.run(), false, 0),
        effects,
        restart ? wait : Duration.ZERO,
        Optional.of(shown),
        Optional.empty());
  }

  private static Decision probed(State state, Probed e, Rules rules) {
    Chamber chamber = state.chamber();
    if (e.answered()) {
      Chamber healthy = chamber.withHealth(Health.HEALTHY, e.atMillis());
      Optional<String> why =
          chamber.health() == Health.HEALTHY
              ? Optional.empty()
              : Optional.of("GET /healthz answers again");
      return change(new State(healthy, state.run(), false, 0), why);
    }
    int failed = state.failedProbes() + 1;
    if (failed < rules.unhealthyAfter() || chamber.health() == Health.UNHEALTHY) {
      return change(new State(chamber, state.run(), false, failed), Optional.empty());
    }
    long last = chamber.lastHealthyMillis();
    String why =
        "GET /healthz got no answer in "
            + failed
            + " probes"
            + (last > 0 ? "; it last answered at " + java.time.Instant.ofEpochMilli(last) : "");
    Chamber unhealthy = chamber.withHealth(Health.UNHEALTHY, last);
    return change(new State(unhealthy, state.run(), false, failed), Optional.of(why));
  }

  private static Decision change(State next, Optional<String> eventReason, Effect... effects) {
    EnumSet<Effect> set = EnumSet.noneOf(Effect.class);
    set.addAll(java.util.List.of(effects));
    return new Decision(next, set, Duration.ZERO, eventReason, Optional.empty());
  }

  private static String describe(LifecycleEvent event) {
    return event.getClass().getSimpleName();
  }
}
