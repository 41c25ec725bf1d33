package dev.impulse.chamber;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.impulse.store.EventRow;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recovery at start-up, one test per row of the reconciliation table (README, Durability): what was
 * recorded, what the machine shows, and what the next daemon makes of it.
 */
class ChamberRecoveryTest {
  @TempDir Path dir;
  LifecycleHarness h;
  private final SpecJson specs = new SpecJson(new ObjectMapper());

  @BeforeEach
  void start() {
    h = new LifecycleHarness(dir).start();
  }

  @AfterEach
  void stop() {
    h.close();
  }

  private void restart() {
    h = h.restart();
  }

  @Test
  void aRunningChamberWhoseContainerRunsIsAdoptedAsItIs() {
    Chamber chamber = h.running();
    restart();
    assertThat(h.status(chamber.id())).isEqualTo(ChamberStatus.RUNNING);
    assertThat(h.host.calls).doesNotContain("prepare");
    assertThat(h.ports.inUse()).as("its port is reserved").isEqualTo(1);
    h.service.destroy(chamber.id());
    h.assertNothingHeld(chamber.id());
  }

  @Test
  void anInterruptedStartIsStartedAgainWithTheSameIdAndPort() {
    Chamber chamber = h.service.create(ChamberSpec.of("app", "1", "python3"));
    restart();
    Chamber again = h.service.get(chamber.id());
    assertThat(again.status()).isEqualTo(ChamberStatus.RUNNING);
    assertThat(again.port()).isEqualTo(chamber.port());
    assertThat(h.events())
        .extracting(EventRow::reason)
        .contains("starting again: a daemon restart interrupted its start");
  }

  @Test
  void aRunningChamberWhoseContainerEndedMeanwhileGetsTheExitCodeConmonRecorded() {
    Chamber chamber = h.running();
    h.host.watchExits(id -> {}); // the daemon is down: nobody hears the exit
    h.host.exit(chamber.id(), 0);
    h.host.containers.remove(chamber.id());
    restart();
    Chamber ended = h.service.get(chamber.id());
    assertThat(ended.status()).isEqualTo(ChamberStatus.STOPPED);
    assertThat(ended.exitCode()).contains(0);
    h.assertNothingHeld(chamber.id());
  }

  @Test
  void aRebootThatTookTheContainerFailsItWithTheExitCodeUnknown() {
    Chamber chamber = h.running();
    h.host.containers.clear();
    h.host.running.clear();
    h.host.monitors.clear();
    h.host.exitFiles.clear();
    h.host.recordedExits.clear();
    h.host.mounts.clear();
    h.host.cgroups.clear();
    h.host.rebooted = true;
    restart();
    Chamber lost = h.service.get(chamber.id());
    assertThat(lost.status()).isEqualTo(ChamberStatus.FAILED);
    assertThat(lost.reason())
        .contains("its container was lost when the node rebooted; the exit code is unknown");
    h.assertNothingHeld(chamber.id());
  }

  @Test
  void anInterruptedDestroyIsFinished() {
    Chamber chamber = h.running();
    record(chamber.moveTo(ChamberStatus.STOPPING, Optional.empty(), Optional.of("destroy")));
    restart();
    assertThat(h.service.find(chamber.id())).isEmpty();
    assertThat(h.events().getLast().to()).isEqualTo(ChamberEvent.DELETED);
    assertThat(h.events().getLast().reason()).startsWith("destroy finished at start-up");
    h.assertNothingHeld(chamber.id());
  }

  @Test
  void anEndedChamberStaysEndedAndReleased() {
    Chamber chamber = h.running();
    h.host.exit(chamber.id(), 3);
    h.work.runAll();
    restart();
    assertThat(h.status(chamber.id())).isEqualTo(ChamberStatus.FAILED);
    assertThat(h.service.get(chamber.id()).exitCode()).contains(3);
    h.assertNothingHeld(chamber.id());
  }

  @Test
  void aPendingRestartIsScheduledAgainByTheNextDaemon() {
    Chamber chamber = h.running(SpecJsonFixtures.onFailure("app", "1", 1));
    h.host.exit(chamber.id(), 1);
    h.work.runAll();
    restart();
    assertThat(h.status(chamber.id())).isEqualTo(ChamberStatus.FAILED);
    assertThat(h.ports.inUse()).as("its port stays reserved for the restart").isEqualTo(1);
    h.timing.advance(Duration.ofSeconds(1));
    assertThat(h.status(chamber.id())).isEqualTo(ChamberStatus.RUNNING);
    assertThat(h.service.get(chamber.id()).restarts()).isEqualTo(1);
  }

  @Test
  void aRunningContainerWithThisDaemonsLabelsButNoRecordIsAdopted() {
    ChamberSpec spec = ChamberSpec.of("app", "1", "python3");
    String id = "app-1-zzzzz";
    h.host.containers.add(id);
    h.host.running.add(id);
    h.host.labels.put(
        id,
        Map.of(
            "dev.impulse.daemon",
            dir.toString(),
            "dev.impulse.chamber",
            id,
            "dev.impulse.spec",
            specs.write(spec),
            "dev.impulse.port",
            "7005",
            "dev.impulse.created",
            "12"));
    restart();
    Chamber adopted = h.service.get(id);
    assertThat(adopted.status()).isEqualTo(ChamberStatus.RUNNING);
    assertThat(adopted.port()).isEqualTo(7005);
    assertThat(adopted.reason().orElseThrow()).startsWith("adopted at start-up");
  }

  @Test
  void aContainerOfAnotherDaemonIsLeftAlone() {
    h.host.containers.add("other-1-aaaaa");
    h.host.running.add("other-1-aaaaa");
    h.host.labels.put("other-1-aaaaa", Map.of("dev.impulse.daemon", "/elsewhere"));
    restart();
    assertThat(h.service.list()).isEmpty();
    assertThat(h.host.containers).contains("other-1-aaaaa");
    assertThat(h.host.removedUnknown).isEmpty();
  }

  @Test
  void aContainerOfThisDaemonThatCannotBeAdoptedIsRemoved() {
    h.host.containers.add("app-1-yyyyy");
    h.host.labels.put("app-1-yyyyy", Map.of("dev.impulse.daemon", dir.toString()));
    restart();
    assertThat(h.host.removedUnknown).containsExactly("app-1-yyyyy");
    assertThat(h.service.list()).isEmpty();
  }

  @Test
  void aChamberWhoseMonitorRunsUnderAnotherRootIsLeftAloneAndSaysSo() {
    Chamber chamber = h.running();
    h.host.containers.remove(chamber.id());
    h.host.running.remove(chamber.id());
    h.host.monitorsElsewhere.add(chamber.id());
    restart();
    assertThat(h.status(chamber.id())).isEqualTo(ChamberStatus.RUNNING);
    assertThat(h.reason(chamber.id()))
        .startsWith("its container is not in this daemon's runc root");
    assertThat(h.host.mounts).contains(chamber.id());
    assertThat(h.ports.inUse()).isEqualTo(1);
  }

  @Test
  void leftoversNoRecordOwnsAreRemoved() {
    h.host.dirs.add("ghost-1-aaaaa");
    h.host.mounts.add("ghost-1-aaaaa");
    h.host.exitFiles.put("ghost-1-aaaaa", 0);
    restart();
    assertThat(h.host.dirs).doesNotContain("ghost-1-aaaaa");
    assertThat(h.host.mounts).doesNotContain("ghost-1-aaaaa");
    assertThat(h.host.exitFiles).doesNotContainKey("ghost-1-aaaaa");
  }

  /** Writes {@code chamber} to the store as it is, as a daemon cut short would have left it. */
  private void record(Chamber chamber) {
    ChamberRegistry registry = new ChamberRegistry(h.store, specs, InstantSource.system());
    h.store.saveChamber(registry.row(chamber), Optional.empty());
  }
}
