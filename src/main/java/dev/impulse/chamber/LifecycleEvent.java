package dev.impulse.chamber;

import java.util.Optional;

/**
 * What can happen to a chamber, as {@link Lifecycle#decide} takes it. Events about a run name it; a
 * destroy is about the chamber.
 */
sealed interface LifecycleEvent {
  /** Its wrapper answered {@code /healthz} for the first time in run {@code run}. */
  record Ready(int run, long atMillis) implements LifecycleEvent {}

  /** Run {@code run} could not start, or was not ready in time; {@code reason} says why. */
  record StartFailed(int run, String reason) implements LifecycleEvent {}

  /**
   * Run {@code run}'s container ended.
   *
   * @param code conmon's record, empty when nobody recorded it
   * @param oomKilled the OOM killer acted in its cgroup
   * @param message what the wrapper left in its termination log
   * @param lostReason why the code is unknown, when it is
   */
  record Exited(
      int run,
      Optional<Integer> code,
      boolean oomKilled,
      Optional<String> message,
      String lostReason)
      implements LifecycleEvent {
    static Exited withCode(int run, int code, boolean oomKilled, Optional<String> message) {
      return new Exited(run, Optional.of(code), oomKilled, message, "");
    }

    static Exited lost(int run, String why) {
      return new Exited(run, Optional.empty(), false, Optional.empty(), why);
    }
  }

  /** Run {@code run}'s conmon is gone without recording an exit: nobody will. */
  record MonitorLost(int run) implements LifecycleEvent {}

  /** A health probe of run {@code run} answered, or not. */
  record Probed(int run, boolean answered, long atMillis) implements LifecycleEvent {}

  /**
   * The chamber is to be destroyed (a client asked) or forgotten (too many ended ones are kept);
   * {@code why} becomes the reason of its DELETED event.
   */
  record DestroyRequested(String why) implements LifecycleEvent {
    static DestroyRequested byClient() {
      return new DestroyRequested(Lifecycle.DESTROYED);
    }
  }

  /**
   * The destroy's SIGTERM, grace period and SIGKILL are over for run {@code run}; {@code why}
   * becomes the reason of its DELETED event.
   */
  record Stopped(int run, String why) implements LifecycleEvent {}

  /** The back-off after run {@code run} failed has passed. */
  record RestartDue(int run) implements LifecycleEvent {}
}
