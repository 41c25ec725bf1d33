package dev.impulse.chamber;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class ExitOutcomeTest {
  @Test
  void exitZeroIsStopped() {
    assertThat(ExitOutcome.of(0, false, Optional.empty(), false))
        .isEqualTo(new ExitOutcome(ChamberStatus.STOPPED, "exited with code 0"));
  }

  @Test
  void aNonZeroExitIsFailedWithItsCode() {
    assertThat(ExitOutcome.of(5, false, Optional.empty(), false))
        .isEqualTo(new ExitOutcome(ChamberStatus.FAILED, "exited with code 5"));
  }

  @Test
  void aSignalIsNamed() {
    assertThat(ExitOutcome.of(137, false, Optional.empty(), false).reason())
        .isEqualTo("killed by signal 9 (SIGKILL)");
  }

  @Test
  void theOomKillerWinsOverTheSignal() {
    assertThat(ExitOutcome.of(137, true, Optional.empty(), false))
        .isEqualTo(new ExitOutcome(ChamberStatus.FAILED, "OOMKilled"));
  }

  @Test
  void theWrappersLastWordsAreTheReason() {
    assertThat(
            ExitOutcome.of(3, false, Optional.of("guest import failed: SyntaxError: x\n"), false))
        .isEqualTo(new ExitOutcome(ChamberStatus.FAILED, "guest import failed: SyntaxError: x"));
  }

  @Test
  void anyEndOfADestroyedChamberIsStopped() {
    assertThat(ExitOutcome.of(143, false, Optional.empty(), true))
        .isEqualTo(new ExitOutcome(ChamberStatus.STOPPED, "destroyed"));
    assertThat(ExitOutcome.of(137, true, Optional.empty(), true).status())
        .isEqualTo(ChamberStatus.STOPPED);
  }
}
