package dev.impulse.chamber;

import static dev.impulse.chamber.Lifecycle.Effect.END_RUN;
import static dev.impulse.chamber.Lifecycle.Effect.FORGET;
import static dev.impulse.chamber.Lifecycle.Effect.KILL;
import static dev.impulse.chamber.Lifecycle.Effect.LAUNCH;
import static dev.impulse.chamber.Lifecycle.Effect.RELEASE;
import static dev.impulse.chamber.Lifecycle.Effect.RELEASE_KEEP_PORT;
import static dev.impulse.chamber.Lifecycle.Effect.SCHEDULE_RESTART;
import static dev.impulse.chamber.Lifecycle.Effect.STOP;
import static org.assertj.core.api.Assertions.assertThat;

import dev.impulse.chamber.Lifecycle.Decision;
import dev.impulse.chamber.Lifecycle.Effect;
import dev.impulse.chamber.Lifecycle.State;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The lifecycle table, every cell: each state a chamber can be in, each event, what it becomes and
 * what must be done; and every event about a run that is over, in every state, changes nothing.
 */
class LifecycleTest {
  static final int RUN = 3;
  static final Lifecycle.Rules RULES =
      new Lifecycle.Rules(3, n -> Duration.ofMillis(100L << (n - 1)));

  /** The states of the table; FAILED comes twice: with a restart pending and without. */
  enum Row {
    STARTING,
    RUNNING,
    STOPPING,
    STOPPED,
    FAILED,
    FAILED_RESTART_PENDING
  }

  /** The events of the table, each about the current run. */
  enum Column {
    READY,
    START_FAILED,
    EXITED_0,
    EXITED_1,
    MONITOR_LOST,
    PROBED_OK,
    PROBED_NO_ANSWER,
    DESTROY,
    STOPPED,
    RESTART_DUE
  }

  /** A cell: the status after the event (null: ignored) and the effects. */
  record Cell(ChamberStatus next, Set<Effect> effects) {}

  static Cell to(ChamberStatus next, Effect... effects) {
    EnumSet<Effect> set = EnumSet.noneOf(Effect.class);
    set.addAll(List.of(effects));
    return new Cell(next, set);
  }

  static final Cell IGNORED = new Cell(null, Set.of());

  static final Map<Row, Map<Column, Cell>> TABLE =
      Map.of(
          Row.STARTING,
          Map.of(
              Column.READY, to(ChamberStatus.RUNNING),
              Column.START_FAILED, to(ChamberStatus.FAILED, KILL, END_RUN, RELEASE),
              Column.EXITED_0, to(ChamberStatus.STOPPED, END_RUN, RELEASE),
              Column.EXITED_1, to(ChamberStatus.FAILED, END_RUN, RELEASE),
              Column.MONITOR_LOST, to(ChamberStatus.FAILED, KILL, END_RUN, RELEASE),
              Column.PROBED_OK, IGNORED,
              Column.PROBED_NO_ANSWER, IGNORED,
              Column.DESTROY, to(ChamberStatus.STOPPING, STOP),
              Column.STOPPED, IGNORED,
              Column.RESTART_DUE, IGNORED),
          Row.RUNNING,
          Map.of(
              Column.READY, IGNORED,
              Column.START_FAILED, IGNORED,
              Column.EXITED_0, to(ChamberStatus.STOPPED, END_RUN, RELEASE),
              Column.EXITED_1, to(ChamberStatus.FAILED, END_RUN, RELEASE),
              Column.MONITOR_LOST, to(ChamberStatus.FAILED, KILL, END_RUN, RELEASE),
              Column.PROBED_OK, to(ChamberStatus.RUNNING),
              Column.PROBED_NO_ANSWER, to(ChamberStatus.RUNNING),
              Column.DESTROY, to(ChamberStatus.STOPPING, STOP),
              Column.STOPPED, IGNORED,
              Column.RESTART_DUE, IGNORED),
          Row.STOPPING,
          Map.of(
              Column.READY, IGNORED,
              Column.START_FAILED, IGNORED,
              Column.EXITED_0, to(ChamberStatus.STOPPED, END_RUN),
              Column.EXITED_1, to(ChamberStatus.STOPPED, END_RUN),
              Column.MONITOR_LOST, to(ChamberStatus.STOPPED, KILL, END_RUN),
              Column.PROBED_OK, IGNORED,
              Column.PROBED_NO_ANSWER, IGNORED,
              Column.DESTROY, IGNORED,
              Column.STOPPED, to(ChamberStatus.STOPPED, END_RUN, FORGET),
              Column.RESTART_DUE, IGNORED),
          Row.STOPPED,
          ended(ChamberStatus.STOPPED, to(ChamberStatus.STOPPED, END_RUN, RELEASE), IGNORED),
          Row.FAILED,
          ended(ChamberStatus.FAILED, to(ChamberStatus.FAILED, END_RUN, RELEASE), IGNORED),
          Row.FAILED_RESTART_PENDING,
          ended(
              ChamberStatus.FAILED,
              to(ChamberStatus.FAILED, END_RUN, RELEASE_KEEP_PORT),
              to(ChamberStatus.STARTING, LAUNCH)));

  private static Map<Column, Cell> ended(ChamberStatus status, Cell lateExit, Cell restartDue) {
    return Map.of(
        Column.READY, IGNORED,
        Column.START_FAILED, IGNORED,
        Column.EXITED_0, lateExit,
        Column.EXITED_1, lateExit,
        Column.MONITOR_LOST, IGNORED,
        Column.PROBED_OK, IGNORED,
        Column.PROBED_NO_ANSWER, IGNORED,
        Column.DESTROY, to(status, END_RUN, FORGET),
        Column.STOPPED, IGNORED,
        Column.RESTART_DUE, restartDue);
  }

  static Stream<Arguments> cells() {
    List<Arguments> all = new ArrayList<>();
    for (Row row : Row.values()) {
      for (Column column : Column.values()) {
        all.add(Arguments.of(row, column));
      }
    }
    return all.stream();
  }

  @ParameterizedTest(name = "{0} on {1}")
  @MethodSource("cells")
  void everyCellOfTheTableHolds(Row row, Column column) {
    Cell expected = TABLE.get(row).get(column);
    State state = state(row);
    Decision decision = Lifecycle.decide(state, event(column, RUN), RULES);
    if (expected == IGNORED) {
      assertThat(decision.isIgnored()).as("ignored").isTrue();
      assertThat(decision.next()).isEqualTo(state);
      assertThat(decision.effects()).isEmpty();
      return;
    }
    assertThat(decision.isIgnored()).as("applied: %s", decision.ignored()).isFalse();
    assertThat(decision.next().status()).isEqualTo(expected.next());
    assertThat(decision.effects()).isEqualTo(expected.effects());
  }

  @ParameterizedTest(name = "{0} on {1} of an earlier run")
  @MethodSource("cells")
  void anEventAboutARunThatIsOverChangesNothing(Row row, Column column) {
    if (column == Column.DESTROY) {
      return; // a destroy is about the chamber, not a run
    }
    State state = state(row);
    Decision decision = Lifecycle.decide(state, event(column, RUN - 1), RULES);
    assertThat(decision.isIgnored()).isTrue();
    assertThat(decision.next()).isEqualTo(state);
    assertThat(decision.effects()).isEmpty();
  }

  @Test
  void aFailureWithRestartsLeftKeepsThePortAndSchedulesTheRestartAfterTheBackOff() {
    State running = state(Row.RUNNING, onFailure(2), 1);
    Decision decision = Lifecycle.decide(running, exited(RUN, 1), RULES);
    assertThat(decision.effects()).containsExactly(END_RUN, RELEASE_KEEP_PORT, SCHEDULE_RESTART);
    assertThat(decision.restartIn()).isEqualTo(Duration.ofMillis(200));
    assertThat(decision.next().chamber().reason())
        .contains("exited with code 1; restart 2 of 2 in 200 ms");
    assertThat(decision.next().restartPending()).isTrue();
  }

  @Test
  void theLastFailureGivesUpAndReleasesThePort() {
    State running = state(Row.RUNNING, onFailure(2), 2);
    Decision decision = Lifecycle.decide(running, exited(RUN, 1), RULES);
    assertThat(decision.effects()).containsExactly(END_RUN, RELEASE);
    assertThat(decision.next().chamber().reason())
        .contains("exited with code 1; gave up after 2 restart(s)");
    assertThat(decision.next().restartPending()).isFalse();
  }

  @Test
  void aRestartBeginsTheNextRunCountsItAndSaysWhy() {
    State failed = state(Row.FAILED_RESTART_PENDING);
    Decision decision = Lifecycle.decide(failed, new LifecycleEvent.RestartDue(RUN), RULES);
    assertThat(decision.next().run()).isEqualTo(RUN + 1);
    assertThat(decision.next().chamber().restarts()).isEqualTo(1);
    assertThat(decision.next().chamber().exitCode()).isEmpty();
    assertThat(decision.next().chamber().reason()).contains("restart 1 of 5 after: exited");
  }

  @Test
  void aChamberBeingDestroyedIsNeverRestarted() {
    State failed = state(Row.FAILED_RESTART_PENDING);
    State destroying =
        Lifecycle.decide(failed, LifecycleEvent.DestroyRequested.byClient(), RULES).next();
    assertThat(destroying.restartPending()).isFalse();
    assertThat(Lifecycle.decide(destroying, new LifecycleEvent.RestartDue(RUN), RULES).isIgnored())
        .isTrue();
  }

  @Test
  void theOomKillerAndTheWrappersWordsBecomeTheReason() {
    State running = state(Row.RUNNING);
    Decision oom =
        Lifecycle.decide(
            running, LifecycleEvent.Exited.withCode(RUN, 137, true, Optional.empty()), RULES);
    assertThat(oom.next().chamber().reason()).contains("OOMKilled");
    assertThat(oom.next().chamber().exitCode()).contains(137);
    Decision words =
        Lifecycle.decide(
            running,
            LifecycleEvent.Exited.withCode(RUN, 3, false, Optional.of("ImportError: no module x")),
            RULES);
    assertThat(words.next().chamber().reason()).contains("ImportError: no module x");
  }

  @Test
  void anUnknownExitCodeFailsTheChamberWithTheReasonGiven() {
    Decision lost =
        Lifecycle.decide(
            state(Row.RUNNING),
            LifecycleEvent.Exited.lost(RUN, "lost when the node rebooted"),
            RULES);
    assertThat(lost.next().status()).isEqualTo(ChamberStatus.FAILED);
    assertThat(lost.next().chamber().exitCode()).isEmpty();
    assertThat(lost.next().chamber().reason()).contains("lost when the node rebooted");
  }

  @Test
  void probesWithoutAnAnswerMakeItUnhealthyOnlyAfterEnoughInARow() {
    State state = state(Row.RUNNING);
    List<Health> seen = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      state = Lifecycle.decide(state, new LifecycleEvent.Probed(RUN, false, 10), RULES).next();
      seen.add(state.chamber().health());
    }
    assertThat(seen)
        .containsExactly(Health.HEALTHY, Health.HEALTHY, Health.UNHEALTHY, Health.UNHEALTHY);
    Decision back = Lifecycle.decide(state, new LifecycleEvent.Probed(RUN, true, 20), RULES);
    assertThat(back.next().chamber().health()).isEqualTo(Health.HEALTHY);
    assertThat(back.next().chamber().lastHealthyMillis()).isEqualTo(20);
    assertThat(back.next().failedProbes()).isZero();
    assertThat(back.eventReason()).contains("GET /healthz answers again");
  }

  @Test
  void aLateExitCodeIsRecordedOnlyOnce() {
    State failed = state(Row.FAILED);
    State known = Lifecycle.decide(failed, exited(RUN, 137), RULES).next();
    assertThat(known.chamber().exitCode()).contains(137);
    assertThat(Lifecycle.decide(known, exited(RUN, 137), RULES).isIgnored()).isTrue();
  }

  // ---- the table's states and events ----

  static State state(Row row) {
    ChamberSpec spec =
        row == Row.FAILED_RESTART_PENDING ? onFailure(5) : ChamberSpec.of("app", "1", "python3");
    return state(row, spec, 0);
  }

  static State state(Row row, ChamberSpec spec, int restarts) {
    Chamber chamber = Chamber.starting("app-1-abcde", spec, 6000, 1);
    for (int i = 0; i < restarts; i++) {
      chamber = chamber.restarted();
    }
    Chamber healthy =
        chamber
            .moveTo(ChamberStatus.RUNNING, Optional.empty(), Optional.empty())
            .withHealth(Health.HEALTHY, 5);
    return switch (row) {
      case STARTING -> new State(chamber, RUN, false, 0);
      case RUNNING -> new State(healthy, RUN, false, 0);
      case STOPPING ->
          new State(
              healthy.moveTo(ChamberStatus.STOPPING, Optional.empty(), Optional.of("destroy")),
              RUN,
              true,
              0);
      case STOPPED ->
          new State(
              healthy.moveTo(ChamberStatus.STOPPED, Optional.empty(), Optional.of("exited")),
              RUN,
              false,
              0);
      case FAILED, FAILED_RESTART_PENDING ->
          new State(
              healthy.moveTo(ChamberStatus.FAILED, Optional.empty(), Optional.of("exited")),
              RUN,
              false,
              0);
    };
  }

  static ChamberSpec onFailure(int restarts) {
    return SpecJsonFixtures.onFailure("app", "1", restarts);
  }

  static LifecycleEvent event(Column column, int run) {
    return switch (column) {
      case READY -> new LifecycleEvent.Ready(run, 10);
      case START_FAILED -> new LifecycleEvent.StartFailed(run, "cannot mount");
      case EXITED_0 -> exited(run, 0);
      case EXITED_1 -> exited(run, 1);
      case MONITOR_LOST -> new LifecycleEvent.MonitorLost(run);
      case PROBED_OK -> new LifecycleEvent.Probed(run, true, 10);
      case PROBED_NO_ANSWER -> new LifecycleEvent.Probed(run, false, 10);
      case DESTROY -> LifecycleEvent.DestroyRequested.byClient();
      case STOPPED -> new LifecycleEvent.Stopped(run, "destroyed");
      case RESTART_DUE -> new LifecycleEvent.RestartDue(run);
    };
  }

  static LifecycleEvent exited(int run, int code) {
    return LifecycleEvent.Exited.withCode(run, code, false, Optional.empty());
  }
}
