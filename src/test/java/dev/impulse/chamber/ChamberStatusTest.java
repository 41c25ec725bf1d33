package dev.impulse.chamber;

import static dev.impulse.chamber.ChamberStatus.FAILED;
import static dev.impulse.chamber.ChamberStatus.RUNNING;
import static dev.impulse.chamber.ChamberStatus.STARTING;
import static dev.impulse.chamber.ChamberStatus.STOPPED;
import static dev.impulse.chamber.ChamberStatus.STOPPING;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class ChamberStatusTest {
  @Test
  void aStartingChamberCanBecomeReadyFailOrBeStopped() {
    assertThat(STARTING.canBecome(RUNNING)).isTrue();
    assertThat(STARTING.canBecome(FAILED)).isTrue();
    assertThat(STARTING.canBecome(STOPPING)).isTrue();
    assertThat(STARTING.canBecome(STOPPED)).isTrue();
  }

  @Test
  void aRunningChamberNeverGoesBackToStarting() {
    assertThat(RUNNING.canBecome(STARTING)).isFalse();
    assertThat(RUNNING.canBecome(RUNNING)).isFalse();
    assertThat(STOPPING.canBecome(RUNNING)).isFalse();
  }

  @Test
  void onlyARestartLeavesAnEndedStatus() {
    for (ChamberStatus end : new ChamberStatus[] {STOPPED, FAILED}) {
      assertThat(end.isTerminal()).isTrue();
      assertThat(end.canBecome(STARTING)).isTrue();
      assertThat(end.canBecome(RUNNING)).isFalse();
      assertThat(end.canBecome(STOPPING)).isFalse();
    }
  }

  @Test
  void aChamberRefusesAnIllegalMove() {
    Chamber running =
        Chamber.starting("a-1-abcde", ChamberSpec.of("a", "1", "python3"), 6000, 1)
            .moveTo(RUNNING, Optional.empty(), Optional.empty());
    assertThatThrownBy(() -> running.moveTo(RUNNING, Optional.empty(), Optional.empty()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("cannot go from RUNNING to RUNNING");
  }
}
