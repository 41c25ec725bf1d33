package dev.impulse.chamber;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ProbeIntervalTest {
  private static final long MS = 1_000_000L;

  @Test
  void probesKeepTheirFirstPaceThroughTheFirstSecondOfAStart() {
    long interval = ChamberStarter.FIRST_PROBE_INTERVAL.toNanos();
    for (long at = 0; at < ChamberStarter.STEADY_PROBING.toNanos(); at += interval) {
      assertThat(ChamberStarter.nextProbeInterval(at, interval)).isEqualTo(interval);
    }
  }

  @Test
  void thenBackOffToTheLongestInterval() {
    long interval = ChamberStarter.FIRST_PROBE_INTERVAL.toNanos();
    long at = ChamberStarter.STEADY_PROBING.toNanos();
    long next = ChamberStarter.nextProbeInterval(at, interval);
    assertThat(next).isEqualTo(interval * 3 / 2);
    for (int i = 0; i < 20; i++) {
      next = ChamberStarter.nextProbeInterval(at + Duration.ofSeconds(i).toNanos(), next);
    }
    assertThat(next).isEqualTo(ChamberStarter.MAX_PROBE_INTERVAL.toNanos());
    assertThat(next).isEqualTo(100 * MS);
  }
}
