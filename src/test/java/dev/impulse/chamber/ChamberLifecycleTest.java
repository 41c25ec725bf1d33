package dev.impulse.chamber;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.impulse.store.EventRow;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The lifecycle end to end on a fake machine: creates, readiness, exits, OOM, restarts, destroys,
 * and a failure injected at every step of a start and of a tear-down, each proving what is left
 * held and what the chamber's reason says.
 */
class ChamberLifecycleTest {
  @TempDir Path dir;
  LifecycleHarness h;

  @BeforeEach
  void start() {
    h = new LifecycleHarness(dir).start();
  }

  @AfterEach
  void stop() {
    h.close();
  }

  @Test
  void aCreatedChamberRunsOnceItsWrapperAnswersAndRecordsEachStepOfItsStart() {
    Chamber chamber = h.running();
    assertThat(h.service.startup(chamber.id()))
        .extracting(StartupStep::step)
        .containsExactly(
            "received",
            "recorded",
            "launching",
            "images",
            "prepared",
            "cgroup",
            "mounted",
            "configured",
            "monitor",
            "created",
            "started",
            "ready");
    assertThat(h.host.heldFor(chamber.id()))
        .containsExactlyInAnyOrder("scratch", "cgroup", "mount", "monitor", "container", "process");
    assertThat(h.ports.inUse()).isEqualTo(1);
    assertThat(h.service.get(chamber.id()).health()).isEqualTo(Health.HEALTHY);
  }

  @Test
  void aCreateAnswersStartingBeforeItsContainerExists() {
    Chamber created = h.service.create(ChamberSpec.of("app", "1", "python3"));
    assertThat(created.status()).isEqualTo(ChamberStatus.STARTING);
    assertThat(h.host.containers).isEmpty();
    assertThat(h.store.chambers())
        .singleElement()
        .extracting(r -> r.status())
        .isEqualTo("STARTING");
    h.work.runAll();
    assertThat(h.status(created.id())).isEqualTo(ChamberStatus.RUNNING);
  }

  @Test
  void aChamberNotReadyInTimeFailsAndReleasesEverything() {
    h.wrappersAnswer = false;
    Chamber chamber = h.create();
    assertThat(h.status(chamber.id())).isEqualTo(ChamberStatus.FAILED);
    assertThat(h.reason(chamber.id()))
        .startsWith("not ready within 30000 ms: GET /healthz on port " + chamber.port());
    h.assertNothingHeld(chamber.id());
  }

  @Test
  void anExitOfZeroStopsItReleasesEverythingAndKeepsItsRecord() {
    Chamber chamber = h.running();
    h.host.exit(chamber.id(), 0);
    h.work.runAll();
    Chamber ended = h.service.get(chamber.id());
    assertThat(ended.status()).isEqualTo(ChamberStatus.STOPPED);
    assertThat(ended.exitCode()).contains(0);
    assertThat(ended.reason()).contains("exited with code 0");
    h.assertNothingHeld(chamber.id());
  }

  @Test
  void theOomKillerFailsItWithOomKilled() {
    Chamber chamber = h.running();
    h.host.oom.add(chamber.id());
    h.host.exit(chamber.id(), 137);
    h.work.runAll();
    assertThat(h.service.get(chamber.id()).reason()).contains("OOMKilled");
    assertThat(h.service.get(chamber.id()).exitCode()).contains(137);
    h.assertNothingHeld(chamber.id());
  }

  @Test
  void aFailingChamberIsRestartedWithDoublingBackOffOnItsPortUntilItGivesUp() {
    Chamber chamber = h.running(SpecJsonFixtures.onFailure("app", "1", 2));
    String id = chamber.id();
    h.host.exit(id, 1);
    h.work.runAll();
    assertThat(h.reason(id)).isEqualTo("exited with code 1; restart 1 of 2 in 1000 ms");
    assertThat(h.ports.inUse()).as("the port is kept for the restart").isEqualTo(1);
    assertThat(h.host.heldFor(id)).isEmpty();

    h.timing.advance(Duration.ofMillis(999));
    assertThat(h.status(id)).isEqualTo(ChamberStatus.FAILED);
    h.timing.advance(Duration.ofMillis(1));
    Chamber again = h.service.get(id);
    assertThat(again.status()).isEqualTo(ChamberStatus.RUNNING);
    assertThat(again.restarts()).isEqualTo(1);
    assertThat(again.port()).isEqualTo(chamber.port());

    h.host.exit(id, 1);
    h.work.runAll();
    assertThat(h.reason(id)).endsWith("restart 2 of 2 in 2000 ms");
    h.timing.advance(Duration.ofMillis(2000));
    h.host.exit(id, 1);
    h.work.runAll();
    assertThat(h.reason(id)).isEqualTo("exited with code 1; gave up after 2 restart(s)");
    assertThat(h.timing.scheduled)
        .containsExactly(Duration.ofMillis(1000), Duration.ofMillis(2000));
    h.assertNothingHeld(id);
  }

  @Test
  void aDestroyWaitsOutTheGracePeriodThenKillsAndForgetsTheChamber() {
    Chamber chamber = h.running();
    h.host.ignoreTerm = true;
    h.host.calls.clear();
    h.service.destroy(chamber.id());
    assertThat(h.host.calls).containsSubsequence("kill TERM", "kill KILL");
    assertThat(h.timing.awaited.getFirst()).isEqualTo(LifecycleHarness.GRACE);
    assertThat(h.service.find(chamber.id())).isEmpty();
    assertThat(h.store.chambers()).isEmpty();
    assertThat(h.events().getLast().to()).isEqualTo(ChamberEvent.DELETED);
    h.assertNothingHeld(chamber.id());
    assertThat(h.host.dirs).doesNotContain(chamber.id());
  }

  @Test
  void aChamberThatHeedsSigtermIsNeverKilled() {
    Chamber chamber = h.running();
    h.host.calls.clear();
    h.service.destroy(chamber.id());
    assertThat(h.host.calls).contains("kill TERM").doesNotContain("kill KILL");
    assertThat(h.service.find(chamber.id())).isEmpty();
    h.assertNothingHeld(chamber.id());
  }

  @Test
  void destroyingAnEndedChamberForgetsIt() {
    Chamber chamber = h.running();
    h.host.exit(chamber.id(), 1);
    h.work.runAll();
    h.service.destroy(chamber.id());
    assertThat(h.service.find(chamber.id())).isEmpty();
    assertThatThrownBy(() -> h.service.destroy(chamber.id()))
        .isInstanceOf(ChamberNotFoundException.class);
  }

  static List<String> startSteps() {
    return FakeHost.START_STEPS;
  }

  @ParameterizedTest(name = "a failure to {0}")
  @MethodSource("startSteps")
  void aStartThatFailsAtAnyStepEndsFailedSayingWhichAndHoldsNothing(String step) {
    h.host.fail(step);
    Chamber chamber = h.create();
    assertThat(h.status(chamber.id())).isEqualTo(ChamberStatus.FAILED);
    assertThat(h.reason(chamber.id()))
        .startsWith("cannot ")
        .contains("injected failure of " + step);
    h.assertNothingHeld(chamber.id());
    assertThat(h.service.get(chamber.id()).exitCode())
        .as("a container created before the failure is killed, and its exit recorded")
        .isEqualTo(step.equals("start") ? java.util.Optional.of(137) : java.util.Optional.empty());
  }

  static List<String> teardownSteps() {
    return FakeHost.TEARDOWN_STEPS;
  }

  @ParameterizedTest(name = "a failure to {0}")
  @MethodSource("teardownSteps")
  void aTearDownThatFailsKeepsThePortWhileTheContainerMayLiveSaysSoAndIsRetried(String step) {
    Chamber chamber = h.running();
    String id = chamber.id();
    h.host.fail(step);
    h.host.exit(id, 1);
    h.work.runAll();
    assertThat(h.status(id)).isEqualTo(ChamberStatus.FAILED);
    assertThat(h.reason(id))
        .startsWith("tear-down incomplete")
        .contains("injected failure of " + step);
    boolean containerMayLive = step.equals("delete") || step.equals("cgroups");
    assertThat(h.ports.inUse()).isEqualTo(containerMayLive ? 1 : 0);
    assertThat(h.events())
        .extracting(EventRow::reason)
        .anySatisfy(r -> assertThat(r).startsWith("tear-down incomplete"));

    h.timing.tick("housekeeping");
    assertThat(h.host.heldFor(id)).as("still failing: kept").isNotEmpty();
    h.host.heal(step);
    h.timing.tick("housekeeping");
    h.assertNothingHeld(id);
    assertThat(h.service.get(id).reason()).isPresent();
  }

  @Test
  void aDestroyThatCannotReleaseEverythingKeepsTheChamberAndARetryFinishesIt() {
    Chamber chamber = h.running();
    h.host.fail("unmount");
    assertThatThrownBy(() -> h.service.destroy(chamber.id()))
        .isInstanceOf(TeardownIncompleteException.class)
        .hasMessageContaining("injected failure of unmount")
        .hasMessageContaining("retry the DELETE");
    assertThat(h.service.get(chamber.id()).reason().orElseThrow()).startsWith("destroy incomplete");
    h.host.heal("unmount");
    h.service.destroy(chamber.id());
    assertThat(h.service.find(chamber.id())).isEmpty();
    h.assertNothingHeld(chamber.id());
  }

  @Test
  void aDestroyThatCannotReleaseIsFinishedByHousekeeping() {
    Chamber chamber = h.running();
    h.host.fail("scratch");
    assertThatThrownBy(() -> h.service.destroy(chamber.id()))
        .isInstanceOf(TeardownIncompleteException.class);
    h.host.heal("scratch");
    h.timing.tick("housekeeping");
    assertThat(h.service.find(chamber.id())).isEmpty();
  }

  @Test
  void aProbeThatAnswersAfterItsChamberEndedChangesNothing() {
    Chamber chamber = h.running();
    h.wrappersAnswer = false;
    h.timing.fire("health checks"); // the probe is queued, not yet run
    h.host.exit(chamber.id(), 1); // the exit is queued after it
    h.work.runLatest(); // ... but handled first
    assertThat(h.status(chamber.id())).isEqualTo(ChamberStatus.FAILED);
    int events = h.events().size();
    h.work.runAll();
    assertThat(h.events()).hasSize(events);
    assertThat(h.service.get(chamber.id()).health()).isEqualTo(Health.UNKNOWN);
  }

  @Test
  void probesThatGetNoAnswerMakeItUnhealthyAndOneAnswerHealthyAgain() {
    Chamber chamber = h.running();
    h.wrappersAnswer = false;
    for (int i = 0; i < 3; i++) {
      h.timing.tick("health checks");
    }
    assertThat(h.service.get(chamber.id()).health()).isEqualTo(Health.UNHEALTHY);
    assertThat(h.events().getLast().kind()).isEqualTo("health");
    h.wrappersAnswer = true;
    h.timing.tick("health checks");
    assertThat(h.service.get(chamber.id()).health()).isEqualTo(Health.HEALTHY);
    assertThat(h.status(chamber.id())).isEqualTo(ChamberStatus.RUNNING);
  }

  @Test
  void aMonitorThatDiesWithoutRecordingAnExitFailsTheChamberAndKillsItsContainer() {
    Chamber chamber = h.running();
    h.host.monitors.remove(chamber.id());
    h.timing.tick("health checks");
    assertThat(h.status(chamber.id())).isEqualTo(ChamberStatus.FAILED);
    assertThat(h.reason(chamber.id())).isEqualTo(Lifecycle.MONITOR_LOST);
    assertThat(h.host.running).doesNotContain(chamber.id());
    h.assertNothingHeld(chamber.id());
  }

  @Test
  void anExitMissedByTheWatcherIsFoundByTheSweep() {
    Chamber chamber = h.running();
    h.host.watchExits(id -> {}); // notifications lost
    h.host.exit(chamber.id(), 0);
    h.work.runAll();
    assertThat(h.status(chamber.id())).isEqualTo(ChamberStatus.RUNNING);
    h.timing.tick("housekeeping");
    assertThat(h.status(chamber.id())).isEqualTo(ChamberStatus.STOPPED);
  }

  @Test
  void theOldestEndedChambersBeyondTheLimitAreForgotten() {
    for (int i = 0; i < 4; i++) {
      Chamber chamber = h.running();
      h.host.exit(chamber.id(), 0);
      h.work.runAll();
    }
    h.timing.tick("housekeeping");
    assertThat(h.service.list()).hasSize(3);
    assertThat(h.events().getLast().reason()).startsWith("forgotten: more than 3 ended chambers");
  }

  @Test
  void aFunctionInUseCannotBeDeleted() {
    Chamber chamber = h.running();
    assertThatThrownBy(() -> h.service.deleteFunction(LifecycleHarness.FUNCTION))
        .isInstanceOf(FunctionInUseException.class)
        .hasMessageContaining(chamber.id());
    h.service.destroy(chamber.id());
    h.service.deleteFunction(LifecycleHarness.FUNCTION);
    assertThat(h.images.functions).isEmpty();
  }

  @Test
  void aCreateThatCannotBeRecordedHoldsNoPortAndNothingIsKnownOfIt() {
    h.store.close();
    assertThatThrownBy(() -> h.service.create(ChamberSpec.of("app", "1", "python3")))
        .isInstanceOf(RuntimeException.class);
    assertThat(h.ports.inUse()).isZero();
    assertThat(h.service.list()).isEmpty();
    assertThat(h.work.pending()).isZero();
    h.store = dev.impulse.store.Store.open(dir.resolve("impulse.db"), 0);
  }

  @Test
  void statsExistOnlyWhileItRuns() {
    Chamber chamber = h.running();
    assertThat(h.service.stats(chamber.id()).pids()).isEqualTo(1);
    h.host.exit(chamber.id(), 0);
    h.work.runAll();
    assertThatThrownBy(() -> h.service.stats(chamber.id()))
        .isInstanceOf(ChamberNotRunningException.class);
  }

  @Test
  void eventsOfAChamberFollowItsLife() {
    Chamber chamber = h.running();
    h.service.destroy(chamber.id());
    assertThat(h.events())
        .extracting(e -> Map.entry(String.valueOf(e.from()), e.to()))
        .containsExactly(
            Map.entry("null", "STARTING"),
            Map.entry("STARTING", "RUNNING"),
            Map.entry("RUNNING", "STOPPING"),
            Map.entry("STOPPING", "STOPPED"),
            Map.entry("STOPPED", "DELETED"));
  }

  @Test
  void aRestartWaitsUntilTheFailedRunIsReleasedSoItsLateExitIsNeverTheNewRuns() {
    String id = h.running(SpecJsonFixtures.onFailure("app", "1", 2)).id();
    h.host.stuckMonitors.add(id); // run 1's conmon lingers after the exit
    h.host.exit(id, 1);
    h.work.runAll();
    h.timing.advance(Duration.ofSeconds(1));
    assertThat(h.status(id)).as("no restart while run 1 may live").isEqualTo(ChamberStatus.FAILED);
    h.host.stuckMonitors.remove(id);
    h.host.monitors.remove(id); // now it is gone
    h.timing.advance(Duration.ofSeconds(1));
    assertThat(h.status(id)).isEqualTo(ChamberStatus.RUNNING);
    h.timing.tick("housekeeping");
    assertThat(h.status(id)).isEqualTo(ChamberStatus.RUNNING);
  }

  @Test
  void aChamberWhoseTearDownIsStuckGetsOneSweepTaskNotOnePerSweep() {
    String id = h.running().id();
    h.host.fail("cgroups");
    h.host.exit(id, 1);
    h.work.runAll();
    for (int i = 0; i < 50; i++) {
      h.timing.fire("housekeeping");
    }
    assertThat(h.work.pending()).isLessThanOrEqualTo(1);
  }

  @Test
  void aDestroyAnswered503IsFinishedAfterADaemonRestartNotUndone() {
    String id = h.running(SpecJsonFixtures.onFailure("app", "1", 2)).id();
    h.host.exit(id, 1);
    h.work.runAll();
    h.host.fail("unmount");
    assertThatThrownBy(() -> h.service.destroy(id)).isInstanceOf(TeardownIncompleteException.class);
    h.host.heal("unmount");
    h = h.restart();
    h.timing.advance(Duration.ofSeconds(2));
    assertThat(h.service.find(id)).isEmpty();
  }

  @Test
  void aDestroyWhoseExitIsLearntLateIsStillFinished() {
    String id = h.running().id();
    h.host.watchExits(x -> {}); // the exit notification is lost
    h.host.ignoreTerm = true;
    h.host.fail("unmount");
    assertThatThrownBy(() -> h.service.destroy(id)).isInstanceOf(TeardownIncompleteException.class);
    h.host.heal("unmount");
    h.timing.tick("housekeeping");
    h.timing.tick("housekeeping");
    assertThat(h.service.find(id)).isEmpty();
  }
}
